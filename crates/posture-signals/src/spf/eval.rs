//! The `check_host()` function of RFC 7208 section 4.

use std::future::Future;
use std::net::IpAddr;
use std::pin::Pin;

use super::macros::{MacroContext, MacroString};
use super::record::{DomainSpec, Mechanism, SpfRecord, Term, is_spf1, parse_record};
use super::{Lookup, SpfDns, SpfOutcome, SpfRequest, SpfResult};

/// Maximum number of DNS-querying terms (RFC 7208 section 4.6.4).
const MAX_LOOKUPS: u32 = 10;
/// Maximum number of void lookups (RFC 7208 section 4.6.4).
const MAX_VOID_LOOKUPS: u32 = 2;
/// Maximum number of MX / PTR names looked up per mechanism.
const MAX_NAMES: usize = 10;
/// Maximum length of a domain name in presentation form without the root.
const MAX_DOMAIN_LEN: usize = 253;

/// Evaluates SPF for `domain` (RFC 7208 section 4 `check_host()`).
///
/// `domain` is normally the domain of `req.sender`, or `req.helo` when the
/// sender is empty (or when checking the HELO identity).
pub async fn check_host<D: SpfDns>(dns: &D, req: &SpfRequest<'_>, domain: &str) -> SpfOutcome {
    let ip = match req.ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(req.ip, IpAddr::V4),
        v4 => v4,
    };
    let (local, sender_domain) = identity(req);
    let receiver = if req.receiver.is_empty() {
        "unknown"
    } else {
        req.receiver
    };
    let mut ev = Evaluator {
        dns,
        ip,
        sender: format!("{local}@{sender_domain}"),
        local,
        sender_domain,
        helo: req.helo,
        receiver,
        lookups: 0,
        void_lookups: 0,
        limit_exceeded: false,
        failure: None,
    };
    let v = ev.check(domain.to_owned()).await;
    SpfOutcome {
        result: v.result,
        explanation: v.explanation,
        reason: v.reason,
        lookups: ev.lookups,
        void_lookups: ev.void_lookups,
        matched: v.matched,
        limit_exceeded: ev.limit_exceeded,
        failure: (v.result == SpfResult::Temperror)
            .then_some(ev.failure)
            .flatten(),
    }
}

/// The sender's local part and domain (RFC 7208 section 4.3: an empty
/// local part, or an empty sender, is `postmaster`, at the HELO name).
fn identity(req: &SpfRequest<'_>) -> (String, String) {
    if req.sender.is_empty() {
        ("postmaster".to_owned(), req.helo.to_owned())
    } else {
        match req.sender.rsplit_once('@') {
            Some(("", d)) => ("postmaster".to_owned(), d.to_owned()),
            Some((l, d)) => (l.to_owned(), d.to_owned()),
            None => ("postmaster".to_owned(), req.sender.to_owned()),
        }
    }
}

/// Expands an SPF macro-string (RFC 7208 section 7) for `req` checking
/// `domain`, as an `exp=` explanation when `explanation` (which allows `c`,
/// `r` and `t`). `%{p}` expands to `unknown`: no PTR look-up is made.
///
/// ```
/// use posture_signals::spf::{SpfRequest, expand_macros};
/// let req = SpfRequest { ip: "192.0.2.3".parse().unwrap(), sender: "strong-bad@email.example.com",
///     helo: "mx.example.org", receiver: "posture" };
/// assert_eq!(expand_macros("%{ir}.%{v}._spf.%{d2}", &req, "email.example.com", false).unwrap(),
///     "3.2.0.192.in-addr._spf.example.com");
/// assert!(expand_macros("%{c}", &req, "email.example.com", false).is_err());
/// ```
///
/// # Errors
/// A malformed macro-string, or a letter not allowed where it is used.
pub fn expand_macros(
    text: &str,
    req: &SpfRequest<'_>,
    domain: &str,
    explanation: bool,
) -> Result<String, super::SpfSyntaxError> {
    let (local, sender_domain) = identity(req);
    let sender = format!("{local}@{sender_domain}");
    let ctx = MacroContext {
        sender: &sender,
        local: &local,
        sender_domain: &sender_domain,
        domain,
        ip: req.ip,
        helo: req.helo,
        receiver: req.receiver,
        validated: None,
        explanation,
    };
    MacroString::parse(text)?.expand(&ctx)
}

