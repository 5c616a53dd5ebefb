//! Web and mail stand-ins on loopback: a test certificate authority
//! ([`TestCa`], rcgen), HTTP and HTTPS sites with routes and a catch-all
//! ([`WebServer`], rustls), and an SMTP responder with or without STARTTLS
//! ([`SmtpServer`]). The scanner uses one HTTPS, HTTP and SMTP port for
//! every host, so [`same_port`] binds one port on several addresses.

use crate::server::SandboxError;
use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, RwLock};
use std::time::{Duration, SystemTime};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

fn cert_error(e: impl std::fmt::Display) -> SandboxError {
    SandboxError::Certificate(e.to_string())
}

fn offset(t: SystemTime) -> Result<time::OffsetDateTime, SandboxError> {
    let secs = match t.duration_since(SystemTime::UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_secs()).map_err(cert_error)?,
        Err(e) => -i64::try_from(e.duration().as_secs()).map_err(cert_error)?,
    };
    time::OffsetDateTime::from_unix_timestamp(secs).map_err(cert_error)
}

/// What a certificate says: its names and its validity.
///
/// ```
/// use posture_sandbox::CertSpec;
/// let c = CertSpec::new(&["shop.example"]).expired();
/// assert!(c.not_after < std::time::SystemTime::now());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct CertSpec {
    /// DNS names (or IP addresses) in its subject alternative names; the
    /// first is also its common name.
    pub names: Vec<String>,
    /// Not valid before.
    pub not_before: SystemTime,
    /// Not valid after.
    pub not_after: SystemTime,
}

const DAY: Duration = Duration::from_secs(86_400);

impl CertSpec {
    /// Valid from yesterday for 90 days.
    pub fn new(names: &[&str]) -> CertSpec {
        let now = SystemTime::now();
        CertSpec {
            names: names.iter().map(|n| (*n).to_owned()).collect(),
            not_before: now - DAY,
            not_after: now + 90 * DAY,
        }
    }

    /// Expired yesterday (issued 90 days before).
    pub fn expired(mut self) -> CertSpec {
        let now = SystemTime::now();
        self.not_before = now - 91 * DAY;
        self.not_after = now - DAY;
        self
    }

    /// Valid only from tomorrow.
    pub fn not_yet_valid(mut self) -> CertSpec {
        let now = SystemTime::now();
        self.not_before = now + DAY;
        self.not_after = now + 91 * DAY;
        self
    }

    /// Expires in `days` days.
    pub fn expiring_in(mut self, days: u32) -> CertSpec {
        let now = SystemTime::now();
        self.not_after = now + DAY * days;
        self
    }

    fn params(&self) -> Result<CertificateParams, SandboxError> {
        let mut p = CertificateParams::new(self.names.clone()).map_err(cert_error)?;
        if let Some(first) = self.names.first() {
            p.distinguished_name
                .push(DnType::CommonName, first.as_str());
        }
        p.not_before = offset(self.not_before)?;
        p.not_after = offset(self.not_after)?;
        p.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        p.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        // RFC 5280 4.2.1.1: conforming CAs include the authority key
        // identifier; strict verifiers (sslyze's, through `cryptography`)
        // refuse a leaf without it, which would make the lab's clean
        // certificates look broken to them.
        p.use_authority_key_identifier_extension = true;
        Ok(p)
    }
}

/// A certificate chain and its private key, for a server.
#[derive(Debug, Clone)]
pub struct Identity {
    /// DER certificates, leaf first.
    pub chain: Vec<Vec<u8>>,
    /// The leaf's key, PKCS #8 DER.
    pub key: Vec<u8>,
    /// The chain as PEM.
    pub chain_pem: String,
    /// The key as PEM.
    pub key_pem: String,
}

impl Identity {
    /// A self-signed certificate (its own issuer, no CA).
    ///
    /// # Errors
    /// When the certificate cannot be made.
    pub fn self_signed(spec: &CertSpec) -> Result<Identity, SandboxError> {
        let key = KeyPair::generate().map_err(cert_error)?;
        let cert = spec.params()?.self_signed(&key).map_err(cert_error)?;
        Ok(Identity {
            chain: vec![cert.der().to_vec()],
            chain_pem: cert.pem(),
            key: key.serialize_der(),
            key_pem: key.serialize_pem(),
        })
    }

