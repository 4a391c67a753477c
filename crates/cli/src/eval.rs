//! `statecraft eval`: scores the coder against document-level gold files (the JSONL format of
//! the evaluation data README). Matching is one-to-one and greedy per document:
//!
//! * a prediction pairs with a gold event of its type when their sources agree and some
//!   predicted target agrees with some gold target (sources only, for gold without targets);
//!   for MEET and AGREE, source and target may be swapped;
//! * an actor matches by name (token overlap of at least 60% of the shorter name, ignoring
//!   words such as "the", "Co", "Department") or, for gold states, bodies, people and IGOs, by
//!   equal country code (UN = UNO, EU = EUR); companies need a name match;
//! * an `optional` gold event, or one whose polarity is `denied`, does not count as missed
//!   when nothing pairs with it, and a prediction that pairs with it is not a false alarm.

use std::collections::BTreeMap;

use anyhow::Context;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use statecraft_coder::Coder;
use statecraft_types::{Actor, ActorKind, Event, EventDate, EventType};

mod sentences;

pub use sentences::{CodeList, GoldSentence, evaluate_sentences};

/// One gold document.
#[derive(Debug, Clone, Deserialize)]
pub struct GoldDocument {
    /// Its id.
    pub doc_id: String,
    /// Publication date, "YYYY-MM-DD".
    #[serde(default)]
    pub published: Option<String>,
    /// The text.
    pub text: String,
    /// The gold events.
    #[serde(default)]
    pub events: Vec<GoldEvent>,
}

/// One gold event.
#[derive(Debug, Clone, Deserialize)]
pub struct GoldEvent {
    /// Event type name.
    #[serde(rename = "type")]
    pub event_type: String,
    /// Who acts.
    pub source: GoldActor,
    /// Who is acted upon.
    #[serde(default)]
    pub targets: Vec<GoldActor>,
    /// Event date.
    #[serde(default)]
    pub date: Option<String>,
    /// "asserted", "denied", "reported_claim".
    #[serde(default)]
    pub polarity: Option<String>,
    /// Neither a miss nor a false alarm.
    #[serde(default)]
    pub optional: bool,
}

/// A gold actor.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct GoldActor {
    /// Surface text.
    #[serde(default)]
    pub text: Option<String>,
    /// Canonical name.
    #[serde(default)]
    pub actor: Option<String>,
    /// Country or IGO code.
    #[serde(default)]
    pub country: Option<String>,
    /// Actor kind.
    #[serde(default)]
    pub kind: Option<String>,
    /// A generic group.
    #[serde(default)]
    pub aggregate: bool,
}

/// Counts for one slice of the report.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    /// Required gold events.
    pub gold: u64,
    /// Predictions that count (not matched to an ignorable gold event).
    pub predicted: u64,
    /// Required gold events found.
    pub true_positives: u64,
    /// Predictions matching no gold event.
    pub false_positives: u64,
    /// Required gold events missed.
    pub false_negatives: u64,
}

impl Counts {
    /// Precision.
    pub fn precision(&self) -> f64 {
        ratio(
            self.true_positives,
            self.true_positives + self.false_positives,
        )
    }
    /// Recall.
    pub fn recall(&self) -> f64 {
        ratio(
            self.true_positives,
            self.true_positives + self.false_negatives,
        )
    }
    /// F1.
    pub fn f1(&self) -> f64 {
        let (p, r) = (self.precision(), self.recall());
        if p + r == 0.0 {
            0.0
        } else {
            2.0 * p * r / (p + r)
        }
    }
    fn add(&mut self, other: Counts) {
        self.gold += other.gold;
        self.predicted += other.predicted;
        self.true_positives += other.true_positives;
        self.false_positives += other.false_positives;
        self.false_negatives += other.false_negatives;
    }
}

fn ratio(a: u64, b: u64) -> f64 {
    if b == 0 { 0.0 } else { a as f64 / b as f64 }
}

/// A miss or a false alarm, for the detailed listing.
#[derive(Debug, Clone, Serialize)]
pub struct Discrepancy {
    /// The document.
    pub doc_id: String,
    /// "miss", "false alarm" or "wrong date".
    pub kind: &'static str,
    /// Event type.
    pub event_type: String,
    /// Source → targets.
    pub dyad: String,
}