/// The result of evaluating one record (top level, include or redirect).
struct Verdict {
    result: SpfResult,
    reason: String,
    matched: Option<String>,
    explanation: Option<String>,
}

impl Verdict {
    fn new(result: SpfResult, reason: impl Into<String>) -> Self {
        Self {
            result,
            reason: reason.into(),
            matched: None,
            explanation: None,
        }
    }
}

/// An error that ends the evaluation (temperror or permerror).
struct Abort {
    result: SpfResult,
    reason: String,
}

impl Abort {
    fn temp(reason: impl Into<String>) -> Self {
        Self {
            result: SpfResult::Temperror,
            reason: reason.into(),
        }
    }

    fn perm(reason: impl Into<String>) -> Self {
        Self {
            result: SpfResult::Permerror,
            reason: reason.into(),
        }
    }
}

impl From<Abort> for Verdict {
    fn from(a: Abort) -> Self {
        Verdict::new(a.result, a.reason)
    }
}

type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

struct Evaluator<'a, D> {
    dns: &'a D,
    ip: IpAddr,
    sender: String,
    local: String,
    sender_domain: String,
    helo: &'a str,
    receiver: &'a str,
    lookups: u32,
    void_lookups: u32,
    limit_exceeded: bool,
    /// The first DNS failure met (the reason of a temperror).
    failure: Option<super::Reason>,
}

