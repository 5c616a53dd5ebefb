//! TLS 1.2/1.3 handshakes with rustls, and what the certificates say.
//!
//! The handshake accepts whatever the server presents: the checks observe a
//! server, they do not trust it with anything. The chain it sent is kept,
//! described ([`describe`], x509-parser) and verified apart from the
//! handshake ([`Trust::judge`], webpki), so a chain that does not verify is
//! still recorded, and each property (trust, name, dates, key, signature)
//! is its own fact rather than one handshake error.

use super::Lost;
use posture_core::Timestamp;
use posture_core::observe::{CertFact, CertTrust, KeyFact, Reason, TlsVersion};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, SignatureScheme};
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::time::Instant;
use tokio_rustls::client::TlsStream;

/// Trust anchors: the platform's roots and any extra ones (`--ca-file`).
pub(crate) struct Trust {
    anchors: Vec<rustls::pki_types::TrustAnchor<'static>>,
}

impl std::fmt::Debug for Trust {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Trust({} anchors)", self.anchors.len())
    }
}

impl Trust {
    /// No anchors (nothing verifies).
    pub(crate) fn empty() -> Trust {
        Trust {
            anchors: Vec::new(),
        }
    }

    /// The platform's roots (when `platform`) plus `extra` (DER). A root
    /// that does not parse is skipped: one bad file in `/etc/ssl/certs`
    /// must not stop a scan.
    pub(crate) fn load(platform: bool, extra: &[Vec<u8>]) -> Trust {
        let mut ders: Vec<CertificateDer<'static>> = Vec::new();
        if platform {
            ders.extend(rustls_native_certs::load_native_certs().certs);
        }
        ders.extend(extra.iter().map(|d| CertificateDer::from(d.clone())));
        let anchors = ders
            .iter()
            .filter_map(|d| webpki::anchor_from_trusted_cert(d).ok())
            .map(|a| a.to_owned())
            .collect();
        Trust { anchors }
    }

    /// Whether `chain` (leaf first) leads to an anchor, judged at a moment
    /// within the leaf's validity (expiry is its own question).
    pub(crate) fn judge(&self, chain: &[Vec<u8>], leaf: Option<&CertFact>) -> CertTrust {
        let (Some(first), Some(leaf)) = (chain.first(), leaf) else {
            return CertTrust::Unknown;
        };
        let der = CertificateDer::from(first.as_slice());
        let ee = match webpki::EndEntityCert::try_from(&der) {
            Ok(ee) => ee,
            Err(e) => {
                return CertTrust::Untrusted {
                    reason: format!("the leaf certificate does not parse: {}", webpki_words(&e)),
                };
            }
        };
        let intermediates: Vec<CertificateDer<'_>> = chain
            .iter()
            .skip(1)
            .map(|d| CertificateDer::from(d.as_slice()))
            .collect();
        let now = chrono::Utc::now();
        // Within the validity when there is one; a certificate whose
        // notBefore is after its notAfter (found by the fuzzer: clamp would
        // panic) is judged now, and its dates are their own findings.
        let at = if leaf.not_before.0 <= leaf.not_after.0 {
            now.clamp(leaf.not_before.0, leaf.not_after.0)
        } else {
            now
        };
        let secs = u64::try_from(at.timestamp()).unwrap_or(0);
        let time = UnixTime::since_unix_epoch(std::time::Duration::from_secs(secs));
        match ee.verify_for_usage(
            webpki::ALL_VERIFICATION_ALGS,
            &self.anchors,
            &intermediates,
            time,
            webpki::KeyUsage::server_auth(),
            None,
            None,
        ) {
            Ok(_) => CertTrust::Trusted,
            Err(e) => CertTrust::Untrusted {
                reason: webpki_words(&e),
            },
        }
    }
}

