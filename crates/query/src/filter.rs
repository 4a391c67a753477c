//! Event filters shared by search and subscribe: validation from the wire and matching.

use statecraft_proto::pb::query::v1 as pb;
use statecraft_types::{Actor, Event, EventDate, EventType, Polarity};

use crate::error::{Error, Result};

/// A validated event filter; every set criterion must match.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EventFilter {
    /// Types to include; all when empty.
    pub types: Vec<EventType>,
    /// Lower-cased actor text, or a CAMEO code.
    pub actor: Option<String>,
    /// Country code (upper case).
    pub country: Option<String>,
    /// Lower-cased target text.
    pub target: Option<String>,
    /// Earliest date.
    pub date_from: Option<EventDate>,
    /// Latest date.
    pub date_to: Option<EventDate>,
    /// Lower-cased text to find in the evidence or the document.
    pub text: Option<String>,
    /// Polarities to include; all when empty.
    pub polarities: Vec<Polarity>,
    /// Minimum confidence.
    pub min_confidence: f64,
}

const MAX_FILTER_TEXT: usize = 256;
/// More values than there are event types or polarities is a malformed request.
const MAX_FILTER_VALUES: usize = 64;

pub(crate) fn text_field(field: &'static str, value: String) -> Result<Option<String>> {
    let value = value.trim().to_owned();
    if value.chars().count() > MAX_FILTER_TEXT {
        return Err(Error::InvalidField {
            field,
            reason: format!("must be at most {MAX_FILTER_TEXT} characters"),
        });
    }
    Ok((!value.is_empty()).then_some(value))
}

pub(crate) fn date_field(field: &'static str, value: String) -> Result<Option<EventDate>> {
    text_field(field, value)?
        .map(|raw| {
            raw.parse::<EventDate>().map_err(|e| Error::InvalidField {
                field,
                reason: e.reason,
            })
        })
        .transpose()
}

