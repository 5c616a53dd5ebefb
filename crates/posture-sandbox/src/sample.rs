//! The sample world `posture demo` scans: a requesting organisation and its
//! vendors, each described as a posture ([`DomainProfile`]) that renders to
//! DNS records, and each able to *fix* an issue the way its administrators
//! would (a stricter SPF record, a DMARC policy, a CAA record, a closed
//! port).
//!
//! Everything is fictional and local: names under `.example` (RFC 2606),
//! name-server addresses from the documentation ranges (RFC 5737, never
//! contacted), and every organisation's own address a distinct loopback
//! address (127.0.0.2, 127.0.0.3, …) so that their listening services do not
//! see each other.
//!
//! ```
//! use posture_sandbox::sample::SampleWorld;
//! let mut sample = SampleWorld::standard();
//! let shipfast = sample.org("shipfast").unwrap();
//! assert!(shipfast.services.contains(&"service_redis".to_string()));
//! let before = sample.world();
//! assert!(before.records("_dmarc.shipfast.example").is_empty());
//!
//! // The vendor fixes its missing DMARC record: the zone changes.
//! sample.fix("shipfast", "dmarc_missing", "shipfast.example").unwrap();
//! assert_eq!(sample.world().records("_dmarc.shipfast.example").len(), 1);
//!
//! // An issue the sample does not know how to fix is an error, not a no-op.
//! assert!(sample.fix("shipfast", "leaked_credentials", "shipfast.example").is_err());
//! ```

use crate::world::{Fault, RecordValue, World};
use std::net::Ipv4Addr;

/// A 512-bit RSA public key (SubjectPublicKeyInfo, base64): weak for DKIM.
const RSA512: &str = "MFwwDQYJKoZIhvcNAQEBBQADSwAwSAJBAMMwiTuKRYKpYvBcoNa6ovGI0F1pYryIxQgQgQhU2daf25OQDq3B34UNNNaMjgYWEh3XsGESnT72+eNM28wynyUCAwEAAQ==";
/// A 1024-bit RSA public key (SubjectPublicKeyInfo, base64).
const RSA1024: &str = "MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDERuBfJzhohalvSx1bWjMFQzMwWsyEby0AQYbpBKrR4nbtmSEmVdz9uChV1uLyasESr8QhZ3EUyHieK/4CP/yt/doMGApPho5JE3gGFP2QPcpdlQethqMIE8goE+vfwgyP8Zy4cf3zRci8+53wpz6DTNRXWM+xluo5smJiyd2ewQIDAQAB";

/// The DNSBL zone the sample world serves (consult it with `--dnsbl`).
pub const DNSBL_ZONE: &str = "dnsbl.sample.example";

/// The DKIM selector the sample's domains publish their keys under.
pub const DKIM_SELECTOR: &str = "s1";

/// How a domain's `www.` name is set up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Www {
    /// `www` has an address record.
    Address,
    /// `www` is a CNAME to a name that does not exist (a takeover risk).
    Dangling,
    /// `www` has an address record for the organisation's storefront host
    /// ([`SampleOrg::storefront`]), where nothing listens: how a vendor
    /// fixes a dangling alias without exposing anything new.
    Storefront,
    /// No `www` name.
    Absent,
}

/// How a domain's name servers are set up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Nameservers {
    /// Two name servers in different /24 networks.
    Diverse,
    /// Two name servers in one /24.
    SameNetwork,
    /// A single name server.
    Single,
}

/// A DKIM key published at [`DKIM_SELECTOR`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Dkim {
    /// A 1024-bit RSA key.
    Rsa1024,
    /// A 512-bit RSA key (weak).
    Rsa512,
}

/// The state of a site's certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum CertState {
    /// Issued by the sample's CA, valid, for the domain and its `www.`.
    Valid,
    /// Issued by the sample's CA, but expired.
    Expired,
}

