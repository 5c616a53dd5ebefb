//! Checks on what commands carry: ids, e-mail addresses, targets, and
//! assets inside a vendor's footprint.

use crate::error::WorkflowError;
use crate::model::PlanTarget;
use crate::state::Org;
use posture_core::{Asset, Catalog, Grade, HostName, echo};
use rust_decimal::Decimal;

/// The longest caller-chosen id, in bytes.
pub const MAX_ID_BYTES: usize = 128;

/// Checks a caller-chosen id: 1 to 128 bytes, no `/` (it separates
/// `ORG/ID`), no control or bidi characters, no surrounding white space.
pub(crate) fn id(field: &str, v: &str) -> Result<(), WorkflowError> {
    let problem = if v.trim().is_empty() {
        Some("must not be empty")
    } else if v.len() > MAX_ID_BYTES {
        Some("is longer than 128 bytes")
    } else if v.contains('/') {
        Some("must not contain `/` (it separates ORG/ID)")
    } else if v.chars().any(posture_core::echo::is_unsafe_char) {
        Some("must not contain control characters")
    } else if v.trim() != v {
        Some("must not start or end with white space")
    } else {
        None
    };
    match problem {
        None => Ok(()),
        Some(p) => Err(WorkflowError::invalid(format!("{field} `{}` {p}", echo(v)))),
    }
}

/// A questionnaire id also may not contain `:` (risk ids are
/// `QUESTIONNAIRE:QUESTION`).
pub(crate) fn questionnaire_id(v: &str) -> Result<(), WorkflowError> {
    id("questionnaire", v)?;
    if v.contains(':') {
        return Err(WorkflowError::invalid(format!(
            "questionnaire `{}` must not contain `:` (risk ids are QUESTIONNAIRE:QUESTION)",
            echo(v)
        )));
    }
    Ok(())
}

pub(crate) fn nonempty(field: &str, v: &str) -> Result<(), WorkflowError> {
    if v.trim().is_empty() {
        Err(WorkflowError::invalid(format!("{field} must not be empty")))
    } else {
        Ok(())
    }
}

/// Free-mail providers: addresses there are not corporate contacts.
const FREE_MAIL: &[&str] = &[
    "gmail.com",
    "googlemail.com",
    "yahoo.com",
    "yahoo.co.uk",
    "ymail.com",
    "outlook.com",
    "hotmail.com",
    "hotmail.co.uk",
    "live.com",
    "msn.com",
    "aol.com",
    "icloud.com",
    "me.com",
    "mac.com",
    "proton.me",
    "protonmail.com",
    "gmx.com",
    "gmx.de",
    "gmx.net",
    "web.de",
    "mail.com",
    "yandex.ru",
    "yandex.com",
    "mail.ru",
    "qq.com",
    "163.com",
    "126.com",
    "zoho.com",
    "fastmail.com",
    "tutanota.com",
    "hey.com",
];

/// `atext` of RFC 5322 section 3.2.3, the characters of a dot-atom.
fn atext(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-/=?^_`{|}~".contains(&b)
}

/// Parses one RFC 5321 mailbox whose local part is a dot-atom: no quoted
/// strings, comments, angle brackets, lists, spaces or control characters,
/// and a domain that is a host name. Returns the domain, lower-cased.
pub(crate) fn mailbox(field: &str, email: &str) -> Result<HostName, WorkflowError> {
    let bad = |why: &str| {
        WorkflowError::invalid(format!(
            "{field} `{}` is not one e-mail address: {why}",
            echo(email)
        ))
    };
    if !email.is_ascii() {
        return Err(bad("only ASCII is accepted (write the domain as A-labels)"));
    }
    let Some((local, domain)) = email.split_once('@') else {
        return Err(bad("it has no `@`"));
    };
    if domain.contains('@') {
        return Err(bad("it has more than one `@`"));
    }
    if local.is_empty() || local.len() > 64 {
        return Err(bad("the local part must be 1 to 64 characters"));
    }
    let atoms_ok = local
        .split('.')
        .all(|atom| !atom.is_empty() && atom.bytes().all(atext));
    if !atoms_ok {
        return Err(bad(
            "the local part must be a dot-atom (letters, digits and !#$%&'*+-/=?^_`{|}~, dots between)",
        ));
    }
    if email.len() > 254 {
        return Err(bad("it is longer than 254 characters"));
    }
    if domain.ends_with('.') || domain.starts_with('[') {
        return Err(bad("the domain must be a host name"));
    }
    let host: HostName = domain
        .parse()
        .map_err(|_| bad("the domain must be a host name"))?;
    if !host.as_str().contains('.') || host.as_str().contains('_') {
        return Err(bad("the domain must be a host name"));
    }
    Ok(host)
}

