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
    /// Queries or probes per second (`None`: unlimited).
    pub rate: Option<u32>,
    /// Largest number of addresses a CIDR target may expand to.
    pub max_addresses: u64,
    /// Most TXT data read for one name, in bytes; beyond it the check is
    /// inconclusive (`limit`).
    pub max_txt_bytes: usize,
}

impl Default for ScanPolicy {
    fn default() -> Self {
        ScanPolicy {
            nameserver: None,
            timeout: Duration::from_secs(2),
            deadline: Duration::from_secs(60),
            concurrency: 64,
            rate: None,
            max_addresses: 65_536,
            max_txt_bytes: 64 * 1024,
        }
    }
}
