//! FollowTheMoney (FtM) entities from events, the model sanctions analysts load into their
//! tools: one `Sanction` per imposition incident and target (a later lift by the same side
//! on the same target gives its `endDate`; a lift with no imposition in the export is a
//! `Sanction` of its own), the actors as `PublicBody` (states and government bodies),
//! `Person`, `Company`, `Organization` (IGOs, NGOs) or `LegalEntity` (groups), and every
//! other event incident as an FtM `Event` with the actors `involved`.
//!
//! Entity ids are hashes of what identifies the entity (schema, name and country for an
//! actor; the incident and target for a sanction), so the same events always give the same
//! ids. Denied and future events are left out: they did not happen (yet).

use std::collections::{BTreeMap, BTreeSet};

use chrono::Datelike;
use serde_json::{Map, Value, json};
use statecraft_types::{Actor, ActorKind, Event, EventType, Polarity};

/// An event as exported, with the document facts FtM records.
#[derive(Debug, Clone)]
pub struct ExportedEvent {
    /// The event.
    pub event: Event,
    /// The incident it belongs to (reports of one real-world event share it); empty when
    /// the server did not say.
    pub incident_id: String,
    /// The reporting document's URL; empty when unknown.
    pub source_url: String,
    /// The reporting document's outlet; empty when unknown.
    pub publisher: String,
}

/// An FtM entity under construction: multi-valued properties, kept sorted.
#[derive(Debug, Default)]
struct Entity {
    schema: &'static str,
    properties: BTreeMap<&'static str, BTreeSet<String>>,
}

impl Entity {
    fn new(schema: &'static str) -> Self {
        Self {
            schema,
            properties: BTreeMap::new(),
        }
    }

    fn add(&mut self, property: &'static str, value: impl Into<String>) {
        let value = value.into();
        let value = value.trim();
        if !value.is_empty() {
            self.properties
                .entry(property)
                .or_default()
                .insert(value.to_owned());
        }
    }

    fn add_opt(&mut self, property: &'static str, value: Option<&str>) {
        if let Some(value) = value {
            self.add(property, value);
        }
    }

    fn to_json(&self, id: &str) -> Value {
        let properties: Map<String, Value> = self
            .properties
            .iter()
            .map(|(name, values)| ((*name).to_owned(), json!(values)))
            .collect();
        json!({"id": id, "schema": self.schema, "properties": properties})
    }
}

/// A deterministic entity id: a prefix and a hash of the parts.
fn entity_id(prefix: &str, parts: &[&str]) -> String {
    let mut hasher = blake3::Hasher::new();
    for part in parts {
        hasher.update(part.as_bytes());
        hasher.update(&[0]);
    }
    format!("statecraft-{prefix}-{}", &hasher.finalize().to_hex()[..20])
}

fn schema_of(kind: ActorKind) -> &'static str {
    match kind {
        ActorKind::State | ActorKind::GovernmentBody => "PublicBody",
        ActorKind::Person => "Person",
        ActorKind::Company => "Company",
        ActorKind::Igo | ActorKind::Ngo => "Organization",
        ActorKind::Group => "LegalEntity",
    }
}

/// FtM countries are ISO 3166-1 alpha-2 in lower case; of the IGO codes only the EU and
/// the UN have one.
fn ftm_country(code: &str) -> Option<String> {
    match code {
        "EUR" | "EU" => Some("eu".to_owned()),
        "UNO" | "UN" => Some("un".to_owned()),
        _ => celes::Country::from_alpha3(code)
            .ok()
            .map(|country| country.alpha2.to_ascii_lowercase()),
    }
}

/// Collects the entities of an export.
#[derive(Default)]
struct Builder {
    entities: BTreeMap<String, Entity>,
}

impl Builder {
    /// The actor's entity (created on first sight); its id.
    fn actor(&mut self, actor: &Actor) -> String {
        let schema = schema_of(actor.kind);
        let country = actor.country.as_deref().unwrap_or("");
        let id = entity_id("actor", &[schema, &actor.name, country]);
        let entity = self
            .entities
            .entry(id.clone())
            .or_insert_with(|| Entity::new(schema));
        entity.add("name", &actor.name);
        if actor.mention != actor.name {
            entity.add("alias", &actor.mention);
        }
        if let Some(country) = actor.country.as_deref().and_then(ftm_country) {
            entity.add("country", country);
        }
        if actor.kind == ActorKind::Person {
            entity.add_opt("position", actor.title.as_deref());
        }
        id
    }
}