/// The web site an organisation runs on its address (HTTPS on the scan's
/// HTTPS port, HTTP on its HTTP port), for all its domains and their
/// `www.` names. The host that runs the sample turns it into a server
/// ([`WebProfile::site`], [`WebProfile::plain_site`]).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct WebProfile {
    /// Its certificate.
    pub certificate: CertState,
    /// HTTP answers with a redirect to HTTPS (else it serves the page).
    pub redirect: bool,
    /// Strict-Transport-Security, one year.
    pub hsts: bool,
    /// Content-Security-Policy with `frame-ancestors`.
    pub csp: bool,
    /// X-Frame-Options: DENY.
    pub frame_options: bool,
    /// X-Content-Type-Options: nosniff.
    pub nosniff: bool,
    /// `Server` names no version.
    pub quiet_server: bool,
    /// `/.well-known/security.txt`.
    pub security_txt: bool,
}

impl WebProfile {
    /// Everything a careful site sends.
    pub fn well_kept() -> WebProfile {
        WebProfile {
            certificate: CertState::Valid,
            redirect: true,
            hsts: true,
            csp: true,
            frame_options: true,
            nosniff: true,
            quiet_server: true,
            security_txt: true,
        }
    }

    /// An expired certificate, no security headers, a chatty `Server`, no
    /// redirect, no security.txt.
    pub fn neglected() -> WebProfile {
        WebProfile {
            certificate: CertState::Expired,
            redirect: false,
            hsts: false,
            csp: false,
            frame_options: false,
            nosniff: false,
            quiet_server: false,
            security_txt: false,
        }
    }

    fn page(&self, https: bool) -> crate::Page {
        let mut p = crate::Page::ok(
            "<!doctype html><html><head><title>Welcome</title></head><body><h1>Welcome</h1></body></html>",
        )
        .header("Content-Type", "text/html; charset=utf-8")
        .header(
            "Server",
            if self.quiet_server {
                "nginx"
            } else {
                "nginx/1.18.0 (Ubuntu)"
            },
        );
        if self.hsts && https {
            p = p.header(
                "Strict-Transport-Security",
                "max-age=31536000; includeSubDomains",
            );
        }
        if self.csp {
            p = p.header(
                "Content-Security-Policy",
                "default-src 'self'; frame-ancestors 'none'",
            );
        }
        if self.frame_options {
            p = p.header("X-Frame-Options", "DENY");
        }
        if self.nosniff {
            p = p.header("X-Content-Type-Options", "nosniff");
        }
        p
    }

    fn with_files(&self, site: crate::Site, domain: &str) -> crate::Site {
        if self.security_txt {
            site.route(
                "/.well-known/security.txt",
                crate::Page::ok(format!(
                    "Contact: mailto:security@{domain}\nExpires: 2030-01-01T00:00:00Z\n"
                ))
                .header("Content-Type", "text/plain"),
            )
        } else {
            site
        }
    }

    /// The HTTPS site.
    pub fn site(&self, domain: &str) -> crate::Site {
        self.with_files(crate::Site::new().route("/", self.page(true)), domain)
    }

    /// The HTTP site: a redirect to HTTPS, or the page itself.
    pub fn plain_site(&self, domain: &str) -> crate::Site {
        if self.redirect {
            crate::Site::new().fallback(crate::Page::redirect(301, &format!("https://{domain}/")))
        } else {
            self.with_files(crate::Site::new().route("/", self.page(false)), domain)
        }
    }

    /// Applies the remedy for a web issue; `false` when it is not one or
    /// is already fixed.
    fn fix(&mut self, issue: &str) -> bool {
        let before = self.clone();
        match issue {
            "tls_certificate_expired" => self.certificate = CertState::Valid,
            "http_no_redirect" => self.redirect = true,
            "hsts_missing" | "hsts_short_max_age" => self.hsts = true,
            "csp_missing" => self.csp = true,
            "x_frame_options_missing" => self.frame_options = true,
            "x_content_type_options_missing" => self.nosniff = true,
            "server_version_disclosed" => self.quiet_server = true,
            "security_txt_missing" => self.security_txt = true,
            _ => {}
        }
        *self != before
    }
}

