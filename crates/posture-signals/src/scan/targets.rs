//! Targets: parsed and checked before anything is sent. Host names are
//! refused when they can never be public (`localhost`, `.localhost`,
//! `.invalid`); addresses and CIDR blocks share one budget
//! (`--max-addresses`) with overlaps counted and probed once, and are walked
//! lazily, so memory follows what was probed, not the address space.

use super::ScanError;
use posture_core::Asset;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// A closed interval of addresses of one family.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Span {
    /// IPv4, as u32.
    V4(u32, u32),
    /// IPv6, as u128.
    V6(u128, u128),
}

impl Span {
    fn of(asset: &Asset) -> Option<Span> {
        match asset {
            Asset::Ip(IpAddr::V4(a)) => Some(Span::V4(u32::from(*a), u32::from(*a))),
            Asset::Ip(IpAddr::V6(a)) => Some(Span::V6(u128::from(*a), u128::from(*a))),
            Asset::Network(ipnetwork::IpNetwork::V4(n)) => {
                Some(Span::V4(u32::from(n.network()), u32::from(n.broadcast())))
            }
            Asset::Network(ipnetwork::IpNetwork::V6(n)) => {
                let start = u128::from(n.network());
                let host_bits = 128 - u32::from(n.prefix());
                // The host bits all set: none for a /128, all for ::/0.
                let mask = u128::MAX.checked_shr(128 - host_bits).unwrap_or(0);
                Some(Span::V6(start, start | mask))
            }
            Asset::Host(_) => None,
        }
    }

    /// How many addresses (saturating at u128::MAX).
    pub(crate) fn len(self) -> u128 {
        match self {
            Span::V4(a, b) => u128::from(b - a) + 1,
            Span::V6(a, b) => (b - a).saturating_add(1),
        }
    }

    /// The overlap of two spans of the same family.
    fn overlap(self, other: Span) -> u128 {
        match (self, other) {
            (Span::V4(a, b), Span::V4(c, d)) if a.max(c) <= b.min(d) => {
                u128::from(b.min(d) - a.max(c)) + 1
            }
            (Span::V6(a, b), Span::V6(c, d)) if a.max(c) <= b.min(d) => {
                (b.min(d) - a.max(c)).saturating_add(1)
            }
            _ => 0,
        }
    }

    /// Merges with `next` (sorted after it) when they touch.
    fn merge(self, next: Span) -> Option<Span> {
        match (self, next) {
            (Span::V4(a, b), Span::V4(c, d)) if c <= b.saturating_add(1) => {
                Some(Span::V4(a, b.max(d)))
            }
            (Span::V6(a, b), Span::V6(c, d)) if c <= b.saturating_add(1) => {
                Some(Span::V6(a, b.max(d)))
            }
            _ => None,
        }
    }
}

/// A scan's targets, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Plan {
    /// Host names, normalised, each once, in the order given.
    pub hosts: Vec<String>,
    /// Every address target (a single address or a block), normalised, with
    /// its span: the deadline reports addresses never reached per target.
    pub networks: Vec<(String, Span)>,
    /// The address spans, sorted and merged: each address once.
    pub spans: Vec<Span>,
    /// Every target, normalised.
    pub assets: Vec<String>,
}

impl Plan {
    /// How many distinct addresses.
    pub(crate) fn addresses(&self) -> u128 {
        self.spans
            .iter()
            .fold(0u128, |n, s| n.saturating_add(s.len()))
    }

    /// Walks every distinct address once, in order.
    pub(crate) fn walk(&self) -> Walk<'_> {
        Walk {
            spans: &self.spans,
            index: 0,
            next: None,
        }
    }
}

/// Names that can never be public, refused as targets.
fn refused(host: &str) -> Option<&'static str> {
    let h = host.trim_end_matches('.').to_ascii_lowercase();
    if h == "localhost" || h.ends_with(".localhost") {
        Some("localhost names (RFC 6761) are not internet-facing")
    } else if h == "invalid" || h.ends_with(".invalid") {
        Some("names under .invalid (RFC 6761) never exist")
    } else {
        None
    }
}

/// Parses and checks the targets against the address budget.
pub(crate) fn plan(targets: &[String], max_addresses: u64) -> Result<Plan, ScanError> {
    let mut p = Plan {
        hosts: Vec::new(),
        networks: Vec::new(),
        spans: Vec::new(),
        assets: Vec::new(),
    };
    let mut spans = Vec::new();
    for t in targets {
        let bad = |reason: String| ScanError::BadTarget {
            target: t.clone(),
            reason,
        };
        let asset = t.parse::<Asset>().map_err(|e| bad(e.to_string()))?;
        let text = asset.to_string();
        match Span::of(&asset) {
            None => {
                if let Some(why) = refused(&text) {
                    return Err(bad(why.to_owned()));
                }
                if !p.hosts.contains(&text) {
                    p.hosts.push(text.clone());
                }
            }
            Some(span) => {
                p.networks.push((text.clone(), span));
                spans.push(span);
            }
        }
        if !p.assets.contains(&text) {
            p.assets.push(text);
        }
    }
    spans.sort_unstable();
    for s in spans {
        match p.spans.last_mut() {
            Some(last) => match last.merge(s) {
                Some(m) => *last = m,
                None => p.spans.push(s),
            },
            None => p.spans.push(s),
        }
    }
    let total = p.addresses();
    if total > u128::from(max_addresses) {
        return Err(ScanError::TooManyAddresses {
            target: targets
                .iter()
                .filter(|t| t.contains('/') || t.parse::<IpAddr>().is_ok())
                .cloned()
                .collect::<Vec<_>>()
                .join(", "),
            addresses: total,
            max: max_addresses,
        });
    }
    Ok(p)
}

