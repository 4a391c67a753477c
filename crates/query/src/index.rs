//! Secondary indexes over the current events, so that a filtered query visits the events that
//! can match instead of every event.
//!
//! Each posting list holds event slots in ascending order (events are added in log order, and
//! removal keeps the order). Dates are not a posting list: they are checked on the store's
//! compact date column before any event is read. Lookups return a superset of the matching events; callers still
//! check each candidate against the full filter, so an index never changes an answer, only
//! its cost.

use std::borrow::Cow;

use chrono::Datelike;
use rustc_hash::FxHashMap as HashMap;
use statecraft_types::{Actor, Event, EventType};

use crate::filter::EventFilter;
use crate::store::{EventStore, Slot};

#[derive(Debug, Default)]
pub(crate) struct EventIndex {
    /// Event type → events.
    types: HashMap<EventType, Vec<Slot>>,
    /// Lower-cased actor name or mention → events with that actor as source or target.
    names: HashMap<Box<str>, Vec<Slot>>,
    /// Upper-cased CAMEO actor code or country code → events with such an actor.
    codes: HashMap<Box<str>, Vec<Slot>>,
}

fn actor_terms(event: &Event) -> impl Iterator<Item = &Actor> {
    std::iter::once(&event.source).chain(event.targets.iter())
}

/// Lower case without allocating when the text has no upper-case letter.
pub(crate) fn lower(text: &str) -> Cow<'_, str> {
    if text.chars().any(char::is_uppercase) {
        Cow::Owned(text.to_lowercase())
    } else {
        Cow::Borrowed(text)
    }
}

/// Lower-cased names and mentions of the event's actors (repeats are harmless: adding a slot
/// twice to one list keeps one, removing it twice removes it once).
fn names_of(event: &Event) -> impl Iterator<Item = Cow<'_, str>> {
    actor_terms(event)
        .flat_map(|a| [lower(&a.name), lower(&a.mention)])
        .filter(|n| !n.is_empty())
}

/// ASCII upper case without allocating when the code is upper case already.
fn upper(code: &str) -> Cow<'_, str> {
    if code.bytes().any(|b| b.is_ascii_lowercase()) {
        Cow::Owned(code.to_ascii_uppercase())
    } else {
        Cow::Borrowed(code)
    }
}

/// Upper-cased CAMEO and country codes of the event's actors.
fn codes_of(event: &Event) -> impl Iterator<Item = Cow<'_, str>> {
    actor_terms(event)
        .flat_map(|a| std::iter::once(upper(&a.cameo_code)).chain(a.country.as_deref().map(upper)))
        .filter(|c| !c.is_empty())
}

fn add(list: &mut Vec<Slot>, key: Slot) {
    match list.last() {
        Some(last) if *last >= key => {
            if let Err(at) = list.binary_search(&key) {
                list.insert(at, key);
            }
        }
        _ => list.push(key),
    }
}

/// The posting list of a text term, created on first use (allocating the term only then).
fn posting_list<'m>(map: &'m mut HashMap<Box<str>, Vec<Slot>>, term: &str) -> &'m mut Vec<Slot> {
    if !map.contains_key(term) {
        map.insert(term.into(), Vec::new());
    }
    map.get_mut(term).expect("inserted above")
}

fn remove<K, Q>(map: &mut HashMap<K, Vec<Slot>>, term: &Q, key: Slot)
where
    K: std::borrow::Borrow<Q> + std::hash::Hash + Eq,
    Q: std::hash::Hash + Eq + ?Sized,
{
    if let Some(list) = map.get_mut(term) {
        if let Ok(at) = list.binary_search(&key) {
            list.remove(at);
        }
        if list.is_empty() {
            map.remove(term);
        }
    }
}

/// Sorted, de-duplicated union of posting lists.
fn union<'a>(lists: impl Iterator<Item = &'a Vec<Slot>>) -> Vec<Slot> {
    let mut keys: Vec<Slot> = lists.flatten().copied().collect();
    keys.sort_unstable();
    keys.dedup();
    keys
}

impl EventIndex {
    pub(crate) fn insert(&mut self, slot: Slot, event: &Event) {
        add(self.types.entry(event.event_type).or_default(), slot);
        for name in names_of(event) {
            add(posting_list(&mut self.names, &name), slot);
        }
        for code in codes_of(event) {
            add(posting_list(&mut self.codes, &code), slot);
        }
    }

    pub(crate) fn remove(&mut self, slot: Slot, event: &Event) {
        remove(&mut self.types, &event.event_type, slot);
        for name in names_of(event) {
            remove(&mut self.names, &*name, slot);
        }
        for code in codes_of(event) {
            remove(&mut self.codes, &*code, slot);
        }
    }