    fn server_config(&self) -> Result<Arc<rustls::ServerConfig>, SandboxError> {
        let chain: Vec<CertificateDer<'static>> = self
            .chain
            .iter()
            .map(|d| CertificateDer::from(d.clone()))
            .collect();
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(self.key.clone()));
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
            .map_err(cert_error)?
            .with_no_client_auth()
            .with_single_cert(chain, key)
            .map_err(cert_error)?;
        Ok(Arc::new(config))
    }
}

/// A certificate authority for tests: trust its [`TestCa::der`] (the
/// scanner's `--ca-file`) and the certificates it issues verify.
///
/// ```
/// use posture_sandbox::{CertSpec, TestCa};
/// let ca = TestCa::new("Posture Test Root").unwrap();
/// let id = ca.issue(&CertSpec::new(&["shop.example"])).unwrap();
/// assert_eq!(id.chain.len(), 2);
/// assert!(ca.pem().starts_with("-----BEGIN CERTIFICATE-----"));
/// ```
pub struct TestCa {
    issuer: Issuer<'static, KeyPair>,
    der: Vec<u8>,
    pem: String,
    key_pem: String,
}

impl std::fmt::Debug for TestCa {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestCa").finish_non_exhaustive()
    }
}

impl TestCa {
    /// A new root named `name`, valid from yesterday for ten years.
    ///
    /// # Errors
    /// When the certificate cannot be made.
    pub fn new(name: &str) -> Result<TestCa, SandboxError> {
        let mut p = CertificateParams::new(Vec::<String>::new()).map_err(cert_error)?;
        p.distinguished_name.push(DnType::CommonName, name);
        p.distinguished_name
            .push(DnType::OrganizationName, "Posture sandbox");
        p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        p.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let now = SystemTime::now();
        p.not_before = offset(now - DAY)?;
        p.not_after = offset(now + 3650 * DAY)?;
        let key = KeyPair::generate().map_err(cert_error)?;
        let cert = p.self_signed(&key).map_err(cert_error)?;
        Ok(TestCa {
            der: cert.der().to_vec(),
            pem: cert.pem(),
            key_pem: key.serialize_pem(),
            issuer: Issuer::new(p, key),
        })
    }

    /// The root certificate, DER.
    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// The root certificate, PEM.
    pub fn pem(&self) -> &str {
        &self.pem
    }

    /// The root's private key, PKCS #8 PEM (for tools that sign with it,
    /// such as `openssl x509 -req -CAkey`).
    pub fn key_pem(&self) -> &str {
        &self.key_pem
    }

    /// Issues a leaf certificate (ECDSA P-256) with the root behind it.
    ///
    /// # Errors
    /// When the certificate cannot be made.
    pub fn issue(&self, spec: &CertSpec) -> Result<Identity, SandboxError> {
        let key = KeyPair::generate().map_err(cert_error)?;
        let cert = spec
            .params()?
            .signed_by(&key, &self.issuer)
            .map_err(cert_error)?;
        Ok(Identity {
            chain: vec![cert.der().to_vec(), self.der.clone()],
            chain_pem: format!("{}{}", cert.pem(), self.pem),
            key: key.serialize_der(),
            key_pem: key.serialize_pem(),
        })
    }
}

/// One response a site gives.
///
/// ```
/// use posture_sandbox::Page;
/// let p = Page::ok("<h1>hi</h1>").header("Content-Type", "text/html");
/// assert_eq!(p.status, 200);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Page {
    /// The status.
    pub status: u16,
    /// Headers, in order.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
    /// Sent with chunked transfer coding rather than Content-Length.
    pub chunked: bool,
}

impl Page {
    /// A response with `status` and an empty body.
    pub fn new(status: u16) -> Page {
        Page {
            status,
            headers: Vec::new(),
            body: Vec::new(),
            chunked: false,
        }
    }

    /// 200 with `body`.
    pub fn ok(body: impl Into<Vec<u8>>) -> Page {
        Page::new(200).body(body)
    }

    /// A redirect to `location`.
    pub fn redirect(status: u16, location: &str) -> Page {
        Page::new(status).header("Location", location)
    }