/// One domain's posture: what its zone publishes.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct DomainProfile {
    /// The domain name.
    pub name: String,
    /// The SPF TXT record, if any.
    pub spf: Option<String>,
    /// The `_dmarc` TXT record, if any.
    pub dmarc: Option<String>,
    /// An MX record (to `mail.` the domain).
    pub mx: bool,
    /// A CAA record.
    pub caa: bool,
    /// DS and DNSKEY records.
    pub dnssec: bool,
    /// An MTA-STS TXT record.
    pub mta_sts: bool,
    /// A TLS-RPT TXT record.
    pub tls_rpt: bool,
    /// A DKIM key.
    pub dkim: Option<Dkim>,
    /// Name servers.
    pub nameservers: Nameservers,
    /// The `www.` name.
    pub www: Www,
    /// Names under the domain whose queries fail (a broken server of the
    /// vendor's): their checks come out inconclusive, never as findings.
    pub faults: Vec<(String, Fault)>,
}

impl DomainProfile {
    /// A domain configured as a careful administrator would: SPF `-all`,
    /// DMARC `p=reject` with reports, MX, CAA, DNSSEC, MTA-STS, TLS-RPT, a
    /// 1024-bit DKIM key, two name servers on different networks, `www`.
    pub fn hardened(name: &str) -> Self {
        DomainProfile {
            name: name.to_owned(),
            spf: Some(strict_spf()),
            dmarc: Some(strict_dmarc(name)),
            mx: true,
            caa: true,
            dnssec: true,
            mta_sts: true,
            tls_rpt: true,
            dkim: Some(Dkim::Rsa1024),
            nameservers: Nameservers::Diverse,
            www: Www::Address,
            faults: Vec::new(),
        }
    }

    /// Renders the domain's records; `address` is its organisation's host.
    fn render(&self, address: Ipv4Addr, storefront: Ipv4Addr, ns_net: u8, w: &mut World) {
        let d = &self.name;
        w.add(d, RecordValue::A(address));
        if let Some(spf) = &self.spf {
            w.txt(d, spf);
        }
        // Something that is not SPF, as real zones have.
        w.txt(d, &format!("site-verification={}", d.len() * 7919));
        if let Some(dmarc) = &self.dmarc {
            w.txt(&format!("_dmarc.{d}"), dmarc);
        }
        if self.mx {
            w.add(d, RecordValue::Mx(10, format!("mail.{d}")));
            w.add(&format!("mail.{d}"), RecordValue::A(address));
        }
        if self.caa {
            w.add(d, RecordValue::CaaIssue("letsencrypt.org".into()));
        }
        if self.dnssec {
            w.add(d, RecordValue::Ds(vec![0x4e, 0x21, 13, 2, 0xab, 0xcd]));
            w.add(d, RecordValue::Dnskey(vec![1, 1, 3, 13, 0x5a, 0xc3]));
        }
        if self.mta_sts {
            w.txt(&format!("_mta-sts.{d}"), "v=STSv1; id=20261101T000000");
        }
        if self.tls_rpt {
            w.txt(
                &format!("_smtp._tls.{d}"),
                &format!("v=TLSRPTv1; rua=mailto:tlsrpt@{d}"),
            );
        }
        if let Some(k) = self.dkim {
            let key = match k {
                Dkim::Rsa1024 => RSA1024,
                Dkim::Rsa512 => RSA512,
            };
            w.txt(
                &format!("{DKIM_SELECTOR}._domainkey.{d}"),
                &format!("v=DKIM1; k=rsa; p={key}"),
            );
        }
        // Name servers: documentation addresses, never contacted.
        let ns: Vec<(String, Ipv4Addr)> = match self.nameservers {
            Nameservers::Diverse => vec![
                (format!("ns1.{d}"), Ipv4Addr::new(192, 0, 2, ns_net)),
                (format!("ns2.{d}"), Ipv4Addr::new(198, 51, 100, ns_net)),
            ],
            Nameservers::SameNetwork => vec![
                (format!("ns1.{d}"), Ipv4Addr::new(203, 0, 113, ns_net)),
                (
                    format!("ns2.{d}"),
                    Ipv4Addr::new(203, 0, 113, ns_net.wrapping_add(1)),
                ),
            ],
            Nameservers::Single => vec![(format!("ns1.{d}"), Ipv4Addr::new(192, 0, 2, ns_net))],
        };
        for (host, ip) in ns {
            w.add(d, RecordValue::Ns(host.clone()));
            w.add(&host, RecordValue::A(ip));
        }
        match self.www {
            Www::Address => {
                w.add(&format!("www.{d}"), RecordValue::A(address));
            }
            Www::Dangling => {
                w.add(
                    &format!("www.{d}"),
                    RecordValue::Cname(format!("{}-shop.storefront.example", d.replace('.', "-"))),
                );
            }
            Www::Storefront => {
                w.add(&format!("www.{d}"), RecordValue::A(storefront));
            }
            Www::Absent => {}
        }
        for (name, fault) in &self.faults {
            w.fault_exact(name, *fault);
        }
    }

