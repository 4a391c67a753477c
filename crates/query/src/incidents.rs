//! Incidents: one real-world event reported by several documents.
//!
//! Events belong to the same incident when they have the same type, polarity and dyad (the
//! sanctioning or acting side and the set of targets) and their dates lie within a window of
//! each other (chained: a report two days after the last report still joins). Undated events
//! stay on their own.
//!
//! The grouping is a pure function of the current events: when an event is added or removed,
//! the incidents of its dyad are recomputed from that dyad's events in log order. Replicas,
//! restarts from a snapshot and re-extractions therefore all agree on incidents and their ids.

use std::borrow::Cow;

use rustc_hash::FxHashMap as HashMap;
use statecraft_types::{Actor, Event};

use crate::store::Slot;

/// The side an actor stands for: its country for states, governments and officials, its
/// canonical name otherwise (two companies of one country are different targets).
fn side(actor: &Actor, by_country: bool) -> Cow<'_, str> {
    match (&actor.country, by_country) {
        (Some(country), true) => Cow::Borrowed(country),
        _ => crate::index::lower(&actor.name),
    }
}

/// Writes what events must share to be one incident (type, polarity, the acting side and the
/// set of target sides) into `key`, replacing its contents.
fn dyad_key(event: &Event, key: &mut String) {
    use std::fmt::Write;
    key.clear();
    let mut targets: Vec<Cow<'_, str>> = event.targets.iter().map(|t| side(t, false)).collect();
    targets.sort_unstable();
    targets.dedup();
    let _ = write!(
        key,
        "{}|{:?}|{}",
        event.event_type.as_str(),
        event.polarity,
        side(&event.source, true)
    );
    for target in targets {
        key.push('|');
        key.push_str(&target);
    }
}

/// One incident: its events in log order, the first one naming it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Incident {
    pub(crate) events: Vec<Slot>,
    /// Earliest and latest event day (days since the Common Era); `None` for an undated event.
    pub(crate) days: Option<(i32, i32)>,
}

impl Incident {
    fn absorb(&mut self, other: Incident) {
        self.events.extend(other.events);
        self.events.sort_unstable();
        self.days = match (self.days, other.days) {
            (Some((a, b)), Some((c, d))) => Some((a.min(c), b.max(d))),
            (days, None) | (None, days) => days,
        };
    }

    /// The newest event key: incidents sort by their latest report.
    pub(crate) fn latest(&self) -> Slot {
        *self.events.last().expect("an incident has events")
    }
}

#[derive(Debug, Default)]
pub(crate) struct Incidents {
    window_days: i32,
    /// Dyad key (see [`dyad_key`]) → its number, an index into `members` and `grouped`.
    dyads: HashMap<Box<str>, u32>,
    /// Per dyad: (event key, day) of its current events, in key order.
    members: Vec<Vec<(Slot, Option<i32>)>>,
    /// Per dyad: its incidents.
    grouped: Vec<Vec<Incident>>,
    /// Reused buffer for dyad keys.
    scratch: String,
    /// Slot → its event's dyad ([`NO_DYAD`] for a slot without a current event).
    dyad_of: Vec<u32>,
}

const NO_DYAD: u32 = u32::MAX;

fn day(event: &Event) -> Option<i32> {
    use chrono::Datelike;
    event.date.map(|d| d.first_day().num_days_from_ce())
}

impl Incidents {
    pub(crate) fn new(window_days: u32) -> Self {
        Self {
            window_days: window_days.min(365) as i32,
            ..Self::default()
        }
    }

    pub(crate) fn insert(&mut self, key: Slot, event: &Event) {
        dyad_key(event, &mut self.scratch);
        let dyad = match self.dyads.get(self.scratch.as_str()) {
            Some(dyad) => *dyad,
            None => {
                let dyad = self.dyads.len() as u32;
                self.dyads.insert(self.scratch.as_str().into(), dyad);
                self.members.push(Vec::new());
                self.grouped.push(Vec::new());
                dyad
            }
        };
        let members = &mut self.members[dyad as usize];
        match members.binary_search_by_key(&key, |(k, _)| *k) {
            Ok(_) => return,
            Err(at) => members.insert(at, (key, day(event))),
        }
        let at = key as usize;
        if self.dyad_of.len() <= at {
            self.dyad_of.resize(at + 1, NO_DYAD);
        }
        self.dyad_of[at] = dyad;
        let incidents = &mut self.grouped[dyad as usize];
        let Some(day) = day(event) else {
            incidents.push(Incident {
                events: vec![key],
                days: None,
            });
            return;
        };
        // Dated incidents come first, sorted by day, more than a window apart: the new day
        // joins at most two neighbours (and then bridges them), found by binary search.
        let w = self.window_days;
        let dated = incidents.partition_point(|i| i.days.is_some());
        let span = |i: &Incident| i.days.expect("dated incidents come first");
        let at = incidents[..dated].partition_point(|i| span(i).1 + w < day);
        let near = |i: &Incident| i.days.is_some_and(|(first, _)| day >= first - w);
        if at < dated && near(&incidents[at]) {
            if at + 1 < dated && near(&incidents[at + 1]) {
                let next = incidents.remove(at + 1);
                incidents[at].absorb(next);
            }
            incidents[at].absorb(Incident {
                events: vec![key],
                days: Some((day, day)),
            });
        } else {
            incidents.insert(
                at,
                Incident {
                    events: vec![key],
                    days: Some((day, day)),
                },
            );
        }
    }

