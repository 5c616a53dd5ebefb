//! SPF macro strings (RFC 7208 section 7).

use std::fmt::Write as _;
use std::net::IpAddr;

use super::record::SpfSyntaxError;

/// One piece of a parsed macro-string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum MacroToken {
    /// Literal text.
    Literal(String),
    /// `%%`, `%_` or `%-`, already resolved to its replacement.
    Escape(&'static str),
    /// `%{<letter><digits><r><delimiters>}`.
    Macro {
        /// Lowercased macro letter.
        letter: char,
        /// Whether the letter was uppercase (URL-escape the result).
        upper: bool,
        /// Number of right-hand parts to keep.
        digits: Option<usize>,
        /// Whether to reverse the parts.
        reverse: bool,
        /// Delimiters to split on (`.` when empty).
        delimiters: String,
    },
}

/// A parsed macro-string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct MacroString {
    tokens: Vec<MacroToken>,
}

/// Values the macro letters expand to.
#[derive(Debug, Clone)]
pub(crate) struct MacroContext<'a> {
    /// `<sender>` (`local@domain`).
    pub sender: &'a str,
    /// Local part of `<sender>`.
    pub local: &'a str,
    /// Domain of `<sender>`.
    pub sender_domain: &'a str,
    /// The current `<domain>`.
    pub domain: &'a str,
    /// The client IP.
    pub ip: IpAddr,
    /// HELO/EHLO name.
    pub helo: &'a str,
    /// Receiving host name (`%{r}`).
    pub receiver: &'a str,
    /// Validated domain name of the IP (`%{p}`), when computed.
    pub validated: Option<&'a str>,
    /// Whether this is an explanation string (`c`, `r`, `t` allowed).
    pub explanation: bool,
}

impl MacroString {
    /// Parses a macro-string (RFC 7208 section 7.1 ABNF).
    pub(crate) fn parse(s: &str) -> Result<Self, SpfSyntaxError> {
        let mut tokens = Vec::new();
        let mut literal = String::new();
        let mut chars = s.chars().peekable();
        while let Some(c) = chars.next() {
            if c != '%' {
                if !(c == ' ' || c.is_ascii_graphic()) {
                    return Err(SpfSyntaxError::new(format!(
                        "invalid character {c:?} in macro-string '{}'",
                        s.escape_default()
                    )));
                }
                literal.push(c);
                continue;
            }
            let escape = match chars.next() {
                Some('%') => Some("%"),
                Some('_') => Some(" "),
                Some('-') => Some("%20"),
                Some('{') => None,
                other => {
                    return Err(SpfSyntaxError::new(format!(
                        "invalid macro '%{}' in '{s}'",
                        other.map(String::from).unwrap_or_default()
                    )));
                }
            };
            if !literal.is_empty() {
                tokens.push(MacroToken::Literal(std::mem::take(&mut literal)));
            }
            if let Some(e) = escape {
                tokens.push(MacroToken::Escape(e));
                continue;
            }
            let bad = || SpfSyntaxError::new(format!("invalid macro expression in '{s}'"));
            let raw_letter = chars.next().ok_or_else(bad)?;
            let letter = raw_letter.to_ascii_lowercase();
            if !matches!(
                letter,
                's' | 'l' | 'o' | 'd' | 'i' | 'p' | 'h' | 'c' | 'r' | 't' | 'v'
            ) {
                return Err(SpfSyntaxError::new(format!(
                    "unknown macro letter '{raw_letter}' in '{s}'"
                )));
            }
            let mut digits: Option<usize> = None;
            while let Some(d) = chars.peek().and_then(|c| c.to_digit(10)) {
                chars.next();
                let d = usize::try_from(d).unwrap_or(0);
                digits = Some(digits.unwrap_or(0).saturating_mul(10).saturating_add(d));
            }
            if digits == Some(0) {
                return Err(SpfSyntaxError::new(format!(
                    "macro transformer digit must be nonzero in '{s}'"
                )));
            }
            let mut reverse = false;
            if matches!(chars.peek(), Some('r' | 'R')) {
                chars.next();
                reverse = true;
            }
            let mut delimiters = String::new();
            loop {
                match chars.next() {
                    Some('}') => break,
                    Some(c @ ('.' | '-' | '+' | ',' | '/' | '_' | '=')) => delimiters.push(c),
                    _ => return Err(bad()),
                }
            }
            tokens.push(MacroToken::Macro {
                letter,
                upper: raw_letter.is_ascii_uppercase(),
                digits,
                reverse,
                delimiters,
            });
        }
        if !literal.is_empty() {
            tokens.push(MacroToken::Literal(literal));
        }
        Ok(Self { tokens })
    }