/// The certificates of a PEM file (`--ca-file`), DER, in order.
///
/// ```
/// let pem = b"-----BEGIN CERTIFICATE-----\nMAA=\n-----END CERTIFICATE-----\n";
/// assert_eq!(posture_signals::pem_certificates(pem).unwrap(), vec![vec![0x30, 0]]);
/// assert!(posture_signals::pem_certificates(b"nothing here").is_err());
/// ```
///
/// # Errors
/// When the text holds no `CERTIFICATE` block, or a block does not decode
/// (the error names which).
pub fn pem_certificates(pem: &[u8]) -> Result<Vec<Vec<u8>>, String> {
    use rustls::pki_types::pem::PemObject;
    let mut out = Vec::new();
    for (i, c) in CertificateDer::pem_slice_iter(pem).enumerate() {
        match c {
            Ok(c) => out.push(c.as_ref().to_vec()),
            Err(e) => return Err(format!("certificate {}: {e}", i + 1)),
        }
    }
    if out.is_empty() {
        return Err("no PEM CERTIFICATE block".into());
    }
    Ok(out)
}

/// Whether the leaf is valid for `name` (a DNS name or an address).
pub(crate) fn name_matches(chain: &[Vec<u8>], name: &ServerName<'_>) -> Option<bool> {
    let der = CertificateDer::from(chain.first()?.as_slice());
    let ee = webpki::EndEntityCert::try_from(&der).ok()?;
    Some(ee.verify_is_valid_for_subject_name(name).is_ok())
}

fn webpki_words(e: &webpki::Error) -> String {
    match e {
        webpki::Error::UnknownIssuer => "unknown issuer (no path to a trusted root)".into(),
        webpki::Error::InvalidSignatureForPublicKey => "a signature in the chain is invalid".into(),
        webpki::Error::CaUsedAsEndEntity => "a CA certificate is used as the leaf".into(),
        webpki::Error::RequiredEkuNotFoundContext(_) => {
            "the certificate is not for server authentication".into()
        }
        webpki::Error::UnsupportedSignatureAlgorithmContext(_)
        | webpki::Error::UnsupportedSignatureAlgorithmForPublicKeyContext(_) => {
            "the chain uses a signature algorithm no longer accepted (SHA-1, or a weak key)".into()
        }
        other => format!("{other:?}"),
    }
}

/// A verifier that records the chain and accepts it, so the handshake
/// completes and every property can be judged on its own.
#[derive(Debug, Default)]
struct Recorder {
    chain: Mutex<Vec<Vec<u8>>>,
}

impl ServerCertVerifier for Recorder {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        if let Ok(mut c) = self.chain.lock() {
            *c = std::iter::once(end_entity)
                .chain(intermediates)
                .take(MAX_CHAIN)
                .map(|d| d.as_ref().to_vec())
                .collect();
        }
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        _message: &[u8],
        _cert: &CertificateDer<'_>,
        _dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        Ok(HandshakeSignatureValid::assertion())
    }

    fn verify_tls13_signature(
        &self,
        _message: &[u8],
        _cert: &CertificateDer<'_>,
        _dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        Ok(HandshakeSignatureValid::assertion())
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        vec![
            SignatureScheme::ECDSA_NISTP256_SHA256,
            SignatureScheme::ECDSA_NISTP384_SHA384,
            SignatureScheme::ECDSA_NISTP521_SHA512,
            SignatureScheme::ED25519,
            SignatureScheme::RSA_PSS_SHA256,
            SignatureScheme::RSA_PSS_SHA384,
            SignatureScheme::RSA_PSS_SHA512,
            SignatureScheme::RSA_PKCS1_SHA256,
            SignatureScheme::RSA_PKCS1_SHA384,
            SignatureScheme::RSA_PKCS1_SHA512,
            SignatureScheme::RSA_PKCS1_SHA1,
            SignatureScheme::ECDSA_SHA1_Legacy,
        ]
    }
}

/// The most certificates kept from one chain.
pub(crate) const MAX_CHAIN: usize = 10;