impl<'a, D: SpfDns> Evaluator<'a, D> {
    /// Boxed entry point, so that include and redirect can recurse.
    fn check(&mut self, domain: String) -> BoxFuture<'_, Verdict> {
        Box::pin(async move { self.check_inner(domain).await })
    }

    async fn check_inner(&mut self, domain: String) -> Verdict {
        let domain = domain.strip_suffix('.').unwrap_or(&domain).to_owned();
        if !is_valid_fqdn(&domain) {
            return Verdict::new(
                SpfResult::None,
                format!("'{domain}' is not a valid domain name"),
            );
        }
        let records = match self.dns.txt(&domain).await {
            Lookup::Records(r) => r,
            Lookup::NxDomain => {
                return Verdict::new(SpfResult::None, format!("{domain} does not exist"));
            }
            Lookup::NoData => Vec::new(),
            Lookup::Failed(e) => {
                self.failure.get_or_insert(e);
                return Verdict::new(
                    SpfResult::Temperror,
                    format!("DNS error looking up TXT of {domain}: {e}"),
                );
            }
        };
        let mut spf = records.iter().filter(|r| is_spf1(r));
        let text = match (spf.next(), spf.next()) {
            (None, _) => {
                return Verdict::new(SpfResult::None, format!("no SPF record at {domain}"));
            }
            (Some(t), None) => t,
            (Some(_), Some(_)) => {
                return Verdict::new(
                    SpfResult::Permerror,
                    format!("more than one SPF record at {domain}"),
                );
            }
        };
        let record = match parse_record(text) {
            Ok(r) => r,
            Err(e) => {
                return Verdict::new(
                    SpfResult::Permerror,
                    format!("syntax error in record of {domain}: {e}"),
                );
            }
        };
        match self.evaluate(&record, &domain).await {
            Ok(v) => v,
            Err(a) => a.into(),
        }
    }

    async fn evaluate(&mut self, record: &SpfRecord, domain: &str) -> Result<Verdict, Abort> {
        for term in &record.terms {
            let Term::Mechanism { qualifier, kind } = term else {
                continue;
            };
            if kind.queries_dns() {
                self.count_lookup()?;
            }
            if self.matches(kind, domain).await? {
                let result = SpfResult::from(*qualifier);
                let explanation = if result == SpfResult::Fail {
                    self.explain(record, domain).await
                } else {
                    None
                };
                return Ok(Verdict {
                    result,
                    reason: format!("matched mechanism {term} in record of {domain}"),
                    matched: Some(term.to_string()),
                    explanation,
                });
            }
        }
        if let Some(spec) = &record.redirect {
            self.count_lookup()?;
            let target = self.expand_domain(spec, domain).await?;
            let v = self.check(target.clone()).await;
            if v.result == SpfResult::None {
                return Err(Abort::perm(format!(
                    "redirect target {target} has no SPF record ({})",
                    v.reason
                )));
            }
            return Ok(v);
        }
        Ok(Verdict::new(
            SpfResult::Neutral,
            format!("no mechanism matched in record of {domain} (default neutral)"),
        ))
    }

    fn count_lookup(&mut self) -> Result<(), Abort> {
        self.lookups += 1;
        if self.lookups > MAX_LOOKUPS {
            self.limit_exceeded = true;
            return Err(Abort::perm(format!(
                "too many DNS lookups ({} > {MAX_LOOKUPS})",
                self.lookups
            )));
        }
        Ok(())
    }

    fn count_void(&mut self) -> Result<(), Abort> {
        self.void_lookups += 1;
        if self.void_lookups > MAX_VOID_LOOKUPS {
            self.limit_exceeded = true;
            return Err(Abort::perm(format!(
                "too many void DNS lookups ({} > {MAX_VOID_LOOKUPS})",
                self.void_lookups
            )));
        }
        Ok(())
    }

    fn macro_context<'c>(
        &'c self,
        domain: &'c str,
        validated: Option<&'c str>,
    ) -> MacroContext<'c> {
        MacroContext {
            sender: &self.sender,
            local: &self.local,
            sender_domain: &self.sender_domain,
            domain,
            ip: self.ip,
            helo: self.helo,
            receiver: self.receiver,
            validated,
            explanation: false,
        }
    }

    async fn expand(
        &mut self,
        ms: &MacroString,
        domain: &str,
        explanation: bool,
    ) -> Result<String, Abort> {
        let validated = if ms.uses_p() {
            self.validated_name(domain).await
        } else {
            None
        };
        let mut ctx = self.macro_context(domain, validated.as_deref());
        ctx.explanation = explanation;
        ms.expand(&ctx)
            .map_err(|e| Abort::perm(format!("macro error: {e}")))
    }

    /// Expands a domain-spec, truncating to 253 characters (section 7.3).
    async fn expand_domain(&mut self, spec: &DomainSpec, domain: &str) -> Result<String, Abort> {
        let expanded = self.expand(&spec.macro_string, domain, false).await?;
        let mut name = expanded.strip_suffix('.').unwrap_or(&expanded);
        while name.len() > MAX_DOMAIN_LEN {
            match name.split_once('.') {
                Some((_, rest)) => name = rest,
                None => break,
            }
        }
        Ok(name.to_owned())
    }

    /// The target of a mechanism: its expanded domain-spec or the current
    /// domain. `None` when the result is not a usable domain name, which
    /// makes the mechanism not match.
    async fn target(
        &mut self,
        spec: Option<&DomainSpec>,
        domain: &str,
    ) -> Result<Option<String>, Abort> {
        let name = match spec {
            Some(s) => self.expand_domain(s, domain).await?,
            None => domain.to_owned(),
        };
        Ok(is_valid_name(&name).then_some(name))
    }

    async fn matches(&mut self, mech: &Mechanism, domain: &str) -> Result<bool, Abort> {
        match mech {
            Mechanism::All => Ok(true),
            Mechanism::Ip4 { addr, prefix } => Ok(match self.ip {
                IpAddr::V4(ip) => in_prefix(IpAddr::V4(ip), IpAddr::V4(*addr), *prefix),
                IpAddr::V6(_) => false,
            }),
            Mechanism::Ip6 { addr, prefix } => Ok(match self.ip {
                IpAddr::V6(ip) => in_prefix(IpAddr::V6(ip), IpAddr::V6(*addr), *prefix),
                IpAddr::V4(_) => false,
            }),
            Mechanism::Include(spec) => {
                let target = self.expand_domain(spec, domain).await?;
                let v = self.check(target.clone()).await;
                match v.result {
                    SpfResult::Pass => Ok(true),
                    SpfResult::Fail | SpfResult::Softfail | SpfResult::Neutral => Ok(false),
                    SpfResult::Temperror | SpfResult::Permerror => Err(Abort {
                        result: v.result,
                        reason: v.reason,
                    }),
                    SpfResult::None => Err(Abort::perm(format!(
                        "include target {target} has no SPF record ({})",
                        v.reason
                    ))),
                }
            }
            Mechanism::A {
                domain: spec,
                cidr4,
                cidr6,
            } => {
                let Some(target) = self.target(spec.as_ref(), domain).await? else {
                    return Ok(false);
                };
                match self.addresses(&target).await {
                    Lookup::Records(addrs) => Ok(self.any_in_prefix(&addrs, *cidr4, *cidr6)),
                    Lookup::NxDomain | Lookup::NoData => {
                        self.count_void()?;
                        Ok(false)
                    }
                    Lookup::Failed(e) => {
                        self.failure.get_or_insert(e);
                        Err(Abort::temp(format!(
                            "DNS error looking up addresses of {target}: {e}"
                        )))
                    }
                }
            }
            Mechanism::Mx {
                domain: spec,
                cidr4,
                cidr6,
            } => {
                let Some(target) = self.target(spec.as_ref(), domain).await? else {
                    return Ok(false);
                };
                let mut hosts = match self.dns.mx(&target).await {
                    Lookup::Records(r) => r,
                    Lookup::NxDomain | Lookup::NoData => {
                        self.count_void()?;
                        return Ok(false);
                    }
                    Lookup::Failed(e) => {
                        self.failure.get_or_insert(e);
                        return Err(Abort::temp(format!(
                            "DNS error looking up MX of {target}: {e}"
                        )));
                    }
                };
                if hosts.len() > MAX_NAMES {
                    return Err(Abort::perm(format!(
                        "too many MX records for {target} ({} > {MAX_NAMES})",
                        hosts.len()
                    )));
                }
                hosts.sort_by_key(|(pref, _)| *pref);
                for (_, host) in hosts {
                    let host = host.strip_suffix('.').unwrap_or(&host);
                    if !is_valid_name(host) {
                        continue;
                    }
                    match self.addresses(host).await {
                        Lookup::Records(addrs) => {
                            if self.any_in_prefix(&addrs, *cidr4, *cidr6) {
                                return Ok(true);
                            }
                        }
                        Lookup::NxDomain | Lookup::NoData => {}
                        Lookup::Failed(e) => {
                            self.failure.get_or_insert(e);
                            return Err(Abort::temp(format!(
                                "DNS error looking up addresses of MX host {host}: {e}"
                            )));
                        }
                    }
                }
                Ok(false)
            }
            Mechanism::Ptr(spec) => {
                let Some(target) = self.target(spec.as_ref(), domain).await? else {
                    return Ok(false);
                };
                let names = self.validated_names().await?;
                Ok(names.iter().any(|n| is_subdomain(n, &target)))
            }
            Mechanism::Exists(spec) => {
                let Some(target) = self.target(Some(spec), domain).await? else {
                    return Ok(false);
                };
                match self.dns.a(&target).await {
                    Lookup::Records(r) if !r.is_empty() => Ok(true),
                    Lookup::Records(_) | Lookup::NxDomain | Lookup::NoData => {
                        self.count_void()?;
                        Ok(false)
                    }
                    Lookup::Failed(e) => {
                        self.failure.get_or_insert(e);
                        Err(Abort::temp(format!(
                            "DNS error looking up A of {target}: {e}"
                        )))
                    }
                }
            }
        }
    }

    /// A or AAAA records of `name`, matching the client IP's family.
    async fn addresses(&self, name: &str) -> Lookup<Vec<IpAddr>> {
        match self.ip {
            IpAddr::V4(_) => match self.dns.a(name).await {
                Lookup::Records(r) => Lookup::Records(r.into_iter().map(IpAddr::V4).collect()),
                Lookup::NxDomain => Lookup::NxDomain,
                Lookup::NoData => Lookup::NoData,
                Lookup::Failed(e) => Lookup::Failed(e),
            },
            IpAddr::V6(_) => match self.dns.aaaa(name).await {
                Lookup::Records(r) => Lookup::Records(r.into_iter().map(IpAddr::V6).collect()),
                Lookup::NxDomain => Lookup::NxDomain,
                Lookup::NoData => Lookup::NoData,
                Lookup::Failed(e) => Lookup::Failed(e),
            },
        }
    }

    fn any_in_prefix(&self, addrs: &[IpAddr], cidr4: Option<u8>, cidr6: Option<u8>) -> bool {
        let prefix = match self.ip {
            IpAddr::V4(_) => cidr4.unwrap_or(32),
            IpAddr::V6(_) => cidr6.unwrap_or(128),
        };
        addrs.iter().any(|a| in_prefix(self.ip, *a, prefix))
    }

    /// Validated host names of the client IP (RFC 7208 section 5.5): PTR
    /// names (at most 10) whose addresses include the client IP.
    ///
    /// A failed PTR query makes the `ptr` mechanism not match, and a failed
    /// address query skips that name.
    async fn validated_names(&mut self) -> Result<Vec<String>, Abort> {
        let names = match self.dns.ptr(self.ip).await {
            Lookup::Records(r) => r,
            Lookup::NxDomain | Lookup::NoData => {
                self.count_void()?;
                return Ok(Vec::new());
            }
            Lookup::Failed(_) => return Ok(Vec::new()),
        };
        let mut validated = Vec::new();
        for name in names.into_iter().take(MAX_NAMES) {
            let name = name.strip_suffix('.').unwrap_or(&name).to_owned();
            if !is_valid_name(&name) {
                continue;
            }
            if let Lookup::Records(addrs) = self.addresses(&name).await
                && addrs.contains(&self.ip)
            {
                validated.push(name);
            }
        }
        Ok(validated)
    }

    /// The `%{p}` value: a validated name, preferring the domain itself,
    /// then a subdomain of it.
    async fn validated_name(&mut self, domain: &str) -> Option<String> {
        // %{p} lookups are not subject to the void-lookup limit; keep the
        // counter unchanged.
        let void = self.void_lookups;
        let names = self.validated_names().await.unwrap_or_default();
        self.void_lookups = void;
        names
            .iter()
            .find(|n| n.eq_ignore_ascii_case(domain))
            .or_else(|| names.iter().find(|n| is_subdomain(n, domain)))
            .or_else(|| names.first())
            .cloned()
    }

    /// The explanation of a `fail` (RFC 7208 section 6.2); any problem means
    /// no explanation.
    async fn explain(&mut self, record: &SpfRecord, domain: &str) -> Option<String> {
        let spec = record.exp.as_ref()?;
        let target = self.expand_domain(spec, domain).await.ok()?;
        if !is_valid_name(&target) {
            return None;
        }
        let Lookup::Records(texts) = self.dns.txt(&target).await else {
            return None;
        };
        let [text] = texts.as_slice() else {
            return None;
        };
        let ms = MacroString::parse(text).ok()?;
        self.expand(&ms, domain, true).await.ok()
    }
}

