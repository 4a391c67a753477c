//! Sentence-level scoring (PETRARCH and PLOVER gold standard records): each sentence is coded
//! on its own, and a prediction hits a record when it agrees with it on the CAMEO root (or,
//! without one, the PLOVER type) and on the countries of both sides, as the evaluation data
//! README suggests.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::Deserialize;
use statecraft_coder::Coder;
use statecraft_types::{Actor, Event};

use super::Report;

/// One record of a sentence-level gold file: one expected event (or none) for a sentence.
#[derive(Debug, Clone, Deserialize)]
pub struct GoldSentence {
    /// The sentence.
    pub sentence: String,
    /// Its date, used as the publication date.
    #[serde(default)]
    pub date: Option<String>,
    /// CAMEO actor code(s) of the source.
    #[serde(default)]
    pub source: CodeList,
    /// CAMEO actor code(s) of the target.
    #[serde(default)]
    pub target: CodeList,
    /// CAMEO event code (PETRARCH set).
    #[serde(default)]
    pub cameo_code: Option<String>,
    /// PLOVER type (PLOVER set, 0.5b1 names).
    #[serde(default)]
    pub plover_type: Option<String>,
    /// "sanction", "diplomatic", "other" or "none".
    pub category: String,
}

/// One code or a list of codes.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(untagged)]
pub enum CodeList {
    /// No code.
    #[default]
    None,
    /// One code.
    One(String),
    /// Several codes.
    Many(Vec<String>),
}

impl CodeList {
    fn countries(&self) -> Vec<String> {
        let codes: Vec<&String> = match self {
            CodeList::None => Vec::new(),
            CodeList::One(code) => vec![code],
            CodeList::Many(codes) => codes.iter().collect(),
        };
        codes
            .into_iter()
            .filter_map(|c| c.get(..3))
            .map(str::to_owned)
            .collect()
    }
}

fn plover_alias(kind: &str) -> &str {
    match kind {
        "DEMAND" => "REQUEST",
        "DISAPPROVE" => "ACCUSE",
        "FIGHT" => "ASSAULT",
        other => other,
    }
}

fn sentence_hit(gold: &GoldSentence, event: &Event) -> bool {
    let same_kind = match (&gold.cameo_code, &gold.plover_type) {
        (Some(code), _) => code.get(..2) == event.cameo_code.get(..2),
        (None, Some(kind)) => event.plover.kind.as_deref() == Some(plover_alias(kind)),
        (None, None) => false,
    };
    // Gold actor codes are CAMEO codes; their first three letters are a country or, for
    // intergovernmental bodies, "IGO" (IGOUNO, IGOEUR), which the actor's own CAMEO code
    // carries while its country field holds the body's code (UNO, EUR).
    let country_in = |codes: &CodeList, actor: &Actor| {
        let wanted = codes.countries();
        wanted.is_empty()
            || actor.country.as_ref().is_some_and(|c| wanted.contains(c))
            || actor
                .cameo_code
                .get(..3)
                .is_some_and(|c| wanted.iter().any(|w| w == c))
    };
    same_kind
        && country_in(&gold.source, &event.source)
        && (gold.target.countries().is_empty()
            || event.targets.iter().any(|t| country_in(&gold.target, t)))
}

/// Scores the coder on sentence-level gold: each sentence is coded on its own (with its date
/// as publication date); a prediction hits a record that it agrees with on the CAMEO root (or
/// PLOVER type) and on both sides' countries. Records of category `other` are out of scope:
/// neither misses nor, when hit, false alarms; `none` records expect no event.
pub fn evaluate_sentences(coder: &Coder, records: &[GoldSentence]) -> Report {
    let mut report = Report::default();
    let mut by_sentence: BTreeMap<&str, Vec<&GoldSentence>> = BTreeMap::new();
    for record in records {
        by_sentence
            .entry(record.sentence.as_str())
            .or_default()
            .push(record);
    }
    for (sentence, golds) in by_sentence {
        let published = golds[0]
            .date
            .as_deref()
            .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok());
        let predicted = coder.code("sentence", sentence, published).events;
        let mut used = vec![false; predicted.len()];
        let mut covered = vec![false; predicted.len()];
        for gold in &golds {
            let in_scope = matches!(gold.category.as_str(), "sanction" | "diplomatic");
            let hit = (0..predicted.len()).find(|&p| !used[p] && sentence_hit(gold, &predicted[p]));
            if let Some(p) = hit {
                used[p] = true;
                covered[p] = true;
            }
            if !in_scope {
                continue;
            }
            let counts = if gold.category == "sanction" {
                &mut report.sanction
            } else {
                &mut report.diplomatic
            };
            counts.gold += 1;
            if hit.is_some() {
                counts.true_positives += 1;
            } else {
                counts.false_negatives += 1;
            }
        }
        let only_other = golds.iter().all(|g| g.category == "other");
        for (p, event) in predicted.iter().enumerate() {
            if covered[p] || only_other {
                continue;
            }
            let counts = if event.event_type.is_sanction() {
                &mut report.sanction
            } else {
                &mut report.diplomatic
            };
            counts.predicted += 1;
            counts.false_positives += 1;
        }
        report.documents += 1;
    }
    report.sanction.predicted += report.sanction.true_positives;
    report.diplomatic.predicted += report.diplomatic.true_positives;
    report.all.add(report.sanction);
    report.all.add(report.diplomatic);
    report
}
