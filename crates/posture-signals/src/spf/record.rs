//! SPF record parser (RFC 7208 sections 4.5, 4.6, 5, 6 and 12).

use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};

use super::macros::{MacroString, MacroToken};

/// Why an SPF record could not be parsed; evaluating it yields `permerror`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct SpfSyntaxError {
    message: String,
}

impl SpfSyntaxError {
    /// Builds an error from a human-readable message.
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
        }
    }

    /// The human-readable message.
    pub fn message(&self) -> &str {
        &self.message
    }
}

/// A mechanism qualifier (RFC 7208 section 4.6.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Qualifier {
    /// `+` (the default): a match yields `pass`.
    Pass,
    /// `-`: a match yields `fail`.
    Fail,
    /// `~`: a match yields `softfail`.
    Softfail,
    /// `?`: a match yields `neutral`.
    Neutral,
}

impl Qualifier {
    /// The qualifier character.
    pub fn as_char(self) -> char {
        match self {
            Self::Pass => '+',
            Self::Fail => '-',
            Self::Softfail => '~',
            Self::Neutral => '?',
        }
    }

    fn from_char(c: char) -> Option<Self> {
        match c {
            '+' => Some(Self::Pass),
            '-' => Some(Self::Fail),
            '~' => Some(Self::Softfail),
            '?' => Some(Self::Neutral),
            _ => None,
        }
    }
}

/// A domain-spec (RFC 7208 section 7.1): a macro-string that expands to a
/// domain name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DomainSpec {
    raw: String,
    pub(crate) macro_string: MacroString,
}

impl DomainSpec {
    /// Parses and validates a domain-spec (macro syntax and domain-end).
    pub fn parse(raw: &str) -> Result<Self, SpfSyntaxError> {
        if raw.is_empty() {
            return Err(SpfSyntaxError::new("empty domain-spec"));
        }
        let macro_string = MacroString::parse(raw)?;
        if let Some(letter) = macro_string.tokens().iter().find_map(|t| match t {
            MacroToken::Macro { letter, .. } if matches!(letter, 'c' | 'r' | 't') => Some(*letter),
            _ => None,
        }) {
            return Err(SpfSyntaxError::new(format!(
                "macro letter '{letter}' is only allowed in explanation strings: '{raw}'"
            )));
        }
        let ends_with_macro = matches!(
            macro_string.tokens().last(),
            Some(MacroToken::Macro { .. } | MacroToken::Escape(_))
        );
        if !ends_with_macro {
            let trimmed = raw.strip_suffix('.').unwrap_or(raw);
            let valid = match trimmed.rsplit_once('.') {
                Some((_, top)) => is_toplabel(top),
                None => false,
            };
            if !valid {
                return Err(SpfSyntaxError::new(format!(
                    "invalid domain-spec '{raw}': must end in a macro or a valid top-level label"
                )));
            }
        }
        Ok(Self {
            raw: raw.to_owned(),
            macro_string,
        })
    }

    /// The domain-spec as written in the record.
    pub fn as_str(&self) -> &str {
        &self.raw
    }
}

impl fmt::Display for DomainSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.raw)
    }
}

/// `toplabel = ( *alphanum ALPHA *alphanum ) / ( 1*alphanum "-" *( alphanum / "-" ) alphanum )`
fn is_toplabel(label: &str) -> bool {
    let bytes = label.as_bytes();
    let (Some(first), Some(last)) = (bytes.first(), bytes.last()) else {
        return false;
    };
    if !bytes
        .iter()
        .all(|b| b.is_ascii_alphanumeric() || *b == b'-')
    {
        return false;
    }
    if !first.is_ascii_alphanumeric() || !last.is_ascii_alphanumeric() {
        return false;
    }
    bytes.iter().any(|b| b.is_ascii_alphabetic() || *b == b'-')
}

