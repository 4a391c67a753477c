//! Analysts' questions over the read model: an actor's timeline, sanctions status per target,
//! and the relations of two actors over time.

use std::collections::BTreeMap;

use statecraft_types::{Actor, Event, EventDate, EventType, Polarity};

use crate::filter::actor_matches;
use crate::projection::ReadModel;
use crate::store::Slot;

/// Orders events by date (undated last), then by log position.
fn chronological(a: &(Slot, &Event), b: &(Slot, &Event)) -> std::cmp::Ordering {
    let date = |e: &Event| e.date.map(|d| d.first_day());
    match (date(a.1), date(b.1)) {
        (Some(x), Some(y)) => x.cmp(&y).then(a.0.cmp(&b.0)),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => a.0.cmp(&b.0),
    }
}

fn in_range(event: &Event, from: Option<EventDate>, to: Option<EventDate>) -> bool {
    if from.is_none() && to.is_none() {
        return true;
    }
    let Some(date) = event.date else { return false };
    from.is_none_or(|f| date.last_day() >= f.first_day())
        && to.is_none_or(|t| date.first_day() <= t.last_day())
}

/// The events `actor` took part in, oldest first.
pub(crate) fn timeline<'a>(
    model: &'a ReadModel,
    actor: &str,
    from: Option<EventDate>,
    to: Option<EventDate>,
    types: &[EventType],
) -> Vec<&'a Event> {
    let candidates = model.index.actor(actor);
    let mut events: Vec<(Slot, &Event)> = model
        .events
        .at(&candidates)
        .filter(|(_, e)| types.is_empty() || types.contains(&e.event_type))
        .filter(|(_, e)| {
            actor_matches(&e.source, actor) || e.targets.iter().any(|t| actor_matches(t, actor))
        })
        .filter(|(_, e)| in_range(e, from, to))
        .collect();
    events.sort_by(chronological);
    events.into_iter().map(|(_, e)| e).collect()
}

/// Where sanctions on a target stand.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SanctionState {
    /// Imposed, not lifted since.
    Imposed,
    /// Lifted.
    Lifted,
    /// Threatened, not imposed.
    Threatened,
}

/// The sanctions one side holds against one target.
#[derive(Debug, Clone)]
pub struct SanctionsEntry {
    /// The target.
    pub target: Actor,
    /// Country or IGO code of the sanctioning side.
    pub source_country: String,
    /// The sanctioning actor of the latest event.
    pub source: Actor,
    /// Current state.
    pub state: SanctionState,
    /// Date of the event that set the state.
    pub since: Option<EventDate>,
    /// Programs named.
    pub programs: Vec<String>,
    /// The sanction events of this pair, in date order.
    pub evidence: Vec<Event>,
}

/// Sanctions status per (target, sanctioning side), from event dates; `as_of` keeps only
/// events dated on or before it.
pub(crate) fn sanctions_status(
    model: &ReadModel,
    target: Option<&str>,
    source: Option<&str>,
    program: Option<&str>,
    as_of: Option<EventDate>,
) -> Vec<SanctionsEntry> {
    let sanction_types = [
        EventType::SanctionImpose,
        EventType::SanctionLift,
        EventType::SanctionThreaten,
    ];
    // A named target or source narrows far more than the three sanction types do.
    let by_actor = [target, source]
        .into_iter()
        .flatten()
        .map(|needle| model.index.actor(needle))
        .min_by_key(Vec::len);
    let candidates = by_actor.unwrap_or_else(|| model.index.types(&sanction_types));
    let mut events: Vec<(Slot, &Event)> = model
        .events
        .at(&candidates)
        .filter(|(_, e)| e.event_type.is_sanction() && e.polarity != Polarity::Denied)
        .filter(|(_, e)| source.is_none_or(|s| actor_matches(&e.source, s)))
        .filter(|(_, e)| {
            program.is_none_or(|p| {
                e.details
                    .as_ref()
                    .and_then(|d| d.program.as_deref())
                    .is_some_and(|q| q.eq_ignore_ascii_case(p))
            })
        })
        .filter(|(_, e)| {
            as_of.is_none_or(|limit| e.date.is_some_and(|d| d.first_day() <= limit.last_day()))
        })
        .collect();
    events.sort_by(chronological);

    // (target name, target country, source side) → entry
    let mut entries: BTreeMap<(String, String, String), SanctionsEntry> = BTreeMap::new();
    for (_, event) in events {
        let side = event
            .source
            .country
            .clone()
            .unwrap_or_else(|| event.source.name.clone());
        for actor in event
            .targets
            .iter()
            .filter(|t| target.is_none_or(|needle| actor_matches(t, needle)))
        {
            let key = (
                actor.name.clone(),
                actor.country.clone().unwrap_or_default(),
                side.clone(),
            );
            let entry = entries.entry(key).or_insert_with(|| SanctionsEntry {
                target: actor.clone(),
                source_country: side.clone(),
                source: event.source.clone(),
                state: SanctionState::Threatened,
                since: None,
                programs: Vec::new(),
                evidence: Vec::new(),
            });
            let next = match (event.event_type, entry.state, entry.evidence.is_empty()) {
                (EventType::SanctionImpose, _, _) => Some(SanctionState::Imposed),
                (EventType::SanctionLift, _, _) => Some(SanctionState::Lifted),
                // A threat does not undo sanctions in force.
                (EventType::SanctionThreaten, SanctionState::Imposed, false) => None,
                (EventType::SanctionThreaten, _, _) => Some(SanctionState::Threatened),
                _ => None,
            };
            if let Some(state) = next {
                entry.state = state;
                entry.since = event.date;
                entry.source = event.source.clone();
            }
            if let Some(program) = event.details.as_ref().and_then(|d| d.program.clone())
                && !entry.programs.contains(&program)
            {
                entry.programs.push(program);
            }
            entry.evidence.push(event.clone());
        }
    }
    let mut entries: Vec<SanctionsEntry> = entries.into_values().collect();
    entries.sort_by(|a, b| {
        b.since
            .cmp(&a.since)
            .then(a.target.name.cmp(&b.target.name))
    });
    entries
}

