//! A stand-in for an exposed service: a TCP listener on a loopback address
//! that accepts connections and closes them.

use crate::server::SandboxError;
use std::net::{IpAddr, SocketAddr};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

/// A listening TCP service on a loopback address and an OS-chosen port.
/// It accepts every connection and closes it at once, which is all a
/// connect probe can tell. [`TcpService::close`] stops listening (the port
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
            loop {
                // Accept and drop: the connection closes at once.
                if listener.accept().await.is_err() {
                    tokio::task::yield_now().await;
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
