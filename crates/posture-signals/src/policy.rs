//! The scan policy: where to ask, how fast, how long, how much.

use std::net::SocketAddr;
use std::time::Duration;

/// Limits and settings of one scan.
///
/// ```
/// use posture_signals::ScanPolicy;
/// let p = ScanPolicy::default();
/// assert_eq!(p.max_addresses, 65_536);
/// assert!(p.nameserver.is_none()); // the system resolver
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ScanPolicy {
    /// Resolver to ask (`None`: the system resolver).
    pub nameserver: Option<SocketAddr>,
    /// Per-query timeout.
    pub timeout: Duration,
    /// Overall deadline of the scan; checks still running then are
    /// inconclusive (`deadline`).
    pub deadline: Duration,
    /// Queries and probes in flight at once.
    pub concurrency: usize,
    /// Threads the host-name checks run on (1: the caller's runtime only).
    /// With more, the host names are split among that many threads, each
    /// with its own single-threaded runtime, DNS sockets and share of the
    /// concurrency: no task, lock or answer crosses between them, which
    /// on a busy scan costs less than a work-stealing runtime's wake-ups.
    /// `--threads` (the CLI's default: the machine's cores).
    pub threads: usize,
    /// Queries or probes per second (`None`: unlimited).
    pub rate: Option<u32>,
    /// Largest number of addresses a CIDR target may expand to.
    pub max_addresses: u64,
    /// Most TXT data read for one name, in bytes; beyond it the check is
    /// inconclusive (`limit`).
    pub max_txt_bytes: usize,
    /// Networks connections may go to (`None`: anywhere). A connection to
    /// an address outside them (one a name resolved to, say) is not made:
    /// its check is inconclusive (`limit`). `--connect-within`.
    pub connect_within: Option<Vec<ipnetwork::IpNetwork>>,
}

impl ScanPolicy {
    /// Whether a connection to `ip` is allowed.
    ///
    /// ```
    /// let mut p = posture_signals::ScanPolicy::default();
    /// assert!(p.may_connect("192.0.2.1".parse().unwrap()));
    /// p.connect_within = Some(vec!["127.0.0.0/8".parse().unwrap()]);
    /// assert!(!p.may_connect("192.0.2.1".parse().unwrap()));
    /// assert!(p.may_connect("127.0.0.9".parse().unwrap()));
    /// ```
    pub fn may_connect(&self, ip: std::net::IpAddr) -> bool {
        self.connect_within
            .as_ref()
            .is_none_or(|nets| nets.iter().any(|n| n.contains(ip)))
    }
}

impl Default for ScanPolicy {
    fn default() -> Self {
        ScanPolicy {
            nameserver: None,
            timeout: Duration::from_secs(2),
            deadline: Duration::from_secs(60),
            concurrency: 64,
            threads: 1,
            rate: None,
            max_addresses: 65_536,
            max_txt_bytes: 64 * 1024,
            connect_within: None,
        }
    }
}
