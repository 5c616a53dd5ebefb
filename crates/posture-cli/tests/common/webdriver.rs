//! A small WebDriver client for the browser tests: Debian's
//! `chromedriver` (package `chromium-driver`) driving headless Chromium,
//! over the HTTP client in [`super::http`].

use super::http::request;
use serde_json::{Value, json};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

fn find_binary(env: &str, candidates: &[&str], package: &str) -> PathBuf {
    if let Some(p) = std::env::var_os(env) {
        return PathBuf::from(p);
    }
    candidates
        .iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
        .unwrap_or_else(|| {
            panic!(
                "the browser tests need Debian's `{package}`: run scripts/test (it installs it \
                 when run as root), or `apt-get install {package}`, or point {env} at a binary"
            )
        })
}

/// Debian's chromedriver.
pub fn chromedriver() -> PathBuf {
    find_binary(
        "CHROMEDRIVER",
        &["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"],
        "chromium-driver",
    )
}

/// Debian's Chromium.
pub fn chromium() -> PathBuf {
    find_binary(
        "CHROMIUM",
        &["/usr/bin/chromium", "/usr/lib/chromium/chromium"],
        "chromium",
    )
}

/// A running chromedriver on a loopback port.
pub struct Driver {
    child: Child,
    addr: SocketAddr,
}

impl Driver {
    /// Starts chromedriver and waits until it is ready.
    pub fn start() -> Driver {
        let port = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap().port()
        };
        let child = Command::new(chromedriver())
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
        let until = Instant::now() + Duration::from_secs(30);
        loop {
            if let Ok(r) = request(addr, "GET", "/status", &[], None) {
                if r.json()["value"]["ready"] == true {
                    break;
                }
            }
            assert!(Instant::now() < until, "chromedriver did not start");
            std::thread::sleep(Duration::from_millis(100));
        }
        Driver { child, addr }
    }

    /// A new browser session: headless Chromium, offline flags (contracts),
    /// a fresh profile.
    pub fn session(&self, profile: &Path) -> Session {
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": chromium().display().to_string(),
                "args": [
                    "--headless", "--no-sandbox", "--disable-gpu",
                    "--disable-background-networking", "--disable-component-update",
                    "--no-first-run", format!("--user-data-dir={}", profile.display()),
                    "--window-size=1280,1000",
                ],
            },
        }}});
        let v = call(self.addr, "POST", "/session", Some(&caps));
        Session {
            driver: self.addr,
            id: v["sessionId"].as_str().unwrap().to_owned(),
        }
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn call(addr: SocketAddr, method: &str, path: &str, body: Option<&Value>) -> Value {
    let text = body.map(Value::to_string);
    let r = request(
        addr,
        method,
        path,
        &[("Content-Type", "application/json")],
        text.as_deref().map(str::as_bytes),
    )
    .unwrap();
    let v = r.json();
    assert!(
        r.status == 200,
        "WebDriver {method} {path}: {} {}",
        r.status,
        v
    );
    v["value"].clone()
}

/// One browser session.
pub struct Session {
    driver: SocketAddr,
    id: String,
}

impl Session {
    fn cmd(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        call(
            self.driver,
            method,
            &format!("/session/{}{path}", self.id),
            body.as_ref(),
        )
    }

    /// Opens `url` (waits for the load).
    pub fn goto(&self, url: &str) {
        self.cmd("POST", "/url", Some(json!({"url": url})));
    }

    /// The current address.
    pub fn url(&self) -> String {
        let v = self.cmd("GET", "/url", None);
        v.as_str().unwrap_or_else(|| panic!("url: {v}")).to_owned()
    }

    /// The page's source.
    pub fn source(&self) -> String {
        self.cmd("GET", "/source", None)
            .as_str()
            .unwrap()
            .to_owned()
    }

    /// Every element matching a CSS selector.
    pub fn find_all(&self, css: &str) -> Vec<String> {
        self.cmd(
            "POST",
            "/elements",
            Some(json!({"using": "css selector", "value": css})),
        )
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e[ELEMENT].as_str().unwrap().to_owned())
        .collect()
    }

    /// The first element matching a CSS selector.
    pub fn find(&self, css: &str) -> String {
        self.find_all(css)
            .into_iter()
            .next()
            .unwrap_or_else(|| panic!("no `{css}` on {}", self.url()))
    }

    /// Clicks an element (one that opens nothing: a `<summary>`, an
    /// `<option>`).
    pub fn click(&self, element: &str) {
        self.cmd(
            "POST",
            &format!("/element/{element}/click"),
            Some(json!({})),
        );
    }

    /// Clicks a link or a submit button and waits (at most 30 s) until the
    /// page it leads to has loaded. chromedriver's click returns before a
    /// form's navigation has begun now and then, so the old document is
    /// marked first and the wait ends only once a new, loaded one is there.
    pub fn click_to_navigate(&self, element: &str) {
        self.execute("window.__postureOld = true; return null");
        self.click(element);
        let until = Instant::now() + Duration::from_secs(30);
        loop {
            // During the navigation the driver may answer with an error
            // (no document to run in yet): that is "not yet".
            let done = self.try_execute(
                "return window.__postureOld !== true && document.readyState === 'complete'",
            );
            if done == Some(Value::Bool(true)) {
                return;
            }
            assert!(
                Instant::now() < until,
                "no new page loaded within 30 s of the click (at {})",
                self.url()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Types into an element.
    pub fn type_into(&self, element: &str, text: &str) {
        self.cmd(
            "POST",
            &format!("/element/{element}/value"),
            Some(json!({"text": text})),
        );
    }

    /// An element's text as rendered.
    pub fn text(&self, element: &str) -> String {
        self.cmd("GET", &format!("/element/{element}/text"), None)
            .as_str()
            .unwrap_or("")
            .to_owned()
    }

    /// Runs a script in the page and returns its value.
    pub fn execute(&self, script: &str) -> Value {
        self.cmd(
            "POST",
            "/execute/sync",
            Some(json!({"script": script, "args": []})),
        )
    }

    /// Runs a script in the page; `None` when the driver answers with an
    /// error.
    pub fn try_execute(&self, script: &str) -> Option<Value> {
        let body = json!({"script": script, "args": []}).to_string();
        let r = request(
            self.driver,
            "POST",
            &format!("/session/{}/execute/sync", self.id),
            &[("Content-Type", "application/json")],
            Some(body.as_bytes()),
        )
        .ok()?;
        (r.status == 200).then(|| r.json()["value"].clone())
    }

    /// A PNG of the viewport, written to `path`.
    pub fn screenshot(&self, path: &Path) {
        use base64::Engine as _;
        let b64 = self.cmd("GET", "/screenshot", None);
        let png = base64::engine::general_purpose::STANDARD
            .decode(b64.as_str().unwrap())
            .unwrap();
        assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"));
        std::fs::write(path, png).unwrap();
        eprintln!("screenshot: {}", path.display());
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        let _ = request(
            self.driver,
            "DELETE",
            &format!("/session/{}", self.id),
            &[],
            None,
        );
    }
}