/// Bucket width for relations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BucketWidth {
    /// Days.
    Day,
    /// Months.
    Month,
    /// Years.
    Year,
}

/// The relations of two actors in one period.
#[derive(Debug, Clone, Default)]
pub struct RelationsBucket {
    /// The period, or "undated".
    pub period: String,
    /// Events either way.
    pub events: u64,
    /// Events per type.
    pub counts_by_type: BTreeMap<EventType, u64>,
    /// Sum of positive Goldstein values.
    pub cooperation: f64,
    /// Sum of negative Goldstein values, positive.
    pub conflict: f64,
    /// Sum of Goldstein values.
    pub net: f64,
    /// Events from A to B.
    pub a_to_b: u64,
    /// Events from B to A.
    pub b_to_a: u64,
}

fn period(date: Option<EventDate>, width: BucketWidth) -> String {
    let Some(date) = date else {
        return "undated".to_owned();
    };
    let text = date.to_string();
    let cut = match width {
        BucketWidth::Day => 10,
        BucketWidth::Month => 7,
        BucketWidth::Year => 4,
    };
    text.get(..cut).map_or(text.clone(), str::to_owned)
}

/// Events between `a` and `b` (either direction), bucketed by event date; "undated" last.
pub(crate) fn relations(
    model: &ReadModel,
    a: &str,
    b: &str,
    from: Option<EventDate>,
    to: Option<EventDate>,
    width: BucketWidth,
) -> Vec<RelationsBucket> {
    let mut buckets: BTreeMap<(bool, String), RelationsBucket> = BTreeMap::new();
    let (with_a, with_b) = (model.index.actor(a), model.index.actor(b));
    let candidates = if with_a.len() <= with_b.len() {
        with_a
    } else {
        with_b
    };
    for (_, event) in model
        .events
        .at(&candidates)
        .filter(|(_, e)| in_range(e, from, to))
    {
        let forward =
            actor_matches(&event.source, a) && event.targets.iter().any(|t| actor_matches(t, b));
        let backward =
            actor_matches(&event.source, b) && event.targets.iter().any(|t| actor_matches(t, a));
        if !forward && !backward {
            continue;
        }
        let name = period(event.date, width);
        let bucket = buckets
            .entry((event.date.is_none(), name.clone()))
            .or_insert_with(|| RelationsBucket {
                period: name,
                ..RelationsBucket::default()
            });
        bucket.events += 1;
        *bucket.counts_by_type.entry(event.event_type).or_insert(0) += 1;
        if event.goldstein >= 0.0 {
            bucket.cooperation += event.goldstein;
        } else {
            bucket.conflict -= event.goldstein;
        }
        bucket.net += event.goldstein;
        if forward {
            bucket.a_to_b += 1;
        } else {
            bucket.b_to_a += 1;
        }
    }
    buckets.into_values().collect()
}
