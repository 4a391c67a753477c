//! Conversions between domain types and wire types. Sending is a plain `From`; receiving is
//! `TryFrom` and validates.

use chrono::{DateTime, Utc};
use statecraft_proto::pb::events::v1 as pb;

use crate::{
    Actor, ActorKind, DateOrigin, DatePrecision, DocId, Document, Event, EventDate, EventType,
    Evidence, Plover, Polarity, ProtocolError, Result, SanctionDetails,
};

fn prefixed(field: &'static str) -> impl Fn(ProtocolError) -> ProtocolError {
    move |e| ProtocolError::new(format!("{field}.{}", e.field), e.reason)
}

fn non_empty(value: String) -> Option<String> {
    (!value.is_empty()).then_some(value)
}

/// Converts a chrono time to a protobuf timestamp.
fn to_timestamp(time: DateTime<Utc>) -> prost_types::Timestamp {
    prost_types::Timestamp {
        seconds: time.timestamp(),
        nanos: time.timestamp_subsec_nanos() as i32,
    }
}

/// Converts a protobuf timestamp to a chrono time, rejecting out-of-range values.
pub(crate) fn from_timestamp(field: &str, ts: prost_types::Timestamp) -> Result<DateTime<Utc>> {
    let nanos = u32::try_from(ts.nanos).map_err(|_| ProtocolError::new(field, "negative nanos"))?;
    DateTime::from_timestamp(ts.seconds, nanos)
        .ok_or_else(|| ProtocolError::new(field, "timestamp out of range"))
}

impl From<ActorKind> for pb::ActorKind {
    fn from(kind: ActorKind) -> Self {
        match kind {
            ActorKind::State => pb::ActorKind::State,
            ActorKind::GovernmentBody => pb::ActorKind::GovernmentBody,
            ActorKind::Person => pb::ActorKind::Person,
            ActorKind::Company => pb::ActorKind::Company,
            ActorKind::Igo => pb::ActorKind::Igo,
            ActorKind::Ngo => pb::ActorKind::Ngo,
            ActorKind::Group => pb::ActorKind::Group,
        }
    }
}

impl TryFrom<pb::ActorKind> for ActorKind {
    type Error = ProtocolError;

    fn try_from(kind: pb::ActorKind) -> Result<Self> {
        Ok(match kind {
            pb::ActorKind::Unspecified => {
                return Err(ProtocolError::new("kind", "actor kind is unspecified"));
            }
            pb::ActorKind::State => ActorKind::State,
            pb::ActorKind::GovernmentBody => ActorKind::GovernmentBody,
            pb::ActorKind::Person => ActorKind::Person,
            pb::ActorKind::Company => ActorKind::Company,
            pb::ActorKind::Igo => ActorKind::Igo,
            pb::ActorKind::Ngo => ActorKind::Ngo,
            pb::ActorKind::Group => ActorKind::Group,
        })
    }
}

impl From<Actor> for pb::Actor {
    fn from(actor: Actor) -> Self {
        pb::Actor {
            name: actor.name,
            mention: actor.mention,
            kind: pb::ActorKind::from(actor.kind) as i32,
            country: actor.country.unwrap_or_default(),
            sector: actor.sector.unwrap_or_default(),
            title: actor.title.unwrap_or_default(),
            cameo_code: actor.cameo_code,
        }
    }
}

impl TryFrom<pb::Actor> for Actor {
    type Error = ProtocolError;

    fn try_from(actor: pb::Actor) -> Result<Self> {
        if actor.name.is_empty() {
            return Err(ProtocolError::new("name", "actor name is empty"));
        }
        let kind = pb::ActorKind::try_from(actor.kind).map_err(|_| {
            ProtocolError::new("kind", format!("unknown actor kind {}", actor.kind))
        })?;
        Ok(Actor {
            name: actor.name,
            mention: actor.mention,
            kind: kind.try_into()?,
            country: non_empty(actor.country),
            sector: non_empty(actor.sector),
            title: non_empty(actor.title),
            cameo_code: actor.cameo_code,
        })
    }
}

impl From<EventType> for pb::EventType {
    fn from(event_type: EventType) -> Self {
        match event_type {
            EventType::SanctionImpose => pb::EventType::SanctionImpose,
            EventType::SanctionLift => pb::EventType::SanctionLift,
            EventType::SanctionThreaten => pb::EventType::SanctionThreaten,
            EventType::Accuse => pb::EventType::Accuse,
            EventType::Condemn => pb::EventType::Condemn,
            EventType::Deny => pb::EventType::Deny,
            EventType::Demand => pb::EventType::Demand,
            EventType::Appeal => pb::EventType::Appeal,
            EventType::Threaten => pb::EventType::Threaten,
            EventType::Meet => pb::EventType::Meet,
            EventType::Agree => pb::EventType::Agree,
            EventType::Praise => pb::EventType::Praise,
            EventType::Expel => pb::EventType::Expel,
            EventType::RecallAmbassador => pb::EventType::RecallAmbassador,
            EventType::ReduceRelations => pb::EventType::ReduceRelations,
            EventType::Statement => pb::EventType::Statement,
        }
    }
}