    /// Applies the remedy for `issue` on `asset` (the domain or its `www.`
    /// name). Returns `false` when there is nothing to fix: the issue has no
    /// DNS remedy here, or the remedy changes nothing (already fixed).
    fn fix(&mut self, issue: &str, asset: &str) -> bool {
        let before = self.clone();
        let www = format!("www.{}", self.name);
        if asset.eq_ignore_ascii_case(&www) {
            if issue == "dangling_cname" {
                self.www = Www::Storefront;
            }
            return *self != before;
        }
        if !asset.eq_ignore_ascii_case(&self.name) {
            return false;
        }
        match issue {
            "spf_missing"
            | "spf_multiple_records"
            | "spf_permerror"
            | "spf_too_many_lookups"
            | "spf_permissive_all"
            | "spf_softfail_all"
            | "spf_ptr_mechanism" => self.spf = Some(strict_spf()),
            "dmarc_missing" | "dmarc_invalid" | "dmarc_policy_none" | "dmarc_partial_pct"
            | "dmarc_no_reporting" => self.dmarc = Some(strict_dmarc(&self.name)),
            "mx_missing" => self.mx = true,
            "caa_missing" => self.caa = true,
            "dnssec_missing" => self.dnssec = true,
            "mta_sts_missing" => self.mta_sts = true,
            "tls_rpt_missing" => self.tls_rpt = true,
            "dkim_weak_key" => self.dkim = Some(Dkim::Rsa1024),
            "single_nameserver" | "nameservers_same_network" => {
                self.nameservers = Nameservers::Diverse
            }
            // The apex is never a CNAME in the sample; other issue types
            // have no DNS remedy.
            _ => {}
        }
        *self != before
    }
}

fn strict_spf() -> String {
    "v=spf1 mx -all".to_owned()
}

fn strict_dmarc(domain: &str) -> String {
    format!("v=DMARC1; p=reject; rua=mailto:dmarc@{domain}")
}

/// One organisation of the sample: its domains, its loopback address and
/// the services listening there.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SampleOrg {
    /// Stable id (the workflow's organisation id, the portfolio's vendor id).
    pub id: String,
    /// Display name.
    pub name: String,
    /// Its domains.
    pub domains: Vec<DomainProfile>,
    /// Its host: a loopback address of its own.
    pub address: Ipv4Addr,
    /// Issue types of the services listening on its address (e.g.
    /// `service_redis`); the host that runs the sample starts one TCP
    /// listener per entry on a port chosen at run time.
    pub services: Vec<String>,
    /// Whether its address is listed in [`DNSBL_ZONE`].
    pub blocklisted: bool,
    /// For vendors: whether the requester uses it.
    pub in_use: bool,
    /// For vendors: `critical`, `high`, `medium` or `low`.
    pub criticality: String,
    /// For vendors: the security contact's name and corporate e-mail.
    pub contact: Option<(String, String)>,
    /// The web site on its address, if it runs one.
    pub web: Option<WebProfile>,
}

impl SampleOrg {
    /// The scan targets: every domain, then the address.
    pub fn targets(&self) -> Vec<String> {
        self.domains
            .iter()
            .map(|d| d.name.clone())
            .chain(std::iter::once(self.address.to_string()))
            .collect()
    }

    /// Its storefront host: 100 above its address's last octet on
    /// loopback (127.0.0.107 for 127.0.0.7), where nothing listens.
    pub fn storefront(&self) -> Ipv4Addr {
        let [a, b, c, d] = self.address.octets();
        Ipv4Addr::new(a, b, c, d.wrapping_add(100))
    }

    /// The domain names.
    pub fn domain_names(&self) -> Vec<String> {
        self.domains.iter().map(|d| d.name.clone()).collect()
    }
}