    /// Adds a header.
    pub fn header(mut self, name: &str, value: &str) -> Page {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    /// Adds several headers.
    pub fn headers(mut self, headers: &[(&str, &str)]) -> Page {
        for (n, v) in headers {
            self.headers.push(((*n).to_owned(), (*v).to_owned()));
        }
        self
    }

    /// Sets the body.
    pub fn body(mut self, body: impl Into<Vec<u8>>) -> Page {
        self.body = body.into();
        self
    }

    /// Sends the body chunked.
    pub fn chunked(mut self) -> Page {
        self.chunked = true;
        self
    }
}

/// What a site serves: pages by path (the query ignored), and what every
/// other path gets (404 when unset; a catch-all app answers 200).
///
/// ```
/// use posture_sandbox::{Page, Site};
/// let s = Site::new().route("/", Page::ok("home")).fallback(Page::ok("app"));
/// assert_eq!(s.page("/.env").status, 200);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Site {
    routes: BTreeMap<String, Page>,
    fallback: Option<Page>,
}

impl Site {
    /// A site with no pages (every path 404).
    pub fn new() -> Site {
        Site::default()
    }

    /// Serves `page` at `path`.
    pub fn route(mut self, path: &str, page: Page) -> Site {
        self.routes.insert(path.to_owned(), page);
        self
    }

    /// Serves `page` at every path without a route.
    pub fn fallback(mut self, page: Page) -> Site {
        self.fallback = Some(page);
        self
    }

    /// The page for a request path.
    pub fn page(&self, path: &str) -> Page {
        let path = path.split('?').next().unwrap_or(path);
        self.routes
            .get(path)
            .or(self.fallback.as_ref())
            .cloned()
            .unwrap_or_else(|| {
                Page::new(404)
                    .header("Content-Type", "text/plain")
                    .body("not found")
            })
    }
}

type Shared = Arc<RwLock<(Site, Option<Arc<rustls::ServerConfig>>)>>;

/// An HTTP (or, with an [`Identity`], HTTPS) server on loopback. The site
/// and certificate can change while it runs ([`WebServer::set`]), as the
/// demo's vendors fix theirs. Dropping it stops it.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// use posture_sandbox::{Page, Site, WebServer};
/// let site = Site::new().route("/", Page::ok("hello"));
/// let web = WebServer::start("127.0.0.1".parse().unwrap(), site, None).await.unwrap();
/// assert!(tokio::net::TcpStream::connect(web.addr()).await.is_ok());
/// # }
/// ```
#[derive(Debug)]
pub struct WebServer {
    addr: SocketAddr,
    state: Shared,
    task: Option<JoinHandle<()>>,
}

/// How long a connection may take to send its request.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(5);

impl WebServer {
    /// Listens on `ip` (a port chosen by the OS).
    ///
    /// # Errors
    /// When the address cannot be bound or the identity is unusable.
    pub async fn start(
        ip: IpAddr,
        site: Site,
        tls: Option<&Identity>,
    ) -> Result<WebServer, SandboxError> {
        let want = SocketAddr::new(ip, 0);
        let listener = TcpListener::bind(want)
            .await
            .map_err(|source| SandboxError::Bind { addr: want, source })?;
        WebServer::serve(listener, site, tls)
    }

    /// Serves on a listener already bound (see [`same_port`]).
    ///
    /// # Errors
    /// When the identity is unusable.
    pub fn serve(
        listener: TcpListener,
        site: Site,
        tls: Option<&Identity>,
    ) -> Result<WebServer, SandboxError> {
        let addr = listener.local_addr().map_err(|source| SandboxError::Bind {
            addr: SocketAddr::new(IpAddr::from([127, 0, 0, 1]), 0),
            source,
        })?;
        let config = tls.map(Identity::server_config).transpose()?;
        let state: Shared = Arc::new(RwLock::new((site, config)));
        let shared = state.clone();
        let task = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                };
                let (site, config) = match shared.read() {
                    Ok(g) => (g.0.clone(), g.1.clone()),
                    Err(_) => return,
                };
                tokio::spawn(async move {
                    match config {
                        Some(c) => {
                            let acceptor = tokio_rustls::TlsAcceptor::from(c);
                            let accepted =
                                tokio::time::timeout(REQUEST_TIMEOUT, acceptor.accept(stream))
                                    .await;
                            if let Ok(Ok(s)) = accepted {
                                respond(s, &site).await;
                            }
                        }
                        None => respond(stream, &site).await,
                    }
                });
            }
        });
        Ok(WebServer {
            addr,
            state,
            task: Some(task),
        })
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Replaces the site and the certificate (`None`: plain HTTP) for the
    /// connections that follow.
    ///
    /// # Errors
    /// When the identity is unusable.
    pub fn set(&self, site: Site, tls: Option<&Identity>) -> Result<(), SandboxError> {
        let config = tls.map(Identity::server_config).transpose()?;
        if let Ok(mut g) = self.state.write() {
            *g = (site, config);
        }
        Ok(())
    }

    /// Replaces the site only.
    pub fn set_site(&self, site: Site) {
        if let Ok(mut g) = self.state.write() {
            g.0 = site;
        }
    }

    /// Stops listening; the port then refuses connections.
    pub async fn close(mut self) {
        if let Some(t) = self.task.take() {
            t.abort();
            let _ = t.await;
        }
    }
}