fn counts(event: &Event) -> bool {
    matches!(event.polarity, Polarity::Asserted | Polarity::ReportedClaim)
}

/// The incident a report belongs to: the server's, else the event alone.
fn incident_key(exported: &ExportedEvent) -> String {
    if exported.incident_id.is_empty() {
        format!("event-{}", exported.event.event_id)
    } else {
        exported.incident_id.clone()
    }
}

/// The earliest date of a set of reports, as FtM writes dates (YYYY-MM-DD, YYYY-MM, YYYY).
fn earliest_date<'a>(reports: impl Iterator<Item = &'a ExportedEvent>) -> Option<(String, i64)> {
    reports
        .filter_map(|r| r.event.date)
        .min_by_key(|d| d.first_day())
        .map(|d| (d.to_string(), i64::from(d.first_day().num_days_from_ce())))
}

/// A sanction incident on one target.
struct SanctionCase<'a> {
    source_id: String,
    target_id: String,
    program: Option<String>,
    reports: Vec<&'a ExportedEvent>,
}

/// The FtM entities for a set of exported events, one JSON object per entity, actors
/// first, in a deterministic order.
pub fn entities(events: &[ExportedEvent]) -> Vec<Value> {
    let mut builder = Builder::default();
    // Incidents by type: key → reports.
    let mut impositions: BTreeMap<String, Vec<&ExportedEvent>> = BTreeMap::new();
    let mut lifts: BTreeMap<String, Vec<&ExportedEvent>> = BTreeMap::new();
    let mut others: BTreeMap<String, Vec<&ExportedEvent>> = BTreeMap::new();
    for exported in events.iter().filter(|e| counts(&e.event)) {
        let bucket = match exported.event.event_type {
            EventType::SanctionImpose => &mut impositions,
            EventType::SanctionLift => &mut lifts,
            _ => &mut others,
        };
        bucket
            .entry(incident_key(exported))
            .or_default()
            .push(exported);
    }

    let imposed = sanction_cases(&mut builder, &impositions);
    let lifted = sanction_cases(&mut builder, &lifts);

    let mut sanctions: BTreeMap<String, Entity> = BTreeMap::new();
    let mut lifts_used: BTreeSet<usize> = BTreeSet::new();
    for (key, case) in &imposed {
        let start = earliest_date(case.reports.iter().copied());
        // The first lift by the same side on the same target, on or after the start.
        let lift = lifted
            .iter()
            .enumerate()
            .filter(|(_, (_, l))| l.source_id == case.source_id && l.target_id == case.target_id)
            .filter(|(_, (_, l))| {
                l.program.is_none() || case.program.is_none() || l.program == case.program
            })
            .filter_map(|(index, (_, l))| {
                let end = earliest_date(l.reports.iter().copied())?;
                let after_start = start.as_ref().is_none_or(|(_, s)| end.1 >= *s);
                after_start.then_some((index, end))
            })
            .min_by_key(|(_, end)| end.1);
        let mut sanction = sanction_entity(case);
        if let Some((date, _)) = &start {
            sanction.add("startDate", date);
        }
        match lift {
            Some((index, (end, _))) => {
                lifts_used.insert(index);
                sanction.add("endDate", end);
                sanction.add("status", "lifted");
                add_reports(&mut sanction, &lifted[index].1.reports);
            }
            None => sanction.add("status", "imposed"),
        }
        sanctions.insert(entity_id("sanction", &[key, &case.target_id]), sanction);
    }
    for (index, (key, case)) in lifted.iter().enumerate() {
        if lifts_used.contains(&index) {
            continue;
        }
        let mut sanction = sanction_entity(case);
        if let Some((date, _)) = earliest_date(case.reports.iter().copied()) {
            sanction.add("endDate", date);
        }
        sanction.add("status", "lifted");
        sanctions.insert(entity_id("sanction", &[key, &case.target_id]), sanction);
    }

    let mut ftm_events: BTreeMap<String, Entity> = BTreeMap::new();
    for (key, reports) in &others {
        let first = &reports[0].event;
        let mut entity = Entity::new("Event");
        let source_id = builder.actor(&first.source);
        entity.add("involved", &source_id);
        entity.add("organizer", &source_id);
        let mut target_names = BTreeSet::new();
        for report in reports {
            for target in &report.event.targets {
                let target_id = builder.actor(target);
                entity.add("involved", target_id);
                target_names.insert(target.name.as_str());
            }
        }
        let targets = target_names.into_iter().collect::<Vec<_>>().join(", ");
        let name = if targets.is_empty() {
            format!("{}: {}", first.event_type.as_str(), first.source.name)
        } else {
            format!(
                "{}: {} – {targets}",
                first.event_type.as_str(),
                first.source.name
            )
        };
        entity.add("name", name);
        entity.add("keywords", first.event_type.as_str());
        entity.add("keywords", format!("CAMEO {}", first.cameo_code));
        if let Some(country) = first.source.country.as_deref().and_then(ftm_country) {
            entity.add("country", country);
        }
        for report in reports {
            if let Some(date) = report.event.date {
                entity.add("date", date.to_string());
            }
            entity.add_opt("location", report.event.location.as_deref());
        }
        add_reports(&mut entity, reports);
        ftm_events.insert(entity_id("event", &[key]), entity);
    }

    builder
        .entities
        .iter()
        .chain(sanctions.iter())
        .chain(ftm_events.iter())
        .map(|(id, entity)| entity.to_json(id))
        .collect()
}

