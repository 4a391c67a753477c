//! Running an event filter over the read model: candidates from the posting lists, then the
//! compact fact column (type, polarity, confidence, dates, and the document for the text
//! criterion), and the full filter only for the criteria the indexes answer loosely (actor,
//! target, country). Counting a total stays cheap because most criteria are decided on the
//! column; when the full filter is needed for a large candidate set, counting stops after a
//! budget and the rest is estimated.

use std::time::Instant;

use statecraft_types::Event;

use crate::error::{Error, Result};
use crate::filter::EventFilter;
use crate::projection::ReadModel;
use crate::store::{Facts, Slot};
use crate::text::DocSet;

/// Full-filter checks a search makes beyond its page before it estimates the total.
const COUNT_BUDGET: usize = 50_000;
/// Slots visited between two looks at the clock.
const CLOCK_EVERY: usize = 4_096;

/// A filter prepared against one read model.
pub(crate) struct Plan<'m> {
    model: &'m ReadModel,
    filter: &'m EventFilter,
    /// Ascending candidate slots from the posting lists; every slot when `None`.
    candidates: Option<Vec<Slot>>,
    /// The documents that satisfy the text criterion.
    documents: Option<DocSet>,
    days: Option<(i32, i32)>,
    /// Whether an event that passes the column still needs the full filter.
    full_check: bool,
}

/// One page of a search, newest first.
pub(crate) struct Found<'m> {
    pub(crate) events: Vec<(Slot, &'m Event)>,
    pub(crate) more: bool,
    pub(crate) total: u64,
}

impl<'m> Plan<'m> {
    pub(crate) fn new(model: &'m ReadModel, filter: &'m EventFilter) -> Self {
        use chrono::Datelike;
        let lists_only = EventFilter {
            date_from: None,
            date_to: None,
            ..filter.clone()
        };
        let candidates = model.index.candidates(&model.events, &lists_only);
        let documents = filter.text.as_deref().map(|query| {
            model.text.matching(query, |doc| {
                model
                    .documents
                    .get(model.text.id(doc))
                    .map_or("", |entry| entry.document.text.as_str())
            })
        });
        let days = (filter.date_from.is_some() || filter.date_to.is_some()).then(|| {
            (
                filter
                    .date_from
                    .map_or(i32::MIN, |d| d.first_day().num_days_from_ce()),
                filter
                    .date_to
                    .map_or(i32::MAX, |d| d.last_day().num_days_from_ce()),
            )
        });
        Self {
            model,
            filter,
            candidates,
            documents,
            days,
            full_check: filter.actor.is_some()
                || filter.target.is_some()
                || filter.country.is_some(),
        }
    }

    /// Whether the column decides against the event. The text criterion relies on an
    /// event's evidence being a sentence of its document: a document that does not contain
    /// the text has no event whose evidence does.
    fn column_passes(&self, facts: &Facts) -> bool {
        let filter = self.filter;
        (filter.types.is_empty() || filter.types.contains(&facts.event_type))
            && (filter.polarities.is_empty() || filter.polarities.contains(&facts.polarity))
            && facts.confidence >= filter.min_confidence
            && self.days.is_none_or(|(from, to)| {
                facts
                    .days
                    .is_some_and(|(first, last)| last >= from && first <= to)
            })
            && self
                .documents
                .as_ref()
                .is_none_or(|docs| docs.contains(facts.doc))
    }

    fn passes_column(&self, slot: Slot) -> bool {
        self.model
            .events
            .facts(slot)
            .is_some_and(|facts| self.column_passes(facts))
    }

    /// The event in `slot` if it matches the filter.
    fn check(&self, slot: Slot) -> Option<&'m Event> {
        if !self.passes_column(slot) {
            return None;
        }
        let event = self.model.events.get(slot)?;
        // The document criterion is settled by the column already.
        (!self.full_check || self.filter.matches_with(event, |_| true)).then_some(event)
    }

    fn slots(&self) -> Box<dyn DoubleEndedIterator<Item = Slot> + '_> {
        match &self.candidates {
            Some(slots) => Box::new(slots.iter().copied()),
            None => Box::new(0..self.model.events.next_slot()),
        }
    }

    /// Every matching event, in log order (reverse for newest first).
    pub(crate) fn matching(&self) -> impl DoubleEndedIterator<Item = (Slot, &'m Event)> + '_ {
        self.slots()
            .filter_map(|slot| Some((slot, self.check(slot)?)))
    }

    /// The newest `page_size` matches below slot `before`, whether there are more, and the
    /// total number of matches (estimated once counting passes its budget). Fails when the
    /// page cannot be filled by `deadline`.
    pub(crate) fn page(
        &self,
        before: Option<Slot>,
        page_size: usize,
        deadline: Instant,
    ) -> Result<Found<'m>> {
        let mut events = Vec::with_capacity(page_size);
        let mut total = 0u64;
        let mut more = false;
        let mut checked_after_page = 0usize;
        let mut visited = 0usize;
        let candidates = self
            .candidates
            .as_ref()
            .map_or(self.model.events.next_slot() as usize, Vec::len);
        // No criterion at all: the count is the store's, and only the page is visited.
        let everything =
            self.candidates.is_none() && !self.full_check && *self.filter == EventFilter::default();
        if everything {
            total = self.model.events.len() as u64;
        }
        for slot in self.slots().rev() {
            if everything && events.len() >= page_size && more {
                break;
            }
            visited += 1;
            if visited.is_multiple_of(CLOCK_EVERY) && Instant::now() > deadline {
                if events.len() < page_size && !more {
                    return Err(Error::SearchTooLong);
                }
                if !everything {
                    let rate = total as f64 / visited as f64;
                    total += (rate * (candidates - visited) as f64) as u64;
                }
                break;
            }
            if !self.passes_column(slot) {
                continue;
            }
            let page_full = events.len() >= page_size;
            if self.full_check && page_full {
                if checked_after_page >= COUNT_BUDGET {
                    // Estimate the rest from the share of column-passing candidates that
                    // matched so far.
                    let rate = total as f64 / visited as f64;
                    total += (rate * (candidates - visited) as f64) as u64;
                    break;
                }
                checked_after_page += 1;
            }
            let Some(event) = self.check(slot) else {
                continue;
            };
            if !everything {
                total += 1;
            }
            if before.is_some_and(|before| slot >= before) {
                continue;
            }
            if events.len() < page_size {
                events.push((slot, event));
            } else {
                more = true;
            }
        }
        Ok(Found {
            events,
            more,
            total,
        })
    }
}
