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

use std::collections::HashMap;

use statecraft_types::{Actor, Event, EventType, Polarity};

use crate::projection::EventKey;

/// What events must share to be one incident.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct Dyad {
    event_type: EventType,
    polarity: Polarity,
    source: String,
    targets: Vec<String>,
}

/// The side an actor stands for: its country for states, governments and officials, its
/// canonical name otherwise (two companies of one country are different targets).
fn side(actor: &Actor, by_country: bool) -> String {
    match (&actor.country, by_country) {
        (Some(country), true) => country.clone(),
        _ => actor.name.to_lowercase(),
    }
}

impl Dyad {
    pub(crate) fn of(event: &Event) -> Self {
        let mut targets: Vec<String> = event.targets.iter().map(|t| side(t, false)).collect();
        targets.sort_unstable();
        targets.dedup();
        Self {
            event_type: event.event_type,
            polarity: event.polarity,
            source: side(&event.source, true),
            targets,
        }
    }
}

/// One incident: its events in log order, the first one naming it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Incident {
    pub(crate) events: Vec<EventKey>,
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
    pub(crate) fn latest(&self) -> EventKey {
        *self.events.last().expect("an incident has events")
    }
}

#[derive(Debug, Default)]
pub(crate) struct Incidents {
    window_days: i32,
    /// Dyad → its number, an index into `members` and `grouped`.
    dyads: HashMap<Dyad, u32>,
    /// Per dyad: (event key, day) of its current events, in key order.
    members: Vec<Vec<(EventKey, Option<i32>)>>,
    /// Per dyad: its incidents.
    grouped: Vec<Vec<Incident>>,
    /// Event → its dyad.
    dyad_of: HashMap<EventKey, u32>,
}

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

    pub(crate) fn insert(&mut self, key: EventKey, event: &Event) {
        let next = self.dyads.len() as u32;
        let dyad = *self.dyads.entry(Dyad::of(event)).or_insert(next);
        if dyad == next {
            self.members.push(Vec::new());
            self.grouped.push(Vec::new());
        }
        let members = &mut self.members[dyad as usize];
        match members.binary_search_by_key(&key, |(k, _)| *k) {
            Ok(_) => return,
            Err(at) => members.insert(at, (key, day(event))),
        }
        self.dyad_of.insert(key, dyad);
        let incidents = &mut self.grouped[dyad as usize];
        let Some(day) = day(event) else {
            incidents.push(Incident {
                events: vec![key],
                days: None,
            });
            return;
        };
        // Dated incidents come first, sorted by day, more than a window apart: the new day
        // joins at most two neighbours (and then bridges them).
        let w = self.window_days;
        let near = |i: &Incident| i.days.is_some_and(|(a, b)| day >= a - w && day <= b + w);
        let first = incidents.iter().position(near);
        match first {
            None => {
                let at = incidents
                    .iter()
                    .position(|i| i.days.is_none_or(|(a, _)| a > day))
                    .unwrap_or(incidents.len());
                incidents.insert(
                    at,
                    Incident {
                        events: vec![key],
                        days: Some((day, day)),
                    },
                );
            }
            Some(at) => {
                if incidents.get(at + 1).is_some_and(near) {
                    let next = incidents.remove(at + 1);
                    incidents[at].absorb(next);
                }
                incidents[at].absorb(Incident {
                    events: vec![key],
                    days: Some((day, day)),
                });
            }
        }
    }

    pub(crate) fn remove(&mut self, key: EventKey) {
        let Some(dyad) = self.dyad_of.remove(&key) else {
            return;
        };
        self.members[dyad as usize].retain(|(k, _)| *k != key);
        self.regroup(dyad as usize);
    }

    /// Recomputes the incidents of one dyad: dated events sorted by day join the previous
    /// incident when within the window of its latest day.
    fn regroup(&mut self, dyad: usize) {
        let members = &self.members[dyad];
        let mut dated: Vec<(i32, EventKey)> = members
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
    pub(crate) fn of(&self, key: EventKey) -> Option<&Incident> {
        let dyad = *self.dyad_of.get(&key)?;
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
mod tests {
    use super::*;
    use statecraft_types::{ActorKind, EventDate, Evidence, Plover};

    fn event(source: &str, target: &str, date: Option<&str>) -> Event {
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
        incidents.insert((1, 0), &event("usa", "iran", Some("2020-03-01")));
        incidents.insert((2, 0), &event("usa", "iran", Some("2020-03-03")));
        incidents.insert((3, 0), &event("usa", "iran", Some("2020-03-06")));
        incidents.insert((4, 0), &event("usa", "iran", Some("2020-04-20")));
        incidents.insert((5, 0), &event("usa", "syria", Some("2020-03-01")));
        incidents.insert((6, 0), &event("usa", "iran", None));
        assert_eq!(
            incidents.of((1, 0)).unwrap().events,
            vec![(1, 0), (2, 0), (3, 0)]
        );
        assert_eq!(incidents.of((4, 0)).unwrap().events, vec![(4, 0)]);
        assert_eq!(incidents.of((5, 0)).unwrap().events, vec![(5, 0)]);
        assert_eq!(incidents.of((6, 0)).unwrap().days, None);
        assert_eq!(incidents.len(), 4);

        // A late report dated between two incidents bridges them.
        incidents.insert((7, 0), &event("usa", "iran", Some("2020-04-18")));
        incidents.insert((8, 0), &event("usa", "iran", Some("2020-03-09")));
        assert_eq!(incidents.len(), 4);
        incidents.insert((9, 0), &event("usa", "iran", Some("2020-03-12")));
        incidents.insert((10, 0), &event("usa", "iran", Some("2020-03-15")));
        assert_eq!(incidents.len(), 4);
        assert_eq!(incidents.of((4, 0)).unwrap().events, vec![(4, 0), (7, 0)]);
        for key in [(7, 0), (8, 0), (9, 0), (10, 0)] {
            incidents.remove(key);
        }
        incidents.insert((11, 0), &event("gbr", "iran", Some("2021-01-01")));
        incidents.insert((12, 0), &event("gbr", "iran", Some("2021-01-07")));
        assert_eq!(incidents.len(), 6);
        incidents.insert((13, 0), &event("gbr", "iran", Some("2021-01-04")));
        assert_eq!(incidents.len(), 5, "the middle report bridges the two");
        assert_eq!(
            incidents.of((12, 0)).unwrap().events,
            vec![(11, 0), (12, 0), (13, 0)]
        );
        for key in [(11, 0), (12, 0), (13, 0)] {
            incidents.remove(key);
        }

        // Removing the bridging report splits the chain; the result is what a fresh replica
        // would compute from the remaining events.
        incidents.remove((2, 0));
        assert_eq!(incidents.of((1, 0)).unwrap().events, vec![(1, 0)]);
        assert_eq!(incidents.of((3, 0)).unwrap().events, vec![(3, 0)]);
        assert!(incidents.of((2, 0)).is_none());
        assert_eq!(incidents.len(), 5);
    }
}