impl Drop for WebServer {
    fn drop(&mut self) {
        if let Some(t) = &self.task {
            t.abort();
        }
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        204 => "No Content",
        301 => "Moved Permanently",
        302 => "Found",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        403 => "Forbidden",
        404 => "Not Found",
        500 => "Internal Server Error",
        _ => "Status",
    }
}

/// Reads one request and answers it.
async fn respond<S: AsyncRead + AsyncWrite + Unpin>(mut s: S, site: &Site) {
    let mut buf = Vec::with_capacity(1024);
    let head = tokio::time::timeout(REQUEST_TIMEOUT, async {
        let mut chunk = [0u8; 1024];
        loop {
            if buf.windows(4).any(|w| w == b"\r\n\r\n") || buf.len() > 16 * 1024 {
                return true;
            }
            match s.read(&mut chunk).await {
                Ok(0) | Err(_) => return false,
                Ok(n) => buf.extend_from_slice(chunk.get(..n).unwrap_or_default()),
            }
        }
    })
    .await;
    if !matches!(head, Ok(true)) {
        return;
    }
    let text = String::from_utf8_lossy(&buf);
    let path = text
        .lines()
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .unwrap_or("/")
        .to_owned();
    let page = site.page(&path);
    let mut out = format!("HTTP/1.1 {} {}\r\n", page.status, reason(page.status));
    for (n, v) in &page.headers {
        out.push_str(&format!("{n}: {v}\r\n"));
    }
    if page.chunked {
        out.push_str("Transfer-Encoding: chunked\r\n");
    } else {
        out.push_str(&format!("Content-Length: {}\r\n", page.body.len()));
    }
    out.push_str("Connection: close\r\n\r\n");
    let mut bytes = out.into_bytes();
    if page.chunked {
        for part in page.body.chunks(700) {
            bytes.extend_from_slice(format!("{:x};ext=1\r\n", part.len()).as_bytes());
            bytes.extend_from_slice(part);
            bytes.extend_from_slice(b"\r\n");
        }
        bytes.extend_from_slice(b"0\r\n\r\n");
    } else {
        bytes.extend_from_slice(&page.body);
    }
    let _ = s.write_all(&bytes).await;
    let _ = s.shutdown().await;
}

/// An SMTP responder on loopback: a 220 greeting, EHLO (offering STARTTLS
/// when it has an [`Identity`]), STARTTLS, QUIT. It accepts no mail.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// use posture_sandbox::SmtpServer;
/// let smtp = SmtpServer::start("127.0.0.1".parse().unwrap(), None).await.unwrap();
/// assert!(tokio::net::TcpStream::connect(smtp.addr()).await.is_ok());
/// # }
/// ```
#[derive(Debug)]
pub struct SmtpServer {
    addr: SocketAddr,
    task: Option<JoinHandle<()>>,
}

trait Io: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Io for T {}

impl SmtpServer {
    /// Listens on `ip` (a port chosen by the OS).
    ///
    /// # Errors
    /// When the address cannot be bound or the identity is unusable.
    pub async fn start(ip: IpAddr, tls: Option<&Identity>) -> Result<SmtpServer, SandboxError> {
        let want = SocketAddr::new(ip, 0);
        let listener = TcpListener::bind(want)
            .await
            .map_err(|source| SandboxError::Bind { addr: want, source })?;
        SmtpServer::serve(listener, tls)
    }

