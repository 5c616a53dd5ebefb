//! Assets and footprints (scoring-v1 sections 1 and 7, "Assets").
//!
//! A footprint is the set of an organisation's internet-facing assets: host
//! names, IPv4 addresses and blocks, IPv6 addresses and blocks. Its size `N`
//! counts distinct host names, distinct IPv4 addresses and distinct IPv6 /64
//! networks, overlaps once.

use ipnetwork::{IpNetwork, Ipv4Network, Ipv6Network};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

/// Why a string is not a valid asset.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AssetError {
    /// Empty string.
    #[error("empty asset")]
    Empty,
    /// A host name longer than 253 octets.
    #[error("host name longer than 253 characters")]
    NameTooLong,
    /// A label that is empty or longer than 63 octets.
    #[error("label `{}` must be 1 to 63 characters", crate::echo(.0))]
    BadLabelLength(String),
    /// A label with a character outside letters, digits, `-` and `_`, or a
    /// hyphen at either end.
    #[error(
        "label `{}` may contain only letters, digits, '-' and '_', and may not start or end with '-'",
        crate::echo(.0)
    )]
    BadLabel(String),
    /// Not parseable as an IP network.
    #[error("invalid CIDR block: {}", crate::echo(.0))]
    BadCidr(String),
    /// A CIDR where a single asset is required (a finding's `asset`).
    #[error("a finding names one host name or IP address, not a CIDR block")]
    CidrNotAllowed,
}

/// A DNS host name, normalised: ASCII lower case, one trailing dot removed.
///
/// ```
/// use posture_core::HostName;
/// let h: HostName = "WWW.Example.COM.".parse().unwrap();
/// assert_eq!(h.as_str(), "www.example.com");
/// assert!("bad..name".parse::<HostName>().is_err());
/// ```
#[derive(
    Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(try_from = "String", into = "String")]
pub struct HostName(String);

impl HostName {
    /// The normalised name.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The parent name (`mail.example.com` → `example.com`), if any.
    pub fn parent(&self) -> Option<HostName> {
        self.0
            .split_once('.')
            .map(|(_, rest)| HostName(rest.to_owned()))
    }
}

impl FromStr for HostName {
    type Err = AssetError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.strip_suffix('.').unwrap_or(s);
        if s.is_empty() {
            return Err(AssetError::Empty);
        }
        if s.len() > 253 {
            return Err(AssetError::NameTooLong);
        }
        for label in s.split('.') {
            if label.is_empty() || label.len() > 63 {
                return Err(AssetError::BadLabelLength(label.to_owned()));
            }
            let ok_chars = label
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
            if !ok_chars || label.starts_with('-') || label.ends_with('-') {
                return Err(AssetError::BadLabel(label.to_owned()));
            }
        }
        Ok(HostName(s.to_ascii_lowercase()))
    }
}

impl TryFrom<String> for HostName {
    type Error = AssetError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        value.parse()
    }
}

impl From<HostName> for String {
    fn from(value: HostName) -> Self {
        value.0
    }
}

impl fmt::Display for HostName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// One footprint entry: a host name, an IP address or a CIDR block.
///
/// ```
/// use posture_core::Asset;
/// assert!(matches!("198.51.100.0/24".parse::<Asset>().unwrap(), Asset::Network(_)));
/// assert!(matches!("::ffff:192.0.2.1".parse::<Asset>().unwrap(), Asset::Ip(ip) if ip.is_ipv4()));
/// assert!(matches!("acme.example".parse::<Asset>().unwrap(), Asset::Host(_)));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Asset {
    /// A host name.
    Host(HostName),
    /// One IP address (IPv4-mapped IPv6 addresses are stored as IPv4).
    Ip(IpAddr),
    /// A CIDR block, normalised to its network address.
    Network(IpNetwork),
}

fn canonical_ip(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6(v6),
        },
        v4 => v4,
    }
}