/// The evaluation report.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Report {
    /// Documents scored.
    pub documents: u64,
    /// All types.
    pub all: Counts,
    /// SANCTION_IMPOSE, SANCTION_LIFT, SANCTION_THREATEN.
    pub sanction: Counts,
    /// The other types.
    pub diplomatic: Counts,
    /// Per type.
    pub per_type: BTreeMap<String, Counts>,
    /// Matched events with a known gold date, and how many of those the coder dated right.
    pub dated_matches: u64,
    /// Correctly dated matches.
    pub dates_correct: u64,
    /// Gold targets of matched sanction events.
    pub sanction_targets: u64,
    /// Of those, named by the prediction.
    pub sanction_targets_found: u64,
    /// Strict matches (every gold target named).
    pub strict_matches: u64,
    /// Misses and false alarms.
    pub discrepancies: Vec<Discrepancy>,
}

impl Report {
    /// Date accuracy over matched events with a known gold date.
    pub fn date_accuracy(&self) -> f64 {
        ratio(self.dates_correct, self.dated_matches)
    }
    /// Share of gold sanction targets named.
    pub fn sanction_target_recall(&self) -> f64 {
        ratio(self.sanction_targets_found, self.sanction_targets)
    }
}

/// A gold file of either level.
#[derive(Debug)]
pub enum GoldFile {
    /// Gold per document, e.g. `seed-gold.jsonl`, `news-dev.jsonl`.
    Documents(Vec<GoldDocument>),
    /// Gold per sentence, e.g. `petrarch-gsr.jsonl`, `plover-gsr.jsonl`.
    Sentences(Vec<GoldSentence>),
}

/// Reads a gold file once; records with a `sentence` field make it sentence-level.
pub fn read_gold(path: &std::path::Path) -> anyhow::Result<GoldFile> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("failed to read {}", path.display()))?;
    let first = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("{}");
    let value: serde_json::Value = serde_json::from_str(first)
        .with_context(|| format!("{}: the first line is not JSON", path.display()))?;
    Ok(if value.get("sentence").is_some() {
        GoldFile::Sentences(parse_jsonl(path, &text)?)
    } else {
        GoldFile::Documents(parse_jsonl(path, &text)?)
    })
}

fn parse_jsonl<T: serde::de::DeserializeOwned>(
    path: &std::path::Path,
    text: &str,
) -> anyhow::Result<Vec<T>> {
    text.lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(i, line)| {
            serde_json::from_str(line)
                .with_context(|| format!("{}:{}: not a gold record", path.display(), i + 1))
        })
        .collect()
}

/// Scores the coder on gold documents.
pub fn evaluate(coder: &Coder, documents: &[GoldDocument]) -> Report {
    let mut report = Report::default();
    for document in documents {
        let published = document
            .published
            .as_deref()
            .and_then(|p| NaiveDate::parse_from_str(p, "%Y-%m-%d").ok());
        let predicted = coder
            .code(&document.doc_id, &document.text, published)
            .events;
        score_document(document, &predicted, &mut report);
        report.documents += 1;
    }
    report
}