/// Why the sample cannot apply a fix.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SampleError {
    /// No organisation with that id.
    #[error("the sample has no organisation `{0}`")]
    UnknownOrg(String),
    /// The organisation has no remedy for that issue on that asset.
    #[error("`{org}` has no remedy for `{issue}` on `{asset}`")]
    NoRemedy {
        /// Organisation.
        org: String,
        /// Issue type.
        issue: String,
        /// Asset.
        asset: String,
    },
}

impl SampleError {
    /// A stable machine code.
    pub fn code(&self) -> &'static str {
        match self {
            SampleError::UnknownOrg(_) => "unknown_org",
            SampleError::NoRemedy { .. } => "no_remedy",
        }
    }
}

/// The requesting organisation and its vendors.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SampleWorld {
    /// The organisation whose portfolio the demo scores.
    pub requester: SampleOrg,
    /// Its vendors, in the portfolio's order.
    pub vendors: Vec<SampleOrg>,
}

fn org(id: &str, name: &str, n: u8, domains: Vec<DomainProfile>) -> SampleOrg {
    SampleOrg {
        id: id.to_owned(),
        name: name.to_owned(),
        domains,
        address: Ipv4Addr::new(127, 0, 0, n),
        services: Vec::new(),
        blocklisted: false,
        in_use: true,
        criticality: "high".to_owned(),
        contact: None,
        web: None,
    }
}

fn vendor(
    mut o: SampleOrg,
    criticality: &str,
    in_use: bool,
    contact: (&str, &str),
    services: &[&str],
) -> SampleOrg {
    o.criticality = criticality.to_owned();
    o.in_use = in_use;
    o.contact = Some((contact.0.to_owned(), contact.1.to_owned()));
    o.services = services.iter().map(|s| (*s).to_owned()).collect();
    o
}

impl SampleWorld {
    /// The standard sample: Northwind Traders (two domains) and seven
    /// vendors from excellent to neglected, one not in use, one behind a
    /// failing name server.
    pub fn standard() -> Self {
        let requester = org(
            "northwind",
            "Northwind Traders",
            2,
            vec![DomainProfile::hardened("northwind.example"), {
                let mut d = DomainProfile::hardened("northwind-shop.example");
                d.dmarc = Some("v=DMARC1; p=none; rua=mailto:dmarc@northwind-shop.example".into());
                d.caa = false;
                d.mta_sts = false;
                d
            }],
        );
        let mut ledgerly = vendor(
            org(
                "ledgerly",
                "Ledgerly Payroll",
                3,
                vec![DomainProfile::hardened("ledgerly.example")],
            ),
            "critical",
            true,
            ("Lena Ortiz", "lena.ortiz@ledgerly.example"),
            &[],
        );
        ledgerly.web = Some(WebProfile::well_kept());
        let cloudcrate = vendor(
            org("cloudcrate", "CloudCrate Hosting", 4, {
                let mut d = DomainProfile::hardened("cloudcrate.example");
                d.spf = Some("v=spf1 include:_spf.cloudcrate.example ~all".into());
                d.dmarc =
                    Some("v=DMARC1; p=quarantine; pct=50; rua=mailto:d@cloudcrate.example".into());
                d.caa = false;
                d.dnssec = false;
                d.dkim = Some(Dkim::Rsa512);
                d.nameservers = Nameservers::Single;
                vec![d]
            }),
            "high",
            true,
            ("Chris Mbeki", "chris@cloudcrate.example"),
            &[],
        );
        let mut mailmint = vendor(
            org("mailmint", "MailMint", 5, {
                let mut d = DomainProfile::hardened("mailmint.example");
                d.spf = Some("v=spf1 ptr -all".into());
                d.dmarc = Some("v=DMARC1; p=none".into());
                d.dkim = Some(Dkim::Rsa512);
                d.dnssec = false;
                d.caa = false;
                d.mta_sts = false;
                d.tls_rpt = false;
                d.nameservers = Nameservers::Single;
                vec![d]
            }),
            "medium",
            true,
            ("Mia Tanaka", "mia.tanaka@mailmint.example"),
            &[],
        );
        mailmint.blocklisted = true;
        let helpfy = vendor(
            org("helpfy", "Helpfy Support", 6, {
                let mut d = DomainProfile::hardened("helpfy.example");
                d.spf = None;
                d.dmarc = Some("v=DMARC1; p=none; pct=20".into());
                d.caa = false;
                d.dnssec = false;
                d.mta_sts = false;
                d.nameservers = Nameservers::Single;
                vec![d]
            }),
            "high",
            true,
            ("Hugo Brandt", "hugo.brandt@helpfy.example"),
            &["service_ftp"],
        );
        let mut shipfast = vendor(
            org("shipfast", "ShipFast Logistics", 7, {
                let mut d = DomainProfile::hardened("shipfast.example");
                d.spf = Some("v=spf1 mx +all".into());
                d.dmarc = None;
                d.caa = false;
                d.dnssec = false;
                d.mta_sts = false;
                d.tls_rpt = false;
                d.www = Www::Dangling;
                vec![d]
            }),
            "critical",
            true,
            ("Sam Okafor", "sam.okafor@shipfast.example"),
            &["service_redis", "service_elasticsearch"],
        );
        shipfast.web = Some(WebProfile::neglected());
        let mut oldcrm = vendor(
            org("oldcrm", "OldCRM (retired)", 8, {
                let mut d = DomainProfile::hardened("oldcrm.example");
                d.spf = None;
                d.dmarc = None;
                d.mx = false;
                d.caa = false;
                d.dnssec = false;
                d.mta_sts = false;
                d.tls_rpt = false;
                d.dkim = None;
                d.nameservers = Nameservers::Single;
                vec![d]
            }),
            "low",
            false,
            ("Olga Petrova", "olga@oldcrm.example"),
            &["service_telnet", "service_mongodb", "service_rdp"],
        );
        // Retired, and its site left to rot.
        oldcrm.web = Some(WebProfile::neglected());
        let quietdata = vendor(
            org("quietdata", "QuietData Analytics", 9, {
                let mut d = DomainProfile::hardened("quietdata.example");
                d.caa = false;
                // Its MTA-STS and DKIM names sit behind a failing server:
                // those checks are inconclusive, not findings.
                d.faults = vec![
                    ("_mta-sts.quietdata.example".into(), Fault::ServFail),
                    (
                        format!("{DKIM_SELECTOR}._domainkey.quietdata.example"),
                        Fault::Refused,
                    ),
                ];
                vec![d]
            }),
            "low",
            true,
            ("Quinn Avery", "quinn.avery@quietdata.example"),
            &[],
        );
        SampleWorld {
            requester,
            vendors: vec![
                ledgerly, cloudcrate, mailmint, helpfy, shipfast, oldcrm, quietdata,
            ],
        }
    }

