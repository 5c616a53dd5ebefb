//! The demo's world on loopback: the exposed services, the scanner that
//! sees them, and the portfolio built from the scans.

use super::internal;
use super::output::ScanSummary;
use crate::error::CliError;
use crate::scan_cmd::ScanOutput;
use posture::csr::{DomainEntry, Vendor};
use posture::host::Scanner;
use posture::{Portfolio, Timestamp};
use posture_sandbox::sample::{CertState, DNSBL_ZONE, SampleOrg, SampleWorld};
use posture_sandbox::{CertSpec, ClosedPort, TcpService, TestCa, WebServer, same_port};
use std::collections::BTreeMap;
use std::net::SocketAddr;

/// The sample's exposed services, and the same ports held closed on every
/// other organisation's address.
///
/// One port list, `PORT=ISSUE`, is probed on every address, as a scanner
/// probes one list everywhere. Each service listens on its organisation's
/// address on a port the OS chose; that port is bound (not listening) on
/// every other organisation's address, so a probe there is refused and no
/// other process on the machine (another demo, say) can listen there and
/// change the answer. A closed service's port is held closed the same way.
pub(super) struct Services {
    open: BTreeMap<(String, String), TcpService>,
    closed: Vec<ClosedPort>,
    /// (port, issue): the one list probed everywhere.
    pub(super) ports: Vec<(u16, String)>,
}

impl Services {
    pub(super) fn start(
        rt: &tokio::runtime::Runtime,
        sample: &SampleWorld,
    ) -> Result<Self, CliError> {
        let mut s = Services {
            open: BTreeMap::new(),
            closed: Vec::new(),
            ports: Vec::new(),
        };
        for o in sample.orgs() {
            for issue in &o.services {
                // A port that cannot be held on every other address is
                // kept bound while trying again, so the OS picks another.
                let mut rejected = Vec::new();
                loop {
                    let svc = rt
                        .block_on(TcpService::start(o.address.into()))
                        .map_err(|e| internal("starting a service")(e.to_string()))?;
                    let port = svc.addr().port();
                    let held: Result<Vec<ClosedPort>, _> = sample
                        .orgs()
                        .filter(|x| x.id != o.id)
                        .map(|x| ClosedPort::reserve(x.address.into(), port))
                        .collect();
                    match held {
                        Ok(held) if !s.ports.iter().any(|(p, _)| *p == port) => {
                            s.closed.extend(held);
                            s.ports.push((port, issue.clone()));
                            s.open.insert((o.id.clone(), issue.clone()), svc);
                            break;
                        }
                        _ if rejected.len() >= 16 => {
                            return Err(CliError::Internal(
                                "demo: no port free on every sample address after 16 tries".into(),
                            ));
                        }
                        _ => rejected.push(svc),
                    }
                }
            }
        }
        Ok(s)
    }

    /// The services listening on `org`'s address, `PORT=ISSUE`.
    pub(super) fn listening(&self, org: &str) -> Vec<String> {
        self.open
            .iter()
            .filter(|((id, _), _)| id == org)
            .map(|((_, issue), svc)| format!("{}={issue}", svc.addr().port()))
            .collect()
    }

    /// Stops `org`'s `issue` service and holds its port closed. Returns
    /// whether there was such a service.
    pub(super) fn close(
        &mut self,
        rt: &tokio::runtime::Runtime,
        org: &str,
        issue: &str,
    ) -> Result<bool, CliError> {
        let Some(svc) = self.open.remove(&(org.to_owned(), issue.to_owned())) else {
            return Ok(false);
        };
        let addr = svc.addr();
        rt.block_on(svc.close());
        let held = ClosedPort::reserve(addr.ip(), addr.port())
            .map_err(|e| internal("holding a closed port")(e.to_string()))?;
        self.closed.push(held);
        Ok(true)
    }
}

/// The sample's web sites: HTTPS and HTTP servers on the addresses of the
/// organisations that run one, certificates from a CA made for this run
/// (the scanner trusts it, and only it), and the same two ports held closed
/// on every other address. The SMTP port is held closed everywhere: the
/// sample's mail exchangers run no SMTP server.
pub(super) struct Sites {
    ca: TestCa,
    servers: BTreeMap<String, (WebServer, WebServer)>,
    _closed: Vec<ClosedPort>,
    /// The HTTPS port of every address.
    pub(super) https: u16,
    /// The HTTP port of every address.
    pub(super) http: u16,
    /// The SMTP port of every address (closed).
    pub(super) smtp: u16,
}

