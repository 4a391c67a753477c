//! Running an event filter over the read model: candidates from the posting lists, then the
//! compact fact column (type, polarity, confidence, dates, and the document for the text
//! criterion), and the full filter only for the criteria the indexes answer loosely (actor,
//! target, country).
//!
//! A page visits events newest first until it is full. The total is exact when the posting
//! lists answer the filter alone (types only) or when few events are left to check
//! ([`COUNT_SAMPLE`] on the column alone, [`COUNT_SAMPLE_EXPENSIVE`] when a check may read a
//! document's text or the event); beyond that it is estimated from an evenly spaced sample
//! of them, so a broad filter costs a bounded number of checks rather than one per event.

use std::cell::RefCell;
use std::time::Instant;

use statecraft_types::Event;

use crate::error::{Error, Result};
use crate::filter::EventFilter;
use crate::projection::ReadModel;
use crate::store::{Facts, Slot};
use crate::text::{DocNo, DocSet, Verifier};

/// Events checked, at most, to count the matches a page does not show: on the column alone,
/// and when a check may read a document's text or the event itself.
const COUNT_SAMPLE: usize = 65_536;
const COUNT_SAMPLE_EXPENSIVE: usize = 4_096;
/// Slots visited between two looks at the clock.
const CLOCK_EVERY: usize = 4_096;

/// The documents that satisfy the text criterion, checked against their text on first use
/// when the text index only narrows them down.
struct DocFilter<'m> {
    model: &'m ReadModel,
    candidates: DocSet,
    exact: bool,
    verifier: Verifier,
    checked: RefCell<DocSet>,
    matched: RefCell<DocSet>,
}

impl DocFilter<'_> {
    fn contains(&self, doc: DocNo) -> bool {
        if !self.candidates.contains(doc) {
            return false;
        }
        if self.exact {
            return true;
        }
        if self.checked.borrow().contains(doc) {
            return self.matched.borrow().contains(doc);
        }
        let text = self
            .model
            .documents
            .get(self.model.text.id(doc))
            .map_or("", |entry| entry.document.text.as_str());
        let found = self.verifier.contains(text);
        self.checked.borrow_mut().insert(doc);
        if found {
            self.matched.borrow_mut().insert(doc);
        }
        found
    }
}

/// A filter prepared against one read model.
pub(crate) struct Plan<'m> {
    model: &'m ReadModel,
    filter: &'m EventFilter,
    /// Ascending candidate slots from the posting lists; every slot when `None`.
    candidates: Option<Vec<Slot>>,
    documents: Option<DocFilter<'m>>,
    days: Option<(i32, i32)>,
    /// Whether an event that passes the column still needs the full filter.
    full_check: bool,
    /// Whether every candidate matches (the posting lists answer the filter alone).
    candidates_exact: bool,
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
            let (candidates, exact) = model.text.candidates(query);
            DocFilter {
                model,
                candidates,
                exact,
                verifier: Verifier::new(query),
                checked: RefCell::default(),
                matched: RefCell::default(),
            }
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
        let only_types = EventFilter {
            types: filter.types.clone(),
            ..EventFilter::default()
        };
        Self {
            model,
            filter,
            candidates_exact: candidates.is_some() && *filter == only_types,
            candidates,
            documents,
            days,
            full_check: filter.actor.is_some()
                || filter.target.is_some()
                || filter.country.is_some(),
        }
    }

    /// Whether the column admits the event. The text criterion relies on an event's
    /// evidence being a sentence of its document: a document that does not contain the text
    /// has no event whose evidence does.
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

    /// The event in `slot` if it matches the filter.
    fn check(&self, slot: Slot) -> Option<&'m Event> {
        let facts = self.model.events.facts(slot)?;
        if !self.column_passes(facts) {
            return None;
        }
        let event = self.model.events.get(slot)?;
        // The document criterion is settled by the column already.
        (!self.full_check || self.filter.matches_with(event, |_| true)).then_some(event)
    }

    fn len(&self) -> usize {
        self.candidates
            .as_ref()
            .map_or(self.model.events.next_slot() as usize, Vec::len)
    }

    /// The `i`-th candidate slot, newest first.
    fn newest(&self, i: usize) -> Slot {
        let last = self.len() - 1 - i;
        match &self.candidates {
            Some(slots) => slots[last],
            None => last as Slot,
        }
    }

    /// Every matching event, in log order (reverse for newest first).
    pub(crate) fn matching(&self) -> impl DoubleEndedIterator<Item = (Slot, &'m Event)> + '_ {
        let slots: Box<dyn DoubleEndedIterator<Item = Slot> + '_> = match &self.candidates {
            Some(slots) => Box::new(slots.iter().copied()),
            None => Box::new(0..self.model.events.next_slot()),
        };
        slots.filter_map(|slot| Some((slot, self.check(slot)?)))
    }

    /// Matches among the newest-first candidates `range`: counted one by one when there
    /// are few, else estimated from an evenly spaced sample.
    fn count(&self, range: std::ops::Range<usize>) -> u64 {
        if self.candidates_exact {
            // Posting lists hold current events only, and each of them matches.
            return range.len() as u64;
        }
        let expensive = self.full_check || self.documents.as_ref().is_some_and(|d| !d.exact);
        let sample = if expensive {
            COUNT_SAMPLE_EXPENSIVE
        } else {
            COUNT_SAMPLE
        };
        let len = range.len();
        if len <= sample {
            return range
                .filter(|i| self.check(self.newest(*i)).is_some())
                .count() as u64;
        }
        let stride = len.div_ceil(sample);
        let sampled = (range.start..range.end).step_by(stride);
        let (mut seen, mut hits) = (0u64, 0u64);
        for i in sampled {
            seen += 1;
            if self.check(self.newest(i)).is_some() {
                hits += 1;
            }
        }
        (hits as f64 * len as f64 / seen as f64).round() as u64
    }

    /// The newest `page_size` matches below slot `before`, whether there are more, and the
    /// total number of matches (see the module docs for when it is estimated). Fails when
    /// the page cannot be filled by `deadline`.
    pub(crate) fn page(
        &self,
        before: Option<Slot>,
        page_size: usize,
        deadline: Instant,
    ) -> Result<Found<'m>> {
        let len = self.len();
        // Candidates newer than the page token come first in newest-first order.
        let newer = match before {
            None => 0,
            Some(before) => {
                let (mut low, mut high) = (0, len);
                while low < high {
                    let middle = low + (high - low) / 2;
                    if self.newest(middle) >= before {
                        low = middle + 1;
                    } else {
                        high = middle;
                    }
                }
                low
            }
        };
        let mut events = Vec::with_capacity(page_size);
        let mut more = false;
        let mut total = 0u64;
        let mut i = newer;
        while i < len {
            if (i - newer + 1).is_multiple_of(CLOCK_EVERY) && Instant::now() > deadline {
                return Err(Error::SearchTooLong);
            }
            let slot = self.newest(i);
            i += 1;
            let Some(event) = self.check(slot) else {
                continue;
            };
            total += 1;
            if events.len() < page_size {
                events.push((slot, event));
            } else {
                more = true;
                break;
            }
        }
        total = if self.candidates.is_none() && *self.filter == EventFilter::default() {
            // No criterion: every current event.
            self.model.events.len() as u64
        } else {
            total + self.count(0..newer) + self.count(i..len)
        };
        Ok(Found {
            events,
            more,
            total,
        })
    }
}
