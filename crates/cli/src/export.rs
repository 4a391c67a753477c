//! Export formats for analysts' other tools: our event JSON, PLOVER JSON, a GDELT-like CAMEO
//! TSV and CSV, each a header (for the tabular ones) and one line per event; and
//! FollowTheMoney entities, which need every event at once ([`crate::ftm`]).

use statecraft_types::{Actor, Event};

/// An export format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormat {
    /// statecraft event JSON, one object per line.
    Jsonl,
    /// PLOVER event records (manual field names), one object per line.
    PloverJsonl,
    /// GDELT-like tab-separated CAMEO rows with a header line.
    CameoTsv,
    /// Comma-separated rows with a header line (RFC 4180 quoting).
    Csv,
    /// FollowTheMoney entities (Sanction, Event and the actors), one JSON object per line.
    Ftm,
}

/// What an exported line needs besides the event.
#[derive(Debug, Clone, Default)]
pub struct Provenance {
    /// The document's URL.
    pub url: String,
    /// The document's outlet.
    pub publisher: String,
    /// The document's publication date.
    pub published: String,
}

const TABLE_COLUMNS: [&str; 17] = [
    "event_id",
    "date",
    "source_name",
    "source_code",
    "source_country",
    "target_names",
    "target_codes",
    "target_countries",
    "event_code",
    "event_type",
    "quad_class",
    "goldstein",
    "polarity",
    "confidence",
    "source_url",
    "doc_id",
    "evidence",
];

/// The header line, for the tabular formats.
pub fn header(format: ExportFormat) -> Option<String> {
    match format {
        ExportFormat::Jsonl | ExportFormat::PloverJsonl | ExportFormat::Ftm => None,
        ExportFormat::CameoTsv => Some(TABLE_COLUMNS.join("\t")),
        ExportFormat::Csv => Some(TABLE_COLUMNS.join(",")),
    }
}

/// One event as one line of `format` (no trailing newline). FtM entities are built from all
/// events together ([`crate::ftm::entities`]); one event alone gives its event JSON.
pub fn line(format: ExportFormat, event: &Event, provenance: &Provenance) -> String {
    match format {
        ExportFormat::Jsonl | ExportFormat::Ftm => {
            serde_json::to_string(event).expect("events serialise")
        }
        ExportFormat::PloverJsonl => plover(event, provenance).to_string(),
        ExportFormat::CameoTsv => row(event, provenance)
            .iter()
            .map(|cell| tsv_cell(cell))
            .collect::<Vec<_>>()
            .join("\t"),
        ExportFormat::Csv => row(event, provenance)
            .iter()
            .map(|cell| csv_cell(cell))
            .collect::<Vec<_>>()
            .join(","),
    }
}

fn joined(actors: &[Actor], field: impl Fn(&Actor) -> &str) -> String {
    actors.iter().map(field).collect::<Vec<_>>().join(";")
}

fn row(event: &Event, provenance: &Provenance) -> [String; 17] {
    let date = event
        .date
        .map(|d| d.first_day().format("%Y%m%d").to_string())
        .unwrap_or_default();
    [
        event.event_id.clone(),
        date,
        event.source.name.clone(),
        event.source.cameo_code.clone(),
        event.source.country.clone().unwrap_or_default(),
        joined(&event.targets, |a| &a.name),
        joined(&event.targets, |a| &a.cameo_code),
        joined(&event.targets, |a| a.country.as_deref().unwrap_or("")),
        event.cameo_code.clone(),
        event.event_type.as_str().to_owned(),
        event.quad_class.to_string(),
        format!("{:.1}", event.goldstein),
        event.polarity.as_str().to_owned(),
        format!("{:.2}", event.confidence),
        provenance.url.clone(),
        event.doc_id.clone(),
        event.evidence.sentence.clone(),
    ]
}

/// Tabs and line breaks would break a TSV row; they become spaces.
fn tsv_cell(cell: &str) -> String {
    cell.replace(['\t', '\n', '\r'], " ")
}

fn csv_cell(cell: &str) -> String {
    if cell.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", cell.replace('"', "\"\""))
    } else {
        cell.to_owned()
    }
}

/// A PLOVER event record: type, mode and context, source and target with actor and agent
/// (sector), the story's text, date and publisher. PLOVER codes one recipient per record, so
/// the targets are listed in `target` and the first one fills the single-valued fields.
fn plover(event: &Event, provenance: &Provenance) -> serde_json::Value {
    let first = event.targets.first();
    serde_json::json!({
        "id": event.event_id,
        "date": event.date.map(|d| d.first_day().to_string()),
        "event_type": event.plover.kind,
        "mode": event.plover.mode,
        "context": if event.details.is_some() { vec!["economic"] } else { vec!["diplomatic"] },
        "source": event.source.country.as_deref().unwrap_or(&event.source.cameo_code),
        "source_actor": event.source.name,
        "source_agent": event.source.sector,
        "target": event.targets.iter().map(|t| t.country.clone().unwrap_or_else(|| t.cameo_code.clone())).collect::<Vec<_>>(),
        "target_actor": first.map(|t| t.name.as_str()),
        "target_agent": first.and_then(|t| t.sector.as_deref()),
        "negation": event.polarity.as_str() == "DENIED",
        "text": event.evidence.sentence,
        "story_id": event.doc_id,
        "story_date": (!provenance.published.is_empty()).then_some(&provenance.published),
        "publisher": (!provenance.publisher.is_empty()).then_some(&provenance.publisher),
        "url": (!provenance.url.is_empty()).then_some(&provenance.url),
        "cameo": event.cameo_code,
        "goldstein": event.goldstein,
        "version": event.coder_version,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quotes_only_what_needs_quoting() {
        assert_eq!(csv_cell("plain"), "plain");
        assert_eq!(csv_cell("a, b"), "\"a, b\"");
        assert_eq!(csv_cell("say \"no\""), "\"say \"\"no\"\"\"");
        assert_eq!(tsv_cell("a\tb\nc"), "a b c");
        assert_eq!(header(ExportFormat::Csv).unwrap().split(',').count(), 17);
        assert!(header(ExportFormat::Jsonl).is_none());
    }
}
