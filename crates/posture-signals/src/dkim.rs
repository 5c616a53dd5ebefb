//! DKIM key records (RFC 6376 section 3.6.1): key type and RSA key size.

/// A DKIM key record's key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DkimKey {
    /// RSA with this modulus size in bits.
    Rsa(u32),
    /// Ed25519 (RFC 8463).
    Ed25519,
    /// Revoked (empty `p=`).
    Revoked,
}

/// What is wrong with a DKIM key record.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DkimError {
    /// No `p=` tag.
    #[error("no p= tag")]
    NoKey,
    /// `p=` is not base64.
    #[error("p= is not valid base64")]
    Base64,
    /// The key is not a DER RSA public key.
    #[error("p= is not a DER-encoded RSA public key")]
    Der,
    /// A key type other than rsa or ed25519.
    #[error("unknown key type k={0}")]
    KeyType(String),
}

fn base64(s: &str) -> Result<Vec<u8>, DkimError> {
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for c in s.bytes().filter(|c| !c.is_ascii_whitespace()) {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            b'=' => break,
            _ => return Err(DkimError::Base64),
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Ok(out)
}

/// Reads one DER TLV: (tag, content, rest).
fn tlv(b: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = b.split_first()?;
    let (&l0, mut rest) = rest.split_first()?;
    let len = if l0 < 0x80 {
        usize::from(l0)
    } else {
        let n = usize::from(l0 & 0x7f);
        if n == 0 || n > 4 || rest.len() < n {
            return None;
        }
        let mut len = 0usize;
        for &x in &rest[..n] {
            len = (len << 8) | usize::from(x);
        }
        rest = &rest[n..];
        len
    };
    if rest.len() < len {
        return None;
    }
    Some((tag, &rest[..len], &rest[len..]))
}

fn modulus_bits(int: &[u8]) -> u32 {
    let trimmed: &[u8] = match int.iter().position(|b| *b != 0) {
        Some(i) => &int[i..],
        None => &[],
    };
    match trimmed.first() {
        None => 0,
        Some(first) => (trimmed.len() as u32 - 1) * 8 + (8 - first.leading_zeros()),
    }
}

/// RSA modulus size of a DER SubjectPublicKeyInfo or PKCS#1 RSAPublicKey.
fn rsa_bits(der: &[u8]) -> Option<u32> {
    let (tag, seq, _) = tlv(der)?;
    if tag != 0x30 {
        return None;
    }
    let (t1, c1, rest) = tlv(seq)?;
    match t1 {
        0x02 => Some(modulus_bits(c1)), // RSAPublicKey: modulus first
        0x30 => {
            let (t2, bits, _) = tlv(rest)?;
            if t2 != 0x03 {
                return None;
            }
            let inner = bits.get(1..)?; // skip the unused-bits byte
            let (t3, rsa, _) = tlv(inner)?;
            if t3 != 0x30 {
                return None;
            }
            let (t4, modulus, _) = tlv(rsa)?;
            (t4 == 0x02).then(|| modulus_bits(modulus))
        }
        _ => None,
    }
}

/// Parses a DKIM key record.
///
/// ```
/// use posture_signals::dkim::{parse, DkimKey};
/// assert_eq!(parse("v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=").unwrap(), DkimKey::Ed25519);
/// assert_eq!(parse("v=DKIM1; p=").unwrap(), DkimKey::Revoked);
/// ```
///
/// # Errors
/// No key, bad base64, not an RSA key, an unknown key type.
pub fn parse(text: &str) -> Result<DkimKey, DkimError> {
    let mut k = "rsa".to_owned();
    let mut p = None;
    for part in text.split(';') {
        let Some((name, value)) = part.split_once('=') else {
            continue;
        };
        match name.trim() {
            "k" => k = value.trim().to_ascii_lowercase(),
            "p" => p = Some(value.trim().to_owned()),
            _ => {}
        }
    }
    let p = p.ok_or(DkimError::NoKey)?;
    if p.is_empty() {
        return Ok(DkimKey::Revoked);
    }
    match k.as_str() {
        "ed25519" => Ok(DkimKey::Ed25519),
        "rsa" => {
            let der = base64(&p)?;
            rsa_bits(&der).map(DkimKey::Rsa).ok_or(DkimError::Der)
        }
        other => Err(DkimError::KeyType(other.to_owned())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 512-bit RSA SubjectPublicKeyInfo (weak on purpose).
    const RSA512: &str = "MFwwDQYJKoZIhvcNAQEBBQADSwAwSAJBAMMwiTuKRYKpYvBcoNa6ovGI0F1pYryIxQgQgQhU2daf25OQDq3B34UNNNaMjgYWEh3XsGESnT72+eNM28wynyUCAwEAAQ==";
    /// A 1024-bit RSA SubjectPublicKeyInfo.
    const RSA1024: &str = "MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDERuBfJzhohalvSx1bWjMFQzMwWsyEby0AQYbpBKrR4nbtmSEmVdz9uChV1uLyasESr8QhZ3EUyHieK/4CP/yt/doMGApPho5JE3gGFP2QPcpdlQethqMIE8goE+vfwgyP8Zy4cf3zRci8+53wpz6DTNRXWM+xluo5smJiyd2ewQIDAQAB";

    #[test]
    fn key_sizes() {
        assert_eq!(
            parse(&format!("v=DKIM1; k=rsa; p={RSA512}")).unwrap(),
            DkimKey::Rsa(512)
        );
        assert_eq!(
            parse(&format!("v=DKIM1; p={RSA1024}")).unwrap(),
            DkimKey::Rsa(1024)
        );
        assert_eq!(parse("v=DKIM1; p=!!!"), Err(DkimError::Base64));
        assert_eq!(parse("v=DKIM1; p=AAAA"), Err(DkimError::Der));
        assert_eq!(
            parse("v=DKIM1; k=dsa; p=AAAA"),
            Err(DkimError::KeyType("dsa".into()))
        );
        assert_eq!(parse("v=DKIM1"), Err(DkimError::NoKey));
        assert_eq!(modulus_bits(&[0x00, 0x80, 0, 0]), 24);
        assert_eq!(modulus_bits(&[0x01]), 1);
    }
}