/// Scores one document's predictions into `report`.
pub fn score_document(document: &GoldDocument, predicted: &[Event], report: &mut Report) {
    let ignorable = |g: &GoldEvent| {
        g.optional
            || g.polarity
                .as_deref()
                .is_some_and(|p| p.eq_ignore_ascii_case("denied"))
    };
    let mut order: Vec<usize> = (0..document.events.len()).collect();
    order.sort_by_key(|&i| ignorable(&document.events[i]));
    let mut used = vec![false; predicted.len()];
    let mut matched_to_ignorable = vec![false; predicted.len()];
    let mut per_type: BTreeMap<String, Counts> = BTreeMap::new();
    for index in order {
        let gold = &document.events[index];
        let is_ignorable = ignorable(gold);
        let found = best_match(gold, predicted, &used);
        if let Some((p, strict)) = found {
            used[p] = true;
            if is_ignorable {
                matched_to_ignorable[p] = true;
                continue;
            }
            let counts = per_type.entry(gold.event_type.clone()).or_default();
            counts.gold += 1;
            counts.true_positives += 1;
            if strict {
                report.strict_matches += 1;
            }
            if let Some(gold_date) = gold
                .date
                .as_deref()
                .and_then(|d| d.parse::<EventDate>().ok())
            {
                report.dated_matches += 1;
                if predicted[p]
                    .date
                    .is_some_and(|d| gold_date.is_agreed_by(&d))
                {
                    report.dates_correct += 1;
                } else {
                    report.discrepancies.push(Discrepancy {
                        doc_id: document.doc_id.clone(),
                        kind: "wrong date",
                        event_type: gold.event_type.clone(),
                        dyad: format!(
                            "gold {gold_date}, coded {}: {}",
                            predicted[p]
                                .date
                                .map_or_else(|| "none".to_owned(), |d| d.to_string()),
                            predicted_dyad(&predicted[p])
                        ),
                    });
                }
            }
            if is_sanction(&gold.event_type) {
                report.sanction_targets += gold.targets.len() as u64;
                report.sanction_targets_found += gold
                    .targets
                    .iter()
                    .filter(|t| predicted[p].targets.iter().any(|a| names_match(a, t)))
                    .count() as u64;
            }
        } else if !is_ignorable {
            let counts = per_type.entry(gold.event_type.clone()).or_default();
            counts.gold += 1;
            counts.false_negatives += 1;
            report.discrepancies.push(Discrepancy {
                doc_id: document.doc_id.clone(),
                kind: "miss",
                event_type: gold.event_type.clone(),
                dyad: gold_dyad(gold),
            });
        }
    }
    for (p, event) in predicted.iter().enumerate() {
        if matched_to_ignorable[p] {
            continue;
        }
        let counts = per_type
            .entry(event.event_type.as_str().to_owned())
            .or_default();
        counts.predicted += 1;
        if !used[p] {
            counts.false_positives += 1;
            report.discrepancies.push(Discrepancy {
                doc_id: document.doc_id.clone(),
                kind: "false alarm",
                event_type: event.event_type.as_str().to_owned(),
                dyad: predicted_dyad(event),
            });
        }
    }
    for (event_type, counts) in per_type {
        report.all.add(counts);
        if is_sanction(&event_type) {
            report.sanction.add(counts);
        } else {
            report.diplomatic.add(counts);
        }
        report.per_type.entry(event_type).or_default().add(counts);
    }
}

fn is_sanction(event_type: &str) -> bool {
    event_type
        .parse::<EventType>()
        .is_ok_and(EventType::is_sanction)
}

/// The first unused prediction that matches `gold`, preferring a strict match.
fn best_match(gold: &GoldEvent, predicted: &[Event], used: &[bool]) -> Option<(usize, bool)> {
    let mut dyad_only = None;
    for (p, event) in predicted.iter().enumerate() {
        if used[p]
            || !event
                .event_type
                .as_str()
                .eq_ignore_ascii_case(&gold.event_type)
        {
            continue;
        }
        let symmetric = event.event_type.is_symmetric();
        if dyad_matches(gold, event, symmetric) {
            let strict = gold
                .targets
                .iter()
                .all(|t| event.targets.iter().any(|a| names_match(a, t)));
            if strict {
                return Some((p, true));
            }
            dyad_only.get_or_insert((p, false));
        }
    }
    dyad_only
}

fn dyad_matches(gold: &GoldEvent, event: &Event, symmetric: bool) -> bool {
    let forward = actor_matches(&event.source, &gold.source)
        && (gold.targets.is_empty()
            || gold
                .targets
                .iter()
                .any(|g| event.targets.iter().any(|a| actor_matches(a, g))));
    if forward || !symmetric {
        return forward;
    }
    gold.targets.iter().any(|g| actor_matches(&event.source, g))
        && event.targets.iter().any(|a| actor_matches(a, &gold.source))
}

