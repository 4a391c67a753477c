//! Tables and JSON for the command line.

use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::{ContentArrangement, Table};
use statecraft_types::{Actor, Event};

use crate::eval::{Counts, Report};

fn actor_label(actor: &Actor) -> String {
    match &actor.country {
        Some(country) => format!("{} ({country})", actor.name),
        None => actor.name.clone(),
    }
}

fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let cut: String = text.chars().take(max.saturating_sub(1)).collect();
    format!("{}…", cut.trim_end())
}

/// Renders events as an aligned table.
pub fn events_table(events: &[Event]) -> String {
    let mut table = Table::new();
    table
        .load_preset(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_width(160)
        .set_header(vec![
            "type", "source", "targets", "date", "cameo", "conf", "evidence",
        ]);
    for event in events {
        let targets: Vec<String> = event.targets.iter().map(actor_label).collect();
        table.add_row(vec![
            event.event_type.as_str().to_owned(),
            actor_label(&event.source),
            targets.join("\n"),
            event
                .date
                .map(|d| d.to_string())
                .unwrap_or_else(|| "-".into()),
            event.cameo_code.clone(),
            format!("{:.2}", event.confidence),
            shorten(&event.evidence.sentence, 70),
        ]);
    }
    table.to_string()
}

/// One event as a JSON line (the event JSON of DESIGN.md §3).
pub fn event_json(event: &Event) -> String {
    serde_json::to_string(event).expect("events always serialise")
}

fn counts_row(name: &str, counts: &Counts) -> Vec<String> {
    vec![
        name.to_owned(),
        counts.gold.to_string(),
        counts.predicted.to_string(),
        counts.true_positives.to_string(),
        counts.false_positives.to_string(),
        counts.false_negatives.to_string(),
        format!("{:.3}", counts.precision()),
        format!("{:.3}", counts.recall()),
        format!("{:.3}", counts.f1()),
    ]
}

/// Renders an evaluation report.
pub fn report_table(report: &Report) -> String {
    let mut table = Table::new();
    table.load_preset(UTF8_FULL_CONDENSED).set_header(vec![
        "slice",
        "gold",
        "pred",
        "tp",
        "fp",
        "fn",
        "precision",
        "recall",
        "f1",
    ]);
    table.add_row(counts_row("all", &report.all));
    table.add_row(counts_row("sanction", &report.sanction));
    table.add_row(counts_row("diplomatic", &report.diplomatic));
    for (event_type, counts) in &report.per_type {
        table.add_row(counts_row(&format!("  {event_type}"), counts));
    }
    format!(
        "{table}\ndocuments: {}  strict matches: {}  date accuracy: {:.3} ({}/{})  sanction target recall: {:.3} ({}/{})",
        report.documents,
        report.strict_matches,
        report.date_accuracy(),
        report.dates_correct,
        report.dated_matches,
        report.sanction_target_recall(),
        report.sanction_targets_found,
        report.sanction_targets,
    )
}