    /// Every organisation: the requester first, then the vendors.
    pub fn orgs(&self) -> impl Iterator<Item = &SampleOrg> {
        std::iter::once(&self.requester).chain(self.vendors.iter())
    }

    /// The organisation with this id.
    pub fn org(&self, id: &str) -> Option<&SampleOrg> {
        self.orgs().find(|o| o.id == id)
    }

    /// The DNS world: every organisation's records and faults, the
    /// included SPF record CloudCrate refers to, and the DNSBL zone.
    pub fn world(&self) -> World {
        let mut w = World::new();
        for (i, o) in self.orgs().enumerate() {
            // Name-server addresses: a distinct pair of /24 hosts per
            // organisation (wrapping after 120 organisations).
            let net = u8::try_from(10 + (2 * i) % 240).unwrap_or(10);
            for d in &o.domains {
                d.render(o.address, o.storefront(), net, &mut w);
            }
            if o.blocklisted {
                let [a, b, c, d] = o.address.octets();
                w.add(
                    &format!("{d}.{c}.{b}.{a}.{DNSBL_ZONE}"),
                    RecordValue::A(Ipv4Addr::new(127, 0, 0, 2)),
                );
                w.txt(
                    &format!("{d}.{c}.{b}.{a}.{DNSBL_ZONE}"),
                    "listed: seen sending spam",
                );
            }
        }
        w.txt("_spf.cloudcrate.example", "v=spf1 ip4:192.0.2.0/24 -all");
        // The zone apex of the DNSBL exists (an empty zone lists nobody).
        w.txt(DNSBL_ZONE, "v=dnsbl sample list");
        w
    }

