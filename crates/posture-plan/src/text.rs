//! Compact strings for the parts of the state there are millions of: plan
//! items. A store of a million items holds a million item ids, issue types
//! and assets; as `String`s they cost three allocations an item and most of
//! the memory a snapshot is loaded into, which is what opening a large
//! store spent its time on (BENCHMARKS.md, "Workflow store").
//!
//! - [`InlineStr`]: text kept inside the value when short (ids), 24 bytes,
//!   with no allocation up to [`InlineStr::INLINE`] bytes.
//! - [`SharedStr`]: immutable text behind a reference count, one pointer
//!   wide (values that repeat: issue types, assets).
//!
//! Both read as `&str` (`Deref`), compare, order and hash as their text,
//! and convert from `&str` and `String`.

use std::borrow::Borrow;
use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::ops::Deref;
use std::sync::Arc;

/// Text kept inline when it is at most [`InlineStr::INLINE`] bytes long,
/// boxed otherwise: 24 bytes, and no allocation for short ids.
///
/// ```
/// use posture_plan::InlineStr;
/// let id = InlineStr::from("i1");
/// assert_eq!(id, "i1");
/// assert_eq!(id.len(), 2);
/// assert_eq!(InlineStr::from("x".repeat(100)).as_str(), "x".repeat(100));
/// ```
#[derive(Clone)]
pub struct InlineStr(Repr);

#[derive(Clone)]
enum Repr {
    /// The first `len` bytes of `bytes` are the text (the rest are zero).
    Inline {
        len: u8,
        bytes: [u8; InlineStr::INLINE],
    },
    Boxed(Box<str>),
}

impl InlineStr {
    /// The longest text kept inline, in bytes.
    pub const INLINE: usize = 22;

    /// The text.
    pub fn as_str(&self) -> &str {
        match &self.0 {
            // Always valid: the bytes were copied from a `str`, whole.
            Repr::Inline { len, bytes } => {
                std::str::from_utf8(&bytes[..usize::from(*len)]).unwrap_or_default()
            }
            Repr::Boxed(s) => s,
        }
    }

    fn as_bytes(&self) -> &[u8] {
        match &self.0 {
            Repr::Inline { len, bytes } => &bytes[..usize::from(*len)],
            Repr::Boxed(s) => s.as_bytes(),
        }
    }
}

impl From<&str> for InlineStr {
    fn from(s: &str) -> Self {
        match u8::try_from(s.len()) {
            Ok(len) if s.len() <= Self::INLINE => {
                let mut bytes = [0; Self::INLINE];
                bytes[..s.len()].copy_from_slice(s.as_bytes());
                InlineStr(Repr::Inline { len, bytes })
            }
            _ => InlineStr(Repr::Boxed(s.into())),
        }
    }
}

impl From<String> for InlineStr {
    fn from(s: String) -> Self {
        if s.len() <= Self::INLINE {
            InlineStr::from(s.as_str())
        } else {
            InlineStr(Repr::Boxed(s.into_boxed_str()))
        }
    }
}

/// Immutable text behind a reference count: one pointer wide, and a clone
/// copies nothing. For values that repeat, such as an item's issue type.
///
/// ```
/// use posture_plan::SharedStr;
/// let a = SharedStr::from("spf_missing");
/// let b = a.clone();
/// assert_eq!(a, b);
/// assert_eq!(&*b, "spf_missing");
/// assert_eq!(SharedStr::from(String::from("spf_missing")), a);
/// ```
#[derive(Clone)]
pub struct SharedStr(Arc<String>);

impl SharedStr {
    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    fn as_bytes(&self) -> &[u8] {
        self.0.as_bytes()
    }