impl Sites {
    pub(super) fn start(
        rt: &tokio::runtime::Runtime,
        sample: &SampleWorld,
    ) -> Result<Self, CliError> {
        let ca = TestCa::new("Posture Demo Root CA")
            .map_err(|e| internal("the demo CA")(e.to_string()))?;
        let ips: Vec<std::net::IpAddr> = sample.orgs().map(|o| o.address.into()).collect();
        let bind = |what: &'static str| {
            rt.block_on(same_port(&ips))
                .map_err(move |e| internal(what)(e.to_string()))
        };
        let (secure, plain, mail) = (
            bind("HTTPS ports")?,
            bind("HTTP ports")?,
            bind("SMTP ports")?,
        );
        let port = |l: &[tokio::net::TcpListener]| {
            l.first()
                .and_then(|l| l.local_addr().ok())
                .map(|a| a.port())
                .ok_or_else(|| CliError::Internal("demo: no port bound".into()))
        };
        let (https, http, smtp) = (port(&secure)?, port(&plain)?, port(&mail)?);
        let mut sites = Sites {
            ca,
            servers: BTreeMap::new(),
            _closed: Vec::new(),
            https,
            http,
            smtp,
        };
        // Listeners are dropped where nothing should listen, then the port
        // is held closed there.
        drop(mail);
        let _guard = rt.enter();
        for ((o, s), p) in sample.orgs().zip(secure).zip(plain) {
            match &o.web {
                Some(_) => {
                    let (site, plain_site, id) = sites.content(o)?;
                    let a = WebServer::serve(s, site, Some(&id))
                        .map_err(|e| internal("an HTTPS site")(e.to_string()))?;
                    let b = WebServer::serve(p, plain_site, None)
                        .map_err(|e| internal("an HTTP site")(e.to_string()))?;
                    sites.servers.insert(o.id.clone(), (a, b));
                }
                None => {
                    drop((s, p));
                    for port in [https, http] {
                        sites._closed.push(
                            ClosedPort::reserve(o.address.into(), port)
                                .map_err(|e| internal("holding a port closed")(e.to_string()))?,
                        );
                    }
                }
            }
            sites._closed.push(
                ClosedPort::reserve(o.address.into(), smtp)
                    .map_err(|e| internal("holding a port closed")(e.to_string()))?,
            );
        }
        // Nothing listens at the storefront hosts either.
        for o in sample.orgs() {
            for port in [https, http, smtp] {
                if let Ok(held) = ClosedPort::reserve(o.storefront().into(), port) {
                    sites._closed.push(held);
                }
            }
        }
        Ok(sites)
    }

    /// An organisation's sites and certificate, from its web profile.
    fn content(
        &self,
        o: &SampleOrg,
    ) -> Result<
        (
            posture_sandbox::Site,
            posture_sandbox::Site,
            posture_sandbox::Identity,
        ),
        CliError,
    > {
        let web = o
            .web
            .as_ref()
            .ok_or_else(|| CliError::Internal(format!("demo: `{}` runs no site", o.id)))?;
        let domain = o.domain_names().first().cloned().unwrap_or_default();
        let names: Vec<String> = o
            .domain_names()
            .iter()
            .flat_map(|d| [d.clone(), format!("www.{d}")])
            .collect();
        let refs: Vec<&str> = names.iter().map(String::as_str).collect();
        let spec = match web.certificate {
            CertState::Valid => CertSpec::new(&refs),
            CertState::Expired => CertSpec::new(&refs).expired(),
            _ => CertSpec::new(&refs),
        };
        let id = self
            .ca
            .issue(&spec)
            .map_err(|e| internal("a certificate")(e.to_string()))?;
        Ok((web.site(&domain), web.plain_site(&domain), id))
    }

    /// Serves `org`'s site as its profile now says (after a fix).
    pub(super) fn refresh(&self, sample: &SampleWorld, org: &str) -> Result<(), CliError> {
        let (Some(o), Some((secure, plain))) = (sample.org(org), self.servers.get(org)) else {
            return Ok(());
        };
        let (site, plain_site, id) = self.content(o)?;
        secure
            .set(site, Some(&id))
            .map_err(|e| internal("updating a site")(e.to_string()))?;
        plain.set_site(plain_site);
        Ok(())
    }

    /// The sites `org` runs, as URLs.
    pub(super) fn urls(&self, org: &SampleOrg) -> Vec<String> {
        if !self.servers.contains_key(&org.id) {
            return Vec::new();
        }
        vec![
            format!("https://{}:{}/", org.address, self.https),
            format!("http://{}:{}/", org.address, self.http),
        ]
    }

    /// The root the scanner trusts.
    pub(super) fn root(&self) -> Vec<u8> {
        self.ca.der().to_vec()
    }
}