impl FromStr for Asset {
    type Err = AssetError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        if s.is_empty() {
            return Err(AssetError::Empty);
        }
        if let Ok(ip) = s.parse::<IpAddr>() {
            return Ok(Asset::Ip(canonical_ip(ip)));
        }
        if let Some((addr, prefix)) = s.split_once('/') {
            let bad = || AssetError::BadCidr(s.to_owned());
            let ip: IpAddr = addr.parse().map_err(|_| bad())?;
            let prefix: u8 = prefix.parse().map_err(|_| bad())?;
            let net = match ip {
                IpAddr::V4(v4) => IpNetwork::V4(Ipv4Network::new(v4, prefix).map_err(|_| bad())?),
                IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                    Some(v4) if prefix >= 96 => {
                        IpNetwork::V4(Ipv4Network::new(v4, prefix - 96).map_err(|_| bad())?)
                    }
                    _ => IpNetwork::V6(Ipv6Network::new(v6, prefix).map_err(|_| bad())?),
                },
            };
            // Host bits set mean the network (scoring-v1 section 7).
            let net = match net {
                IpNetwork::V4(n) => {
                    IpNetwork::V4(Ipv4Network::new(n.network(), n.prefix()).map_err(|_| bad())?)
                }
                IpNetwork::V6(n) => {
                    IpNetwork::V6(Ipv6Network::new(n.network(), n.prefix()).map_err(|_| bad())?)
                }
            };
            return Ok(Asset::Network(net));
        }
        Ok(Asset::Host(s.parse()?))
    }
}

impl fmt::Display for Asset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Asset::Host(h) => h.fmt(f),
            Asset::Ip(ip) => ip.fmt(f),
            Asset::Network(n) => n.fmt(f),
        }
    }
}

/// The identity of one affected asset, as counted by `n_t`: a host name, an
/// IPv4 address, or an IPv6 /64 network (its upper 64 bits).
///
/// ```
/// use posture_core::AssetKey;
/// let a = AssetKey::parse_single("2001:db8::1").unwrap();
/// let b = AssetKey::parse_single("2001:db8::2").unwrap();
/// assert_eq!(a, b); // same /64
/// assert!(AssetKey::parse_single("192.0.2.0/24").is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AssetKey {
    /// A normalised host name.
    Host(HostName),
    /// An IPv4 address.
    V4(u32),
    /// An IPv6 /64 network.
    V6Net(u64),
}

impl AssetKey {
    /// Parses a finding's `asset`: one host name or one IP address.
    ///
    /// # Errors
    /// A CIDR block or anything that is neither a host name nor an address.
    pub fn parse_single(s: &str) -> Result<AssetKey, AssetError> {
        match s.parse::<Asset>()? {
            Asset::Host(h) => Ok(AssetKey::Host(h)),
            Asset::Ip(ip) => Ok(AssetKey::from_ip(ip)),
            Asset::Network(_) => Err(AssetError::CidrNotAllowed),
        }
    }

    /// The key of an IP address (IPv4-mapped IPv6 counts as IPv4).
    pub fn from_ip(ip: IpAddr) -> AssetKey {
        match canonical_ip(ip) {
            IpAddr::V4(v4) => AssetKey::V4(u32::from(v4)),
            IpAddr::V6(v6) => AssetKey::V6Net((u128::from(v6) >> 64) as u64),
        }
    }
}

impl fmt::Display for AssetKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AssetKey::Host(h) => h.fmt(f),
            AssetKey::V4(v) => Ipv4Addr::from(*v).fmt(f),
            AssetKey::V6Net(n) => write!(f, "{}/64", Ipv6Addr::from(u128::from(*n) << 64)),
        }
    }
}

/// Sorted, merged, inclusive intervals.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Intervals<T>(Vec<(T, T)>);