const IGNORED_WORDS: &[&str] = &[
    "the",
    "co",
    "ltd",
    "department",
    "president",
    "minister",
    "inc",
    "corp",
    "llc",
    "plc",
    "of",
    "a",
    "an",
];
const COMPANY_WORDS: &[&str] = &[
    "co",
    "ltd",
    "inc",
    "corp",
    "llc",
    "plc",
    "company",
    "group",
    "bank",
    "industries",
    "gmbh",
];

fn name_tokens(name: &str) -> Vec<String> {
    name.split(|c: char| !c.is_alphanumeric())
        .map(str::to_lowercase)
        .filter(|t| !t.is_empty() && !IGNORED_WORDS.contains(&t.as_str()))
        .collect()
}

fn overlap(a: &str, b: &str) -> bool {
    let (a, b) = (name_tokens(a), name_tokens(b));
    let shorter = a.len().min(b.len());
    if shorter == 0 {
        return false;
    }
    let shared = a.iter().filter(|t| b.contains(t)).count();
    shared * 10 >= shorter * 6
}

fn names_match(predicted: &Actor, gold: &GoldActor) -> bool {
    let gold_names = [gold.actor.as_deref(), gold.text.as_deref()];
    [predicted.name.as_str(), predicted.mention.as_str()]
        .iter()
        .any(|p| gold_names.iter().flatten().any(|g| overlap(p, g)))
}

fn normalise_country(code: &str) -> String {
    match code.to_ascii_uppercase().as_str() {
        "UN" => "UNO".to_owned(),
        "EU" => "EUR".to_owned(),
        other => other.to_owned(),
    }
}

fn actor_matches(predicted: &Actor, gold: &GoldActor) -> bool {
    if names_match(predicted, gold) {
        return true;
    }
    let looks_like_company = gold.kind.as_deref() == Some("COMPANY")
        || gold.actor.as_deref().is_some_and(|name| {
            name_tokens_raw(name)
                .iter()
                .any(|t| COMPANY_WORDS.contains(&t.as_str()))
        });
    let country_kind = match gold.kind.as_deref() {
        Some(kind) => matches!(kind, "STATE" | "GOVERNMENT_BODY" | "PERSON" | "IGO"),
        None => !gold.aggregate && !looks_like_company,
    };
    let predicted_company = predicted.kind == ActorKind::Company;
    match (&gold.country, &predicted.country) {
        (Some(g), Some(p)) if country_kind && !predicted_company => {
            normalise_country(g) == normalise_country(p)
        }
        _ => false,
    }
}

fn name_tokens_raw(name: &str) -> Vec<String> {
    name.split(|c: char| !c.is_alphanumeric())
        .map(str::to_lowercase)
        .filter(|t| !t.is_empty())
        .collect()
}

fn gold_dyad(gold: &GoldEvent) -> String {
    let name = |a: &GoldActor| {
        let label = a
            .actor
            .clone()
            .or_else(|| a.text.clone())
            .unwrap_or_default();
        format!("{label} [{}]", a.country.clone().unwrap_or_default())
    };
    let targets: Vec<String> = gold.targets.iter().map(name).collect();
    format!("{} -> {}", name(&gold.source), targets.join(", "))
}

