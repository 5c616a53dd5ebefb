//! Objects that live in their creating organisation's namespace: plans,
//! contacts, questionnaires, document requests and shared reports are keyed
//! by (requester organisation, id), so two organisations may both have a
//! plan `p1` and neither can tell.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// The full id of a namespaced object: `ORG/ID`.
///
/// ```
/// use posture_plan::Key;
/// let k = Key::new("acme", "p1");
/// assert_eq!(k.to_string(), "acme/p1");
/// assert_eq!(Key::parse("acme/p1"), Some(k));
/// assert_eq!(Key::parse("p1"), None);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Key {
    /// The organisation that created it.
    pub org: String,
    /// Its id within that organisation.
    pub id: String,
}

impl Key {
    /// A key.
    pub fn new(org: &str, id: &str) -> Key {
        Key {
            org: org.to_owned(),
            id: id.to_owned(),
        }
    }

    /// Splits `ORG/ID` (organisation ids never contain `/`); `None` for a
    /// bare id.
    pub fn parse(reference: &str) -> Option<Key> {
        reference.split_once('/').map(|(org, id)| Key::new(org, id))
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.org, self.id)
    }
}

/// A collection of namespaced objects, with an index from bare ids to the
/// organisations using them (to resolve a bare `ID` among what an actor
/// may see without scanning every object).
///
/// Change it only through [`apply`](crate::apply): the index is kept in
/// step with the objects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Namespaced<T> {
    by_org: BTreeMap<String, BTreeMap<String, T>>,
    orgs_by_id: BTreeMap<String, BTreeSet<String>>,
}

impl<T> Default for Namespaced<T> {
    fn default() -> Self {
        Namespaced {
            by_org: BTreeMap::new(),
            orgs_by_id: BTreeMap::new(),
        }
    }
}

impl<T> Namespaced<T> {
    /// The objects by organisation, then id (what a snapshot stores; the
    /// index is derived from it).
    pub(crate) fn by_org(&self) -> &BTreeMap<String, BTreeMap<String, T>> {
        &self.by_org
    }

    /// The collection holding `by_org`, with its index rebuilt (how a
    /// snapshot is loaded). Organisations without objects are dropped, as
    /// [`Namespaced::remove`] drops them.
    pub(crate) fn from_by_org(mut by_org: BTreeMap<String, BTreeMap<String, T>>) -> Self {
        by_org.retain(|_, ids| !ids.is_empty());
        let mut orgs_by_id: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for (org, ids) in &by_org {
            for id in ids.keys() {
                orgs_by_id
                    .entry(id.clone())
                    .or_default()
                    .insert(org.clone());
            }
        }
        Namespaced { by_org, orgs_by_id }
    }

    /// The object `id` of `org`.
    pub fn get(&self, org: &str, id: &str) -> Option<&T> {
        self.by_org.get(org)?.get(id)
    }

    /// The object under a key.
    pub fn at(&self, key: &Key) -> Option<&T> {
        self.get(&key.org, &key.id)
    }

    pub(crate) fn get_mut(&mut self, org: &str, id: &str) -> Option<&mut T> {
        self.by_org.get_mut(org)?.get_mut(id)
    }

    pub(crate) fn insert(&mut self, org: String, id: String, value: T) {
        self.orgs_by_id
            .entry(id.clone())
            .or_default()
            .insert(org.clone());
        self.by_org.entry(org).or_default().insert(id, value);
    }

    pub(crate) fn remove(&mut self, org: &str, id: &str) -> Option<T> {
        let ids = self.by_org.get_mut(org)?;
        let removed = ids.remove(id)?;
        if ids.is_empty() {
            self.by_org.remove(org);
        }
        if let Some(orgs) = self.orgs_by_id.get_mut(id) {
            orgs.remove(org);
            if orgs.is_empty() {
                self.orgs_by_id.remove(id);
            }
        }
        Some(removed)
    }

    /// Every object, in (organisation, id) order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str, &T)> {
        self.by_org.iter().flat_map(|(org, ids)| {
            ids.iter()
                .map(move |(id, v)| (org.as_str(), id.as_str(), v))
        })
    }

    /// The objects of one organisation, in id order.
    pub fn in_org<'a>(&'a self, org: &str) -> impl Iterator<Item = (&'a str, &'a T)> + 'a {
        self.by_org
            .get(org)
            .into_iter()
            .flat_map(|ids| ids.iter().map(|(id, v)| (id.as_str(), v)))
    }

    /// The organisations that have an object with this bare id.
    pub fn orgs_with<'a>(&'a self, id: &str) -> impl Iterator<Item = &'a str> + 'a {
        self.orgs_by_id
            .get(id)
            .into_iter()
            .flat_map(|orgs| orgs.iter().map(String::as_str))
    }

    /// How many objects there are.
    pub fn len(&self) -> usize {
        self.by_org.values().map(BTreeMap::len).sum()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.by_org.is_empty()
    }
}