    /// Events with an actor that answers to `needle`: part of a name or mention
    /// (case-insensitive), or equal to a CAMEO or country code.
    pub(crate) fn actor(&self, needle: &str) -> Vec<Slot> {
        let lower = needle.to_lowercase();
        let by_code = self.codes.get(needle.to_ascii_uppercase().as_str());
        let by_name = self
            .names
            .iter()
            .filter(|(name, _)| name.contains(&lower))
            .map(|(_, keys)| keys);
        union(by_code.into_iter().chain(by_name))
    }

    /// Events with an actor of this country (or with this CAMEO code).
    pub(crate) fn country(&self, code: &str) -> &[Slot] {
        self.codes.get(code).map_or(&[], Vec::as_slice)
    }

    /// Number of events per type.
    pub(crate) fn type_counts(&self) -> std::collections::BTreeMap<EventType, u64> {
        self.types
            .iter()
            .map(|(t, keys)| (*t, keys.len() as u64))
            .collect()
    }

    /// Events of these types.
    pub(crate) fn types(&self, types: &[EventType]) -> Vec<Slot> {
        match types {
            [one] => self.types.get(one).cloned().unwrap_or_default(),
            many => union(many.iter().filter_map(|t| self.types.get(t))),
        }
    }

    /// The events that pass every indexed criterion of the filter (the intersection of their
    /// posting lists, then the date range on the store's date column), ascending; `None` when
    /// the filter has no indexed criterion (every event is a candidate). A superset of the
    /// matches: callers check each candidate in full.
    pub(crate) fn candidates(
        &self,
        events: &EventStore,
        filter: &EventFilter,
    ) -> Option<Vec<Slot>> {
        let mut lists: Vec<Vec<Slot>> = Vec::new();
        if let Some(country) = &filter.country {
            lists.push(self.country(country).to_vec());
        }
        if !filter.types.is_empty() {
            lists.push(self.types(&filter.types));
        }
        if let Some(actor) = &filter.actor {
            lists.push(self.actor(actor));
        }
        if let Some(target) = &filter.target {
            lists.push(self.actor(target));
        }
        lists.sort_by_key(Vec::len);
        let mut lists = lists.into_iter();
        let found = lists
            .next()
            .map(|first| lists.fold(first, |acc, list| intersect(&acc, &list)));
        let dates = (filter.date_from.is_some() || filter.date_to.is_some()).then(|| {
            (
                filter
                    .date_from
                    .map_or(i32::MIN, |d| d.first_day().num_days_from_ce()),
                filter
                    .date_to
                    .map_or(i32::MAX, |d| d.last_day().num_days_from_ce()),
            )
        });
        match (found, dates) {
            (Some(mut slots), Some((from, to))) => {
                slots.retain(|slot| events.dated_within(*slot, from, to));
                Some(slots)
            }
            (None, Some((from, to))) => Some(events.slots_dated_within(from, to)),
            (found, None) => found,
        }
    }
}

/// Keys in both sorted lists; gallops through the longer one, so a short list against a long
/// one costs little.
fn intersect(short: &[Slot], long: &[Slot]) -> Vec<Slot> {
    let mut out = Vec::with_capacity(short.len().min(long.len()));
    if long.len() < short.len().saturating_mul(16) {
        // Comparable lengths: one linear merge.
        let (mut i, mut j) = (0, 0);
        while i < short.len() && j < long.len() {
            match short[i].cmp(&long[j]) {
                std::cmp::Ordering::Less => i += 1,
                std::cmp::Ordering::Greater => j += 1,
                std::cmp::Ordering::Equal => {
                    out.push(short[i]);
                    i += 1;
                    j += 1;
                }
            }
        }
        return out;
    }
    let mut rest = long;
    for key in short {
        match rest.binary_search(key) {
            Ok(at) => {
                out.push(*key);
                rest = &rest[at + 1..];
            }
            Err(at) => rest = &rest[at..],
        }
        if rest.is_empty() {
            break;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn posting_lists_stay_sorted_and_shrink_on_removal() {
        let mut list = Vec::new();
        for slot in [5, 1, 4, 3, 5] {
            add(&mut list, slot);
        }
        assert_eq!(list, vec![1, 3, 4, 5]);
        let mut map: HashMap<Box<str>, Vec<Slot>> = HashMap::default();
        map.insert("x".into(), list);
        remove(&mut map, "x", 3);
        assert_eq!(map["x"], vec![1, 4, 5]);
        for slot in [1, 4, 5] {
            remove(&mut map, "x", slot);
        }
        assert!(map.is_empty(), "empty lists are dropped");
    }

    #[test]
    fn intersection_keeps_common_slots_in_order() {
        let a = [1, 2, 5, 9];
        let b = [0, 2, 3, 5, 8, 9, 10];
        assert_eq!(intersect(&a, &b), vec![2, 5, 9]);
        assert_eq!(intersect(&b, &a), vec![2, 5, 9]);
        assert!(intersect(&a, &[]).is_empty());
        let long: Vec<Slot> = (0..1000).collect();
        assert_eq!(intersect(&[3, 500, 999], &long), vec![3, 500, 999]);
    }
}
