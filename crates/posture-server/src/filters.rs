//! The contact manager's filters from query parameters, as the API and the
//! web page take them (the names and values of `posture workflow query
//! contacts`' flags).

use crate::http::field;
use posture_core::echo;
use posture_plan::query::{ContactFilter, ExpectationFilter, InvitationState};

/// `yes`/`no` (also `true`/`false`); empty or `any` is no filter.
fn yes_no(name: &str, v: Option<&str>) -> Result<Option<bool>, String> {
    match v.map(str::trim) {
        None | Some("" | "any") => Ok(None),
        Some("yes" | "true") => Ok(Some(true)),
        Some("no" | "false") => Ok(Some(false)),
        Some(other) => Err(format!("{name}: `{}` is neither yes nor no", echo(other))),
    }
}

/// The filter of a query string's pairs. Empty values and `any` mean no
/// filter, so a form submitted as it comes filters nothing.
///
/// # Errors
/// A value outside a filter's set, naming the parameter.
pub(crate) fn contact_filter(pairs: &[(String, String)]) -> Result<ContactFilter, String> {
    let get = |n: &str| {
        field(pairs, n)
            .map(str::trim)
            .filter(|v| !v.is_empty() && *v != "any")
    };
    let invitation = match get("invitation") {
        None => None,
        Some("accepted") => Some(InvitationState::Accepted),
        Some("pending") => Some(InvitationState::Pending),
        Some("none") => Some(InvitationState::None),
        Some(o) => {
            return Err(format!(
                "invitation: `{}` is not accepted, pending or none",
                echo(o)
            ));
        }
    };
    let expectation = get("expectation")
        .map(str::parse::<ExpectationFilter>)
        .transpose()
        .map_err(|e| format!("expectation: {e}"))?;
    let days_since_invite = match get("days_since_invite") {
        None => None,
        Some(r) => {
            let bad = || {
                format!(
                    "days_since_invite: `{}` is not MIN..MAX (whole days)",
                    echo(r)
                )
            };
            let (lo, hi) = r.split_once("..").ok_or_else(bad)?;
            let lo = lo.trim().parse::<i64>().map_err(|_| bad())?;
            let hi = hi.trim().parse::<i64>().map_err(|_| bad())?;
            if lo > hi {
                return Err(bad());
            }
            Some((lo, hi))
        }
    };
    Ok(ContactFilter {
        invitation,
        days_since_invite,
        expectation,
        claimed: yes_no("claimed", get("claimed"))?,
        logged_in_30d: yes_no("logged_in_30d", get("logged_in_30d"))?,
        name: field(pairs, "name")
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_owned),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::pairs;

    #[test]
    fn filters_parse_and_refuse() {
        let f = contact_filter(&pairs(
            b"invitation=accepted&days_since_invite=0..7&expectation=set&claimed=yes&logged_in_30d=no&name=Pay",
        ))
        .unwrap();
        assert_eq!(f.invitation, Some(InvitationState::Accepted));
        assert_eq!(f.days_since_invite, Some((0, 7)));
        assert_eq!(f.claimed, Some(true));
        assert_eq!(f.logged_in_30d, Some(false));
        assert_eq!(f.name.as_deref(), Some("Pay"));
        assert_eq!(
            contact_filter(&pairs(b"invitation=&claimed=any")).unwrap(),
            ContactFilter::default()
        );
        assert!(
            contact_filter(&pairs(b"invitation=maybe"))
                .unwrap_err()
                .starts_with("invitation:")
        );
        assert!(contact_filter(&pairs(b"days_since_invite=7..1")).is_err());
        assert!(contact_filter(&pairs(b"claimed=perhaps")).is_err());
    }
}