/// A validated date range: each end parses, and `from` is not after `to`.
pub(crate) fn date_range(
    (from_field, from): (&'static str, String),
    (to_field, to): (&'static str, String),
) -> Result<(Option<EventDate>, Option<EventDate>)> {
    let from = date_field(from_field, from)?;
    let to = date_field(to_field, to)?;
    if let (Some(first), Some(last)) = (from, to)
        && first.first_day() > last.last_day()
    {
        return Err(Error::InvalidField {
            field: from_field,
            reason: format!("{from_field} is after {to_field}"),
        });
    }
    Ok((from, to))
}

impl TryFrom<Option<pb::EventFilter>> for EventFilter {
    type Error = Error;

    fn try_from(filter: Option<pb::EventFilter>) -> Result<Self> {
        let filter = filter.unwrap_or_default();
        for (field, len) in [
            ("filter.types", filter.types.len()),
            ("filter.polarities", filter.polarities.len()),
        ] {
            if len > MAX_FILTER_VALUES {
                return Err(Error::InvalidField {
                    field,
                    reason: format!("at most {MAX_FILTER_VALUES} values, got {len}"),
                });
            }
        }
        let types = filter
            .types
            .iter()
            .map(|t| {
                EventType::try_from(*t).map_err(|e| Error::InvalidField {
                    field: "filter.types",
                    reason: e.reason,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let polarities = filter
            .polarities
            .iter()
            .map(|p| {
                Polarity::try_from(*p).map_err(|e| Error::InvalidField {
                    field: "filter.polarities",
                    reason: e.reason,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        if !(0.0..=1.0).contains(&filter.min_confidence) {
            return Err(Error::InvalidField {
                field: "filter.min_confidence",
                reason: "must be within [0, 1]".into(),
            });
        }
        let (date_from, date_to) = date_range(
            ("filter.date_from", filter.date_from),
            ("filter.date_to", filter.date_to),
        )?;
        Ok(Self {
            types,
            actor: text_field("filter.actor", filter.actor)?,
            country: text_field("filter.country", filter.country)?.map(|c| c.to_ascii_uppercase()),
            target: text_field("filter.target", filter.target)?.map(|t| t.to_lowercase()),
            date_from,
            date_to,
            text: text_field("filter.text", filter.text)?.map(|t| t.to_lowercase()),
            polarities,
            min_confidence: filter.min_confidence,
        })
    }
}

/// 64-bit FNV-1a of a query's canonical form: ties a page token to the query that made it
/// (stable for a given build).
pub(crate) fn fingerprint(canonical: &str) -> u64 {
    canonical
        .bytes()
        .fold(0xcbf2_9ce4_8422_2325u64, |hash, byte| {
            (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3)
        })
}

/// Whether an actor answers to `needle`: a three-letter upper-case country code, a CAMEO code,
/// or (case-insensitively) part of its name or mention.
pub(crate) fn actor_matches(actor: &Actor, needle: &str) -> bool {
    let is_code = needle.len() == 3 && needle.bytes().all(|b| b.is_ascii_uppercase());
    if is_code && actor.country.as_deref() == Some(needle) {
        return true;
    }
    actor.cameo_code.eq_ignore_ascii_case(needle) || mentions_text(actor, &needle.to_lowercase())
}

fn mentions_text(actor: &Actor, needle: &str) -> bool {
    actor.name.to_lowercase().contains(needle) || actor.mention.to_lowercase().contains(needle)
}

impl EventFilter {
    /// Whether `event` passes the filter, with the text criterion on the evidence only.
    pub fn matches(&self, event: &Event) -> bool {
        self.matches_with(event, |_| false)
    }

    /// Whether `event` passes the filter; `document_has_text(doc_id)` tells whether the
    /// text criterion matches the event's document.
    pub fn matches_with(&self, event: &Event, document_has_text: impl Fn(&str) -> bool) -> bool {
        if !self.types.is_empty() && !self.types.contains(&event.event_type) {
            return false;
        }
        if !self.polarities.is_empty() && !self.polarities.contains(&event.polarity) {
            return false;
        }
        if event.confidence < self.min_confidence {
            return false;
        }
        let actors = || std::iter::once(&event.source).chain(event.targets.iter());
        if let Some(actor) = &self.actor {
            let needle = actor.to_lowercase();
            let hit = actors()
                .any(|a| mentions_text(a, &needle) || a.cameo_code.eq_ignore_ascii_case(actor));
            if !hit {
                return false;
            }
        }
        if let Some(country) = &self.country
            && !actors().any(|a| a.country.as_deref() == Some(country.as_str()))
        {
            return false;
        }
        if let Some(target) = &self.target
            && !event.targets.iter().any(|t| mentions_text(t, target))
        {
            return false;
        }
        if self.date_from.is_some() || self.date_to.is_some() {
            let Some(date) = event.date else {
                return false;
            };
            if self
                .date_from
                .is_some_and(|from| date.last_day() < from.first_day())
            {
                return false;
            }
            if self
                .date_to
                .is_some_and(|to| date.first_day() > to.last_day())
            {
                return false;
            }
        }
        if let Some(text) = &self.text
            && !document_has_text(&event.doc_id)
            && !event.evidence.sentence.to_lowercase().contains(text)
        {
            return false;
        }
        true
    }

    /// A stable fingerprint, so a page token is only accepted for the query that made it.
    pub fn fingerprint(&self) -> u64 {
        fingerprint(&format!("{self:?}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_filters_are_validated() {
        let ok = EventFilter::try_from(Some(pb::EventFilter {
            types: vec![1, 4],
            country: "rus".into(),
            date_from: "2018".into(),
            date_to: "2018-09".into(),
            ..Default::default()
        }))
        .unwrap();
        assert_eq!(ok.types, vec![EventType::SanctionImpose, EventType::Accuse]);
        assert_eq!(ok.country.as_deref(), Some("RUS"));

        let cases = [
            pb::EventFilter {
                types: vec![0],
                ..Default::default()
            },
            pb::EventFilter {
                types: vec![99],
                ..Default::default()
            },
            pb::EventFilter {
                date_from: "yesterday".into(),
                ..Default::default()
            },
            pb::EventFilter {
                date_from: "2019".into(),
                date_to: "2018".into(),
                ..Default::default()
            },
            pb::EventFilter {
                min_confidence: 1.5,
                ..Default::default()
            },
            pb::EventFilter {
                actor: "x".repeat(300),
                ..Default::default()
            },
            pb::EventFilter {
                polarities: vec![7],
                ..Default::default()
            },
        ];
        for case in cases {
            assert!(
                EventFilter::try_from(Some(case.clone())).is_err(),
                "{case:?} should be rejected"
            );
        }
        assert_ne!(ok.fingerprint(), EventFilter::default().fingerprint());
    }
}