impl<T: Copy + Ord + Into<u128>> Intervals<T> {
    fn build(mut v: Vec<(T, T)>, succ: impl Fn(T) -> Option<T>) -> Self {
        v.sort_unstable();
        let mut out: Vec<(T, T)> = Vec::with_capacity(v.len());
        for (lo, hi) in v {
            if let Some(last) = out.last_mut() {
                // Merge overlapping or adjacent ranges.
                let touches = match succ(last.1) {
                    Some(next) => lo <= next,
                    None => true, // last.1 is the maximum value: everything overlaps
                };
                if touches {
                    if hi > last.1 {
                        last.1 = hi;
                    }
                    continue;
                }
            }
            out.push((lo, hi));
        }
        Intervals(out)
    }

    fn count(&self) -> u128 {
        self.0
            .iter()
            .map(|&(lo, hi)| hi.into() - lo.into() + 1)
            .sum()
    }

    fn contains(&self, x: T) -> bool {
        let i = self.0.partition_point(|&(lo, _)| lo <= x);
        i > 0 && self.0[i - 1].1 >= x
    }
}

/// The union of an organisation's assets, with its size `N`.
///
/// ```
/// use posture_core::{Footprint, AssetKey};
/// let fp = Footprint::from_strs(["a.example", "198.51.100.0/24", "198.51.100.128/25", "2001:db8::/63"]).unwrap();
/// assert_eq!(fp.size(), 1 + 256 + 2);
/// assert!(fp.covers(&AssetKey::parse_single("198.51.100.7").unwrap()));
/// assert!(!fp.covers(&AssetKey::parse_single("b.example").unwrap()));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Footprint {
    hosts: HashSet<HostName>,
    v4: Intervals<u32>,
    v6: Intervals<u64>,
}

impl Footprint {
    /// Builds a footprint from parsed assets.
    pub fn new<I: IntoIterator<Item = Asset>>(assets: I) -> Self {
        let mut hosts = HashSet::new();
        let mut v4 = Vec::new();
        let mut v6 = Vec::new();
        for a in assets {
            match a {
                Asset::Host(h) => {
                    hosts.insert(h);
                }
                Asset::Ip(ip) => match AssetKey::from_ip(ip) {
                    AssetKey::V4(x) => v4.push((x, x)),
                    AssetKey::V6Net(n) => v6.push((n, n)),
                    AssetKey::Host(_) => {}
                },
                Asset::Network(IpNetwork::V4(n)) => {
                    let lo = u32::from(n.network());
                    let hi = u32::from(n.broadcast());
                    v4.push((lo, hi));
                }
                Asset::Network(IpNetwork::V6(n)) => {
                    let lo = (u128::from(n.network()) >> 64) as u64;
                    let hi = if n.prefix() >= 64 {
                        lo
                    } else {
                        let span: u64 =
                            (1u128 << (64 - u32::from(n.prefix()))).saturating_sub(1) as u64;
                        lo.saturating_add(span)
                    };
                    v6.push((lo, hi));
                }
            }
        }
        Footprint {
            hosts,
            v4: Intervals::build(v4, |x: u32| x.checked_add(1)),
            v6: Intervals::build(v6, |x: u64| x.checked_add(1)),
        }
    }

