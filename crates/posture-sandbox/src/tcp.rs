//! A stand-in for an exposed service: a TCP listener on a loopback address
//! that accepts connections and holds them until the peer closes; and a
//! port held closed.

use crate::server::SandboxError;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::task::JoinHandle;

/// Connections a service keeps open at most (the oldest is reset first).
const MAX_OPEN: usize = 1024;

/// A listening TCP service on a loopback address and an OS-chosen port.
/// It accepts every connection and holds it until the peer closes it, which
/// is all a connect probe can tell. [`TcpService::close`] stops listening (the port
/// then refuses connections); dropping it does the same, eventually.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// use posture_sandbox::TcpService;
/// let svc = TcpService::start("127.0.0.1".parse().unwrap()).await.unwrap();
/// let addr = svc.addr();
/// assert!(tokio::net::TcpStream::connect(addr).await.is_ok());
/// svc.close().await;
/// assert!(tokio::net::TcpStream::connect(addr).await.is_err());
/// # }
/// ```
#[derive(Debug)]
pub struct TcpService {
    addr: SocketAddr,
    task: Option<JoinHandle<()>>,
}

impl TcpService {
    /// Starts listening on `ip` (a port chosen by the OS).
    ///
    /// # Errors
    /// When the address cannot be bound.
    pub async fn start(ip: IpAddr) -> Result<Self, SandboxError> {
        let want = SocketAddr::new(ip, 0);
        let listener = TcpListener::bind(want)
            .await
            .map_err(|source| SandboxError::Bind { addr: want, source })?;
        let addr = listener
            .local_addr()
            .map_err(|source| SandboxError::Bind { addr: want, source })?;
        let task = tokio::spawn(async move {
            // Accepted connections stay open until the peer closes them, as
            // a real service keeps them: the peer closes first and keeps
            // the TIME_WAIT, so this port can be held closed right after
            // `close`. Any still open then are reset (zero linger) when the
            // task is dropped.
            let mut conns: Vec<TcpStream> = Vec::new();
            let mut tick = tokio::time::interval(Duration::from_millis(20));
            loop {
                tokio::select! {
                    r = listener.accept() => match r {
                        Ok((stream, _)) => {
                            let _ = stream.set_zero_linger();
                            if conns.len() >= MAX_OPEN {
                                conns.remove(0);
                            }
                            conns.push(stream);
                        }
                        // E.g. out of descriptors: back off rather than spin.
                        Err(_) => tokio::time::sleep(Duration::from_millis(10)).await,
                    },
                    _ = tick.tick() => {
                        let mut buf = [0u8; 256];
                        conns.retain(|c| match c.try_read(&mut buf) {
                            Ok(0) => false,
                            Ok(_) => true,
                            Err(e) => e.kind() == std::io::ErrorKind::WouldBlock,
                        });
                    }
                }
            }
        });
        Ok(TcpService {
            addr,
            task: Some(task),
        })
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops listening and waits until the socket is closed, so that a
    /// probe right after this sees the port refuse.
    pub async fn close(mut self) {
        if let Some(t) = self.task.take() {
            t.abort();
            // The listener is dropped with the task; a cancelled task's
            // join result is an error by design.
            let _ = t.await;
        }
    }
}

impl Drop for TcpService {
    fn drop(&mut self) {
        if let Some(t) = &self.task {
            t.abort();
        }
    }
}

/// A TCP port held closed on one address: bound but not listening, so a
/// connect probe is refused, and no other process can listen there while
/// it is held. Hosts that probe one port list on several loopback
/// addresses reserve the list's ports on every address that should answer
/// "closed", so that nothing else on the machine can change the answer.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// use posture_sandbox::{ClosedPort, TcpService};
/// let svc = TcpService::start("127.0.0.1".parse().unwrap()).await.unwrap();
/// let port = svc.addr().port();
/// let closed = ClosedPort::reserve("127.0.0.2".parse().unwrap(), port).unwrap();
/// assert!(tokio::net::TcpStream::connect(closed.addr()).await.is_err());
/// // The port is taken on that address: nobody else can listen there.
/// assert!(tokio::net::TcpListener::bind(closed.addr()).await.is_err());
/// // Not even through a socket with SO_REUSEADDR.
/// let other = tokio::net::TcpSocket::new_v4().unwrap();
/// other.set_reuseaddr(true).unwrap();
/// let refused = other.bind(closed.addr()).and_then(|()| other.listen(16).map(|_| ()));
/// assert!(refused.is_err());
///
/// // A service's port can be held closed as soon as the service closes,
/// // even after it answered probes (it leaves no TIME_WAIT behind).
/// let svc = TcpService::start("127.0.0.3".parse().unwrap()).await.unwrap();
/// let addr = svc.addr();
/// drop(tokio::net::TcpStream::connect(addr).await.unwrap());
/// svc.close().await;
/// let held = ClosedPort::reserve(addr.ip(), addr.port()).unwrap();
/// assert!(tokio::net::TcpStream::connect(held.addr()).await.is_err());
/// # }
/// ```
#[derive(Debug)]
pub struct ClosedPort {
    addr: SocketAddr,
    _socket: TcpSocket,
}

impl ClosedPort {
    /// Binds `ip:port` without listening.
    ///
    /// # Errors
    /// When the port is in use on that address (or cannot be bound).
    pub fn reserve(ip: IpAddr, port: u16) -> Result<Self, SandboxError> {
        let addr = SocketAddr::new(ip, port);
        let socket = if ip.is_ipv4() {
            TcpSocket::new_v4()
        } else {
            TcpSocket::new_v6()
        }
        // No SO_REUSEADDR: the port is ours alone on this address.
        .and_then(|s| s.bind(addr).map(|()| s))
        .map_err(|source| SandboxError::Bind { addr, source })?;
        Ok(ClosedPort {
            addr,
            _socket: socket,
        })
    }

    /// The address held closed.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }
}