/// The kind of a mechanism together with its arguments (RFC 7208 section 5).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mechanism {
    /// `all`: always matches.
    All,
    /// `include:<domain-spec>`.
    Include(DomainSpec),
    /// `a[:<domain-spec>][/<cidr4>][//<cidr6>]`.
    A {
        /// The target domain; the current domain when absent.
        domain: Option<DomainSpec>,
        /// IPv4 prefix length (default 32).
        cidr4: Option<u8>,
        /// IPv6 prefix length (default 128).
        cidr6: Option<u8>,
    },
    /// `mx[:<domain-spec>][/<cidr4>][//<cidr6>]`.
    Mx {
        /// The target domain; the current domain when absent.
        domain: Option<DomainSpec>,
        /// IPv4 prefix length (default 32).
        cidr4: Option<u8>,
        /// IPv6 prefix length (default 128).
        cidr6: Option<u8>,
    },
    /// `ptr[:<domain-spec>]` (deprecated by RFC 7208).
    Ptr(Option<DomainSpec>),
    /// `ip4:<network>[/<cidr>]`.
    Ip4 {
        /// Network address.
        addr: Ipv4Addr,
        /// Prefix length (0..=32).
        prefix: u8,
    },
    /// `ip6:<network>[/<cidr>]`.
    Ip6 {
        /// Network address.
        addr: Ipv6Addr,
        /// Prefix length (0..=128).
        prefix: u8,
    },
    /// `exists:<domain-spec>`.
    Exists(DomainSpec),
}

impl Mechanism {
    /// Whether evaluating this mechanism queries DNS (counts toward the
    /// 10-lookup limit of RFC 7208 section 4.6.4).
    pub fn queries_dns(&self) -> bool {
        matches!(
            self,
            Self::Include(_) | Self::A { .. } | Self::Mx { .. } | Self::Ptr(_) | Self::Exists(_)
        )
    }
}

fn fmt_dual(f: &mut fmt::Formatter<'_>, c4: Option<u8>, c6: Option<u8>) -> fmt::Result {
    if let Some(c) = c4 {
        write!(f, "/{c}")?;
    }
    if let Some(c) = c6 {
        write!(f, "//{c}")?;
    }
    Ok(())
}

impl fmt::Display for Mechanism {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::All => f.write_str("all"),
            Self::Include(d) => write!(f, "include:{d}"),
            Self::A {
                domain,
                cidr4,
                cidr6,
            } => {
                f.write_str("a")?;
                if let Some(d) = domain {
                    write!(f, ":{d}")?;
                }
                fmt_dual(f, *cidr4, *cidr6)
            }
            Self::Mx {
                domain,
                cidr4,
                cidr6,
            } => {
                f.write_str("mx")?;
                if let Some(d) = domain {
                    write!(f, ":{d}")?;
                }
                fmt_dual(f, *cidr4, *cidr6)
            }
            Self::Ptr(d) => match d {
                Some(d) => write!(f, "ptr:{d}"),
                None => f.write_str("ptr"),
            },
            Self::Ip4 { addr, prefix } => write!(f, "ip4:{addr}/{prefix}"),
            Self::Ip6 { addr, prefix } => write!(f, "ip6:{addr}/{prefix}"),
            Self::Exists(d) => write!(f, "exists:{d}"),
        }
    }
}

/// One term of an SPF record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Term {
    /// A mechanism with its qualifier.
    Mechanism {
        /// The qualifier (`+` when omitted).
        qualifier: Qualifier,
        /// The mechanism and its arguments.
        kind: Mechanism,
    },
    /// A modifier `name=value` (`redirect`, `exp` or an unknown one, which
    /// is ignored during evaluation).
    Modifier {
        /// Modifier name, lowercased.
        name: String,
        /// Modifier value (a macro-string), as written.
        value: String,
    },
}

impl fmt::Display for Term {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Mechanism { qualifier, kind } => {
                if *qualifier != Qualifier::Pass {
                    write!(f, "{}", qualifier.as_char())?;
                }
                write!(f, "{kind}")
            }
            Self::Modifier { name, value } => write!(f, "{name}={value}"),
        }
    }
}

/// A parsed `v=spf1` record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpfRecord {
    /// The terms, in record order.
    pub terms: Vec<Term>,
    pub(crate) redirect: Option<DomainSpec>,
    pub(crate) exp: Option<DomainSpec>,
}

impl SpfRecord {
    /// Qualifier of a top-level `all` mechanism, if the record has one.
    pub fn all_qualifier(&self) -> Option<Qualifier> {
        self.terms.iter().find_map(|t| match t {
            Term::Mechanism {
                qualifier,
                kind: Mechanism::All,
            } => Some(*qualifier),
            _ => None,
        })
    }