    /// The organisation fixes `issue` on `asset`: the change its
    /// administrators would make to the zone, or the service they would
    /// stop (it leaves [`SampleOrg::services`]; the host closes the
    /// listener).
    ///
    /// # Errors
    /// An unknown organisation, or an issue the sample has no remedy for on
    /// that asset.
    pub fn fix(&mut self, org: &str, issue: &str, asset: &str) -> Result<(), SampleError> {
        let o = std::iter::once(&mut self.requester)
            .chain(self.vendors.iter_mut())
            .find(|o| o.id == org)
            .ok_or_else(|| SampleError::UnknownOrg(org.to_owned()))?;
        // The site answers on the address (its HTTPS port is checked) and
        // for every domain and www. name.
        let web_asset = asset == o.address.to_string()
            || o.domains.iter().any(|d| {
                asset.eq_ignore_ascii_case(&d.name)
                    || asset.eq_ignore_ascii_case(&format!("www.{}", d.name))
            });
        let fixed = if web_asset && o.web.as_mut().is_some_and(|w| w.fix(issue)) {
            true
        } else if asset == o.address.to_string() {
            if issue == "ip_blocklisted" && o.blocklisted {
                o.blocklisted = false;
                true
            } else if let Some(i) = o.services.iter().position(|s| s == issue) {
                o.services.remove(i);
                true
            } else {
                false
            }
        } else {
            o.domains.iter_mut().any(|d| d.fix(issue, asset))
        };
        if fixed {
            Ok(())
        } else {
            Err(SampleError::NoRemedy {
                org: org.to_owned(),
                issue: issue.to_owned(),
                asset: asset.to_owned(),
            })
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn addresses_are_distinct_loopback_addresses() {
        let s = SampleWorld::standard();
        let mut seen = std::collections::BTreeSet::new();
        for o in s.orgs() {
            assert!(o.address.is_loopback(), "{}", o.id);
            assert_ne!(o.address, Ipv4Addr::LOCALHOST, "{}", o.id);
            assert!(seen.insert(o.address), "{} shares an address", o.id);
        }
        assert!(s.vendors.len() >= 6);
        assert!(s.vendors.iter().any(|v| !v.in_use));
        assert!(s.vendors.iter().all(|v| v.contact.is_some()));
    }

    #[test]
    fn fixes_change_the_zone() {
        let mut s = SampleWorld::standard();
        let before = s.world();
        s.fix("shipfast", "spf_permissive_all", "shipfast.example")
            .unwrap();
        s.fix("shipfast", "dangling_cname", "www.shipfast.example")
            .unwrap();
        s.fix("shipfast", "service_redis", "127.0.0.7").unwrap();
        let after = s.world();
        assert_ne!(
            before.records("shipfast.example"),
            after.records("shipfast.example")
        );
        assert!(matches!(
            after.records("www.shipfast.example"),
            [RecordValue::A(_)]
        ));
        assert!(
            !s.org("shipfast")
                .unwrap()
                .services
                .contains(&"service_redis".to_string())
        );
        // Fixing twice is an error: the service is already gone.
        assert_eq!(
            s.fix("shipfast", "service_redis", "127.0.0.7")
                .unwrap_err()
                .code(),
            "no_remedy"
        );
        assert_eq!(
            s.fix("nobody", "spf_missing", "x.example")
                .unwrap_err()
                .code(),
            "unknown_org"
        );
        // An issue on someone else's domain is not this org's to fix.
        assert!(s.fix("shipfast", "spf_missing", "helpfy.example").is_err());
        // Nothing to fix is an error, not a silent no-op.
        assert!(
            s.fix("ledgerly", "caa_missing", "ledgerly.example")
                .is_err()
        );
        assert!(
            s.fix("shipfast", "spf_permissive_all", "shipfast.example")
                .is_err()
        );
        assert!(
            s.fix("shipfast", "leaked_credentials", "shipfast.example")
                .is_err()
        );
    }

    #[test]
    fn blocklisting_renders_in_the_dnsbl_zone() {
        let mut s = SampleWorld::standard();
        let name = format!("5.0.0.127.{DNSBL_ZONE}");
        assert!(!s.world().records(&name).is_empty());
        s.fix("mailmint", "ip_blocklisted", "127.0.0.5").unwrap();
        assert!(s.world().records(&name).is_empty());
    }
}
