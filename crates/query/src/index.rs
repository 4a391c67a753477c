//! Secondary indexes over the current events, so that a filtered query visits the events that
//! can match instead of every event.
//!
//! Each posting list holds event keys in ascending order (events are added in log order, and
//! removal keeps the order). Lookups return a superset of the matching events; callers still
//! check each candidate against the full filter, so an index never changes an answer, only
//! its cost.

use std::collections::HashMap;

use statecraft_types::{Actor, Event, EventType};

use crate::filter::EventFilter;
use crate::projection::EventKey;

#[derive(Debug, Default)]
pub(crate) struct EventIndex {
    /// Event type → events.
    types: HashMap<EventType, Vec<EventKey>>,
    /// Lower-cased actor name or mention → events with that actor as source or target.
    names: HashMap<Box<str>, Vec<EventKey>>,
    /// Upper-cased CAMEO actor code or country code → events with such an actor.
    codes: HashMap<Box<str>, Vec<EventKey>>,
}

fn actor_terms(event: &Event) -> impl Iterator<Item = &Actor> {
    std::iter::once(&event.source).chain(event.targets.iter())
}

fn names_of(event: &Event) -> Vec<String> {
    let mut names: Vec<String> = actor_terms(event)
        .flat_map(|a| [a.name.to_lowercase(), a.mention.to_lowercase()])
        .filter(|n| !n.is_empty())
        .collect();
    names.sort_unstable();
    names.dedup();
    names
}

fn codes_of(event: &Event) -> Vec<String> {
    let mut codes: Vec<String> = actor_terms(event)
        .flat_map(|a| std::iter::once(a.cameo_code.to_ascii_uppercase()).chain(a.country.clone()))
        .filter(|c| !c.is_empty())
        .collect();
    codes.sort_unstable();
    codes.dedup();
    codes
}

fn add(list: &mut Vec<EventKey>, key: EventKey) {
    match list.last() {
        Some(last) if *last >= key => {
            if let Err(at) = list.binary_search(&key) {
                list.insert(at, key);
            }
        }
        _ => list.push(key),
    }
}

fn remove<K: std::hash::Hash + Eq>(map: &mut HashMap<K, Vec<EventKey>>, term: &K, key: EventKey) {
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
fn union<'a>(lists: impl Iterator<Item = &'a Vec<EventKey>>) -> Vec<EventKey> {
    let mut keys: Vec<EventKey> = lists.flatten().copied().collect();
    keys.sort_unstable();
    keys.dedup();
    keys
}

impl EventIndex {
    pub(crate) fn insert(&mut self, key: EventKey, event: &Event) {
        add(self.types.entry(event.event_type).or_default(), key);
        for name in names_of(event) {
            add(self.names.entry(name.into()).or_default(), key);
        }
        for code in codes_of(event) {
            add(self.codes.entry(code.into()).or_default(), key);
        }
    }

    pub(crate) fn remove(&mut self, key: EventKey, event: &Event) {
        remove(&mut self.types, &event.event_type, key);
        for name in names_of(event) {
            remove(&mut self.names, &Box::from(name), key);
        }
        for code in codes_of(event) {
            remove(&mut self.codes, &Box::from(code), key);
        }
    }

    /// Events with an actor that answers to `needle`: part of a name or mention
    /// (case-insensitive), or equal to a CAMEO or country code.
    pub(crate) fn actor(&self, needle: &str) -> Vec<EventKey> {
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
    pub(crate) fn country(&self, code: &str) -> &[EventKey] {
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
    pub(crate) fn types(&self, types: &[EventType]) -> Vec<EventKey> {
        match types {
            [one] => self.types.get(one).cloned().unwrap_or_default(),
            many => union(many.iter().filter_map(|t| self.types.get(t))),
        }
    }

    /// The events that pass every indexed criterion of the filter (the intersection of their
    /// posting lists), ascending; `None` when the filter has no indexed criterion (every event
    /// is a candidate). A superset of the matches: callers check each candidate in full.
    pub(crate) fn candidates(&self, filter: &EventFilter) -> Option<Vec<EventKey>> {
        let mut lists: Vec<Vec<EventKey>> = Vec::new();
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
        let first = lists.next()?;
        Some(lists.fold(first, |acc, list| intersect(&acc, &list)))
    }

    /// Whether the indexes answer the filter exactly, so candidates need no further check.
    pub(crate) fn covers(filter: &EventFilter) -> bool {
        let EventFilter {
            types,
            actor,
            country,
            target,
            date_from,
            date_to,
            text,
            polarities,
            min_confidence,
        } = filter;
        !types.is_empty()
            && actor.is_none()
            && country.is_none()
            && target.is_none()
            && date_from.is_none()
            && date_to.is_none()
            && text.is_none()
            && polarities.is_empty()
            && *min_confidence <= 0.0
    }
}

/// Keys in both sorted lists; gallops through the longer one, so a short list against a long
/// one costs little.
fn intersect(short: &[EventKey], long: &[EventKey]) -> Vec<EventKey> {
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
        for key in [(5, 0), (1, 0), (3, 1), (3, 0), (5, 0)] {
            add(&mut list, key);
        }
        assert_eq!(list, vec![(1, 0), (3, 0), (3, 1), (5, 0)]);
        let mut map = HashMap::from([("x", list)]);
        remove(&mut map, &"x", (3, 0));
        assert_eq!(map["x"], vec![(1, 0), (3, 1), (5, 0)]);
        for key in [(1, 0), (3, 1), (5, 0)] {
            remove(&mut map, &"x", key);
        }
        assert!(map.is_empty(), "empty lists are dropped");
    }

    #[test]
    fn intersection_keeps_common_keys_in_order() {
        let a = [(1, 0), (2, 0), (5, 1), (9, 0)];
        let b = [(0, 0), (2, 0), (3, 0), (5, 1), (8, 0), (9, 0), (10, 0)];
        assert_eq!(intersect(&a, &b), vec![(2, 0), (5, 1), (9, 0)]);
        assert_eq!(intersect(&b, &a), vec![(2, 0), (5, 1), (9, 0)]);
        assert!(intersect(&a, &[]).is_empty());
    }
}