    /// Whether the record uses the deprecated `ptr` mechanism.
    pub fn uses_ptr(&self) -> bool {
        self.terms.iter().any(|t| {
            matches!(
                t,
                Term::Mechanism {
                    kind: Mechanism::Ptr(_),
                    ..
                }
            )
        })
    }

    /// The `redirect=` target (unexpanded domain-spec), if any.
    pub fn redirect(&self) -> Option<&str> {
        self.redirect.as_ref().map(DomainSpec::as_str)
    }

    /// The `exp=` target (unexpanded domain-spec), if any.
    pub fn exp(&self) -> Option<&str> {
        self.exp.as_ref().map(DomainSpec::as_str)
    }

    /// The mechanisms with their qualifiers, in order.
    pub fn mechanisms(&self) -> impl Iterator<Item = (Qualifier, &Mechanism)> {
        self.terms.iter().filter_map(|t| match t {
            Term::Mechanism { qualifier, kind } => Some((*qualifier, kind)),
            Term::Modifier { .. } => None,
        })
    }
}

/// Whether a TXT string is an SPF version 1 record (RFC 7208 section 4.5):
/// `v=spf1` (case-insensitive) followed by a space or the end.
pub fn is_spf1(text: &str) -> bool {
    let b = text.as_bytes();
    b.len() >= 6 && b[..6].eq_ignore_ascii_case(b"v=spf1") && (b.len() == 6 || b[6] == b' ')
}

/// Parses an SPF record, including its `v=spf1` version prefix.
pub fn parse_record(text: &str) -> Result<SpfRecord, SpfSyntaxError> {
    if !is_spf1(text) {
        return Err(SpfSyntaxError::new("record does not start with 'v=spf1'"));
    }
    if let Some(c) = text.chars().find(|c| !c.is_ascii()) {
        return Err(SpfSyntaxError::new(format!(
            "non-ASCII character {c:?} in record"
        )));
    }
    let mut terms = Vec::new();
    let mut redirect = None;
    let mut exp = None;
    for term in text.get(6..).unwrap_or_default().split(' ') {
        if term.is_empty() {
            continue;
        }
        let parsed = parse_term(term)?;
        if let Term::Modifier { name, value } = &parsed {
            match name.as_str() {
                "redirect" => {
                    if redirect.is_some() {
                        return Err(SpfSyntaxError::new("more than one 'redirect' modifier"));
                    }
                    redirect = Some(DomainSpec::parse(value)?);
                }
                "exp" => {
                    if exp.is_some() {
                        return Err(SpfSyntaxError::new("more than one 'exp' modifier"));
                    }
                    exp = Some(DomainSpec::parse(value)?);
                }
                _ => {}
            }
        }
        terms.push(parsed);
    }
    Ok(SpfRecord {
        terms,
        redirect,
        exp,
    })
}