    /// The parsed tokens.
    pub(crate) fn tokens(&self) -> &[MacroToken] {
        &self.tokens
    }

    /// Whether the string uses `%{p}` (which needs DNS to expand).
    pub(crate) fn uses_p(&self) -> bool {
        self.tokens
            .iter()
            .any(|t| matches!(t, MacroToken::Macro { letter: 'p', .. }))
    }

    /// Expands the macro-string.
    pub(crate) fn expand(&self, ctx: &MacroContext<'_>) -> Result<String, SpfSyntaxError> {
        let mut out = String::new();
        for token in &self.tokens {
            match token {
                MacroToken::Literal(l) => out.push_str(l),
                MacroToken::Escape(e) => out.push_str(e),
                MacroToken::Macro {
                    letter,
                    upper,
                    digits,
                    reverse,
                    delimiters,
                } => {
                    let value = letter_value(*letter, ctx)?;
                    let transformed = transform(&value, *digits, *reverse, delimiters);
                    if *upper {
                        url_escape_into(&transformed, &mut out);
                    } else {
                        out.push_str(&transformed);
                    }
                }
            }
        }
        Ok(out)
    }
}

fn letter_value(letter: char, ctx: &MacroContext<'_>) -> Result<String, SpfSyntaxError> {
    Ok(match letter {
        's' => ctx.sender.to_owned(),
        'l' => ctx.local.to_owned(),
        'o' => ctx.sender_domain.to_owned(),
        'd' => ctx.domain.to_owned(),
        'i' => dotted_ip(ctx.ip),
        'p' => ctx.validated.unwrap_or("unknown").to_owned(),
        'v' => match ctx.ip {
            IpAddr::V4(_) => "in-addr".to_owned(),
            IpAddr::V6(_) => "ip6".to_owned(),
        },
        'h' => ctx.helo.to_owned(),
        'c' | 'r' | 't' if !ctx.explanation => {
            return Err(SpfSyntaxError::new(format!(
                "macro letter '{letter}' is only allowed in explanations"
            )));
        }
        'c' => ctx.ip.to_string(),
        'r' => ctx.receiver.to_owned(),
        't' => std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0)
            .to_string(),
        other => {
            return Err(SpfSyntaxError::new(format!(
                "unknown macro letter '{other}'"
            )));
        }
    })
}

/// `%{i}`: dotted quad for IPv4, dot-separated nibbles for IPv6.
pub(crate) fn dotted_ip(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => {
            let mut s = String::with_capacity(63);
            for byte in v6.octets() {
                if !s.is_empty() {
                    s.push('.');
                }
                let _ = write!(s, "{:x}.{:x}", byte >> 4, byte & 0x0f);
            }
            s
        }
    }
}

fn transform(value: &str, digits: Option<usize>, reverse: bool, delimiters: &str) -> String {
    if digits.is_none() && !reverse && delimiters.is_empty() {
        return value.to_owned();
    }
    let delims: &str = if delimiters.is_empty() {
        "."
    } else {
        delimiters
    };
    let mut parts: Vec<&str> = value.split(|c| delims.contains(c)).collect();
    if reverse {
        parts.reverse();
    }
    if let Some(n) = digits
        && n < parts.len()
    {
        parts.drain(..parts.len() - n);
    }
    parts.join(".")
}

