//! DMARC records (RFC 7489 section 6.3), parsed with precise errors.

use std::fmt;

/// A DMARC policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Policy {
    /// Monitor only.
    None,
    /// Treat failing mail as suspicious.
    Quarantine,
    /// Reject failing mail.
    Reject,
}

impl Policy {
    fn parse(v: &str) -> Option<Policy> {
        match v.trim().to_ascii_lowercase().as_str() {
            "none" => Some(Policy::None),
            "quarantine" => Some(Policy::Quarantine),
            "reject" => Some(Policy::Reject),
            _ => None,
        }
    }

    /// Wire spelling.
    pub const fn as_str(self) -> &'static str {
        match self {
            Policy::None => "none",
            Policy::Quarantine => "quarantine",
            Policy::Reject => "reject",
        }
    }
}

/// A parsed DMARC record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DmarcRecord {
    /// `p`.
    pub policy: Policy,
    /// `sp` (subdomain policy), when given.
    pub subdomain_policy: Option<Policy>,
    /// `pct`, 0–100 (default 100).
    pub pct: u8,
    /// `rua` URIs.
    pub rua: Vec<String>,
    /// `ruf` URIs.
    pub ruf: Vec<String>,
}

/// What is wrong with a DMARC record.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DmarcError {
    /// The record does not start with `v=DMARC1`.
    #[error("the record must start with v=DMARC1")]
    NotFirstVersion,
    /// A tag without `=`.
    #[error("tag {index} (`{text}`) is not of the form name=value")]
    BadTag {
        /// 0-based tag position.
        index: usize,
        /// The text.
        text: String,
    },
    /// A tag given twice.
    #[error("tag `{0}` appears twice")]
    Duplicate(String),
    /// A missing or invalid `p` with no `rua` to fall back on.
    #[error("missing or invalid p= tag: {0}")]
    BadPolicy(String),
    /// An invalid value for a known tag.
    #[error("invalid value `{value}` for tag `{tag}`")]
    BadValue {
        /// The tag.
        tag: String,
        /// The value.
        value: String,
    },
}

impl fmt::Display for DmarcRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "p={} pct={}", self.policy.as_str(), self.pct)?;
        if let Some(sp) = self.subdomain_policy {
            write!(f, " sp={}", sp.as_str())?;
        }
        Ok(())
    }
}

/// Parses a DMARC TXT record.
///
/// ```
/// use posture_signals::dmarc::{parse, Policy};
/// let r = parse("v=DMARC1; p=quarantine; pct=50; rua=mailto:d@example.com").unwrap();
/// assert_eq!((r.policy, r.pct), (Policy::Quarantine, 50));
/// assert!(parse("p=reject; v=DMARC1").is_err());
/// ```
///
/// # Errors
/// A record that does not start with `v=DMARC1`, malformed or duplicate
/// tags, a bad `p`, `sp` or `pct`.
pub fn parse(text: &str) -> Result<DmarcRecord, DmarcError> {
    let mut tags: Vec<(String, String)> = Vec::new();
    for (index, part) in text.split(';').enumerate() {
        let part = part.trim();
        if part.is_empty() {
            continue;
        }
        let Some((k, v)) = part.split_once('=') else {
            return Err(DmarcError::BadTag {
                index,
                text: part.to_owned(),
            });
        };
        let k = k.trim().to_ascii_lowercase();
        if tags.iter().any(|(t, _)| *t == k) {
            return Err(DmarcError::Duplicate(k));
        }
        tags.push((k, v.trim().to_owned()));
    }
    match tags.first() {
        Some((k, v)) if k == "v" && v == "DMARC1" => {}
        _ => return Err(DmarcError::NotFirstVersion),
    }
    let get = |name: &str| {
        tags.iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let uris = |name: &str| -> Vec<String> {
        get(name)
            .map(|v| {
                v.split(',')
                    .map(|u| u.trim().to_owned())
                    .filter(|u| !u.is_empty())
                    .collect()
            })
            .unwrap_or_default()
    };
    let rua = uris("rua");
    let policy = match get("p").map(Policy::parse) {
        Some(Some(p)) => p,
        // RFC 7489 6.6.3: a bad or missing p with a valid rua is p=none.
        _ if !rua.is_empty() => Policy::None,
        other => {
            let why = match other {
                None => "absent".to_owned(),
                Some(_) => format!("`{}`", get("p").unwrap_or_default()),
            };
            return Err(DmarcError::BadPolicy(why));
        }
    };
    let subdomain_policy = match get("sp") {
        None => None,
        Some(v) => Some(Policy::parse(v).ok_or_else(|| DmarcError::BadValue {
            tag: "sp".into(),
            value: v.into(),
        })?),
    };
    let pct = match get("pct") {
        None => 100,
        Some(v) => match v.parse::<u8>() {
            Ok(n) if n <= 100 => n,
            _ => {
                return Err(DmarcError::BadValue {
                    tag: "pct".into(),
                    value: v.into(),
                });
            }
        },
    };
    Ok(DmarcRecord {
        policy,
        subdomain_policy,
        pct,
        rua,
        ruf: uris("ruf"),
    })
}

/// The organisational domain of a name (RFC 7489 3.2) by the Public Suffix
/// List, or `None` when the name is itself a public suffix.
///
/// ```
/// assert_eq!(posture_signals::dmarc::organizational_domain("mail.example.co.uk").as_deref(), Some("example.co.uk"));
/// ```
pub fn organizational_domain(name: &str) -> Option<String> {
    let n = name.trim_end_matches('.').to_ascii_lowercase();
    psl::domain_str(&n).map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_rejects_precisely() {
        let r = parse("v=DMARC1;p=none").unwrap();
        assert_eq!((r.policy, r.pct, r.rua.len()), (Policy::None, 100, 0));
        let r = parse("v=DMARC1; p=reject; sp=none; rua=mailto:a@x.example,mailto:b@x.example")
            .unwrap();
        assert_eq!(r.subdomain_policy, Some(Policy::None));
        assert_eq!(r.rua.len(), 2);
        assert_eq!(
            parse("v=DMARC1; rua=mailto:a@x.example").unwrap().policy,
            Policy::None
        );
        assert_eq!(
            parse("v=DMARC1").unwrap_err(),
            DmarcError::BadPolicy("absent".into())
        );
        assert!(matches!(
            parse("v=DMARC1; p=block"),
            Err(DmarcError::BadPolicy(_))
        ));
        assert!(matches!(
            parse("v=DMARC1; p=none; pct=150"),
            Err(DmarcError::BadValue { .. })
        ));
        assert!(matches!(
            parse("v=DMARC1; p=none; p=reject"),
            Err(DmarcError::Duplicate(_))
        ));
        assert!(matches!(
            parse("v=DMARC1; p"),
            Err(DmarcError::BadTag { index: 1, .. })
        ));
        assert_eq!(
            parse("v=spf1 -all").unwrap_err(),
            DmarcError::NotFirstVersion
        );
    }

    #[test]
    fn organizational_domains() {
        assert_eq!(
            organizational_domain("a.b.example.com").as_deref(),
            Some("example.com")
        );
        assert_eq!(
            organizational_domain("example.com").as_deref(),
            Some("example.com")
        );
        assert_eq!(organizational_domain("com"), None);
    }
}
