//! Echoing input back safely: in error messages and tables, a value taken
//! from input is escaped and bounded, so it cannot drive a terminal (ESC
//! sequences), forge a line (an embedded newline), reorder text (bidi
//! controls) or flood a log (a 52 MB asset).
//!
//! [`echo`] wraps one value for `Display`; [`escape_controls`] escapes a
//! whole message (defence in depth at the output edge).

use std::fmt::{self, Write as _};

/// The most characters of one input value an error message or table shows.
pub const ECHO_MAX_CHARS: usize = 120;

/// A value taken from input, ready to be shown to a person: control
/// characters escaped (`\u{1b}`), cut to [`ECHO_MAX_CHARS`] characters with
/// its full length noted.
///
/// ```
/// use posture_core::echo;
/// assert_eq!(echo("acme.example").to_string(), "acme.example");
/// assert_eq!(echo("a\u{1b}[31mb\nc").to_string(), "a\\u{1b}[31mb\\u{a}c");
/// let long = "x".repeat(1000);
/// let shown = echo(&long).to_string();
/// assert!(shown.starts_with(&"x".repeat(120)));
/// assert!(shown.ends_with("… (1000 bytes in all)"));
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Echo<'a>(&'a str);

/// Wraps an input value for display: see [`Echo`].
pub fn echo(value: &str) -> Echo<'_> {
    Echo(value)
}

/// Whether a character must not reach a terminal or a log line raw: the C0
/// and C1 controls, DEL, and the bidirectional formatting characters
/// (which can make text read differently from what it is).
pub fn is_unsafe_char(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'
        )
        || c == '\u{2028}'
        || c == '\u{2029}'
}

fn write_escaped(f: &mut impl fmt::Write, c: char) -> fmt::Result {
    if is_unsafe_char(c) {
        write!(f, "\\u{{{:x}}}", c as u32)
    } else {
        f.write_char(c)
    }
}

impl fmt::Display for Echo<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (shown, c) in self.0.chars().enumerate() {
            if shown == ECHO_MAX_CHARS {
                return write!(f, "… ({} bytes in all)", self.0.len());
            }
            write_escaped(f, c)?;
        }
        Ok(())
    }
}

/// Escapes every unsafe character of a whole message (see
/// [`is_unsafe_char`]), keeping its length; for the last step before a
/// message reaches a terminal.
///
/// ```
/// use posture_core::escape_controls;
/// assert_eq!(escape_controls("line 1\nforged"), "line 1\\u{a}forged");
/// ```
pub fn escape_controls(message: &str) -> String {
    if !message.chars().any(is_unsafe_char) {
        return message.to_owned();
    }
    let mut out = String::with_capacity(message.len() + 8);
    for c in message.chars() {
        // Writing to a String cannot fail.
        let _ = write_escaped(&mut out, c);
    }
    out
}

/// Bounds the quoted values inside a message produced by another library
/// (serde's "unknown field `...`", "invalid type: string \"...\""): each
/// backtick- or double-quoted span longer than [`ECHO_MAX_CHARS`] is cut
/// with its length noted, and unsafe characters are escaped everywhere.
/// An unclosed quote bounds the rest of the message; text outside quotes
/// is the library's own and is only escaped.
///
/// ```
/// use posture_core::echo::bound_quoted;
/// let m = format!("unknown field `{}`, expected `a`", "k".repeat(500));
/// let b = bound_quoted(&m);
/// assert!(b.len() < 200, "{b}");
/// assert!(b.ends_with("(500 bytes in all)`, expected `a`"));
/// ```
pub fn bound_quoted(message: &str) -> String {
    let mut out = String::with_capacity(message.len().min(1024));
    let mut rest = message;
    while let Some(open) = rest.find(['`', '"']) {
        let quote = &rest[open..open + 1];
        out.push_str(&escape_controls(&rest[..=open]));
        let inner = &rest[open + 1..];
        match inner.find(quote) {
            Some(close) => {
                let _ = write!(out, "{}{quote}", echo(&inner[..close]));
                rest = &inner[close + 1..];
            }
            None => {
                let _ = write!(out, "{}", echo(inner));
                return out;
            }
        }
    }
    out.push_str(&escape_controls(rest));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn bidi_and_line_separators_are_escaped() {
        assert_eq!(echo("a\u{202e}b").to_string(), "a\\u{202e}b");
        assert_eq!(echo("a\u{2028}b").to_string(), "a\\u{2028}b");
        assert_eq!(echo("a\u{7f}b").to_string(), "a\\u{7f}b");
        assert_eq!(echo("a\u{85}b").to_string(), "a\\u{85}b");
    }

    #[test]
    fn exactly_the_limit_is_not_cut() {
        let s = "é".repeat(ECHO_MAX_CHARS);
        assert_eq!(echo(&s).to_string(), s);
        let s = "é".repeat(ECHO_MAX_CHARS + 1);
        assert!(echo(&s).to_string().ends_with("(242 bytes in all)"));
    }

    proptest! {
        #[test]
        fn echo_is_bounded_and_single_line(s in any::<String>()) {
            let e = echo(&s).to_string();
            prop_assert!(!e.chars().any(is_unsafe_char));
            // 120 characters, each at most `\u{10ffff}` (10 chars), plus the note.
            prop_assert!(e.chars().count() <= ECHO_MAX_CHARS * 10 + 40);
            let b = bound_quoted(&s);
            prop_assert!(!b.chars().any(is_unsafe_char));
            prop_assert!(!escape_controls(&s).chars().any(is_unsafe_char));
        }
    }
}