fn url_escape_into(s: &str, out: &mut String) {
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx(ip: &str) -> MacroContext<'static> {
        MacroContext {
            sender: "strong-bad@email.example.com",
            local: "strong-bad",
            sender_domain: "email.example.com",
            domain: "email.example.com",
            ip: ip.parse().unwrap(),
            helo: "mx.example.org",
            receiver: "mx.example.net",
            validated: None,
            explanation: false,
        }
    }

    fn expand(s: &str, ip: &str) -> String {
        MacroString::parse(s).unwrap().expand(&ctx(ip)).unwrap()
    }

    #[test]
    fn rfc7208_section_7_4_examples() {
        let ip = "192.0.2.3";
        for (input, expected) in [
            ("%{s}", "strong-bad@email.example.com"),
            ("%{o}", "email.example.com"),
            ("%{d}", "email.example.com"),
            ("%{d4}", "email.example.com"),
            ("%{d3}", "email.example.com"),
            ("%{d2}", "example.com"),
            ("%{d1}", "com"),
            ("%{dr}", "com.example.email"),
            ("%{d2r}", "example.email"),
            ("%{l}", "strong-bad"),
            ("%{l-}", "strong.bad"),
            ("%{lr}", "strong-bad"),
            ("%{lr-}", "bad.strong"),
            ("%{l1r-}", "strong"),
        ] {
            assert_eq!(expand(input, ip), expected, "{input}");
        }
        assert_eq!(
            expand("%{ir}.%{v}._spf.%{d2}", "192.0.2.3"),
            "3.2.0.192.in-addr._spf.example.com"
        );
        assert_eq!(
            expand("%{lr-}.lp._spf.%{d2}", ip),
            "bad.strong.lp._spf.example.com"
        );
        assert_eq!(
            expand("%{lr-}.lp.%{ir}.%{v}._spf.%{d2}", ip),
            "bad.strong.lp.3.2.0.192.in-addr._spf.example.com"
        );
        assert_eq!(
            expand("%{ir}.%{v}.%{l1r-}.lp._spf.%{d2}", ip),
            "3.2.0.192.in-addr.strong.lp._spf.example.com"
        );
        assert_eq!(
            expand("%{d2}.trusted-domains.example.net", ip),
            "example.com.trusted-domains.example.net"
        );
        assert_eq!(
            expand("%{ir}.%{v}._spf.%{d2}", "2001:db8::cb01"),
            "1.0.b.c.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6._spf.example.com"
        );
    }

    #[test]
    fn escapes_and_url_encoding() {
        assert_eq!(expand("a%%b%_c%-d", "192.0.2.3"), "a%b c%20d");
        let mut c = ctx("192.0.2.3");
        c.local = "~jack&jill=up-a_b3.c";
        let s = MacroString::parse("l=%{L}").unwrap().expand(&c).unwrap();
        assert_eq!(s, "l=~jack%26jill%3Dup-a_b3.c");
        assert_eq!(expand("%{l2r+-}", "192.0.2.3"), "bad.strong");
    }

    #[test]
    fn explanation_only_letters() {
        let m = MacroString::parse("%{c} %{r}").unwrap();
        assert!(m.expand(&ctx("192.0.2.3")).is_err());
        let mut c = ctx("2001:db8::1");
        c.explanation = true;
        assert_eq!(m.expand(&c).unwrap(), "2001:db8::1 mx.example.net");
    }

    #[test]
    fn syntax_errors() {
        for bad in ["%", "%x", "%{", "%{d", "%{q}", "%{d0}", "%{d2x}", "%(d)"] {
            assert!(MacroString::parse(bad).is_err(), "{bad}");
        }
        assert!(MacroString::parse("%{p}.x").unwrap().uses_p());
    }
}