/// Sanction incidents split per target: one case per incident and target.
fn sanction_cases<'a>(
    builder: &mut Builder,
    incidents: &BTreeMap<String, Vec<&'a ExportedEvent>>,
) -> Vec<(String, SanctionCase<'a>)> {
    let mut cases = Vec::new();
    for (key, reports) in incidents {
        let first = reports[0];
        let source_id = builder.actor(&first.event.source);
        let program = first.event.details.as_ref().and_then(|d| d.program.clone());
        let mut targets: BTreeSet<String> = BTreeSet::new();
        for report in reports {
            for target in &report.event.targets {
                targets.insert(builder.actor(target));
            }
        }
        for target_id in targets {
            cases.push((
                key.clone(),
                SanctionCase {
                    source_id: source_id.clone(),
                    target_id,
                    program: program.clone(),
                    reports: reports.clone(),
                },
            ));
        }
    }
    cases
}

fn sanction_entity(case: &SanctionCase<'_>) -> Entity {
    let mut sanction = Entity::new("Sanction");
    sanction.add("entity", &case.target_id);
    let first = &case.reports[0].event;
    let details = first.details.as_ref();
    sanction.add(
        "authority",
        details
            .and_then(|d| d.authority.as_deref())
            .unwrap_or(&first.source.name),
    );
    if let Some(country) = first.source.country.as_deref().and_then(ftm_country) {
        sanction.add("country", country);
    }
    sanction.add_opt("program", case.program.as_deref());
    for report in &case.reports {
        if let Some(details) = &report.event.details {
            sanction.add_opt("reason", details.reason.as_deref());
            for measure in &details.measures {
                if measure != "unspecified" {
                    sanction.add("provisions", measure);
                }
            }
        }
    }
    add_reports(&mut sanction, &case.reports);
    sanction
}

/// Evidence, source URLs and publishers of the reports.
fn add_reports(entity: &mut Entity, reports: &[&ExportedEvent]) {
    for report in reports {
        entity.add("summary", &report.event.evidence.sentence);
        entity.add("sourceUrl", &report.source_url);
        entity.add("publisher", &report.publisher);
    }
}

#[cfg(test)]
mod tests {
    use statecraft_types::{EventDate, Evidence, Plover, SanctionDetails};

    use super::*;