/// Whether `host` is `domain` or under it (both normalised).
pub(crate) fn at_or_under(host: &str, domain: &str) -> bool {
    host == domain
        || (host.len() > domain.len()
            && host.ends_with(domain)
            && host.as_bytes()[host.len() - domain.len() - 1] == b'.')
}

/// Checks a contact's e-mail: one address, not free mail, on one of the
/// vendor's domains (or a subdomain of one).
pub(crate) fn contact_email(email: &str, vendor: &Org) -> Result<(), WorkflowError> {
    let host = mailbox("email", email)?;
    if FREE_MAIL.iter().any(|f| at_or_under(host.as_str(), f)) {
        return Err(WorkflowError::invalid(format!(
            "email `{}` is a free-mail address; use the contact's corporate address",
            echo(email)
        )));
    }
    if vendor
        .domains
        .iter()
        .any(|d| at_or_under(host.as_str(), &normal_domain(d)))
    {
        Ok(())
    } else {
        Err(WorkflowError::invalid(format!(
            "email `{}` is not on one of the vendor's domains",
            echo(email)
        )))
    }
}

/// A domain as stored, normalised for comparison (events written before
/// domains were validated may carry upper case or a trailing dot).
pub(crate) fn normal_domain(d: &str) -> String {
    d.trim_end_matches('.').to_ascii_lowercase()
}

/// Validates and normalises `register_organization`'s domains (host names)
/// and assets (IP addresses and CIDR blocks).
pub(crate) fn footprint(
    domains: &[String],
    assets: &[String],
) -> Result<(Vec<String>, Vec<String>), WorkflowError> {
    let mut ds = Vec::with_capacity(domains.len());
    for (i, d) in domains.iter().enumerate() {
        match d.parse::<Asset>() {
            Ok(Asset::Host(h)) => ds.push(h.to_string()),
            Ok(_) => {
                return Err(WorkflowError::invalid(format!(
                    "domains[{i}]: `{}` is an address; list addresses under `assets`",
                    echo(d)
                )));
            }
            Err(e) => {
                return Err(WorkflowError::invalid(format!(
                    "domains[{i}]: `{}` is not a host name: {e}",
                    echo(d)
                )));
            }
        }
    }
    let mut xs = Vec::with_capacity(assets.len());
    for (i, a) in assets.iter().enumerate() {
        match a.parse::<Asset>() {
            Ok(Asset::Host(_)) => {
                return Err(WorkflowError::invalid(format!(
                    "assets[{i}]: `{}` is a host name; host names go under `domains`",
                    echo(a)
                )));
            }
            Ok(x) => xs.push(x.to_string()),
            Err(e) => {
                return Err(WorkflowError::invalid(format!(
                    "assets[{i}]: `{}` is not an IP address or CIDR block: {e}",
                    echo(a)
                )));
            }
        }
    }
    Ok((ds, xs))
}

/// Whether one asset (a host name or an IP address) is inside an
/// organisation's footprint: a host at or under one of its domains, an
/// address inside one of its blocks. A CIDR block, or anything that does
/// not parse, is refused with the reason.
///
/// ```
/// # use posture_plan::Org;
/// let org = Org {
///     domains: vec!["pay.example".into()],
///     assets: vec!["192.0.2.0/24".into()],
///     ..Org::default()
/// };
/// assert!(posture_plan::in_footprint(&org, "www.pay.example").is_ok());
/// assert!(posture_plan::in_footprint(&org, "192.0.2.7").is_ok());
/// assert!(posture_plan::in_footprint(&org, "192.0.2.0/24").is_err());
/// assert!(posture_plan::in_footprint(&org, "evilpay.example").is_err());
/// assert!(posture_plan::in_footprint(&org, "198.51.100.1").is_err());
/// ```
///
/// # Errors
/// Why the asset is not one asset of the organisation.
pub fn in_footprint(org: &Org, asset: &str) -> Result<(), String> {
    let outside = || format!("`{}` is outside the vendor's footprint", echo(asset));
    match asset.parse::<Asset>() {
        Err(e) => Err(format!(
            "`{}` is not a host name or IP address: {e}",
            echo(asset)
        )),
        Ok(Asset::Network(_)) => Err(format!(
            "`{}` is a CIDR block; name one host or address",
            echo(asset)
        )),
        Ok(Asset::Host(h)) => {
            if org
                .domains
                .iter()
                .any(|d| at_or_under(h.as_str(), &normal_domain(d)))
            {
                Ok(())
            } else {
                Err(outside())
            }
        }
        Ok(Asset::Ip(ip)) => {
            let inside = org.assets.iter().any(|a| match a.parse::<Asset>() {
                Ok(Asset::Ip(x)) => x == ip,
                Ok(Asset::Network(n)) => n.contains(ip),
                _ => false,
            });
            if inside { Ok(()) } else { Err(outside()) }
        }
    }
}