impl TryFrom<i32> for EventType {
    type Error = ProtocolError;

    /// Converts a wire enum value; unspecified and unknown values are errors.
    fn try_from(value: i32) -> Result<Self> {
        let wire = pb::EventType::try_from(value)
            .map_err(|_| ProtocolError::new("type", format!("unknown event type value {value}")))?;
        EventType::ALL
            .into_iter()
            .find(|t| pb::EventType::from(*t) == wire)
            .ok_or_else(|| ProtocolError::new("type", "event type is unspecified"))
    }
}

impl From<Polarity> for pb::Polarity {
    fn from(polarity: Polarity) -> Self {
        match polarity {
            Polarity::Asserted => pb::Polarity::Asserted,
            Polarity::Denied => pb::Polarity::Denied,
            Polarity::ReportedClaim => pb::Polarity::ReportedClaim,
            Polarity::Future => pb::Polarity::Future,
        }
    }
}

impl TryFrom<i32> for Polarity {
    type Error = ProtocolError;

    /// Converts a wire enum value; unspecified and unknown values are errors.
    fn try_from(value: i32) -> Result<Self> {
        match pb::Polarity::try_from(value) {
            Ok(pb::Polarity::Asserted) => Ok(Polarity::Asserted),
            Ok(pb::Polarity::Denied) => Ok(Polarity::Denied),
            Ok(pb::Polarity::ReportedClaim) => Ok(Polarity::ReportedClaim),
            Ok(pb::Polarity::Future) => Ok(Polarity::Future),
            Ok(pb::Polarity::Unspecified) => {
                Err(ProtocolError::new("polarity", "polarity is unspecified"))
            }
            Err(_) => Err(ProtocolError::new(
                "polarity",
                format!("unknown polarity value {value}"),
            )),
        }
    }
}

impl From<DatePrecision> for pb::DatePrecision {
    fn from(precision: DatePrecision) -> Self {
        match precision {
            DatePrecision::Day => pb::DatePrecision::Day,
            DatePrecision::Month => pb::DatePrecision::Month,
            DatePrecision::Year => pb::DatePrecision::Year,
        }
    }
}

impl From<Event> for pb::Event {
    fn from(event: Event) -> Self {
        pb::Event {
            event_id: event.event_id,
            doc_id: event.doc_id,
            r#type: pb::EventType::from(event.event_type) as i32,
            cameo_code: event.cameo_code,
            plover: Some(pb::Plover {
                r#type: event.plover.kind.unwrap_or_default(),
                mode: event.plover.mode.unwrap_or_default(),
            }),
            goldstein: event.goldstein,
            quad_class: event.quad_class,
            source: Some(event.source.into()),
            targets: event.targets.into_iter().map(Into::into).collect(),
            date: event.date.map(|d| d.to_string()).unwrap_or_default(),
            date_precision: event
                .date_precision
                .map(|p| pb::DatePrecision::from(p) as i32)
                .unwrap_or_default(),
            location: event.location.unwrap_or_default(),
            polarity: pb::Polarity::from(event.polarity) as i32,
            attribution: event.attribution.map(Into::into),
            details: event.details.map(|d| pb::SanctionDetails {
                measures: d.measures,
                program: d.program.unwrap_or_default(),
                authority: d.authority.unwrap_or_default(),
                reason: d.reason.unwrap_or_default(),
            }),
            evidence: Some(pb::Evidence {
                sentence: event.evidence.sentence,
                start: event.evidence.start,
                end: event.evidence.end,
            }),
            confidence: event.confidence,
            coder_version: event.coder_version,
            rule: event.rule,
        }
    }
}

impl TryFrom<pb::Event> for Event {
    type Error = ProtocolError;

