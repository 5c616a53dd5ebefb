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
///
/// Each object is boxed, so that a collection loaded from a snapshot is
/// assembled by moving pointers, not objects (a plan is a few hundred
/// bytes, and a store may hold millions of them), and the index holds one
/// (id, organisation) entry per object rather than a set per id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Namespaced<T> {
    by_org: BTreeMap<String, BTreeMap<String, Box<T>>>,
    /// (id, organisation) of every object.
    index: BTreeSet<(String, String)>,
}

impl<T> Default for Namespaced<T> {
    fn default() -> Self {
        Namespaced {
            by_org: BTreeMap::new(),
            index: BTreeSet::new(),
        }
    }
}

impl<T> Namespaced<T> {
    /// The objects by organisation, then id (what a snapshot stores; the
    /// index is derived from it).
    pub(crate) fn by_org(&self) -> &BTreeMap<String, BTreeMap<String, Box<T>>> {
        &self.by_org
    }

    /// The collection holding `by_org`, with its index rebuilt (how a
    /// snapshot is loaded). Organisations without objects are dropped, as
    /// [`Namespaced::remove`] drops them.
    pub(crate) fn from_by_org(mut by_org: BTreeMap<String, BTreeMap<String, Box<T>>>) -> Self {
        by_org.retain(|_, ids| !ids.is_empty());
        let index = by_org
            .iter()
            .flat_map(|(org, ids)| ids.keys().map(|id| (id.clone(), org.clone())))
            .collect();
        Namespaced { by_org, index }
    }

    /// The object `id` of `org`.
    pub fn get(&self, org: &str, id: &str) -> Option<&T> {
        self.by_org.get(org)?.get(id).map(|b| &**b)
    }

    /// The object under a key.
    pub fn at(&self, key: &Key) -> Option<&T> {
        self.get(&key.org, &key.id)
    }

    pub(crate) fn get_mut(&mut self, org: &str, id: &str) -> Option<&mut T> {
        self.by_org.get_mut(org)?.get_mut(id).map(|b| &mut **b)
    }

    pub(crate) fn insert(&mut self, org: String, id: String, value: T) {
        self.index.insert((id.clone(), org.clone()));
        self.by_org
            .entry(org)
            .or_default()
            .insert(id, Box::new(value));
    }

    pub(crate) fn remove(&mut self, org: &str, id: &str) -> Option<T> {
        let ids = self.by_org.get_mut(org)?;
        let removed = ids.remove(id)?;
        if ids.is_empty() {
            self.by_org.remove(org);
        }
        self.index.remove(&(id.to_owned(), org.to_owned()));
        Some(*removed)
    }

    /// Every object, in (organisation, id) order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str, &T)> {
        self.by_org.iter().flat_map(|(org, ids)| {
            ids.iter()
                .map(move |(id, v)| (org.as_str(), id.as_str(), &**v))
        })
    }

    /// The objects of one organisation, in id order.
    pub fn in_org<'a>(&'a self, org: &str) -> impl Iterator<Item = (&'a str, &'a T)> + 'a {
        self.by_org
            .get(org)
            .into_iter()
            .flat_map(|ids| ids.iter().map(|(id, v)| (id.as_str(), &**v)))
    }

    /// The organisations that have an object with this bare id, in order.
    pub fn orgs_with<'a>(&'a self, id: &str) -> impl Iterator<Item = &'a str> + 'a {
        let id = id.to_owned();
        self.index
            .range((id.clone(), String::new())..)
            .take_while(move |(i, _)| *i == id)
            .map(|(_, org)| org.as_str())
    }

    /// How many objects there are.
    pub fn len(&self) -> usize {
        self.index.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.by_org.is_empty()
    }
}
