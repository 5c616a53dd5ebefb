//! `posture demo --serve ADDR`: the demo's store served by `posture
//! serve`, with the demo's world (DNS server, services, sites) still
//! running, so that the rescans the vendor asks for in the browser verify
//! what its administrators fixed.

use crate::Format;
use crate::error::CliError;
use crate::serve_cmd::{ServeOptions, serve_on};
use posture::host::Scanner;
use std::io::Write;
use std::path::Path;

/// Who the demo's users are, for the note printed with their tokens.
pub(super) struct Cast {
    pub(super) requester_org: String,
    pub(super) vendor: String,
    pub(super) vendor_user: String,
    pub(super) plan: String,
    pub(super) items: usize,
}

/// Issues a token for each of the demo's users and serves the store on
/// `addr` until SIGTERM or Ctrl-C.
pub(super) fn run(
    rt: &tokio::runtime::Runtime,
    addr: &str,
    format: Format,
    store: &Path,
    kept: bool,
    scanner: Scanner,
    cast: &Cast,
) -> Result<(), CliError> {
    let issue = |user: Option<&str>, label: &str| {
        posture_server::tokens::issue(store, user, Some(label)).map_err(|e| CliError::Io {
            path: store.display().to_string(),
            source: std::io::Error::other(e.to_string()),
        })
    };
    let vendor = issue(Some(&cast.vendor_user), "demo vendor")?;
    let requester = issue(Some(super::REQUESTER_USER), "demo requester")?;
    let host = issue(None, "demo host")?;
    let options = ServeOptions {
        listen: addr.to_owned(),
        rescans: 4,
        rescan_retry_ms: 5_000,
        request_timeout_ms: 30_000,
        secure_cookies: false,
    };
    let catalog = scanner.catalog.clone();
    serve_on(rt, store, catalog, scanner, &options, |bound| {
        let url = format!("http://{bound}/");
        let text =
            match format {
                Format::Json => serde_json::json!({
                    "url": url,
                    "store": store.display().to_string(),
                    "store_kept": kept,
                    "plan": cast.plan,
                    "users": [
                        {"role": "vendor", "user": vendor.actor, "token": vendor.token},
                        {"role": "requester", "user": requester.actor, "token": requester.token},
                        {"role": "host", "user": host.actor, "token": host.token},
                    ],
                })
                .to_string()
                    + "\n",
                Format::Table => format!(
                    "The demo's workflow is served at {url}\n\
                 \n\
                 Log in there with one of these tokens (each shown once; the store keeps\n\
                 only their SHA-256 digests):\n\
                 \n\
                 \x20 vendor     {vu}: {vendor_name}, assigned the plan {plan}\n\
                 \x20            {vt}\n\
                 \x20 requester  alice: {req}, who sent it (Contact Manager, Insights)\n\
                 \x20            {rt}\n\
                 \x20 host       the API only (GET /api/v1/outbox, record_score, ...)\n\
                 \x20            {ht}\n\
                 \n\
                 {vendor_name}'s administrators have fixed what the plan names. As the\n\
                 vendor, open \"Assigned to us\", then the plan, and press Fixed on its\n\
                 {items} item(s): a rescan against the demo's DNS server checks each one;\n\
                 reload the page to see it verified.\n\
                 \n\
                 Store: {store} ({kept})\n\
                 Stop with Ctrl-C.\n",
                    vu = cast.vendor_user,
                    vendor_name = cast.vendor,
                    plan = cast.plan,
                    vt = vendor.token,
                    req = cast.requester_org,
                    rt = requester.token,
                    ht = host.token,
                    items = cast.items,
                    store = store.display(),
                    kept = if kept {
                        "kept"
                    } else {
                        "removed when the demo stops"
                    },
                ),
            };
        let mut out = std::io::stdout().lock();
        out.write_all(text.as_bytes())
            .and_then(|()| out.flush())
            .map_err(|source| CliError::Io {
                path: "<stdout>".into(),
                source,
            })
    })
}