/// Whether `name` equals `parent` or is a subdomain of it (case-insensitive).
fn is_subdomain(name: &str, parent: &str) -> bool {
    let name = name.strip_suffix('.').unwrap_or(name).to_ascii_lowercase();
    let parent = parent
        .strip_suffix('.')
        .unwrap_or(parent)
        .to_ascii_lowercase();
    name == parent
        || name
            .strip_suffix(parent.as_str())
            .is_some_and(|head| head.ends_with('.'))
}

/// Whether `ip` lies within `net/prefix` (same address family only).
fn in_prefix(ip: IpAddr, net: IpAddr, prefix: u8) -> bool {
    match (ip, net) {
        (IpAddr::V4(a), IpAddr::V4(b)) => {
            let mask = u32::MAX
                .checked_shl(32 - u32::from(prefix.min(32)))
                .unwrap_or(0);
            u32::from(a) & mask == u32::from(b) & mask
        }
        (IpAddr::V6(a), IpAddr::V6(b)) => {
            let mask = u128::MAX
                .checked_shl(128 - u32::from(prefix.min(128)))
                .unwrap_or(0);
            u128::from(a) & mask == u128::from(b) & mask
        }
        _ => false,
    }
}

/// A name that can be queried: non-empty labels of at most 63 octets, at
/// most 253 octets in total, no control characters (macro expansion may
/// legitimately produce spaces, as `%_` does).
fn is_valid_name(name: &str) -> bool {
    let name = name.strip_suffix('.').unwrap_or(name);
    !name.is_empty()
        && name.len() <= MAX_DOMAIN_LEN
        && !name.bytes().any(|b| b.is_ascii_control())
        && name.split('.').all(|l| !l.is_empty() && l.len() <= 63)
}