    /// Serves on a listener already bound (see [`same_port`]).
    ///
    /// # Errors
    /// When the identity is unusable.
    pub fn serve(
        listener: TcpListener,
        tls: Option<&Identity>,
    ) -> Result<SmtpServer, SandboxError> {
        let addr = listener.local_addr().map_err(|source| SandboxError::Bind {
            addr: SocketAddr::new(IpAddr::from([127, 0, 0, 1]), 0),
            source,
        })?;
        let config = tls.map(Identity::server_config).transpose()?;
        let task = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                };
                let config = config.clone();
                tokio::spawn(async move {
                    let _ = tokio::time::timeout(
                        Duration::from_secs(30),
                        smtp_session(Box::new(stream), config),
                    )
                    .await;
                });
            }
        });
        Ok(SmtpServer {
            addr,
            task: Some(task),
        })
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        if let Some(t) = &self.task {
            t.abort();
        }
    }
}

async fn read_line(s: &mut Box<dyn Io>) -> Option<String> {
    let mut line = Vec::new();
    loop {
        let mut b = [0u8; 1];
        match s.read(&mut b).await {
            Ok(1) if b[0] == b'\n' => {
                return Some(String::from_utf8_lossy(&line).trim().to_owned());
            }
            Ok(1) if line.len() < 1000 => line.push(b[0]),
            _ => return None,
        }
    }
}

async fn smtp_session(mut s: Box<dyn Io>, tls: Option<Arc<rustls::ServerConfig>>) {
    let mut secure = false;
    if s.write_all(b"220 mx.sandbox.invalid ESMTP Posture sandbox\r\n")
        .await
        .is_err()
    {
        return;
    }
    while let Some(line) = read_line(&mut s).await {
        let verb = line
            .split_whitespace()
            .next()
            .unwrap_or("")
            .to_ascii_uppercase();
        let reply: String = match verb.as_str() {
            "EHLO" => {
                let mut r = String::from("250-mx.sandbox.invalid\r\n250-PIPELINING\r\n");
                if tls.is_some() && !secure {
                    r.push_str("250-STARTTLS\r\n");
                }
                r.push_str("250 8BITMIME\r\n");
                r
            }
            "HELO" => "250 mx.sandbox.invalid\r\n".into(),
            "QUIT" => {
                let _ = s.write_all(b"221 bye\r\n").await;
                return;
            }
            "STARTTLS" => match (&tls, secure) {
                (Some(config), false) => {
                    if s.write_all(b"220 ready to start TLS\r\n").await.is_err() {
                        return;
                    }
                    let acceptor = tokio_rustls::TlsAcceptor::from(config.clone());
                    match acceptor.accept(s).await {
                        Ok(t) => {
                            s = Box::new(t);
                            secure = true;
                            continue;
                        }
                        Err(_) => return,
                    }
                }
                _ => "502 5.5.1 STARTTLS not available\r\n".into(),
            },
            _ => "502 5.5.2 command not implemented\r\n".into(),
        };
        if s.write_all(reply.as_bytes()).await.is_err() {
            return;
        }
    }
}

/// Binds one port, chosen by the OS, on every address in `ips` (the
/// scanner asks every host on the same HTTPS, HTTP or SMTP port).
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let ips = ["127.0.0.2".parse().unwrap(), "127.0.0.3".parse().unwrap()];
/// let ls = posture_sandbox::same_port(&ips).await.unwrap();
/// let ports: Vec<u16> = ls.iter().map(|l| l.local_addr().unwrap().port()).collect();
/// assert_eq!(ports[0], ports[1]);
/// # }
/// ```
///
/// # Errors
/// When no port could be had on all of them in 32 tries.
pub async fn same_port(ips: &[IpAddr]) -> Result<Vec<TcpListener>, SandboxError> {
    let mut last = None;
    'attempt: for _ in 0..32 {
        let Some(first) = ips.first() else {
            return Ok(Vec::new());
        };
        let want = SocketAddr::new(*first, 0);
        let l = TcpListener::bind(want)
            .await
            .map_err(|source| SandboxError::Bind { addr: want, source })?;
        let port = l
            .local_addr()
            .map_err(|source| SandboxError::Bind { addr: want, source })?
            .port();
        let mut out = vec![l];
        for ip in ips.iter().skip(1) {
            let addr = SocketAddr::new(*ip, port);
            match TcpListener::bind(addr).await {
                Ok(l) => out.push(l),
                Err(source) => {
                    last = Some(SandboxError::Bind { addr, source });
                    continue 'attempt;
                }
            }
        }
        return Ok(out);
    }
    Err(last.unwrap_or_else(|| SandboxError::Certificate("no common port".into())))
}