/// The demo's scanner: the sandbox resolver, the services' ports and what
/// each means (`PORT=ISSUE`), the sample's blocklist zone.
pub(super) fn scanner(
    nameserver: SocketAddr,
    ports: &[(u16, String)],
    sites: &Sites,
) -> Result<Scanner, CliError> {
    let list: Vec<String> = ports.iter().map(|(p, i)| format!("{p}={i}")).collect();
    let (ports, rules) = posture::host::parse_ports(&list.join(","))
        .map_err(|e| internal("ports")(e.to_string()))?;
    let mut s = Scanner::default().with_ports(ports, rules);
    s.config.policy.nameserver = Some(nameserver);
    // The demo's world is on loopback, and so is everything it connects to.
    s.config.policy.connect_within = Some(vec![ipnetwork::IpNetwork::V4(
        ipnetwork::Ipv4Network::new(std::net::Ipv4Addr::LOCALHOST, 8)
            .map_err(|e| internal("loopback network")(e.to_string()))?,
    )]);
    s.config.dnsbl_zones = vec![DNSBL_ZONE.to_owned()];
    s.config.https_port = sites.https;
    s.config.http_port = sites.http;
    s.config.smtp_port = sites.smtp;
    s.config.extra_roots = vec![sites.root()];
    s.config.platform_roots = false;
    Ok(s)
}

pub(super) fn summary(
    org: &SampleOrg,
    services: &Services,
    sites: &Sites,
    s: &ScanOutput,
) -> ScanSummary {
    ScanSummary {
        id: org.id.clone(),
        targets: s.targets.clone(),
        services: services.listening(&org.id),
        sites: sites.urls(org),
        ports: services
            .ports
            .iter()
            .map(|(p, i)| format!("{p}={i}"))
            .collect(),
        observations: s.observations.len(),
        facts: s.observations.iter().filter(|x| x.fact().is_some()).count(),
        inconclusive: s.inconclusive.clone(),
        findings: s.findings.findings.len(),
        queries: s.queries,
    }
}

/// One organisation's scan as portfolio domain entries (the host API's
/// split).
pub(super) fn domain_entries(org: &SampleOrg, scan: &ScanOutput) -> Vec<DomainEntry> {
    posture::host::domain_entries(&org.domain_names(), &scan.findings)
}

pub(super) fn portfolio(
    sample: &SampleWorld,
    scans: &BTreeMap<String, ScanOutput>,
    as_of: Timestamp,
) -> Result<Portfolio, CliError> {
    let scan_of = |id: &str| {
        scans
            .get(id)
            .ok_or_else(|| CliError::Internal(format!("demo: no scan of `{id}`")))
    };
    let mut vendors = Vec::new();
    for v in &sample.vendors {
        let criticality = serde_json::from_value(serde_json::Value::String(v.criticality.clone()))
            .map_err(|e| internal("criticality")(e.to_string()))?;
        vendors.push(Vendor {
            id: v.id.clone(),
            name: v.name.clone(),
            in_use: v.in_use,
            criticality,
            domains: domain_entries(v, scan_of(&v.id)?),
            questionnaire_risks: Vec::new(),
        });
    }
    Ok(Portfolio {
        organization: sample.requester.name.clone(),
        as_of,
        domains: domain_entries(&sample.requester, scan_of(&sample.requester.id)?),
        vendors,
    })
}