/// A client configuration for one handshake, with its own recorder.
fn config(alpn: &[&[u8]]) -> Result<(Arc<ClientConfig>, Arc<Recorder>), Lost> {
    let recorder = Arc::new(Recorder::default());
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
        .map_err(|e| Lost::new(Reason::Internal, format!("TLS set-up: {e}")))?
        .dangerous()
        .with_custom_certificate_verifier(recorder.clone())
        .with_no_client_auth();
    config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
    config.enable_sni = true;
    Ok((Arc::new(config), recorder))
}

/// The server name a handshake presents: a DNS name (sent as SNI), else the
/// address.
pub(crate) fn server_name(host: Option<&str>, ip: std::net::IpAddr) -> ServerName<'static> {
    host.and_then(|h| ServerName::try_from(h.to_owned()).ok())
        .unwrap_or(ServerName::IpAddress(ip.into()))
}

/// What a handshake came to.
pub(crate) struct Handshake<S> {
    /// The session, when one was established.
    pub session: Result<TlsStream<S>, Lost>,
    /// The chain the server sent (DER, leaf first), even if the handshake
    /// then failed.
    pub chain: Vec<Vec<u8>>,
}

/// A TLS 1.2/1.3 handshake on `stream`, until `until`.
pub(crate) async fn handshake<S>(
    env: &crate::checks::Env,
    stream: S,
    name: ServerName<'static>,
    alpn: &[&[u8]],
    until: Instant,
) -> Handshake<S>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let (config, recorder) = match config(alpn) {
        Ok(c) => c,
        Err(e) => {
            return Handshake {
                session: Err(e),
                chain: Vec::new(),
            };
        }
    };
    let connector = tokio_rustls::TlsConnector::from(config);
    let session = match tokio::time::timeout_at(until, connector.connect(name, stream)).await {
        Ok(Ok(s)) => Ok(s),
        Ok(Err(e)) => Err(Lost::new(Reason::Error, format!("TLS handshake: {e}"))),
        Err(_) => Err(super::timed_out(env, "TLS handshake")),
    };
    let chain = recorder.chain.lock().map(|c| c.clone()).unwrap_or_default();
    Handshake { session, chain }
}

/// The negotiated version and cipher suite of a session.
pub(crate) fn negotiated<S>(s: &TlsStream<S>) -> (TlsVersion, String) {
    let (_, conn) = s.get_ref();
    let version = match conn.protocol_version() {
        Some(rustls::ProtocolVersion::TLSv1_3) => TlsVersion::Tls13,
        _ => TlsVersion::Tls12,
    };
    let cipher = conn
        .negotiated_cipher_suite()
        .map(|c| format!("{:?}", c.suite()))
        .unwrap_or_default();
    (version, cipher)
}

/// Describes one certificate; `None` when it does not parse.
pub(crate) fn describe(der: &[u8]) -> Option<CertFact> {
    use x509_parser::prelude::*;
    let (_, cert) = X509Certificate::from_der(der).ok()?;
    let time = |t: ASN1Time| chrono::DateTime::from_timestamp(t.timestamp(), 0).map(Timestamp);
    let validity = cert.validity();
    let registry = x509_parser::objects::oid_registry();
    let sig_oid = &cert.signature_algorithm.algorithm;
    let signature = x509_parser::objects::oid2sn(sig_oid, registry)
        .map(str::to_owned)
        .unwrap_or_else(|_| sig_oid.to_id_string());
    // sha1WithRSAEncryption, ecdsa-with-SHA1, dsa-with-sha1 and the
    // obsolete OIW sha1WithRSA.
    let sha1 = [
        "1.2.840.113549.1.1.5",
        "1.2.840.10045.4.1",
        "1.2.840.10040.4.3",
        "1.3.14.3.2.29",
    ]
    .contains(&sig_oid.to_id_string().as_str())
        || signature.to_ascii_lowercase().contains("sha1");
    let mut names = Vec::new();
    if let Ok(Some(san)) = cert.subject_alternative_name() {
        for n in &san.value.general_names {
            match n {
                GeneralName::DNSName(d) => names.push((*d).to_owned()),
                GeneralName::IPAddress(b) => {
                    if let Ok(a) = <[u8; 4]>::try_from(*b) {
                        names.push(std::net::Ipv4Addr::from(a).to_string());
                    } else if let Ok(a) = <[u8; 16]>::try_from(*b) {
                        names.push(std::net::Ipv6Addr::from(a).to_string());
                    }
                }
                _ => {}
            }
            if names.len() >= 100 {
                break;
            }
        }
    }
    let subject = cert.subject().to_string();
    let issuer = cert.issuer().to_string();
    Some(CertFact {
        self_issued: cert.subject().as_raw() == cert.issuer().as_raw(),
        subject: super::clip(&subject, 512),
        issuer: super::clip(&issuer, 512),
        not_before: time(validity.not_before)?,
        not_after: time(validity.not_after)?,
        key: key_of(cert.public_key()),
        signature,
        sha1,
        names,
    })
}