    pub(crate) fn remove(&mut self, key: Slot) {
        let Some(dyad) = self
            .dyad_of
            .get_mut(key as usize)
            .map(|d| std::mem::replace(d, NO_DYAD))
            .filter(|d| *d != NO_DYAD)
        else {
            return;
        };
        self.members[dyad as usize].retain(|(k, _)| *k != key);
        self.regroup(dyad as usize);
    }

    /// Recomputes the incidents of one dyad: dated events sorted by day join the previous
    /// incident when within the window of its latest day.
    fn regroup(&mut self, dyad: usize) {
        let members = &self.members[dyad];
        let mut dated: Vec<(i32, Slot)> = members
            .iter()
            .filter_map(|(k, d)| Some((d.as_ref().copied()?, *k)))
            .collect();
        dated.sort_unstable();
        let mut incidents: Vec<Incident> = Vec::new();
        for (day, key) in dated {
            match incidents.last_mut() {
                Some(Incident {
                    events,
                    days: Some((_, last)),
                }) if day - *last <= self.window_days => {
                    events.push(key);
                    *last = day;
                }
                _ => incidents.push(Incident {
                    events: vec![key],
                    days: Some((day, day)),
                }),
            }
        }
        for incident in &mut incidents {
            incident.events.sort_unstable();
        }
        incidents.extend(
            members
                .iter()
                .filter(|(_, d)| d.is_none())
                .map(|(k, _)| Incident {
                    events: vec![*k],
                    days: None,
                }),
        );
        self.grouped[dyad] = incidents;
    }

    /// The incident an event belongs to.
    pub(crate) fn of(&self, key: Slot) -> Option<&Incident> {
        let dyad = *self.dyad_of.get(key as usize).filter(|d| **d != NO_DYAD)?;
        self.grouped[dyad as usize]
            .iter()
            .find(|i| i.events.binary_search(&key).is_ok())
    }

    /// Number of incidents.
    pub(crate) fn len(&self) -> usize {
        self.grouped.iter().map(Vec::len).sum()
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use statecraft_types::{ActorKind, EventDate, EventType, Evidence, Plover, Polarity};

    pub(crate) fn event(source: &str, target: &str, date: Option<&str>) -> Event {
        let actor = |name: &str| Actor {
            name: name.into(),
            mention: name.into(),
            kind: ActorKind::State,
            country: Some(name[..3].to_uppercase()),
            sector: None,
            title: None,
            cameo_code: name[..3].to_uppercase(),
        };
        let date = date.map(|d| d.parse::<EventDate>().unwrap());
        Event {
            event_id: String::new(),
            doc_id: String::new(),
            event_type: EventType::SanctionImpose,
            cameo_code: "163".into(),
            plover: Plover::default(),
            goldstein: -8.0,
            quad_class: 4,
            source: actor(source),
            targets: vec![actor(target)],
            date,
            date_precision: date.map(|d| d.precision()),
            location: None,
            polarity: Polarity::Asserted,
            attribution: None,
            details: None,
            evidence: Evidence {
                sentence: String::new(),
                start: 0,
                end: 0,
            },
            confidence: 0.9,
            coder_version: String::new(),
            rule: String::new(),
        }
    }

    #[test]
    fn reports_within_the_window_chain_into_one_incident() {
        let mut incidents = Incidents::new(3);
        incidents.insert(1, &event("usa", "iran", Some("2020-03-01")));
        incidents.insert(2, &event("usa", "iran", Some("2020-03-03")));
        incidents.insert(3, &event("usa", "iran", Some("2020-03-06")));
        incidents.insert(4, &event("usa", "iran", Some("2020-04-20")));
        incidents.insert(5, &event("usa", "syria", Some("2020-03-01")));
        incidents.insert(6, &event("usa", "iran", None));
        assert_eq!(incidents.of(1).unwrap().events, vec![1, 2, 3]);
        assert_eq!(incidents.of(4).unwrap().events, vec![4]);
        assert_eq!(incidents.of(5).unwrap().events, vec![5]);
        assert_eq!(incidents.of(6).unwrap().days, None);
        assert_eq!(incidents.len(), 4);

        // A late report dated between two incidents bridges them.
        incidents.insert(7, &event("usa", "iran", Some("2020-04-18")));
        incidents.insert(8, &event("usa", "iran", Some("2020-03-09")));
        assert_eq!(incidents.len(), 4);
        incidents.insert(9, &event("usa", "iran", Some("2020-03-12")));
        incidents.insert(10, &event("usa", "iran", Some("2020-03-15")));
        assert_eq!(incidents.len(), 4);
        assert_eq!(incidents.of(4).unwrap().events, vec![4, 7]);
        for key in [7, 8, 9, 10] {
            incidents.remove(key);
        }
        incidents.insert(11, &event("gbr", "iran", Some("2021-01-01")));
        incidents.insert(12, &event("gbr", "iran", Some("2021-01-07")));
        assert_eq!(incidents.len(), 6);
        incidents.insert(13, &event("gbr", "iran", Some("2021-01-04")));
        assert_eq!(incidents.len(), 5, "the middle report bridges the two");
        assert_eq!(incidents.of(12).unwrap().events, vec![11, 12, 13]);
        for key in [11, 12, 13] {
            incidents.remove(key);
        }

        // Removing the bridging report splits the chain; the result is what a fresh replica
        // would compute from the remaining events.
        incidents.remove(2);
        assert_eq!(incidents.of(1).unwrap().events, vec![1]);
        assert_eq!(incidents.of(3).unwrap().events, vec![3]);
        assert!(incidents.of(2).is_none());
        assert_eq!(incidents.len(), 5);
    }
}
