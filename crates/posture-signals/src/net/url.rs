//! The little of URLs the web checks need: absolute `http`/`https` URLs and
//! `Location` references resolved against them (RFC 3986 section 5.2, for
//! the forms servers send). Anything else is refused, not guessed.

use std::fmt;

/// An absolute HTTP(S) URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Url {
    /// `https` rather than `http`.
    pub https: bool,
    /// The host, lower-case, without a trailing dot (an IPv6 address
    /// without brackets).
    pub host: String,
    /// An explicit port.
    pub port: Option<u16>,
    /// The path and query, starting with `/` (the fragment dropped).
    pub path: String,
}

impl Url {
    /// `scheme://host[:port]` plus `/`.
    pub(crate) fn root(https: bool, host: &str, port: Option<u16>) -> Url {
        Url {
            https,
            host: host.trim_end_matches('.').to_ascii_lowercase(),
            port,
            path: "/".to_owned(),
        }
    }

    /// Parses an absolute `http://` or `https://` URL.
    pub(crate) fn parse(s: &str) -> Option<Url> {
        let (scheme, rest) = s.split_once("://")?;
        let https = if scheme.eq_ignore_ascii_case("https") {
            true
        } else if scheme.eq_ignore_ascii_case("http") {
            false
        } else {
            return None;
        };
        Self::authority_and_path(https, rest)
    }

    fn authority_and_path(https: bool, rest: &str) -> Option<Url> {
        let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        let (authority, tail) = rest.split_at_checked(end)?;
        if authority.contains('@') || authority.is_empty() || !authority.is_ascii() {
            return None;
        }
        let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
            let (h, after) = v6.split_once(']')?;
            h.parse::<std::net::Ipv6Addr>().ok()?;
            let port = match after.strip_prefix(':') {
                Some(p) => Some(p.parse().ok()?),
                None if after.is_empty() => None,
                None => return None,
            };
            (h.to_owned(), port)
        } else {
            match authority.rsplit_once(':') {
                Some((h, "")) => (h.to_owned(), None),
                Some((h, p)) => (h.to_owned(), Some(p.parse().ok()?)),
                None => (authority.to_owned(), None),
            }
        };
        let host = host.trim_end_matches('.').to_ascii_lowercase();
        // A colon only in a bracketed IPv6 address (checked above).
        let v6 = host.parse::<std::net::Ipv6Addr>().is_ok() && authority.starts_with('[');
        if host.is_empty()
            || !(v6
                || host
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_')))
        {
            return None;
        }
        Some(Url {
            https,
            host,
            port,
            path: path_of(tail)?,
        })
    }

    /// Resolves a `Location` value against this URL.
    pub(crate) fn join(&self, location: &str) -> Option<Url> {
        let l = location.trim();
        if l.is_empty() || !l.is_ascii() || l.bytes().any(|b| b.is_ascii_control()) {
            return None;
        }
        if let Some(rest) = l.strip_prefix("//") {
            return Self::authority_and_path(self.https, rest);
        }
        if has_scheme(l) {
            // Absolute: only http and https are followed.
            return Url::parse(l);
        }
        let path = if l.starts_with('/') {
            path_of(l)?
        } else if l.starts_with('?') {
            let base = self.path.split('?').next().unwrap_or("/");
            path_of(&format!("{base}{l}"))?
        } else if l.starts_with('#') {
            self.path.clone()
        } else {
            let base = self.path.split('?').next().unwrap_or("/");
            let dir = base.rsplit_once('/').map_or("", |(d, _)| d);
            path_of(&format!("{dir}/{l}"))?
        };
        Some(Url {
            path,
            ..self.clone()
        })
    }

    /// The port to connect to: the explicit one, else the scan's port for
    /// the scheme.
    pub(crate) fn port_or(&self, http: u16, https: u16) -> u16 {
        self.port.unwrap_or(if self.https { https } else { http })
    }
}

/// Whether a reference starts with a scheme (`ALPHA *( ALPHA / DIGIT /
/// "+" / "-" / "." ) ":"`, RFC 3986 section 3.1).
fn has_scheme(l: &str) -> bool {
    let Some((scheme, _)) = l.split_once(':') else {
        return false;
    };
    let mut b = scheme.bytes();
    b.next().is_some_and(|c| c.is_ascii_alphabetic())
        && b.all(|c| c.is_ascii_alphanumeric() || matches!(c, b'+' | b'-' | b'.'))
}

/// A path and query from what follows the authority: the fragment dropped,
/// dot segments removed, `/` when empty.
fn path_of(tail: &str) -> Option<String> {
    let tail = tail.split('#').next().unwrap_or("");
    let (path, query) = match tail.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (tail, None),
    };
    if path.bytes().any(|b| b == b' ' || b.is_ascii_control()) {
        return None;
    }
    let mut segments: Vec<&str> = Vec::new();
    let mut trailing = false;
    for seg in path.split('/').skip(1) {
        trailing = false;
        match seg {
            "." => trailing = true,
            ".." => {
                segments.pop();
                trailing = true;
            }
            s => segments.push(s),
        }
    }
    let mut out = String::with_capacity(path.len() + 1);
    for s in &segments {
        out.push('/');
        out.push_str(s);
    }
    if out.is_empty() || trailing {
        out.push('/');
    }
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    Some(out)
}

impl fmt::Display for Url {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let scheme = if self.https { "https" } else { "http" };
        let host = if self.host.contains(':') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        };
        match self.port {
            Some(p) => write!(f, "{scheme}://{host}:{p}{}", self.path),
            None => write!(f, "{scheme}://{host}{}", self.path),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Url;

    fn u(s: &str) -> Url {
        Url::parse(s).unwrap_or_else(|| panic!("{s}"))
    }

    #[test]
    fn parses_absolute_urls() {
        let x = u("HTTPS://WWW.Example.COM.:8443/a/b?q=1#frag");
        assert_eq!(
            (x.https, x.host.as_str(), x.port, x.path.as_str()),
            (true, "www.example.com", Some(8443), "/a/b?q=1")
        );
        assert_eq!(u("http://example.com").path, "/");
        assert_eq!(u("http://[::1]:80/").host, "::1");
        assert_eq!(u("http://[::1]:80/").to_string(), "http://[::1]:80/");
        for bad in [
            "ftp://example.com/",
            "http://user@evil.example/",
            "http://exa mple.com/",
            "http://example.com:99999/",
            "http://ex\u{e4}mple.com/",
            "http:///path",
            "https://::443/",
            "http://a:b:80/",
            "example.com/",
        ] {
            assert!(Url::parse(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn joins_locations_as_rfc_3986_does() {
        let base = u("http://a.example/b/c/d?q");
        let cases = [
            ("https://a.example/", "https://a.example/"),
            ("//b.example/x", "http://b.example/x"),
            ("/x/y", "http://a.example/x/y"),
            ("g", "http://a.example/b/c/g"),
            ("../g", "http://a.example/b/g"),
            ("./", "http://a.example/b/c/"),
            ("?y", "http://a.example/b/c/d?y"),
            ("/../../x", "http://a.example/x"),
        ];
        for (loc, want) in cases {
            assert_eq!(
                base.join(loc).map(|x| x.to_string()).as_deref(),
                Some(want),
                "{loc}"
            );
        }
        assert!(base.join("javascript:alert(1)").is_none());
        assert!(base.join("mailto:a@b.example").is_none());
        assert!(base.join("http://evil\r\n.example/").is_none());
        assert!(base.join("").is_none());
    }
}