/// Checks an issue id against the workflow's catalog.
pub(crate) fn issue(field: &str, id: &str, catalog: &Catalog) -> Result<(), WorkflowError> {
    if catalog.get(id).is_some() {
        Ok(())
    } else {
        Err(WorkflowError::invalid(format!(
            "{field}: `{}` is not an issue type of catalog `{}`",
            echo(id),
            catalog.id()
        )))
    }
}

pub(crate) fn target(t: &PlanTarget, catalog: &Catalog) -> Result<(), WorkflowError> {
    let kinds = usize::from(t.grade.is_some())
        + usize::from(t.score.is_some())
        + usize::from(t.issues.is_some());
    if kinds != 1 {
        return Err(WorkflowError::invalid(
            "target: give exactly one of grade, score or issues",
        ));
    }
    if t.factor.is_some() && t.issues.is_some() {
        return Err(WorkflowError::invalid(
            "target: a factor goes with a grade or a score",
        ));
    }
    if let Some(s) = t.score {
        if s < Decimal::ZERO || s > Decimal::ONE_HUNDRED {
            return Err(WorkflowError::invalid(format!(
                "target.score {s} is outside 0..=100"
            )));
        }
    }
    if t.grade == Some(Grade::Insufficient) {
        return Err(WorkflowError::invalid("target.grade `?` is not a target"));
    }
    if let Some(issues) = &t.issues {
        if issues.is_empty() {
            return Err(WorkflowError::invalid(
                "target.issues must name at least one issue type",
            ));
        }
        for (i, x) in issues.iter().enumerate() {
            issue(&format!("target.issues[{i}]"), x, catalog)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mailboxes() {
        for ok in [
            "pat@pay.example",
            "pat.lee+sec@eu.pay.example",
            "o'neil@pay.example",
            "a!#$%&'*+-/=?^_`{|}~z@pay.example",
        ] {
            assert!(mailbox("email", ok).is_ok(), "{ok}");
        }
        for bad in [
            "a@evil.example,b@pay.example",
            "<a@evil.example>@pay.example",
            "\"a b\"@pay.example",
            "a(comment)@pay.example",
            "a;b@pay.example",
            "a b@pay.example",
            "a\n@pay.example",
            ".a@pay.example",
            "a.@pay.example",
            "a..b@pay.example",
            "a@pay.example.",
            "a@[192.0.2.1]",
            "a@localhost",
            "a@b@pay.example",
            "pät@pay.example",
            "@pay.example",
            "a@",
            "a@pay_x.example",
        ] {
            assert!(mailbox("email", bad).is_err(), "{bad}");
        }
        let long = format!("{}@pay.example", "a".repeat(65));
        assert!(mailbox("email", &long).is_err());
    }

    #[test]
    fn at_or_under_needs_a_label_boundary() {
        assert!(at_or_under("pay.example", "pay.example"));
        assert!(at_or_under("eu.pay.example", "pay.example"));
        assert!(!at_or_under("evilpay.example", "pay.example"));
        assert!(!at_or_under("example", "pay.example"));
    }

    #[test]
    fn ids() {
        assert!(id("plan", "p-1_x.y").is_ok());
        for bad in ["", " ", "a/b", "a\u{1b}b", " a", "a ", &"x".repeat(129)] {
            assert!(id("plan", bad).is_err(), "{bad:?}");
        }
    }
}
