//! RFC 3339 timestamps as they appear on the wire.

use chrono::{DateTime, NaiveDate, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::str::FromStr;

/// An instant, written on the wire as an RFC 3339 date-time
/// (`2026-11-01T00:00:00Z`; any offset is accepted and converted to UTC).
///
/// ```
/// use posture_core::Timestamp;
/// let t: Timestamp = "2026-11-01T02:00:00+02:00".parse().unwrap();
/// assert_eq!(t.to_string(), "2026-11-01T00:00:00Z");
/// assert!("2026-11-01".parse::<Timestamp>().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(pub DateTime<Utc>);

/// Error for a string that is not an RFC 3339 date-time.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "`{}` is not an RFC 3339 date-time such as 2026-11-01T00:00:00Z ({reason})",
    crate::echo(.value)
)]
pub struct TimestampError {
    /// The rejected input.
    pub value: String,
    /// Why the parser refused it.
    pub reason: String,
}

impl Timestamp {
    /// The current instant, from the system clock.
    ///
    /// ```
    /// let t = posture_core::Timestamp::now();
    /// assert!(t > "2026-01-01T00:00:00Z".parse().unwrap());
    /// ```
    pub fn now() -> Self {
        Timestamp(chrono::Utc::now())
    }

    /// The instant as a chrono value.
    pub const fn get(self) -> DateTime<Utc> {
        self.0
    }

    /// Parses an RFC 3339 date-time, or a bare `YYYY-MM-DD` date meaning
    /// midnight UTC (the breach-date reading of scoring-v1 section 7).
    ///
    /// # Errors
    /// When the text is neither form.
    pub fn parse_date_or_datetime(s: &str) -> Result<Self, TimestampError> {
        if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
            if s.len() == 10 {
                if let Some(dt) = d.and_hms_opt(0, 0, 0) {
                    return Ok(Timestamp(dt.and_utc()));
                }
            }
        }
        s.parse()
    }
}

impl From<DateTime<Utc>> for Timestamp {
    fn from(value: DateTime<Utc>) -> Self {
        Timestamp(value)
    }
}

/// `YYYY-MM-DDTHH:MM:SSZ`, the form nearly every timestamp on the wire
/// has, read without chrono's general parser; anything else (offsets,
/// fractions, leap seconds, lower case) is left to it, so both agree.
fn parse_utc_seconds(s: &str) -> Option<Timestamp> {
    let b = s.as_bytes();
    if b.len() != 20
        || b[4] != b'-'
        || b[7] != b'-'
        || b[10] != b'T'
        || b[13] != b':'
        || b[16] != b':'
        || b[19] != b'Z'
    {
        return None;
    }
    let num = |from: usize, to: usize| -> Option<u32> {
        b.get(from..to)?.iter().try_fold(0u32, |n, d| {
            d.is_ascii_digit().then(|| n * 10 + u32::from(d - b'0'))
        })
    };
    let date = NaiveDate::from_ymd_opt(i32::try_from(num(0, 4)?).ok()?, num(5, 7)?, num(8, 10)?)?;
    let time = chrono::NaiveTime::from_hms_opt(num(11, 13)?, num(14, 16)?, num(17, 19)?)?;
    Some(Timestamp(date.and_time(time).and_utc()))
}

impl FromStr for Timestamp {
    type Err = TimestampError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if let Some(t) = parse_utc_seconds(s) {
            return Ok(t);
        }
        DateTime::parse_from_rfc3339(s)
            .map(|t| Timestamp(t.with_timezone(&Utc)))
            .map_err(|e| TimestampError {
                value: s.to_owned(),
                reason: e.to_string(),
            })
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true))
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

impl JsonSchema for Timestamp {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Timestamp".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "format": "date-time",
            "description": "RFC 3339 date-time, e.g. 2026-11-01T00:00:00Z"
        })
    }
}

/// A date that may be written as an RFC 3339 date-time or a bare
/// `YYYY-MM-DD` (midnight UTC), as breach dates are.
///
/// ```
/// use posture_core::DateOrTime;
/// let d: DateOrTime = serde_json::from_str("\"2026-10-30\"").unwrap();
/// assert_eq!(d.0.to_string(), "2026-10-30T00:00:00Z");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DateOrTime(pub Timestamp);

impl Serialize for DateOrTime {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(s)
    }
}

impl<'de> Deserialize<'de> for DateOrTime {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Timestamp::parse_date_or_datetime(&s)
            .map(DateOrTime)
            .map_err(serde::de::Error::custom)
    }
}

impl JsonSchema for DateOrTime {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "DateOrTime".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "description": "RFC 3339 date-time, or a bare YYYY-MM-DD date meaning 00:00:00Z"
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// The quick path reads exactly what chrono reads, and refuses
        /// what chrono refuses.
        #[test]
        fn the_quick_path_agrees_with_chrono(
            y in 0u32..10000, mo in 0u32..14, d in 0u32..33,
            h in 0u32..26, mi in 0u32..62, sec in 0u32..62,
        ) {
            let s = format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{sec:02}Z");
            let chrono = DateTime::parse_from_rfc3339(&s).ok().map(|t| Timestamp(t.with_timezone(&Utc)));
            let ours = s.parse::<Timestamp>().ok();
            proptest::prop_assert_eq!(ours, chrono);
            if let Some(t) = parse_utc_seconds(&s) {
                proptest::prop_assert_eq!(Some(t), chrono);
            }
        }
    }

    #[test]
    fn other_forms_go_to_chrono() {
        for s in [
            "2026-11-01T00:00:00+02:00",
            "2026-11-01T00:00:00.5Z",
            "2026-11-01t00:00:00z",
            "2026-12-31T23:59:60Z",
        ] {
            assert!(parse_utc_seconds(s).is_none(), "{s}");
            assert_eq!(
                s.parse::<Timestamp>().ok(),
                DateTime::parse_from_rfc3339(s)
                    .ok()
                    .map(|t| Timestamp(t.with_timezone(&Utc))),
                "{s}"
            );
        }
        for s in [
            "2026-1x-01T00:00:00Z",
            "+026-11-01T00:00:00Z",
            "2026-11-01T00:00:00Zé",
        ] {
            assert!(parse_utc_seconds(s).is_none(), "{s}");
        }
    }
}