/// A public key's algorithm and size.
fn key_of(spki: &x509_parser::x509::SubjectPublicKeyInfo<'_>) -> KeyFact {
    use x509_parser::public_key::PublicKey;
    let alg = &spki.algorithm.algorithm;
    if alg.to_id_string() == "1.3.101.112" {
        return KeyFact {
            algorithm: "ed25519".into(),
            bits: 256,
        };
    }
    match spki.parsed() {
        Ok(PublicKey::RSA(rsa)) => KeyFact {
            algorithm: "rsa".into(),
            bits: significant_bits(rsa.modulus),
        },
        Ok(PublicKey::EC(point)) => {
            let curve = spki
                .algorithm
                .parameters
                .as_ref()
                .and_then(|p| p.as_oid().ok());
            let bits = match curve.map(|c| c.to_id_string()).as_deref() {
                Some("1.2.840.10045.3.1.7") => 256,
                Some("1.3.132.0.34") => 384,
                Some("1.3.132.0.35") => 521,
                Some("1.3.132.0.33") => 224,
                Some("1.2.840.10045.3.1.1") => 192,
                _ => u32::try_from(point.key_size()).unwrap_or(0),
            };
            KeyFact {
                algorithm: "ec".into(),
                bits,
            }
        }
        Ok(PublicKey::DSA(y)) => KeyFact {
            algorithm: "dsa".into(),
            bits: significant_bits(y),
        },
        _ => KeyFact {
            algorithm: alg.to_id_string(),
            bits: 0,
        },
    }
}

/// The bit length of a big-endian unsigned integer.
fn significant_bits(n: &[u8]) -> u32 {
    let n = match n.iter().position(|b| *b != 0) {
        Some(i) => n.get(i..).unwrap_or_default(),
        None => return 0,
    };
    let first = n.first().copied().unwrap_or(0);
    let len = u32::try_from(n.len()).unwrap_or(u32::MAX / 8);
    len.saturating_sub(1).saturating_mul(8) + (8 - first.leading_zeros())
}

#[cfg(test)]
mod tests {
    #[test]
    fn bit_lengths() {
        assert_eq!(super::significant_bits(&[0x00, 0x80, 0, 0]), 24);
        assert_eq!(super::significant_bits(&[0x01, 0xff]), 9);
        assert_eq!(super::significant_bits(&[0, 0]), 0);
        assert_eq!(super::significant_bits(&[]), 0);
        let mut m = vec![0u8; 129];
        m[1] = 0xc0;
        assert_eq!(super::significant_bits(&m), 1024);
    }

    #[test]
    fn garbage_is_no_certificate() {
        assert!(super::describe(b"").is_none());
        assert!(super::describe(&[0x30, 0x82, 0xff, 0xff, 1, 2, 3]).is_none());
    }
}
