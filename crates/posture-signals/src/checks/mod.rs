//! One module per check. A check observes one asset and returns one
//! [`Observation`]: a typed fact, or inconclusive with a [`Reason`]. No
//! check names a catalog issue: what a fact means is classification's rule.

pub(crate) mod caa;
pub(crate) mod cname;
pub(crate) mod dkim;
pub(crate) mod dmarc;
pub(crate) mod dnsbl;
pub(crate) mod dnssec;
pub(crate) mod http;
pub(crate) mod mail_policy;
pub(crate) mod mx;
pub(crate) mod ns;
pub(crate) mod ports;
pub(crate) mod smtp;
pub(crate) mod spf;
pub(crate) mod tls;
pub(crate) mod web_files;

use crate::dns::Dns;
use posture_core::Timestamp;
use posture_core::observe::{Check, Fact, Observation, Reason};
use std::sync::Arc;

/// What a check runs with.
#[derive(Debug, Clone)]
pub(crate) struct Env {
    /// The scan's DNS client (its permits and rate also pace TCP probes).
    pub dns: Dns,
    /// What the web, TLS and SMTP checks need.
    pub web: Arc<Web>,
}

/// Settings of the web, TLS and SMTP checks.
#[derive(Debug)]
pub(crate) struct Web {
    /// The per-connection timeout.
    pub timeout: std::time::Duration,
    /// Ports of HTTP and HTTPS.
    pub ports: crate::net::http::Ports,
    /// The SMTP port.
    pub smtp_port: u16,
    /// Trust anchors for certificate verification.
    pub trust: crate::net::tls::Trust,
    /// Whether the TLS check runs after STARTTLS.
    pub smtp_tls: bool,
    /// The scan's policy (for `connect_within`).
    pub policy: crate::ScanPolicy,
}

/// The instant an observation is made.
pub(crate) fn now() -> Timestamp {
    Timestamp(chrono::Utc::now())
}

/// A fact seen on `asset`.
pub(crate) fn seen(asset: &str, fact: Fact, detail: impl Into<String>) -> Observation {
    Observation::seen(asset, fact, now()).detail(detail)
}

/// A check that could not observe `asset`.
pub(crate) fn lost(
    asset: &str,
    check: Check,
    reason: Reason,
    detail: impl Into<String>,
) -> Observation {
    let source = match check {
        Check::Tls => "tls",
        Check::Http | Check::WebFiles => "http",
        Check::Smtp => "smtp",
        Check::Ports => "tcp",
        _ => "dns",
    };
    Observation::inconclusive(asset, check, reason, detail, now()).from(source)
}

/// Runs futures concurrently on the calling task and returns their outputs
/// in order: a check's independent questions (DKIM selectors, name
/// servers' addresses) wait one round trip, not one each.
pub(crate) async fn join_all<F: std::future::Future>(futures: Vec<F>) -> Vec<F::Output> {
    let mut futures: Vec<std::pin::Pin<Box<F>>> = futures.into_iter().map(Box::pin).collect();
    let mut out: Vec<Option<F::Output>> = futures.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for (f, o) in futures.iter_mut().zip(out.iter_mut()) {
            if o.is_none() {
                match f.as_mut().poll(cx) {
                    std::task::Poll::Ready(v) => *o = Some(v),
                    std::task::Poll::Pending => pending = true,
                }
            }
        }
        if pending {
            std::task::Poll::Pending
        } else {
            std::task::Poll::Ready(())
        }
    })
    .await;
    out.into_iter().flatten().collect()
}

#[cfg(test)]
mod tests {
    #[tokio::test]
    async fn join_all_keeps_the_order_and_waits_for_every_future() {
        let slow = |ms: u64, v: u32| async move {
            tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
            v
        };
        let out = super::join_all(vec![slow(30, 1), slow(1, 2), slow(10, 3)]).await;
        assert_eq!(out, vec![1, 2, 3]);
        assert!(
            super::join_all(Vec::<std::future::Ready<u8>>::new())
                .await
                .is_empty()
        );
    }
}