fn predicted_dyad(event: &Event) -> String {
    let name = |a: &Actor| format!("{} [{}]", a.name, a.country.clone().unwrap_or_default());
    let targets: Vec<String> = event.targets.iter().map(name).collect();
    format!("{} -> {}", name(&event.source), targets.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn actor(name: &str, country: Option<&str>, kind: ActorKind) -> Actor {
        Actor {
            name: name.into(),
            mention: name.into(),
            kind,
            country: country.map(str::to_owned),
            sector: None,
            title: None,
            cameo_code: String::new(),
        }
    }

    fn gold(name: &str, country: Option<&str>, kind: Option<&str>) -> GoldActor {
        GoldActor {
            text: Some(name.into()),
            actor: Some(name.into()),
            country: country.map(str::to_owned),
            kind: kind.map(str::to_owned),
            aggregate: false,
        }
    }

    #[test]
    fn actors_match_by_name_overlap_or_country_but_companies_need_names() {
        let treasury = actor(
            "U.S. Department of the Treasury",
            Some("USA"),
            ActorKind::GovernmentBody,
        );
        assert!(actor_matches(
            &treasury,
            &gold(
                "The US Treasury Department",
                Some("USA"),
                Some("GOVERNMENT_BODY")
            )
        ));
        assert!(
            actor_matches(&treasury, &gold("Washington", Some("USA"), None)),
            "same state"
        );
        let firm = actor("Acme Trading Co", Some("CHN"), ActorKind::Company);
        assert!(actor_matches(
            &firm,
            &gold("Acme Trading Co., Ltd.", Some("CHN"), Some("COMPANY"))
        ));
        assert!(
            !actor_matches(
                &firm,
                &gold("Zenith Shipping", Some("CHN"), Some("COMPANY"))
            ),
            "companies need a name match"
        );
        assert!(
            !actor_matches(&firm, &gold("Zenith Shipping Ltd", Some("CHN"), None)),
            "a legal suffix marks a company"
        );
        let un = actor("UN Security Council", Some("UNO"), ActorKind::Igo);
        assert!(
            actor_matches(&un, &gold("the council", Some("UN"), None)),
            "UN and UNO are the same"
        );
        assert!(!actor_matches(&un, &gold("Russia", Some("RUS"), None)));
    }

    #[test]
    fn scoring_is_one_to_one_and_ignores_optional_and_denied_gold() {
        let document: GoldDocument = serde_json::from_str(
            r#"{"doc_id": "d", "published": "2020-01-02", "text": "",
                "events": [
                  {"type": "ACCUSE", "source": {"actor": "Canada", "country": "CAN"}, "targets": [{"actor": "Iran", "country": "IRN"}], "date": "2020-01-01"},
                  {"type": "ACCUSE", "source": {"actor": "Canada", "country": "CAN"}, "targets": [{"actor": "Iran", "country": "IRN"}]},
                  {"type": "MEET", "source": {"actor": "Iran", "country": "IRN"}, "targets": [{"actor": "Oman", "country": "OMN"}], "optional": true},
                  {"type": "AGREE", "source": {"actor": "Iran", "country": "IRN"}, "targets": [{"actor": "Oman", "country": "OMN"}], "polarity": "denied"}
                ]}"#,
        )
        .unwrap();
        let event =
            |event_type: EventType, source: Actor, target: Actor, date: Option<&str>| Event {
                event_id: "e".into(),
                doc_id: "d".into(),
                event_type,
                cameo_code: String::new(),
                plover: Default::default(),
                goldstein: 0.0,
                quad_class: 1,
                source,
                targets: vec![target],
                date: date.map(|d| d.parse().unwrap()),
                date_precision: None,
                location: None,
                polarity: statecraft_types::Polarity::Asserted,
                attribution: None,
                details: None,
                evidence: statecraft_types::Evidence {
                    sentence: String::new(),
                    start: 0,
                    end: 0,
                },
                confidence: 1.0,
                coder_version: String::new(),
                rule: String::new(),
            };
        let canada = actor("Canada", Some("CAN"), ActorKind::State);
        let iran = actor("Iran", Some("IRN"), ActorKind::State);
        let oman = actor("Oman", Some("OMN"), ActorKind::State);
        let predicted = vec![
            event(
                EventType::Accuse,
                canada.clone(),
                iran.clone(),
                Some("2020-01-01"),
            ),
            event(EventType::Meet, oman.clone(), iran.clone(), None),
            event(EventType::Condemn, canada, iran.clone(), None),
            event(EventType::Agree, iran, oman, None),
        ];
        let mut report = Report::default();
        score_document(&document, &predicted, &mut report);
        assert_eq!(report.all.gold, 2);
        assert_eq!(
            report.all.true_positives, 1,
            "one prediction matches one gold event only"
        );
        assert_eq!(report.all.false_negatives, 1);
        assert_eq!(
            report.all.false_positives, 1,
            "only the CONDEMN; MEET and AGREE hit ignorable gold"
        );
        assert_eq!((report.dated_matches, report.dates_correct), (1, 1));
        assert!((report.all.precision() - 0.5).abs() < 1e-9);
    }
}
