//! The data a sandbox server answers from: records by name and type, and
//! faults to inject per name.

use std::collections::{BTreeMap, HashMap};
use std::net::{Ipv4Addr, Ipv6Addr};
use std::time::Duration;

/// One record's data.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RecordValue {
    /// IPv4 address.
    A(Ipv4Addr),
    /// IPv6 address.
    Aaaa(Ipv6Addr),
    /// TXT character-strings (one record; strings are concatenated by readers).
    Txt(Vec<String>),
    /// TXT character-strings as raw bytes (any octets, UTF-8 or not).
    TxtBytes(Vec<Vec<u8>>),
    /// Mail exchanger: preference and host.
    Mx(u16, String),
    /// Alias target.
    Cname(String),
    /// Name server.
    Ns(String),
    /// Reverse pointer.
    Ptr(String),
    /// CAA `issue` property naming a CA (empty: no CA may issue).
    CaaIssue(String),
    /// A DS record's RDATA, opaque.
    Ds(Vec<u8>),
    /// A DNSKEY record's RDATA, opaque.
    Dnskey(Vec<u8>),
}

impl RecordValue {
    /// Its record type.
    pub fn kind(&self) -> RecordKind {
        match self {
            RecordValue::A(_) => RecordKind::A,
            RecordValue::Aaaa(_) => RecordKind::Aaaa,
            RecordValue::Txt(_) | RecordValue::TxtBytes(_) => RecordKind::Txt,
            RecordValue::Mx(..) => RecordKind::Mx,
            RecordValue::Cname(_) => RecordKind::Cname,
            RecordValue::Ns(_) => RecordKind::Ns,
            RecordValue::Ptr(_) => RecordKind::Ptr,
            RecordValue::CaaIssue(_) => RecordKind::Caa,
            RecordValue::Ds(_) => RecordKind::Ds,
            RecordValue::Dnskey(_) => RecordKind::Dnskey,
        }
    }
}

/// Record types the sandbox serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum RecordKind {
    /// A.
    A,
    /// AAAA.
    Aaaa,
    /// TXT.
    Txt,
    /// MX.
    Mx,
    /// CNAME.
    Cname,
    /// NS.
    Ns,
    /// PTR.
    Ptr,
    /// CAA.
    Caa,
    /// DS.
    Ds,
    /// DNSKEY.
    Dnskey,
}

/// A fault to inject for queries about one name (and names below it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fault {
    /// Never answer.
    Silent,
    /// Answer correctly, but only after this delay.
    Late(Duration),
    /// Answer SERVFAIL.
    ServFail,
    /// Answer REFUSED.
    Refused,
    /// Answer over UDP with the TC bit and no records; refuse TCP (close the
    /// connection), so the query cannot complete.
    Truncated,
}

/// Normalises a name: lower case, no trailing dot.
pub fn normalise(name: &str) -> String {
    name.trim_end_matches('.').to_ascii_lowercase()
}

/// Records and faults, keyed by normalised name.
///
/// ```
/// use posture_sandbox::{World, RecordValue};
/// let mut w = World::new();
/// w.add("Example.COM.", RecordValue::Txt(vec!["v=spf1 -all".into()]));
/// assert_eq!(w.records("example.com").len(), 1);
/// ```
#[derive(Debug, Clone, Default)]
pub struct World {
    records: BTreeMap<String, Vec<RecordValue>>,
    /// Fault and whether it covers names below too.
    faults: HashMap<String, (Fault, bool)>,
}

impl World {
    /// An empty world: every name is NXDOMAIN.
    pub fn new() -> Self {
        World::default()
    }

    /// Adds a record.
    pub fn add(&mut self, name: &str, value: RecordValue) -> &mut Self {
        self.records.entry(normalise(name)).or_default().push(value);
        self
    }

    /// Adds a TXT record made of one string, split in 255-octet chunks.
    pub fn txt(&mut self, name: &str, text: &str) -> &mut Self {
        let chunks: Vec<String> = if text.is_empty() {
            vec![String::new()]
        } else {
            text.as_bytes()
                .chunks(255)
                .map(|c| String::from_utf8_lossy(c).into_owned())
                .collect()
        };
        self.add(name, RecordValue::Txt(chunks))
    }

    /// Removes every record of one kind at a name.
    pub fn remove(&mut self, name: &str, kind: RecordKind) -> &mut Self {
        let key = normalise(name);
        if let Some(v) = self.records.get_mut(&key) {
            v.retain(|r| r.kind() != kind);
            if v.is_empty() {
                self.records.remove(&key);
            }
        }
        self
    }

    /// Injects a fault for a name and every name below it.
    pub fn fault(&mut self, name: &str, fault: Fault) -> &mut Self {
        self.faults.insert(normalise(name), (fault, true));
        self
    }

    /// Injects a fault for exactly one name.
    pub fn fault_exact(&mut self, name: &str, fault: Fault) -> &mut Self {
        self.faults.insert(normalise(name), (fault, false));
        self
    }

    /// Clears a fault.
    pub fn clear_fault(&mut self, name: &str) -> &mut Self {
        self.faults.remove(&normalise(name));
        self
    }

    /// All records at a name.
    pub fn records(&self, name: &str) -> &[RecordValue] {
        self.records
            .get(&normalise(name))
            .map_or(&[], Vec::as_slice)
    }

    /// The fault for a name: its own, or its closest ancestor's subtree
    /// fault.
    pub fn fault_for(&self, name: &str) -> Option<Fault> {
        let mut n = normalise(name);
        let mut own = true;
        loop {
            if let Some((f, subtree)) = self.faults.get(&n) {
                if own || *subtree {
                    return Some(*f);
                }
            }
            own = false;
            match n.split_once('.') {
                Some((_, rest)) => n = rest.to_owned(),
                None => return None,
            }
        }
    }

    /// Whether a name exists: it has records, or names exist below it (an
    /// empty non-terminal answers NODATA, not NXDOMAIN).
    pub fn exists(&self, name: &str) -> bool {
        let n = normalise(name);
        if self.records.contains_key(&n) {
            return true;
        }
        let suffix = format!(".{n}");
        self.records.keys().any(|k| k.ends_with(&suffix))
    }
}