/// Addresses of a plan, each once, in order.
pub(crate) struct Walk<'a> {
    spans: &'a [Span],
    index: usize,
    /// The next address inside `spans[index]` (None: its start).
    next: Option<u128>,
}

impl Walk<'_> {
    /// What is left: the spans not yet walked (for the deadline's report).
    pub(crate) fn rest(&self) -> Vec<Span> {
        let mut out = Vec::new();
        match (self.spans.get(self.index), self.next) {
            (Some(&Span::V4(_, b)), Some(n)) => {
                if let Ok(n) = u32::try_from(n) {
                    if n <= b {
                        out.push(Span::V4(n, b));
                    }
                }
            }
            (Some(&Span::V6(_, b)), Some(n)) if n <= b => out.push(Span::V6(n, b)),
            (Some(&s), None) => out.push(s),
            _ => {}
        }
        out.extend(self.spans.iter().skip(self.index + 1).copied());
        out
    }
}

impl Iterator for Walk<'_> {
    type Item = IpAddr;
    fn next(&mut self) -> Option<IpAddr> {
        loop {
            let span = *self.spans.get(self.index)?;
            let (start, end) = match span {
                Span::V4(a, b) => (u128::from(a), u128::from(b)),
                Span::V6(a, b) => (a, b),
            };
            let at = self.next.unwrap_or(start);
            if at > end {
                self.index += 1;
                self.next = None;
                continue;
            }
            // After the last address of the space there is nothing next.
            match at.checked_add(1) {
                Some(n) => self.next = Some(n),
                None => {
                    self.index += 1;
                    self.next = None;
                }
            }
            return Some(match span {
                Span::V4(..) => IpAddr::V4(Ipv4Addr::from(u32::try_from(at).unwrap_or(u32::MAX))),
                Span::V6(..) => IpAddr::V6(Ipv6Addr::from(at)),
            });
        }
    }
}

/// For each address target, how many of its addresses lie in `rest`.
pub(crate) fn unreached(plan: &Plan, rest: &[Span]) -> Vec<(String, u128)> {
    plan.networks
        .iter()
        .map(|(name, span)| {
            (
                name.clone(),
                rest.iter().map(|r| span.overlap(*r)).sum::<u128>(),
            )
        })
        .filter(|(_, n)| *n > 0)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn one_budget_across_targets_overlaps_once() {
        // Sixteen /16s are 1,048,576 addresses, over the default budget.
        let sixteen: Vec<String> = (0..16).map(|i| format!("10.{i}.0.0/16")).collect();
        assert!(matches!(
            plan(&sixteen, 65_536),
            Err(ScanError::TooManyAddresses {
                addresses: 1_048_576,
                ..
            })
        ));
        // Overlapping blocks count once: a /24, its half and one address.
        let p = plan(&t(&["192.0.2.0/24", "192.0.2.0/25", "192.0.2.7"]), 256).unwrap();
        assert_eq!(p.addresses(), 256);
        assert_eq!(p.walk().count(), 256);
        assert_eq!(
            p.walk().collect::<std::collections::BTreeSet<_>>().len(),
            256
        );
        assert!(plan(&t(&["192.0.2.0/24", "198.51.100.0/24"]), 511).is_err());
        // IPv6: a /65 is 2^63 addresses, a /64 one more than u64::MAX.
        assert!(plan(&t(&["2001:db8::/65"]), u64::MAX).is_ok());
        assert!(plan(&t(&["2001:db8::/64"]), u64::MAX).is_err());
        assert!(plan(&t(&["::/0"]), u64::MAX).is_err());
    }

    #[test]
    fn refused_names() {
        for bad in [
            "localhost",
            "LOCALHOST.",
            "a.localhost",
            "x.invalid",
            "invalid",
        ] {
            assert!(
                matches!(plan(&t(&[bad]), 1), Err(ScanError::BadTarget { .. })),
                "{bad}"
            );
        }
        assert!(plan(&t(&["localhost.example", "invalid.example"]), 1).is_ok());
    }

    #[test]
    fn the_walk_and_what_it_leaves() {
        let p = plan(&t(&["192.0.2.0/30", "192.0.2.8/31", "255.255.255.255"]), 16).unwrap();
        let mut w = p.walk();
        assert_eq!(w.next(), Some("192.0.2.0".parse().unwrap()));
        assert_eq!(w.next(), Some("192.0.2.1".parse().unwrap()));
        let rest = w.rest();
        let left = unreached(&p, &rest);
        assert_eq!(
            left,
            vec![
                ("192.0.2.0/30".to_owned(), 2),
                ("192.0.2.8/31".to_owned(), 2),
                ("255.255.255.255".to_owned(), 1)
            ]
        );
        assert_eq!(
            w.count(),
            5,
            "the walk ends after the last address of the space"
        );
    }
}
