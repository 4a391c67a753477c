//! The current events of the read model, numbered densely in log order.
//!
//! Every event gets the next [`Slot`] when it is added; slots are never reused, so slot order
//! is log order and a sorted list of slots is a sorted list of events. Indexes, incidents and
//! documents refer to events by slot (four bytes, one array access) instead of by their log
//! key. An event replaced by a newer extraction leaves an empty slot behind (one pointer).

use rustc_hash::FxHashMap;
use statecraft_types::{Event, EventType, Polarity};

use crate::text::DocNo;

/// Orders events by the log position of the record that carried them, then by ordinal. It is
/// what page tokens carry: the same on every replica, unlike slots.
pub(crate) type EventKey = (u64, u32);

/// An event's number in this replica's store; ascending in log order.
pub(crate) type Slot = u32;

/// The first and last day (days since the Common Era) an event's date covers.
pub(crate) type Days = (i32, i32);

fn days_of(event: &Event) -> Option<Days> {
    use chrono::Datelike;
    event.date.map(|d| {
        (
            d.first_day().num_days_from_ce(),
            d.last_day().num_days_from_ce(),
        )
    })
}

/// What filters check of an event, kept beside the events in one compact column so that a
/// filter on them scans the column instead of visiting each event.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Facts {
    pub(crate) days: Option<Days>,
    pub(crate) confidence: f64,
    pub(crate) doc: DocNo,
    pub(crate) event_type: EventType,
    pub(crate) polarity: Polarity,
}

#[derive(Debug, Default)]
pub(crate) struct EventStore {
    /// Slot → log key, ascending.
    keys: Vec<EventKey>,
    /// Slot → the event, `None` once replaced.
    events: Vec<Option<Box<Event>>>,
    /// Slot → the facts filters check, `None` once replaced.
    facts: Vec<Option<Facts>>,
    /// Event id → slot, for current events.
    ids: FxHashMap<Box<str>, Slot>,
}

impl EventStore {
    /// The slot the next event will get.
    pub(crate) fn next_slot(&self) -> Slot {
        self.keys.len() as Slot
    }

    /// Adds an event of document `doc` after every stored one; `key` must be above every
    /// stored key.
    pub(crate) fn push(&mut self, key: EventKey, event: Event, doc: DocNo) -> Slot {
        debug_assert!(
            self.keys.last().is_none_or(|last| *last < key),
            "events are added in log order"
        );
        // Four billion events in one replica's lifetime would need terabytes of memory first.
        let slot = Slot::try_from(self.keys.len()).expect("fewer than 2^32 events per replica");
        self.ids.insert(event.event_id.as_str().into(), slot);
        self.keys.push(key);
        self.facts.push(Some(Facts {
            days: days_of(&event),
            confidence: event.confidence,
            doc,
            event_type: event.event_type,
            polarity: event.polarity,
        }));
        self.events.push(Some(Box::new(event)));
        slot
    }

    /// Removes the event in `slot`, returning it.
    pub(crate) fn take(&mut self, slot: Slot) -> Option<Event> {
        let event = *self.events.get_mut(slot as usize)?.take()?;
        self.facts[slot as usize] = None;
        self.ids.remove(event.event_id.as_str());
        Some(event)
    }

    pub(crate) fn get(&self, slot: Slot) -> Option<&Event> {
        self.events.get(slot as usize)?.as_deref()
    }

    /// The log key of a slot.
    pub(crate) fn key(&self, slot: Slot) -> EventKey {
        self.keys[slot as usize]
    }

    /// The first slot whose key is at or above `key`: slots below it hold earlier events.
    pub(crate) fn first_at_or_after(&self, key: EventKey) -> Slot {
        self.keys.partition_point(|k| *k < key) as Slot
    }

    /// The current event with this id.
    pub(crate) fn by_id(&self, event_id: &str) -> Option<Slot> {
        self.ids.get(event_id).copied()
    }

    /// The facts of the current event in `slot`.
    pub(crate) fn facts(&self, slot: Slot) -> Option<&Facts> {
        self.facts.get(slot as usize)?.as_ref()
    }

    /// Whether the event in `slot` has a date that overlaps `[from, to]`.
    pub(crate) fn dated_within(&self, slot: Slot, from: i32, to: i32) -> bool {
        self.facts(slot)
            .and_then(|f| f.days)
            .is_some_and(|(first, last)| last >= from && first <= to)
    }

    /// Slots of current events dated within `[from, to]`, ascending.
    pub(crate) fn slots_dated_within(&self, from: i32, to: i32) -> Vec<Slot> {
        (0..self.facts.len() as Slot)
            .filter(|slot| self.dated_within(*slot, from, to))
            .collect()
    }

    /// Number of current events.
    pub(crate) fn len(&self) -> usize {
        self.ids.len()
    }

    /// Current events in log order.
    #[cfg(test)]
    pub(crate) fn iter(&self) -> impl DoubleEndedIterator<Item = (Slot, &Event)> {
        self.events
            .iter()
            .enumerate()
            .filter_map(|(slot, event)| Some((slot as Slot, event.as_deref()?)))
    }

    /// The current events among `slots`, in the order given.
    pub(crate) fn at<'a, 's>(
        &'a self,
        slots: &'s [Slot],
    ) -> impl DoubleEndedIterator<Item = (Slot, &'a Event)> + use<'a, 's> {
        slots
            .iter()
            .filter_map(|slot| Some((*slot, self.get(*slot)?)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use statecraft_types::EventDate;

    fn event(id: &str, date: Option<&str>) -> Event {
        let mut event = crate::incidents::tests::event("USA", "IRN", date);
        event.event_id = id.into();
        event.date = date.map(|d| d.parse::<EventDate>().unwrap());
        event
    }

    #[test]
    fn slots_follow_log_order_and_replaced_events_leave_gaps() {
        let mut store = EventStore::default();
        let a = store.push((3, 0), event("a", Some("2019-03")), 0);
        let b = store.push((3, 1), event("b", None), 0);
        let c = store.push((9, 0), event("c", Some("2019-05-02")), 1);
        assert_eq!((a, b, c), (0, 1, 2));
        assert_eq!(store.by_id("c"), Some(c));
        assert_eq!(store.key(c), (9, 0));
        assert_eq!(store.first_at_or_after((3, 1)), 1);
        assert_eq!(store.first_at_or_after((4, 0)), 2);

        let day = |d: &str| days_of(&event("x", Some(d))).unwrap();
        let may = (day("2019-05").0, day("2019-05").1);
        assert_eq!(store.slots_dated_within(may.0, may.1), vec![c]);
        assert_eq!(
            store.slots_dated_within(day("2019").0, day("2019").1),
            vec![a, c]
        );

        assert_eq!(store.take(a).unwrap().event_id, "a");
        assert!(store.take(a).is_none(), "a slot empties once");
        assert_eq!(store.len(), 2);
        assert_eq!(store.by_id("a"), None);
        assert!(!store.dated_within(a, day("2019").0, day("2019").1));
        let ids: Vec<&str> = store.iter().map(|(_, e)| e.event_id.as_str()).collect();
        assert_eq!(ids, ["b", "c"]);
        let at: Vec<Slot> = store.at(&[c, a, b]).map(|(s, _)| s).collect();
        assert_eq!(at, vec![c, b]);
    }
}
