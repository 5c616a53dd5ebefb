//! Files a site must not serve (`.git`, `.env`), its root (a directory
//! listing?) and the one it should (`security.txt`, RFC 9116). The content
//! is kept for the rules to judge: a status code proves nothing, since many
//! sites answer 200 with their app page for every path.

use super::http::{follow, root};
use super::{Env, lost, seen};
use crate::net::clip;
use crate::net::http::{self, Fetched};
use posture_core::observe::{Check, Fact, Observation, Reason, WebFetch, WebFile, WebFilesFact};

/// The paths fetched after `/`.
pub(crate) const PATHS: &[&str] = &[
    "/.git/HEAD",
    "/.git/config",
    "/.env",
    "/.well-known/security.txt",
];

/// How much of a body is kept for the rules.
const HEAD: usize = 2048;

fn answered(r: &http::Response) -> WebFetch {
    let end = r.body.len().min(HEAD);
    WebFetch::Answered {
        status: r.status,
        content_type: r.header("content-type").map(|c| clip(c, 256)),
        head: String::from_utf8_lossy(r.body.get(..end).unwrap_or_default()).into_owned(),
    }
}

/// Observes the files of `host`'s site (HTTPS when it answers, else HTTP).
pub(crate) async fn check(env: &Env, host: &str) -> Observation {
    let ports = env.web.ports;
    let mut origin = None;
    let mut first = None;
    let mut failure = None;
    for https in [true, false] {
        let url = root(host, https, ports);
        match http::fetch(env, &url, ports).await {
            Fetched::Answered(r) => {
                origin = Some(url);
                first = Some(r);
                break;
            }
            Fetched::NoService => {}
            Fetched::Lost(l) => failure = failure.or(Some(l)),
        }
    }
    let (Some(origin), Some(index)) = (origin, first) else {
        return match failure {
            Some(l) if l.reason != Reason::Nxdomain => {
                lost(host, Check::WebFiles, l.reason, l.detail)
            }
            _ => seen(
                host,
                Fact::WebFiles(WebFilesFact {
                    origin: None,
                    files: Vec::new(),
                }),
                "nothing listens on HTTP or HTTPS",
            )
            .from("http"),
        };
    };
    let mut files = vec![WebFile {
        path: "/".into(),
        fetch: answered(&index),
    }];
    let mut evidence = vec![format!("GET {origin} {}", index.status)];
    for path in PATHS {
        let Some(url) = origin.join(path) else {
            continue;
        };
        let fetch = if *path == "/.well-known/security.txt" {
            // RFC 9116 section 3: a redirect for security.txt is followed
            // (here, on the same registrable domain).
            match follow(env, &url, ports, false).await {
                Ok(f) => match f.last {
                    Some(r) => answered(&r),
                    None => WebFetch::Answered {
                        status: f.hops.last().map_or(0, |h| h.status),
                        content_type: None,
                        head: String::new(),
                    },
                },
                Err(posture_core::observe::HttpProbe::Failed { reason, .. }) => {
                    WebFetch::Failed { reason }
                }
                Err(_) => WebFetch::Failed {
                    reason: Reason::Error,
                },
            }
        } else {
            match http::fetch(env, &url, ports).await {
                Fetched::Answered(r) => answered(&r),
                Fetched::NoService => WebFetch::Failed {
                    reason: Reason::Error,
                },
                Fetched::Lost(l) => WebFetch::Failed { reason: l.reason },
            }
        };
        evidence.push(match &fetch {
            WebFetch::Answered { status, .. } => format!("GET {url} {status}"),
            WebFetch::Failed { reason } => format!("GET {url}: no answer ({reason})"),
        });
        files.push(WebFile {
            path: (*path).to_owned(),
            fetch,
        });
    }
    let detail = format!("{} path(s) fetched from {origin}", files.len());
    seen(
        host,
        Fact::WebFiles(WebFilesFact {
            origin: Some(origin.to_string().trim_end_matches('/').to_owned()),
            files,
        }),
        detail,
    )
    .evidence(evidence)
    .from("http")
}