    fn try_from(event: pb::Event) -> Result<Self> {
        if event.event_id.is_empty() {
            return Err(ProtocolError::new("event_id", "event id is empty"));
        }
        let source = event
            .source
            .ok_or_else(|| ProtocolError::new("source", "source is missing"))?
            .try_into()
            .map_err(prefixed("source"))?;
        let targets = event
            .targets
            .into_iter()
            .map(Actor::try_from)
            .collect::<Result<Vec<_>>>()
            .map_err(prefixed("targets"))?;
        let date = if event.date.is_empty() {
            None
        } else {
            Some(event.date.parse::<EventDate>()?)
        };
        let plover = event.plover.unwrap_or_default();
        let evidence = event.evidence.unwrap_or_default();
        if !(0.0..=1.0).contains(&event.confidence) {
            return Err(ProtocolError::new(
                "confidence",
                "confidence must be within [0, 1]",
            ));
        }
        Ok(Event {
            event_id: event.event_id,
            doc_id: event.doc_id,
            event_type: EventType::try_from(event.r#type)?,
            cameo_code: event.cameo_code,
            plover: Plover {
                kind: non_empty(plover.r#type),
                mode: non_empty(plover.mode),
            },
            goldstein: event.goldstein,
            quad_class: event.quad_class,
            source,
            targets,
            date_precision: date.map(|d| d.precision()),
            date,
            location: non_empty(event.location),
            polarity: Polarity::try_from(event.polarity)?,
            attribution: event
                .attribution
                .map(Actor::try_from)
                .transpose()
                .map_err(prefixed("attribution"))?,
            details: event.details.map(|d| SanctionDetails {
                measures: d.measures,
                program: non_empty(d.program),
                authority: non_empty(d.authority),
                reason: non_empty(d.reason),
            }),
            evidence: Evidence {
                sentence: evidence.sentence,
                start: evidence.start,
                end: evidence.end,
            },
            confidence: event.confidence,
            coder_version: event.coder_version,
            rule: event.rule,
        })
    }
}

impl From<DateOrigin> for pb::DateOrigin {
    fn from(origin: DateOrigin) -> Self {
        match origin {
            DateOrigin::Unrecorded => pb::DateOrigin::Unspecified,
            DateOrigin::Field => pb::DateOrigin::Field,
            DateOrigin::Url => pb::DateOrigin::Url,
            DateOrigin::Dateline => pb::DateOrigin::Dateline,
            DateOrigin::None => pb::DateOrigin::None,
        }
    }
}

impl From<pb::DateOrigin> for DateOrigin {
    fn from(origin: pb::DateOrigin) -> Self {
        match origin {
            pb::DateOrigin::Unspecified => DateOrigin::Unrecorded,
            pb::DateOrigin::Field => DateOrigin::Field,
            pb::DateOrigin::Url => DateOrigin::Url,
            pb::DateOrigin::Dateline => DateOrigin::Dateline,
            pb::DateOrigin::None => DateOrigin::None,
        }
    }
}

impl From<Document> for pb::Document {
    fn from(doc: Document) -> Self {
        pb::Document {
            doc_id: doc.doc_id.to_string(),
            url: doc.url.unwrap_or_default(),
            title: doc.title.unwrap_or_default(),
            source: doc.source.unwrap_or_default(),
            published_at: doc.published_at.map(to_timestamp),
            language: doc.language,
            text: doc.text,
            ingested_at: Some(to_timestamp(doc.ingested_at)),
            date_origin: pb::DateOrigin::from(doc.date_origin) as i32,
        }
    }
}

impl TryFrom<pb::Document> for Document {
    type Error = ProtocolError;

    fn try_from(doc: pb::Document) -> Result<Self> {
        Ok(Document {
            doc_id: DocId::parse(&doc.doc_id)?,
            url: non_empty(doc.url),
            title: non_empty(doc.title),
            source: non_empty(doc.source),
            published_at: doc
                .published_at
                .map(|ts| from_timestamp("published_at", ts))
                .transpose()?,
            language: doc.language,
            text: doc.text,
            ingested_at: from_timestamp(
                "ingested_at",
                doc.ingested_at
                    .ok_or_else(|| ProtocolError::new("ingested_at", "missing"))?,
            )?,
            // An origin this build does not know reads as unrecorded rather than failing.
            date_origin: pb::DateOrigin::try_from(doc.date_origin)
                .map(DateOrigin::from)
                .unwrap_or_default(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn actor(name: &str, kind: ActorKind) -> Actor {
        Actor {
            name: name.into(),
            mention: name.into(),
            kind,
            country: Some("USA".into()),
            sector: Some("GOV".into()),
            title: None,
            cameo_code: "USAGOV".into(),
        }
    }

    #[test]
    fn event_round_trips_through_the_wire() {
        let date = EventDate::day(2018, 9, 13).unwrap();
        let event = Event {
            event_id: crate::event_id("doc", "v", 0),
            doc_id: "doc".into(),
            event_type: EventType::SanctionImpose,
            cameo_code: "163".into(),
            plover: Plover {
                kind: Some("SANCTION".into()),
                mode: Some("discontinue".into()),
            },
            goldstein: -8.0,
            quad_class: 4,
            source: actor("U.S. Department of the Treasury", ActorKind::GovernmentBody),
            targets: vec![actor("Acme Co", ActorKind::Company)],
            date: Some(date),
            date_precision: Some(date.precision()),
            location: None,
            polarity: Polarity::Asserted,
            attribution: None,
            details: Some(SanctionDetails {
                measures: vec!["asset_freeze".into()],
                program: Some("DPRK".into()),
                authority: None,
                reason: None,
            }),
            evidence: Evidence {
                sentence: "x".into(),
                start: 0,
                end: 1,
            },
            confidence: 0.9,
            coder_version: "v".into(),
            rule: "r".into(),
        };
        let wire = pb::Event::from(event.clone());
        assert_eq!(Event::try_from(wire.clone()).unwrap(), event);

        let mut bad = wire.clone();
        bad.r#type = 0;
        assert_eq!(Event::try_from(bad).unwrap_err().field, "type");
        let mut bad = wire.clone();
        bad.targets[0].kind = 99;
        assert_eq!(Event::try_from(bad).unwrap_err().field, "targets.kind");
        let mut bad = wire;
        bad.date = "2018-02-31".into();
        assert_eq!(Event::try_from(bad).unwrap_err().field, "date");
    }
}
