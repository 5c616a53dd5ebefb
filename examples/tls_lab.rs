//! A TLS and web lab on loopback, for checking Posture's verdicts against
//! other tools on the same servers (`benches/tls-crosscheck/run.py`).
//!
//! Starts a sandbox DNS server and one HTTPS server per case on
//! 127.0.2.N, all on one port: rustls sites with certificates from a test
//! root (valid, expired, not yet valid, expiring in 5 days, self-signed,
//! from an untrusted root, for another name) and `openssl s_server` for a
//! 1024-bit RSA key, a SHA-1 signature and TLS 1.0 only. Prints one JSON
//! line (`dns`, `https_port`, `ca_file`, `hosts`: name, address, the issues
//! planted), then serves until its standard input closes.
//!
//! ```sh
//! cargo run --release -p posture-examples --example tls_lab
//! ```

use posture_sandbox::{
    CertSpec, DnsSandbox, Identity, Page, RecordValue, Site, TestCa, WebServer, World, same_port,
};
use std::io::Read;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::process::{Child, Command, ExitCode, Stdio};

struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn run(dir: &std::path::Path, args: &[&str]) -> Result<(), String> {
    let o = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .map_err(|e| format!("openssl: {e}"))?;
    if o.status.success() {
        Ok(())
    } else {
        Err(format!(
            "openssl {args:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        ))
    }
}

/// An RSA leaf of `bits` for `name`, signed by the lab root with `digest`.
fn openssl_leaf(dir: &std::path::Path, name: &str, bits: u32, digest: &str) -> Result<(), String> {
    run(
        dir,
        &[
            "req",
            "-new",
            "-newkey",
            &format!("rsa:{bits}"),
            "-nodes",
            "-keyout",
            &format!("{name}.key"),
            "-subj",
            &format!("/CN={name}"),
            "-addext",
            &format!("subjectAltName=DNS:{name}"),
            "-out",
            &format!("{name}.csr"),
        ],
    )?;
    run(
        dir,
        &[
            "x509",
            "-req",
            "-in",
            &format!("{name}.csr"),
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-days",
            "90",
            &format!("-{digest}"),
            "-copy_extensions",
            "copy",
            "-out",
            &format!("{name}.pem"),
        ],
    )
}

async fn lab() -> Result<(), String> {
    let e = |x: posture_sandbox::SandboxError| x.to_string();
    let dir = std::env::temp_dir().join(format!("posture-tls-lab-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|x| x.to_string())?;
    let ca = TestCa::new("Posture Lab Root").map_err(e)?;
    let rogue = TestCa::new("Unknown Root").map_err(e)?;
    std::fs::write(dir.join("ca.pem"), ca.pem()).map_err(|x| x.to_string())?;
    std::fs::write(dir.join("ca.key"), ca.key_pem()).map_err(|x| x.to_string())?;
    let site = Site::new().route("/", Page::ok("<h1>lab</h1>"));
    let rustls: Vec<(&str, Identity, &[&str])> = vec![
        (
            "valid.lab.test",
            ca.issue(&CertSpec::new(&["valid.lab.test"])).map_err(e)?,
            &[],
        ),
        (
            "expired.lab.test",
            ca.issue(&CertSpec::new(&["expired.lab.test"]).expired())
                .map_err(e)?,
            &["tls_certificate_expired"],
        ),
        (
            "future.lab.test",
            ca.issue(&CertSpec::new(&["future.lab.test"]).not_yet_valid())
                .map_err(e)?,
            &["tls_certificate_not_yet_valid"],
        ),
        (
            "soon.lab.test",
            ca.issue(&CertSpec::new(&["soon.lab.test"]).expiring_in(5))
                .map_err(e)?,
            &["tls_certificate_expiring_soon"],
        ),
        (
            "selfsigned.lab.test",
            Identity::self_signed(&CertSpec::new(&["selfsigned.lab.test"])).map_err(e)?,
            &["tls_self_signed_certificate"],
        ),
        (
            "untrusted.lab.test",
            rogue
                .issue(&CertSpec::new(&["untrusted.lab.test"]))
                .map_err(e)?,
            &["tls_untrusted_certificate"],
        ),
        (
            "wrongname.lab.test",
            ca.issue(&CertSpec::new(&["other.lab.test"])).map_err(e)?,
            &["tls_hostname_mismatch"],
        ),
    ];
    // Name, RSA bits, signature digest, s_server flags, planted issues.
    type OpensslCase<'a> = (&'a str, u32, &'a str, &'a [&'a str], &'a [&'a str]);
    let openssl: [OpensslCase; 3] = [
        (
            "weakkey.lab.test",
            1024,
            "sha256",
            &["-no_ssl3", "-no_tls1", "-no_tls1_1"],
            &["tls_weak_key"],
        ),
        (
            "sha1.lab.test",
            2048,
            "sha1",
            &["-no_ssl3", "-no_tls1", "-no_tls1_1"],
            &["tls_sha1_signature", "tls_untrusted_certificate"],
        ),
        (
            "legacy.lab.test",
            2048,
            "sha256",
            &["-tls1"],
            &["tls_weak_protocol"],
        ),
    ];
    let n = rustls.len() + openssl.len();
    let ips: Vec<IpAddr> = (1..=n)
        .map(|i| IpAddr::from([127, 0, 2, i as u8]))
        .collect();
    let listeners = same_port(&ips).await.map_err(e)?;
    let port = listeners
        .first()
        .and_then(|l| l.local_addr().ok())
        .map(|a| a.port())
        .ok_or("no port")?;
    let mut w = World::new();
    let mut hosts = Vec::new();
    let mut keep_web = Vec::new();
    let mut keep_ssl = Vec::new();
    let mut ls = listeners.into_iter();
    for (i, (name, id, issues)) in rustls.into_iter().enumerate() {
        let ip = Ipv4Addr::new(127, 0, 2, i as u8 + 1);
        w.add(name, RecordValue::A(ip));
        let l = ls.next().ok_or("listener")?;
        keep_web.push(WebServer::serve(l, site.clone(), Some(&id)).map_err(e)?);
        hosts.push(
            posture::json::json!({"name": name, "address": ip.to_string(), "issues": issues}),
        );
    }
    for (j, (name, bits, digest, flags, issues)) in openssl.into_iter().enumerate() {
        let ip = Ipv4Addr::new(127, 0, 2, (keep_web.len() + j) as u8 + 1);
        w.add(name, RecordValue::A(ip));
        openssl_leaf(&dir, name, bits, digest)?;
        drop(ls.next());
        let accept = SocketAddr::new(ip.into(), port).to_string();
        let (cert, key) = (format!("{name}.pem"), format!("{name}.key"));
        let mut args = vec![
            "s_server",
            "-accept",
            &accept,
            "-cert",
            &cert,
            "-key",
            &key,
            "-cipher",
            "DEFAULT@SECLEVEL=0",
            "-www",
            "-quiet",
        ];
        args.extend_from_slice(flags);
        let child = Command::new("openssl")
            .args(&args)
            .current_dir(&dir)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|x| format!("openssl s_server: {x}"))?;
        keep_ssl.push(Killed(child));
        let addr = SocketAddr::new(ip.into(), port);
        let mut up = false;
        for _ in 0..100 {
            if std::net::TcpStream::connect(addr).is_ok() {
                up = true;
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        if !up {
            return Err(format!("openssl s_server did not start on {addr}"));
        }
        hosts.push(
            posture::json::json!({"name": name, "address": ip.to_string(), "issues": issues}),
        );
    }
    let dns = DnsSandbox::start(w).await.map_err(e)?;
    println!(
        "{}",
        posture::json::json!({"dns": dns.addr().to_string(), "https_port": port,
            "ca_file": dir.join("ca.pem").display().to_string(), "hosts": hosts})
    );
    // Serve until standard input closes.
    tokio::task::spawn_blocking(|| {
        let mut sink = Vec::new();
        let _ = std::io::stdin().read_to_end(&mut sink);
    })
    .await
    .map_err(|x| x.to_string())?;
    drop((keep_web, keep_ssl, dns));
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> ExitCode {
    match lab().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("tls_lab: {e}");
            ExitCode::from(1)
        }
    }
}
