//! A synthetic corpus in log form, for query tests and benchmarks: documents and their
//! extracted events with a realistic spread of types, actors and dates. Deterministic for a
//! given seed, so runs compare.

use bytes::Bytes;
use chrono::{Datelike, NaiveDate, TimeZone, Utc};
use prost::Message;
use statecraft_eventlog::NewRecord;
use statecraft_proto::pb::events::v1::{self as events, RecordType};
use statecraft_types::{
    Actor, ActorKind, DocId, Document, Event, EventDate, EventType, Evidence, Plover, Polarity,
    event_id,
};

/// States that act and are acted upon (ISO alpha-3 code, name).
pub const STATES: [(&str, &str); 24] = [
    ("USA", "United States"),
    ("RUS", "Russia"),
    ("CHN", "China"),
    ("IRN", "Iran"),
    ("PRK", "North Korea"),
    ("GBR", "United Kingdom"),
    ("FRA", "France"),
    ("DEU", "Germany"),
    ("JPN", "Japan"),
    ("KOR", "South Korea"),
    ("IND", "India"),
    ("TUR", "Turkey"),
    ("SYR", "Syria"),
    ("VEN", "Venezuela"),
    ("BLR", "Belarus"),
    ("UKR", "Ukraine"),
    ("ISR", "Israel"),
    ("SAU", "Saudi Arabia"),
    ("CAN", "Canada"),
    ("AUS", "Australia"),
    ("MMR", "Myanmar"),
    ("CUB", "Cuba"),
    ("BRA", "Brazil"),
    ("ZAF", "South Africa"),
];

const TYPES: [(EventType, &str, f64, u32); 8] = [
    (EventType::SanctionImpose, "163", -8.0, 4),
    (EventType::SanctionLift, "081", 5.0, 2),
    (EventType::SanctionThreaten, "138", -7.0, 3),
    (EventType::Accuse, "112", -2.0, 3),
    (EventType::Meet, "040", 1.0, 1),
    (EventType::Condemn, "122", -4.0, 3),
    (EventType::Deny, "016", -2.0, 3),
    (EventType::Expel, "1663", -5.0, 4),
];

/// The coder version synthetic events carry.
pub const CODER_VERSION: &str = "statecraft-coder/0.1.0";

/// A small deterministic generator (SplitMix64).
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator from a seed.
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    /// The next number.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number below `n`.
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }
}

fn state(index: usize) -> Actor {
    let (code, name) = STATES[index % STATES.len()];
    Actor {
        name: name.to_owned(),
        mention: name.to_owned(),
        kind: ActorKind::State,
        country: Some(code.to_owned()),
        sector: Some("GOV".to_owned()),
        title: None,
        cameo_code: code.to_owned(),
    }
}

fn company(index: usize, country: usize) -> Actor {
    let (code, _) = STATES[country % STATES.len()];
    Actor {
        name: format!("Company {index} Ltd"),
        mention: format!("Company {index} Ltd"),
        kind: ActorKind::Company,
        country: Some(code.to_owned()),
        sector: Some("BUS".to_owned()),
        title: None,
        cameo_code: format!("{code}BUS"),
    }
}

/// One synthetic document: its id, its `DocumentIngested` record and its `EventsExtracted`
/// record holding `events_per_doc` events dated from 2015 to 2024.
pub fn document(n: u64, events_per_doc: usize, rng: &mut Rng) -> (String, NewRecord, NewRecord) {
    let day = NaiveDate::from_ymd_opt(2015, 1, 1).expect("valid date")
        + chrono::Days::new(rng.below(3_650) as u64);
    let mut events_out = Vec::with_capacity(events_per_doc);
    let mut text = format!("Synthetic report {n}.\n\n");
    let doc_id = DocId::for_text(&format!("synthetic-{n}")).to_string();
    for ordinal in 0..events_per_doc {
        let (event_type, cameo, goldstein, quad) = TYPES[rng.below(TYPES.len())];
        let source = state(rng.below(STATES.len()));
        let target = if event_type.is_sanction() && rng.below(3) == 0 {
            company(rng.below(5_000), rng.below(STATES.len()))
        } else {
            state(rng.below(STATES.len()))
        };
        let sentence = format!(
            "{} took action of type {} against {} in report {n}.",
            source.name,
            event_type.as_str(),
            target.name
        );
        text.push_str(&sentence);
        text.push(' ');
        let date = EventDate::day(day.year(), day.month(), day.day()).expect("valid date");
        let event = Event {
            event_id: event_id(&doc_id, CODER_VERSION, ordinal),
            doc_id: doc_id.clone(),
            event_type,
            cameo_code: cameo.to_owned(),
            plover: Plover::default(),
            goldstein,
            quad_class: quad,
            source,
            targets: vec![target],
            date: Some(date),
            date_precision: Some(date.precision()),
            location: None,
            polarity: Polarity::Asserted,
            attribution: None,
            details: None,
            evidence: Evidence {
                start: 0,
                end: sentence.chars().count() as u32,
                sentence,
            },
            confidence: 0.5 + rng.below(50) as f64 / 100.0,
            coder_version: CODER_VERSION.to_owned(),
            rule: "synthetic".to_owned(),
        };
        events_out.push(events::Event::from(event));
    }
    let document = Document {
        doc_id: DocId::parse(&doc_id).expect("a content hash is a valid id"),
        url: Some(format!("https://example.org/report/{n}")),
        title: Some(format!("Synthetic report {n}")),
        source: Some("Synthetic Wire".to_owned()),
        published_at: Some(Utc.from_utc_datetime(&day.and_hms_opt(12, 0, 0).expect("noon"))),
        language: "en".to_owned(),
        text,
        ingested_at: Utc::now(),
        date_origin: statecraft_types::DateOrigin::Field,
    };
    let ingested = NewRecord {
        id: statecraft_ingest::document_record_id(&doc_id),
        record_type: events::DocumentIngested::TYPE.to_owned(),
        metadata: Vec::new(),
        payload: Bytes::from(
            events::DocumentIngested {
                document: Some(document.into()),
            }
            .encode_to_vec(),
        ),
    };
    let extracted = NewRecord {
        id: statecraft_extraction::extraction_record_id(&doc_id, CODER_VERSION),
        record_type: events::EventsExtracted::TYPE.to_owned(),
        metadata: Vec::new(),
        payload: Bytes::from(
            events::EventsExtracted {
                doc_id: doc_id.clone(),
                coder_version: CODER_VERSION.to_owned(),
                events: events_out,
            }
            .encode_to_vec(),
        ),
    };
    (doc_id, ingested, extracted)
}
