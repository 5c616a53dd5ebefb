//! Reading Posture's values out of Arrow arrays, whichever physical type a
//! file or a query gives them: strings as `Utf8`, `LargeUtf8`, `Utf8View`
//! or dictionary-encoded; instants as `Timestamp` of any unit (UTC) or as
//! RFC 3339 text, parsed by Posture's own parser (so CSV and NDJSON files
//! read exactly as the JSON documents of `posture score` do); lists as
//! `List`/`LargeList` of strings or as text.
//!
//! Every accessor is total: a value of the wrong type is a typed error
//! naming what was expected, never a panic.

use chrono::DateTime;
use datafusion::arrow::array::{
    Array, ArrayRef, AsArray, BooleanArray, GenericListArray, LargeStringArray, OffsetSizeTrait,
    StringArray, StringViewArray,
};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{
    DataType, Date32Type, TimeUnit, TimestampMicrosecondType, TimestampMillisecondType,
    TimestampNanosecondType, TimestampSecondType,
};
use posture_core::Timestamp;

/// What a column holds that Posture cannot read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ColumnError(pub String);

fn type_error(expected: &str, got: &DataType) -> ColumnError {
    ColumnError(format!("expected {expected}, found Arrow type {got}"))
}

/// A column of text.
#[derive(Debug, Clone)]
pub enum Text<'a> {
    /// `Utf8`.
    Utf8(&'a StringArray),
    /// `LargeUtf8`.
    Large(&'a LargeStringArray),
    /// `Utf8View`.
    View(&'a StringViewArray),
    /// Only nulls (`Null`).
    Null,
}

/// `array` with dictionary encoding removed (Parquet readers may give
/// dictionary-encoded text); any other array as it is (a cheap clone).
///
/// # Errors
/// A dictionary Arrow cannot decode.
pub fn plain(array: &ArrayRef) -> Result<ArrayRef, ColumnError> {
    match array.data_type() {
        DataType::Dictionary(_, value) => {
            cast(array, value).map_err(|e| ColumnError(e.to_string()))
        }
        _ => Ok(array.clone()),
    }
}

impl<'a> Text<'a> {
    /// A text column (decode dictionaries with [`Owned::prepare`] first).
    ///
    /// # Errors
    /// The array is not text.
    pub fn of(array: &'a ArrayRef) -> Result<Text<'a>, ColumnError> {
        match array.data_type() {
            DataType::Utf8 => Ok(Text::Utf8(array.as_string::<i32>())),
            DataType::LargeUtf8 => Ok(Text::Large(array.as_string::<i64>())),
            DataType::Utf8View => Ok(Text::View(array.as_string_view())),
            DataType::Null => Ok(Text::Null),
            other => Err(type_error("text (Utf8)", other)),
        }
    }

    /// Row `i`, `None` when null.
    pub fn get(&self, i: usize) -> Option<&'a str> {
        match self {
            Text::Utf8(a) => (!a.is_null(i)).then(|| a.value(i)),
            Text::Large(a) => (!a.is_null(i)).then(|| a.value(i)),
            Text::View(a) => (!a.is_null(i)).then(|| a.value(i)),
            Text::Null => None,
        }
    }
}

/// A column of instants.
#[derive(Debug, Clone)]
pub enum Instants<'a> {
    /// An Arrow timestamp: `i64` since the epoch in `unit`. Arrow stores
    /// UTC instants whatever the time zone annotation; a timestamp without
    /// one is read as UTC.
    Epoch {
        /// The column.
        array: &'a ArrayRef,
        /// Its unit.
        unit: TimeUnit,
    },
    /// RFC 3339 text, read as the JSON documents' instants are.
    Text(Text<'a>),
    /// An Arrow `Date32`: days since the epoch, midnight UTC.
    Days(&'a ArrayRef),
}

impl<'a> Instants<'a> {
    /// An instant column: a timestamp of any unit, or text.
    ///
    /// # Errors
    /// Any other type.
    pub fn of(array: &'a ArrayRef) -> Result<Instants<'a>, ColumnError> {
        match array.data_type() {
            DataType::Timestamp(unit, _) => Ok(Instants::Epoch { array, unit: *unit }),
            DataType::Date32 => Ok(Instants::Days(array)),
            _ => Text::of(array)
                .map(Instants::Text)
                .map_err(|_| type_error("a timestamp or RFC 3339 text", array.data_type())),
        }
    }

    /// Row `i`: `Ok(None)` when null.
    ///
    /// # Errors
    /// Text that is not an instant, or an epoch value chrono cannot hold.
    pub fn get(&self, i: usize) -> Result<Option<Timestamp>, ColumnError> {
        match self {
            Instants::Days(array) => {
                if array.is_null(i) {
                    return Ok(None);
                }
                let days = i64::from(array.as_primitive::<Date32Type>().value(i));
                DateTime::from_timestamp(days.saturating_mul(86_400), 0)
                    .map(|t| Some(Timestamp(t)))
                    .ok_or_else(|| ColumnError(format!("date {days} (days) is out of range")))
            }
            Instants::Text(t) => match t.get(i) {
                None => Ok(None),
                Some(s) => s
                    .parse::<Timestamp>()
                    .map(Some)
                    .map_err(|e| ColumnError(e.to_string())),
            },
            Instants::Epoch { array, unit } => {
                if array.is_null(i) {
                    return Ok(None);
                }
                let (v, per_second) = match unit {
                    TimeUnit::Second => (array.as_primitive::<TimestampSecondType>().value(i), 1),
                    TimeUnit::Millisecond => (
                        array.as_primitive::<TimestampMillisecondType>().value(i),
                        1_000,
                    ),
                    TimeUnit::Microsecond => (
                        array.as_primitive::<TimestampMicrosecondType>().value(i),
                        1_000_000,
                    ),
                    TimeUnit::Nanosecond => (
                        array.as_primitive::<TimestampNanosecondType>().value(i),
                        1_000_000_000,
                    ),
                };
                let secs = v.div_euclid(per_second);
                let sub = v.rem_euclid(per_second);
                // sub < per_second <= 1e9, so the nanoseconds fit in u32.
                let nanos = u32::try_from(sub * (1_000_000_000 / per_second)).unwrap_or(0);
                DateTime::from_timestamp(secs, nanos)
                    .map(|t| Some(Timestamp(t)))
                    .ok_or_else(|| ColumnError(format!("timestamp {v} ({unit:?}) is out of range")))
            }
        }
    }
}

impl Instants<'_> {
    /// Row `i` as a breach date is read: text may also be a bare
    /// `YYYY-MM-DD` (midnight UTC).
    ///
    /// # Errors
    /// As [`Instants::get`].
    pub fn get_date_or_time(&self, i: usize) -> Result<Option<Timestamp>, ColumnError> {
        match self {
            Instants::Text(t) => match t.get(i) {
                None => Ok(None),
                Some(s) => Timestamp::parse_date_or_datetime(s)
                    .map(Some)
                    .map_err(|e| ColumnError(e.to_string())),
            },
            other => other.get(i),
        }
    }
}

/// A column of booleans: `Boolean`, or text `true`/`false` (CSV).
#[derive(Debug, Clone)]
pub enum Flags<'a> {
    /// `Boolean`.
    Bool(&'a BooleanArray),
    /// Text.
    Text(Text<'a>),
}

impl<'a> Flags<'a> {
    /// A boolean column.
    ///
    /// # Errors
    /// Any other type.
    pub fn of(array: &'a ArrayRef) -> Result<Flags<'a>, ColumnError> {
        match array.data_type() {
            DataType::Boolean => Ok(Flags::Bool(array.as_boolean())),
            _ => Text::of(array)
                .map(Flags::Text)
                .map_err(|_| type_error("a boolean", array.data_type())),
        }
    }

    /// Row `i`.
    ///
    /// # Errors
    /// Text other than `true` or `false`.
    pub fn get(&self, i: usize) -> Result<Option<bool>, ColumnError> {
        match self {
            Flags::Bool(a) => Ok((!a.is_null(i)).then(|| a.value(i))),
            Flags::Text(t) => match t.get(i) {
                None | Some("") => Ok(None),
                Some("true") => Ok(Some(true)),
                Some("false") => Ok(Some(false)),
                Some(other) => Err(ColumnError(format!(
                    "`{}` is not a boolean (true or false)",
                    posture_core::escape_controls(other)
                ))),
            },
        }
    }
}

/// A column of string lists: `List`/`LargeList` of text, or text holding
/// the items separated by commas, semicolons or white space (CSV cells),
/// or a JSON array of strings.
#[derive(Debug, Clone)]
pub enum Lists<'a> {
    /// `List<Utf8>`.
    List {
        /// The list array.
        list: &'a GenericListArray<i32>,
        /// Its items.
        items: Text<'a>,
    },
    /// `LargeList<Utf8>`.
    Large {
        /// The list array.
        list: &'a GenericListArray<i64>,
        /// Its items.
        items: Text<'a>,
    },
    /// Text.
    Text(Text<'a>),
    /// Only nulls.
    Null,
}

fn list_items<O: OffsetSizeTrait>(list: &GenericListArray<O>) -> Result<Text<'_>, ColumnError> {
    Text::of(list.values())
}

impl<'a> Lists<'a> {
    /// A list column. Dictionary-encoded items are not read (decode them
    /// first).
    ///
    /// # Errors
    /// Any other type.
    pub fn of(array: &'a ArrayRef) -> Result<Lists<'a>, ColumnError> {
        let err = || type_error("a list of text", array.data_type());
        match array.data_type() {
            DataType::List(_) => {
                let list = array.as_list::<i32>();
                Ok(Lists::List {
                    list,
                    items: list_items(list).map_err(|_| err())?,
                })
            }
            DataType::LargeList(_) => {
                let list = array.as_list::<i64>();
                Ok(Lists::Large {
                    list,
                    items: list_items(list).map_err(|_| err())?,
                })
            }
            DataType::Null => Ok(Lists::Null),
            _ => Text::of(array).map(Lists::Text).map_err(|_| err()),
        }
    }

    /// Row `i`'s items, `Ok(None)` when null.
    ///
    /// # Errors
    /// A null item, or text that is a malformed JSON array.
    pub fn get(&self, i: usize) -> Result<Option<Vec<&'a str>>, ColumnError> {
        fn items<'a, O: OffsetSizeTrait>(
            list: &GenericListArray<O>,
            items: &Text<'a>,
            i: usize,
        ) -> Result<Option<Vec<&'a str>>, ColumnError> {
            if list.is_null(i) {
                return Ok(None);
            }
            let offsets = list.value_offsets();
            let (start, end) = (offsets[i].as_usize(), offsets[i + 1].as_usize());
            (start..end)
                .map(|j| {
                    items
                        .get(j)
                        .ok_or_else(|| ColumnError(format!("item {} is null", j - start)))
                })
                .collect::<Result<Vec<_>, _>>()
                .map(Some)
        }
        match self {
            Lists::List { list, items: t } => items(list, t, i),
            Lists::Large { list, items: t } => items(list, t, i),
            Lists::Null => Ok(None),
            Lists::Text(t) => match t.get(i) {
                None => Ok(None),
                Some(s) => split_text_list(s).map(Some),
            },
        }
    }
}

/// A list written as text: a JSON array of strings (`["a", "b"]`), or
/// items separated by commas, semicolons or white space (`a;b`). Empty
/// text is the empty list.
///
/// # Errors
/// Text starting with `[` that is not a JSON array of strings.
pub fn split_text_list(s: &str) -> Result<Vec<&str>, ColumnError> {
    let t = s.trim();
    if t.starts_with('[') {
        // Borrowed where the items have no escapes; items with escapes
        // are not catalog ids or enum spellings anyway, so refusing them
        // loses nothing and keeps the borrow.
        let items: Vec<&str> = serde_json::from_str(t).map_err(|e| {
            ColumnError(format!(
                "`{}` is not a JSON array of plain strings: {e}",
                posture_core::escape_controls(s)
            ))
        })?;
        return Ok(items);
    }
    Ok(t.split([',', ';', ' ', '\t'])
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use datafusion::arrow::array::{
        ListBuilder, StringBuilder, TimestampMicrosecondArray, TimestampSecondArray,
    };
    use std::sync::Arc;

    #[test]
    fn instants_read_every_unit_and_text_the_same() {
        let t: Timestamp = "2026-11-01T12:00:00.5Z".parse().unwrap();
        let micros: ArrayRef = Arc::new(
            TimestampMicrosecondArray::from(vec![Some(t.0.timestamp_micros()), None])
                .with_timezone("UTC"),
        );
        let text: ArrayRef = Arc::new(StringArray::from(vec![
            Some("2026-11-01T12:00:00.5Z"),
            Some("not a time"),
        ]));
        assert_eq!(Instants::of(&micros).unwrap().get(0).unwrap(), Some(t));
        assert_eq!(Instants::of(&micros).unwrap().get(1).unwrap(), None);
        assert_eq!(Instants::of(&text).unwrap().get(0).unwrap(), Some(t));
        assert!(Instants::of(&text).unwrap().get(1).is_err());
        // Before the epoch: floor division, not truncation.
        let early: ArrayRef = Arc::new(TimestampSecondArray::from(vec![-1]));
        let got = Instants::of(&early).unwrap().get(0).unwrap().unwrap();
        assert_eq!(got.to_string(), "1969-12-31T23:59:59Z");
        let huge: ArrayRef = Arc::new(TimestampSecondArray::from(vec![i64::MAX]));
        assert!(Instants::of(&huge).unwrap().get(0).is_err());
        let int: ArrayRef = Arc::new(datafusion::arrow::array::Int64Array::from(vec![1]));
        assert!(Instants::of(&int).is_err());
    }

    #[test]
    fn lists_from_arrays_and_text() {
        let mut b = ListBuilder::new(StringBuilder::new());
        b.values().append_value("dns_health");
        b.values().append_value("email_security");
        b.append(true);
        b.append(false);
        let list: ArrayRef = Arc::new(b.finish());
        let l = Lists::of(&list).unwrap();
        assert_eq!(
            l.get(0).unwrap(),
            Some(vec!["dns_health", "email_security"])
        );
        assert_eq!(l.get(1).unwrap(), None);
        assert_eq!(
            split_text_list("a; b,c  d").unwrap(),
            vec!["a", "b", "c", "d"]
        );
        assert_eq!(split_text_list(r#"["a","b"]"#).unwrap(), vec!["a", "b"]);
        assert!(split_text_list("[1,2]").is_err());
        assert!(split_text_list("").unwrap().is_empty());
    }

    #[test]
    fn non_utf8_boundaries_are_safe() {
        // Text accessors never slice: multibyte text round-trips.
        let a: ArrayRef = Arc::new(StringArray::from(vec!["é,ü;ß"]));
        let l = Lists::of(&a).unwrap();
        assert_eq!(l.get(0).unwrap(), Some(vec!["é", "ü", "ß"]));
    }
}
