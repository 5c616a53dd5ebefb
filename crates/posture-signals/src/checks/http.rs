//! HTTP and HTTPS on a host name: `GET /` on each port, redirects followed
//! (at most 5, never off the host's registrable domain), and the final
//! page's headers and cookies kept for the rules.

use super::{Env, lost, seen};
use crate::net::http::{self, Fetched, MAX_REDIRECTS, Ports};
use crate::net::url::Url;
use crate::net::{self, clip};
use posture_core::observe::{Check, Fact, HttpAnswer, HttpFact, HttpHop, HttpProbe, Observation};

/// The most `Set-Cookie` values kept from one response.
const MAX_COOKIES: usize = 32;

/// Whether two hosts share a registrable domain (or are the same host).
pub(crate) fn same_site(a: &str, b: &str) -> bool {
    a.eq_ignore_ascii_case(b)
        || matches!(
            (crate::dmarc::organizational_domain(a), crate::dmarc::organizational_domain(b)),
            (Some(x), Some(y)) if x == y
        )
}

/// The root URL of a host on the scan's port for a scheme (the port shown
/// only when it is not the scheme's default).
pub(crate) fn root(host: &str, https: bool, ports: Ports) -> Url {
    let (port, default) = if https {
        (ports.https, 443)
    } else {
        (ports.http, 80)
    };
    Url::root(https, host, (port != default).then_some(port))
}

/// What following a URL's redirects came to.
pub(crate) struct Followed {
    pub hops: Vec<HttpHop>,
    /// The final response, when it is not a redirect.
    pub last: Option<http::Response>,
}

/// `GET start`, following redirects on the same registrable domain. Ends
/// at a redirect to `https://` when `stop_at_https` (the HTTP probe: that
/// redirect is what it looks for) and at one to `http://` from HTTPS.
pub(crate) async fn follow(
    env: &Env,
    start: &Url,
    ports: Ports,
    stop_at_https: bool,
) -> Result<Followed, HttpProbe> {
    let mut hops = Vec::new();
    let mut url = start.clone();
    for i in 0..=MAX_REDIRECTS {
        let r = match http::fetch(env, &url, ports).await {
            Fetched::Answered(r) => r,
            Fetched::NoService if i == 0 => return Err(HttpProbe::NoService),
            Fetched::Lost(l) if i == 0 => {
                return Err(HttpProbe::Failed {
                    reason: l.reason,
                    detail: l.detail,
                });
            }
            // A redirect to where nothing answers: the page is unknown.
            Fetched::NoService | Fetched::Lost(_) => return Ok(Followed { hops, last: None }),
        };
        let location = r.is_redirect().then(|| r.header("location")).flatten();
        hops.push(HttpHop {
            url: url.to_string(),
            status: r.status,
            location: location.map(|l| clip(l, 2048)),
            cookies: r
                .all("set-cookie")
                .into_iter()
                .take(MAX_COOKIES)
                .map(|c| clip(&c, 4096))
                .collect(),
        });
        let Some(next) = location.and_then(|l| url.join(l)) else {
            let last = (!r.is_redirect()).then_some(r);
            return Ok(Followed { hops, last });
        };
        let leaves = (stop_at_https && next.https)
            || (url.https && !next.https)
            || !same_site(&start.host, &next.host);
        if leaves || i == MAX_REDIRECTS {
            return Ok(Followed { hops, last: None });
        }
        url = next;
    }
    Ok(Followed { hops, last: None })
}

async fn probe(env: &Env, host: &str, https: bool, ports: Ports) -> HttpProbe {
    match follow(env, &root(host, https, ports), ports, !https).await {
        Ok(f) => HttpProbe::Answered(HttpAnswer {
            hops: f.hops,
            page: f.last.map(|r| r.headers),
        }),
        Err(p) => p,
    }
}

fn describe(p: &HttpProbe) -> String {
    match p {
        HttpProbe::NoService => "no service".into(),
        HttpProbe::Failed { detail, .. } => format!("failed ({detail})"),
        HttpProbe::Answered(a) => a
            .hops
            .iter()
            .map(|h| match &h.location {
                Some(l) => format!("{} {} -> {}", h.url, h.status, posture_core::echo(l)),
                None => format!("{} {}", h.url, h.status),
            })
            .collect::<Vec<_>>()
            .join(", "),
    }
}

/// Observes HTTP and HTTPS on `host`.
pub(crate) async fn check(env: &Env, host: &str) -> Observation {
    let ports = env.web.ports;
    match net::resolve(env, host).await {
        Ok(Some(_)) => {}
        Ok(None) => {
            return seen(
                host,
                Fact::Http(HttpFact {
                    host: host.to_owned(),
                    http: HttpProbe::NoService,
                    https: HttpProbe::NoService,
                }),
                "the name has no address: no web service",
            )
            .from("http");
        }
        Err(l) => return lost(host, Check::Http, l.reason, l.detail),
    }
    // One connection at a time to the host: HTTP, then HTTPS.
    let plain = probe(env, host, false, ports).await;
    let secure = probe(env, host, true, ports).await;
    // Neither scheme answered and one failed: nothing was observed.
    if let (HttpProbe::Failed { reason, detail }, HttpProbe::Failed { .. } | HttpProbe::NoService)
    | (HttpProbe::NoService, HttpProbe::Failed { reason, detail }) = (&plain, &secure)
    {
        return lost(host, Check::Http, *reason, detail.clone());
    }
    let evidence = vec![
        format!("HTTP: {}", describe(&plain)),
        format!("HTTPS: {}", describe(&secure)),
    ];
    let detail = match (&plain, &secure) {
        (HttpProbe::NoService, HttpProbe::NoService) => "nothing listens on HTTP or HTTPS".into(),
        _ => format!("HTTP and HTTPS of {}", posture_core::echo(host)),
    };
    seen(
        host,
        Fact::Http(HttpFact {
            host: host.to_owned(),
            http: plain,
            https: secure,
        }),
        detail,
    )
    .evidence(evidence)
    .from("http")
}