/// A domain `check_host()` accepts (section 4.3): a valid, multi-label
/// name that is not an address literal.
fn is_valid_fqdn(name: &str) -> bool {
    is_valid_name(name) && name.contains('.') && !name.starts_with('[')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes() {
        let ip: IpAddr = "192.0.2.3".parse().unwrap();
        assert!(in_prefix(ip, "192.0.2.0".parse().unwrap(), 24));
        assert!(!in_prefix(ip, "192.0.3.0".parse().unwrap(), 24));
        assert!(in_prefix(ip, "10.0.0.0".parse().unwrap(), 0));
        let ip6: IpAddr = "2001:db8::1".parse().unwrap();
        assert!(in_prefix(ip6, "2001:db8::".parse().unwrap(), 32));
        assert!(in_prefix(ip6, "::".parse().unwrap(), 0));
        assert!(!in_prefix(ip6, ip, 0));
    }

    #[test]
    fn names() {
        assert!(is_valid_fqdn("example.com"));
        assert!(is_valid_fqdn("example.com."));
        assert!(!is_valid_fqdn("localhost"));
        assert!(!is_valid_fqdn("a..example.com"));
        assert!(!is_valid_fqdn("[1.2.3.4]"));
        assert!(!is_valid_fqdn(&format!("{}.com", "a".repeat(64))));
        assert!(is_subdomain("mail.Example.com.", "example.com"));
        assert!(!is_subdomain("badexample.com", "example.com"));
    }
}