    fn actor(name: &str, kind: ActorKind, country: &str) -> Actor {
        Actor {
            name: name.into(),
            mention: name.into(),
            kind,
            country: Some(country.into()),
            sector: None,
            title: None,
            cameo_code: country.into(),
        }
    }

    fn report(
        id: &str,
        event_type: EventType,
        target: Actor,
        date: &str,
        sentence: &str,
    ) -> ExportedEvent {
        let date = chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d").expect("a date");
        ExportedEvent {
            event: Event {
                event_id: id.into(),
                doc_id: format!("doc-{id}"),
                event_type,
                cameo_code: "163".into(),
                plover: Plover::default(),
                goldstein: -8.0,
                quad_class: 4,
                source: actor("Ruritania", ActorKind::State, "FRA"),
                targets: vec![target],
                date: Some(EventDate::from_naive(date)),
                date_precision: None,
                location: None,
                polarity: Polarity::Asserted,
                attribution: None,
                details: event_type.is_sanction().then(|| SanctionDetails {
                    measures: vec!["asset freeze".into()],
                    program: Some("HARBOUR".into()),
                    authority: Some("Ruritanian Treasury".into()),
                    reason: Some("smuggling".into()),
                }),
                evidence: Evidence {
                    sentence: sentence.into(),
                    start: 0,
                    end: sentence.len() as u32,
                },
                confidence: 0.9,
                coder_version: "test".into(),
                rule: "test".into(),
            },
            incident_id: format!("inc-{id}"),
            source_url: format!("https://example.org/{id}"),
            publisher: "Example Wire".into(),
        }
    }

    #[test]
    fn a_lift_ends_the_sanction_it_follows_and_ids_are_stable() {
        let firm = actor("Harbour Freight Ltd", ActorKind::Company, "DEU");
        let events = vec![
            report(
                "a",
                EventType::SanctionImpose,
                firm.clone(),
                "2019-04-02",
                "Ruritania froze the freight firm's assets.",
            ),
            report(
                "b",
                EventType::SanctionLift,
                firm,
                "2021-06-30",
                "Ruritania unfroze the freight firm's assets.",
            ),
            report(
                "c",
                EventType::Meet,
                actor("Freedonia", ActorKind::State, "ITA"),
                "2020-01-15",
                "Ruritanian and Freedonian envoys met.",
            ),
        ];
        let entities = entities(&events);
        assert_eq!(entities, super::entities(&events), "deterministic");
        let of = |schema: &str| -> Vec<&Value> {
            entities.iter().filter(|e| e["schema"] == schema).collect()
        };
        let sanctions = of("Sanction");
        assert_eq!(sanctions.len(), 1, "{entities:#?}");
        let properties = &sanctions[0]["properties"];
        assert_eq!(properties["startDate"], json!(["2019-04-02"]));
        assert_eq!(properties["endDate"], json!(["2021-06-30"]));
        assert_eq!(properties["status"], json!(["lifted"]));
        assert_eq!(properties["authority"], json!(["Ruritanian Treasury"]));
        assert_eq!(properties["program"], json!(["HARBOUR"]));
        assert_eq!(properties["country"], json!(["fr"]));
        let company = &of("Company")[0];
        assert_eq!(properties["entity"], json!([company["id"]]));
        assert_eq!(company["properties"]["country"], json!(["de"]));
        assert_eq!(of("PublicBody").len(), 2);
        let meeting = &of("Event")[0]["properties"];
        assert_eq!(meeting["involved"].as_array().map(Vec::len), Some(2));
        assert_eq!(meeting["date"], json!(["2020-01-15"]));
    }

    #[test]
    fn denied_events_and_unknown_countries_are_left_out() {
        let mut denied = report(
            "d",
            EventType::SanctionImpose,
            actor("Nowhere Group", ActorKind::Group, "XXX"),
            "2019-01-01",
            "Ruritania said it had imposed nothing.",
        );
        denied.event.polarity = Polarity::Denied;
        assert!(entities(&[denied]).is_empty());
        assert_eq!(ftm_country("XXX"), None);
        assert_eq!(ftm_country("PRK").as_deref(), Some("kp"));
        assert_eq!(ftm_country("UNO").as_deref(), Some("un"));
    }
}