fn parse_term(term: &str) -> Result<Term, SpfSyntaxError> {
    if let Some(c) = term.chars().find(|c| c.is_ascii_control()) {
        return Err(SpfSyntaxError::new(format!(
            "control character {c:?} in term '{}'",
            term.escape_default()
        )));
    }
    let sep = term.find(['=', ':', '/']);
    if let Some(pos) = sep
        && term.as_bytes().get(pos) == Some(&b'=')
    {
        let (name, value) = (&term[..pos], &term[pos + 1..]);
        if !is_modifier_name(name) {
            return Err(SpfSyntaxError::new(format!(
                "invalid modifier name '{name}'"
            )));
        }
        // Every modifier value is a macro-string; check its syntax.
        MacroString::parse(value)?;
        return Ok(Term::Modifier {
            name: name.to_ascii_lowercase(),
            value: value.to_owned(),
        });
    }
    let (qualifier, body) = match term.chars().next().and_then(Qualifier::from_char) {
        Some(q) => (q, &term[1..]),
        None => (Qualifier::Pass, term),
    };
    let name_end = body.find([':', '/']).unwrap_or(body.len());
    let (name, rest) = body.split_at(name_end);
    let kind = match name.to_ascii_lowercase().as_str() {
        "all" => {
            if !rest.is_empty() {
                return Err(SpfSyntaxError::new(format!(
                    "'all' takes no argument: '{term}'"
                )));
            }
            Mechanism::All
        }
        "include" => Mechanism::Include(required_domain(term, rest)?),
        "exists" => Mechanism::Exists(required_domain(term, rest)?),
        "ptr" => match rest.strip_prefix(':') {
            Some(d) => Mechanism::Ptr(Some(DomainSpec::parse(d)?)),
            None if rest.is_empty() => Mechanism::Ptr(None),
            None => {
                return Err(SpfSyntaxError::new(format!(
                    "invalid 'ptr' mechanism '{term}'"
                )));
            }
        },
        "a" => {
            let (domain, cidr4, cidr6) = domain_and_cidr(term, rest)?;
            Mechanism::A {
                domain,
                cidr4,
                cidr6,
            }
        }
        "mx" => {
            let (domain, cidr4, cidr6) = domain_and_cidr(term, rest)?;
            Mechanism::Mx {
                domain,
                cidr4,
                cidr6,
            }
        }
        "ip4" => {
            let arg = rest
                .strip_prefix(':')
                .ok_or_else(|| SpfSyntaxError::new(format!("'ip4' needs a network: '{term}'")))?;
            let (net, prefix) = match arg.split_once('/') {
                Some((n, p)) => (n, parse_cidr(p, 32)?),
                None => (arg, 32),
            };
            let addr = parse_ipv4(net).ok_or_else(|| {
                SpfSyntaxError::new(format!("invalid IPv4 network '{net}' in '{term}'"))
            })?;
            Mechanism::Ip4 { addr, prefix }
        }
        "ip6" => {
            let arg = rest
                .strip_prefix(':')
                .ok_or_else(|| SpfSyntaxError::new(format!("'ip6' needs a network: '{term}'")))?;
            let (net, prefix) = match arg.split_once('/') {
                Some((n, p)) => (n, parse_cidr(p, 128)?),
                None => (arg, 128),
            };
            let addr = net.parse::<Ipv6Addr>().map_err(|_| {
                SpfSyntaxError::new(format!("invalid IPv6 network '{net}' in '{term}'"))
            })?;
            Mechanism::Ip6 { addr, prefix }
        }
        _ => {
            return Err(SpfSyntaxError::new(format!("unknown mechanism '{term}'")));
        }
    };
    Ok(Term::Mechanism { qualifier, kind })
}

fn is_modifier_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

fn parse_ipv4(s: &str) -> Option<Ipv4Addr> {
    // qnum forbids leading zeros; std's parser is strict about that too, but
    // be explicit so that behaviour never depends on the std version.
    let parts: Vec<&str> = s.split('.').collect();
    if parts.len() != 4
        || parts
            .iter()
            .any(|p| p.is_empty() || p.len() > 3 || (p.len() > 1 && p.starts_with('0')))
    {
        return None;
    }
    s.parse().ok()
}

/// Parses the digits of a CIDR length: `"0" / %x31-39 *DIGIT`, at most `max`.
fn parse_cidr(digits: &str, max: u8) -> Result<u8, SpfSyntaxError> {
    let ok = !digits.is_empty()
        && digits.len() <= 3
        && digits.bytes().all(|b| b.is_ascii_digit())
        && (digits == "0" || !digits.starts_with('0'));
    let value = if ok { digits.parse::<u8>().ok() } else { None };
    match value {
        Some(v) if v <= max => Ok(v),
        _ => Err(SpfSyntaxError::new(format!(
            "invalid CIDR length '/{digits}' (maximum {max})"
        ))),
    }
}

fn required_domain(term: &str, rest: &str) -> Result<DomainSpec, SpfSyntaxError> {
    match rest.strip_prefix(':') {
        Some(d) => DomainSpec::parse(d),
        None => Err(SpfSyntaxError::new(format!(
            "mechanism needs ':<domain>': '{term}'"
        ))),
    }
}

type DualCidr = (Option<DomainSpec>, Option<u8>, Option<u8>);