    /// Parses and builds a footprint from strings.
    ///
    /// # Errors
    /// The first string that is not a host name, IP address or CIDR block,
    /// with its index.
    pub fn from_strs<I, S>(assets: I) -> Result<Self, (usize, AssetError)>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let parsed = assets
            .into_iter()
            .enumerate()
            .map(|(i, s)| s.as_ref().parse::<Asset>().map_err(|e| (i, e)))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Footprint::new(parsed))
    }

    /// Adds a host name (used to include a CSR entity's own domain).
    pub fn insert_host(&mut self, host: HostName) {
        self.hosts.insert(host);
    }

    /// `N`: distinct host names + distinct IPv4 addresses + distinct IPv6 /64s.
    pub fn size(&self) -> u128 {
        self.hosts.len() as u128 + self.v4.count() + self.v6.count()
    }

    /// Whether the footprint is empty (`N = 0`).
    pub fn is_empty(&self) -> bool {
        self.size() == 0
    }

    /// Whether a finding's asset lies in this footprint.
    pub fn covers(&self, key: &AssetKey) -> bool {
        match key {
            AssetKey::Host(h) => self.hosts.contains(h),
            AssetKey::V4(x) => self.v4.contains(*x),
            AssetKey::V6Net(n) => self.v6.contains(*n),
        }
    }

    /// The distinct host names, sorted.
    pub fn hosts(&self) -> Vec<&HostName> {
        let mut v: Vec<_> = self.hosts.iter().collect();
        v.sort();
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn footprint_counts_per_spec() {
        let n = |a: &[&str]| Footprint::from_strs(a).unwrap().size();
        assert_eq!(n(&["a.example", "192.0.2.0/30"]), 5);
        assert_eq!(n(&["B.example.", "b.example"]), 1);
        assert_eq!(
            n(&["198.51.100.0/24", "198.51.100.128/25", "198.51.100.7"]),
            256
        );
        assert_eq!(n(&["203.0.113.77/28"]), 16);
        assert_eq!(n(&["2001:db8::/63", "e.example"]), 3);
        assert_eq!(n(&["2001:db8::1/128", "2001:db8::2"]), 1);
        assert_eq!(n(&["0.0.0.0/0"]), 1u128 << 32);
        assert_eq!(n(&["::/0"]), 1u128 << 64);
        assert_eq!(n(&["::ffff:192.0.2.0/120", "192.0.2.9"]), 256);
        // Adjacent blocks merge without double counting.
        assert_eq!(n(&["10.0.0.0/25", "10.0.0.128/25", "10.0.0.0/24"]), 256);
    }

    #[test]
    fn covers_respects_bounds() {
        let fp = Footprint::from_strs(["203.0.113.77/28"]).unwrap();
        let k = |s: &str| AssetKey::parse_single(s).unwrap();
        assert!(fp.covers(&k("203.0.113.64")));
        assert!(fp.covers(&k("203.0.113.79")));
        assert!(!fp.covers(&k("203.0.113.80")));
        assert!(!fp.covers(&k("203.0.113.63")));
        assert!(fp.covers(&k("::ffff:203.0.113.65")));
    }

    #[test]
    fn bad_assets_are_named() {
        assert_eq!("".parse::<Asset>(), Err(AssetError::Empty));
        assert!(matches!(
            "10.0.0.0/33".parse::<Asset>(),
            Err(AssetError::BadCidr(_))
        ));
        assert!(matches!(
            "exa mple.com".parse::<Asset>(),
            Err(AssetError::BadLabel(_))
        ));
        assert!(matches!(
            "-a.example".parse::<Asset>(),
            Err(AssetError::BadLabel(_))
        ));
        assert_eq!(
            AssetKey::parse_single("10.0.0.0/8"),
            Err(AssetError::CidrNotAllowed)
        );
    }

    proptest! {
        #[test]
        fn v4_count_matches_brute_force(blocks in proptest::collection::vec((0u32..4096, 20u8..=32), 1..8)) {
            let assets: Vec<String> = blocks.iter().map(|(a, p)| format!("{}/{}", Ipv4Addr::from(0x0A00_0000 | a), p)).collect();
            let fp = Footprint::from_strs(&assets).unwrap();
            let mut set = std::collections::BTreeSet::new();
            for (a, p) in &blocks {
                let n = Ipv4Network::new(Ipv4Addr::from(0x0A00_0000 | a), *p).unwrap();
                for ip in n.iter() { set.insert(u32::from(ip)); }
            }
            prop_assert_eq!(fp.size(), set.len() as u128);
            for x in set.iter().take(50) {
                prop_assert!(fp.covers(&AssetKey::V4(*x)));
            }
        }
    }
}