#[cfg(test)]
mod outcome_tests {
    use std::collections::HashMap;
    use std::net::{Ipv4Addr, Ipv6Addr};

    use super::*;

    /// TXT-only zone: every name in it has TXT records; A queries of names
    /// starting with "a." answer 192.0.2.1.
    struct Zone(HashMap<&'static str, Vec<&'static str>>);

    impl SpfDns for Zone {
        async fn txt(&self, name: &str) -> Lookup<Vec<String>> {
            match self.0.get(name) {
                Some(t) => Lookup::Records(t.iter().map(|s| (*s).to_owned()).collect()),
                None if name.starts_with("timeout.") => Lookup::Failed(crate::spf::Reason::Timeout),
                None => Lookup::NxDomain,
            }
        }
        async fn a(&self, name: &str) -> Lookup<Vec<Ipv4Addr>> {
            if name.starts_with("a.") {
                Lookup::Records(vec![Ipv4Addr::new(192, 0, 2, 1)])
            } else {
                Lookup::NxDomain
            }
        }
        async fn aaaa(&self, _: &str) -> Lookup<Vec<Ipv6Addr>> {
            Lookup::NoData
        }
        async fn mx(&self, _: &str) -> Lookup<Vec<(u16, String)>> {
            Lookup::NoData
        }
        async fn ptr(&self, _: IpAddr) -> Lookup<Vec<String>> {
            Lookup::NxDomain
        }
    }