fn domain_and_cidr(term: &str, rest: &str) -> Result<DualCidr, SpfSyntaxError> {
    if rest.is_empty() {
        return Ok((None, None, None));
    }
    if let Some(arg) = rest.strip_prefix(':') {
        let mut domain = arg;
        let mut cidr6 = None;
        let mut cidr4 = None;
        if let Some(pos) = domain.rfind("//") {
            let tail = &domain[pos + 2..];
            if !tail.is_empty() && tail.bytes().all(|b| b.is_ascii_digit()) {
                cidr6 = Some(parse_cidr(tail, 128)?);
                domain = &domain[..pos];
            }
        }
        if let Some(pos) = domain.rfind('/') {
            let tail = &domain[pos + 1..];
            if !tail.is_empty() && tail.bytes().all(|b| b.is_ascii_digit()) {
                cidr4 = Some(parse_cidr(tail, 32)?);
                domain = &domain[..pos];
            }
        }
        return Ok((Some(DomainSpec::parse(domain)?), cidr4, cidr6));
    }
    // Only a dual-cidr-length: "/n", "//m" or "/n//m".
    let (c4, c6) = match rest.split_once("//") {
        Some((c4, c6)) => (c4, Some(c6)),
        None => (rest, None),
    };
    let cidr4 = if c4.is_empty() {
        None
    } else {
        let digits = c4
            .strip_prefix('/')
            .ok_or_else(|| SpfSyntaxError::new(format!("invalid mechanism '{term}'")))?;
        Some(parse_cidr(digits, 32)?)
    };
    let cidr6 = c6.map(|d| parse_cidr(d, 128)).transpose()?;
    Ok((None, cidr4, cidr6))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_common_record() {
        let r = parse_record(
            "v=spf1 ip4:192.0.2.0/24 ip6:2001:db8::/32 a mx:example.com/24//64 include:_spf.example.net ~all",
        )
        .unwrap();
        assert_eq!(r.terms.len(), 6);
        assert_eq!(r.all_qualifier(), Some(Qualifier::Softfail));
        assert!(!r.uses_ptr());
        assert_eq!(
            r.terms[3],
            Term::Mechanism {
                qualifier: Qualifier::Pass,
                kind: Mechanism::Mx {
                    domain: Some(DomainSpec::parse("example.com").unwrap()),
                    cidr4: Some(24),
                    cidr6: Some(64)
                }
            }
        );
        assert_eq!(r.terms[0].to_string(), "ip4:192.0.2.0/24");
    }

    #[test]
    fn modifiers() {
        let r = parse_record("v=spf1 redirect=_spf.example.com exp=exp.%{d} foo=bar").unwrap();
        assert_eq!(r.redirect(), Some("_spf.example.com"));
        assert_eq!(r.exp(), Some("exp.%{d}"));
        assert!(parse_record("v=spf1 redirect=a.com redirect=b.com").is_err());
        assert!(parse_record("v=spf1 exp=a.com exp=b.com").is_err());
        assert!(parse_record("v=spf1 redirect:a.com").is_err());
        assert!(parse_record("v=spf1 1foo=bar").is_err());
        assert!(parse_record("v=spf1 moo.cow-far_out=man:dog/cat").is_ok());
        assert!(parse_record("v=spf1 moo.cow/far_out=man:dog/cat").is_err());
    }

    #[test]
    fn rejects_bad_records() {
        for bad in [
            "v=spf1 foo",
            "v=spf1 a:",
            "v=spf1 include",
            "v=spf1 ptr/0",
            "v=spf1 ip4:1.2.3.4/33",
            "v=spf1 ip4:1.2.3.4//32",
            "v=spf1 ip4:01.2.3.4",
            "v=spf1 ip6:::1/129",
            "v=spf1 a/033",
            "v=spf1 a:foo-bar",
            "v=spf1 all:x",
            "v=spf1 -all\u{96}",
            "v=spf1 a:x.example.com\rptr",
            "v=spf1 exists:%{x}.example.com",
            "v=spf1 a:%{d0}.example.com",
            "v=spf10",
            "v=spf1 mx//129",
            "v=spf1 -all exp=%{r}.example.com",
        ] {
            assert!(parse_record(bad).is_err(), "{bad} should not parse");
        }
    }

    #[test]
    fn accepts_edge_cases() {
        for good in [
            "v=spf1",
            "v=spf1 ",
            "V=SPF1 -ALL",
            "v=spf1 a  -all",
            "v=spf1 a//64 a/24 a/24//64 a:%{d}",
            "v=spf1 exists:%{ir}.%{l1r+-}._spf.%{d}",
            "v=spf1 ip6:::ffff:1.2.3.4/128",
            "v=spf1 a:example.com. mx:foo.1-2",
        ] {
            assert!(parse_record(good).is_ok(), "{good} should parse");
        }
    }
}