    /// Whether both share one text (not merely equal ones).
    #[cfg(test)]
    pub(crate) fn same(&self, other: &SharedStr) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl From<&str> for SharedStr {
    fn from(s: &str) -> Self {
        SharedStr(Arc::new(s.to_owned()))
    }
}

impl From<String> for SharedStr {
    /// Takes the string's buffer: no copy.
    fn from(s: String) -> Self {
        SharedStr(Arc::new(s))
    }
}

/// What both types share: reading, comparing, ordering and hashing as
/// their text.
macro_rules! as_text {
    ($($ty:ty),+) => {$(
        impl Deref for $ty {
            type Target = str;
            fn deref(&self) -> &str {
                self.as_str()
            }
        }

        impl AsRef<str> for $ty {
            fn as_ref(&self) -> &str {
                self.as_str()
            }
        }

        impl Borrow<str> for $ty {
            fn borrow(&self) -> &str {
                self.as_str()
            }
        }

        impl fmt::Debug for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Debug::fmt(self.as_str(), f)
            }
        }

        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl PartialEq for $ty {
            fn eq(&self, other: &Self) -> bool {
                self.as_bytes() == other.as_bytes()
            }
        }

        impl Eq for $ty {}

        impl PartialOrd for $ty {
            fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
                Some(self.cmp(other))
            }
        }

        impl Ord for $ty {
            fn cmp(&self, other: &Self) -> Ordering {
                self.as_bytes().cmp(other.as_bytes())
            }
        }

        impl Hash for $ty {
            fn hash<H: Hasher>(&self, state: &mut H) {
                self.as_str().hash(state)
            }
        }

        impl PartialEq<str> for $ty {
            fn eq(&self, other: &str) -> bool {
                self.as_bytes() == other.as_bytes()
            }
        }

        impl PartialEq<&str> for $ty {
            fn eq(&self, other: &&str) -> bool {
                self.as_bytes() == other.as_bytes()
            }
        }

        impl PartialEq<String> for $ty {
            fn eq(&self, other: &String) -> bool {
                self.as_bytes() == other.as_bytes()
            }
        }

        impl PartialEq<$ty> for str {
            fn eq(&self, other: &$ty) -> bool {
                self.as_bytes() == other.as_bytes()
            }
        }

        impl PartialEq<$ty> for &str {
            fn eq(&self, other: &$ty) -> bool {
                self.as_bytes() == other.as_bytes()
            }
        }

        impl PartialEq<$ty> for String {
            fn eq(&self, other: &$ty) -> bool {
                self.as_bytes() == other.as_bytes()
            }
        }
    )+};
}

as_text!(InlineStr, SharedStr);

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn sizes() {
        assert_eq!(size_of::<InlineStr>(), 24);
        assert_eq!(size_of::<Option<SharedStr>>(), 8);
        assert_eq!(size_of::<crate::Item>(), 64);
    }

    #[test]
    fn inline_up_to_the_limit() {
        for n in [0, 1, InlineStr::INLINE] {
            let s = InlineStr::from("é".repeat(n / 2) + &"x".repeat(n % 2));
            assert!(matches!(s.0, Repr::Inline { .. }), "{n}");
        }
        let long = InlineStr::from("x".repeat(InlineStr::INLINE + 1));
        assert!(matches!(long.0, Repr::Boxed(_)));
    }

    proptest! {
        /// Both types behave as the text they hold: reading, equality
        /// (among themselves and with `str` and `String`), order, hash.
        #[test]
        fn they_behave_as_their_text(a in ".{0,40}", b in ".{0,40}") {
            use std::hash::BuildHasher;
            let h = std::collections::hash_map::RandomState::new();
            let (x, y) = (InlineStr::from(a.as_str()), InlineStr::from(b.clone()));
            prop_assert_eq!(x.as_str(), a.as_str());
            prop_assert_eq!(x == y, a == b);
            prop_assert_eq!(x.cmp(&y), a.cmp(&b));
            prop_assert!(x == a && x == *a.as_str() && x == a.as_str());
            prop_assert_eq!(h.hash_one(&x), h.hash_one(a.as_str()));
            prop_assert_eq!(format!("{x:?}"), format!("{a:?}"));
            let (x, y) = (SharedStr::from(a.as_str()), SharedStr::from(b.clone()));
            prop_assert_eq!(x.as_str(), a.as_str());
            prop_assert_eq!(x == y, a == b);
            prop_assert_eq!(x.cmp(&y), a.cmp(&b));
            prop_assert!(x == a && x == *a.as_str() && x == a.as_str());
            prop_assert_eq!(h.hash_one(&x), h.hash_one(a.as_str()));
            prop_assert_eq!(format!("{x}"), a.clone());
        }
    }
}