    fn zone() -> Zone {
        Zone(HashMap::from([
            ("pass.example", vec!["v=spf1 include:inc.example -all"]),
            (
                "inc.example",
                vec!["v=spf1 a:a.example ip4:198.51.100.0/24"],
            ),
            ("loop.example", vec!["v=spf1 include:loop.example -all"]),
            (
                "void.example",
                vec!["v=spf1 a:x.example a:y.example a:z.example ~all"],
            ),
            ("bad.example", vec!["v=spf1 foo -all"]),
            ("two.example", vec!["v=spf1 -all", "v=spf1 +all"]),
            ("inc-none.example", vec!["v=spf1 include:nothing.example"]),
            ("inc-temp.example", vec!["v=spf1 include:timeout.example"]),
        ]))
    }

    async fn run(domain: &str) -> SpfOutcome {
        let req = SpfRequest {
            ip: "192.0.2.1".parse().unwrap(),
            sender: "user@example.org",
            helo: "mail.example.org",
            receiver: "mx.example.net",
        };
        check_host(&zone(), &req, domain).await
    }

    #[test]
    fn futures_are_send() {
        fn assert_send<T: Send>(_: &T) {}
        fn assert_send_sync<T: Send + Sync>() {}
        let z = zone();
        let req = SpfRequest {
            ip: "192.0.2.1".parse().unwrap(),
            sender: "",
            helo: "mail.example.org",
            receiver: "unknown",
        };
        assert_send(&check_host(&z, &req, "pass.example"));
        assert_send_sync::<SpfOutcome>();
        assert_send_sync::<crate::spf::SpfRecord>();
    }

    #[tokio::test]
    async fn outcomes() {
        let o = run("pass.example").await;
        assert_eq!(o.result, SpfResult::Pass);
        assert_eq!(o.matched.as_deref(), Some("include:inc.example"));
        assert_eq!(o.lookups, 2);
        assert!(!o.limit_exceeded);

        let o = run("loop.example").await;
        assert_eq!(o.result, SpfResult::Permerror);
        assert!(o.limit_exceeded);
        assert_eq!(o.reason, "too many DNS lookups (11 > 10)");

        let o = run("void.example").await;
        assert_eq!(o.result, SpfResult::Permerror);
        assert_eq!(o.void_lookups, 3);
        assert!(o.limit_exceeded);

        let o = run("bad.example").await;
        assert_eq!(o.result, SpfResult::Permerror);
        assert!(
            o.reason
                .starts_with("syntax error in record of bad.example")
        );

        assert_eq!(run("two.example").await.result, SpfResult::Permerror);
        assert_eq!(run("nothing.example").await.result, SpfResult::None);
        assert_eq!(run("localhost").await.result, SpfResult::None);
        assert_eq!(run("inc-none.example").await.result, SpfResult::Permerror);
        assert_eq!(run("inc-temp.example").await.result, SpfResult::Temperror);
        assert_eq!(run("timeout.example").await.result, SpfResult::Temperror);
    }
}
