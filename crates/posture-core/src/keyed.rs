//! Maps keyed by a closed set (`{"dns_health": "1.5"}`), deserialised so
//! that every error names its key: a bad value is reported at
//! `factor_multipliers.dns_health`, an unknown key names itself, and a key
//! given twice is refused (serde's maps would keep the last silently, and
//! their enum keys show up as `?` in error paths).
//!
//! Use with `#[serde(deserialize_with = "posture_core::keyed::map")]`, or
//! `keyed::option_map` on an `Option` field with `#[serde(default)]`.
//!
//! ```
//! use std::collections::BTreeMap;
//! use posture_core::Factor;
//! #[derive(Debug, serde::Deserialize)]
//! struct C {
//!     #[serde(deserialize_with = "posture_core::keyed::map")]
//!     m: BTreeMap<Factor, u32>,
//! }
//! let c: C = serde_json::from_str(r#"{"m": {"dns_health": 2}}"#).unwrap();
//! assert_eq!(c.m[&Factor::DnsHealth], 2);
//! let e = posture_core::from_json_str::<C>(r#"{"m": {"dns_health": "x"}}"#).unwrap_err();
//! assert!(e.to_string().starts_with("m.dns_health: "), "{e}");
//! let e = posture_core::from_json_str::<C>(r#"{"m": {"dns_healt": 1}}"#).unwrap_err();
//! assert!(e.to_string().contains("unknown factor `dns_healt`"), "{e}");
//! ```

use serde::de::{Deserialize, Deserializer, Error as _, MapAccess, Visitor};
use std::collections::BTreeMap;
use std::fmt;
use std::marker::PhantomData;
use std::str::FromStr;

struct MapVisitor<K, V>(PhantomData<(K, V)>);

impl<'de, K, V> Visitor<'de> for MapVisitor<K, V>
where
    K: FromStr + Ord,
    K::Err: fmt::Display,
    V: Deserialize<'de>,
{
    type Value = BTreeMap<K, V>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Self::Value, A::Error> {
        let mut out = BTreeMap::new();
        while let Some(key) = access.next_key::<String>()? {
            let k = key.parse::<K>().map_err(A::Error::custom)?;
            let v = access.next_value::<V>()?;
            if out.insert(k, v).is_some() {
                return Err(A::Error::custom(format!(
                    "key `{}` is given twice",
                    crate::echo(&key)
                )));
            }
        }
        Ok(out)
    }
}

/// Deserialises a map whose keys parse with `FromStr` (see the module docs).
///
/// # Errors
/// A key that does not parse, a key given twice, a bad value (at its key).
pub fn map<'de, D, K, V>(d: D) -> Result<BTreeMap<K, V>, D::Error>
where
    D: Deserializer<'de>,
    K: FromStr + Ord,
    K::Err: fmt::Display,
    V: Deserialize<'de>,
{
    d.deserialize_map(MapVisitor(PhantomData))
}

/// [`map`] for an optional field (`null` or absent is `None`; pair it with
/// `#[serde(default)]`).
///
/// # Errors
/// As [`map`].
pub fn option_map<'de, D, K, V>(d: D) -> Result<Option<BTreeMap<K, V>>, D::Error>
where
    D: Deserializer<'de>,
    K: FromStr + Ord,
    K::Err: fmt::Display,
    V: Deserialize<'de>,
{
    struct Opt<K, V>(PhantomData<(K, V)>);
    impl<'de, K, V> Visitor<'de> for Opt<K, V>
    where
        K: FromStr + Ord,
        K::Err: fmt::Display,
        V: Deserialize<'de>,
    {
        type Value = Option<BTreeMap<K, V>>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("an object or null")
        }
        fn visit_none<E: serde::de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_some<D2: Deserializer<'de>>(self, d: D2) -> Result<Self::Value, D2::Error> {
            map(d).map(Some)
        }
    }
    d.deserialize_option(Opt(PhantomData))
}
