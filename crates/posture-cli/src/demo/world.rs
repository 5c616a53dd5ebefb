//! The demo's world on loopback: the exposed services, the scanner that
//! sees them, and the portfolio built from the scans.

use super::internal;
use super::output::ScanSummary;
use crate::error::CliError;
use crate::scan_cmd::ScanOutput;
use posture::csr::{DomainEntry, Vendor};
use posture::host::Scanner;
use posture::{Portfolio, Timestamp};
use posture_sandbox::sample::{DNSBL_ZONE, SampleOrg, SampleWorld};
use posture_sandbox::{ClosedPort, TcpService};
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

/// The demo's scanner: the sandbox resolver, the services' ports and what
/// each means (`PORT=ISSUE`), the sample's blocklist zone.
pub(super) fn scanner(
    nameserver: SocketAddr,
    ports: &[(u16, String)],
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
    Ok(s)
}

pub(super) fn summary(org: &SampleOrg, services: &Services, s: &ScanOutput) -> ScanSummary {
    ScanSummary {
        id: org.id.clone(),
        targets: s.targets.clone(),
        services: services.listening(&org.id),
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
