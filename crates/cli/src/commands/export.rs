//! Export, incidents and reprocess: bulk reads for other tools and re-extraction.

use anyhow::Context;
use futures::StreamExt;
use statecraft_cli::export::{self, ExportFormat, Provenance};
use statecraft_proto::pb::extraction::v1 as extraction_pb;
use statecraft_proto::pb::query::v1 as query_pb;
use statecraft_types::Event;

use super::{Filter, query_at};
use crate::exit;

/// Streams every matching event in `format` to stdout.
pub(crate) async fn export(
    addr: &str,
    filter: Filter,
    format: ExportFormat,
    min_position: u64,
) -> anyhow::Result<i32> {
    let mut client = query_at(addr).await?;
    let mut stream = client
        .export_events(query_pb::ExportEventsRequest {
            filter: Some(filter.to_wire()?),
            min_position,
        })
        .await?
        .into_inner();
    if let Some(header) = export::header(format) {
        out!("{header}");
    }
    let mut count = 0u64;
    while let Some(item) = stream.next().await {
        let item = item.context("export stream failed")?;
        let event = Event::try_from(item.event.unwrap_or_default())
            .map_err(|e| anyhow::anyhow!("server sent an invalid event: {e}"))?;
        let provenance = Provenance {
            url: item.source_url,
            publisher: item.publisher,
            published: item.published,
        };
        out!("{}", export::line(format, &event, &provenance));
        count += 1;
    }
    eprintln!("exported {count} events");
    Ok(exit::OK)
}

/// Prints incidents: each real-world event once, with its reports.
pub(crate) async fn incidents(
    addr: &str,
    filter: Filter,
    limit: i32,
    json: bool,
) -> anyhow::Result<i32> {
    let mut client = query_at(addr).await?;
    let page = client
        .search_incidents(query_pb::SearchIncidentsRequest {
            filter: Some(filter.to_wire()?),
            page_size: limit,
            ..Default::default()
        })
        .await?
        .into_inner();
    for incident in &page.incidents {
        let events: Vec<Event> = incident
            .events
            .iter()
            .cloned()
            .map(Event::try_from)
            .collect::<Result<_, _>>()
            .map_err(|e| anyhow::anyhow!("server sent an invalid event: {e}"))?;
        let Some(first) = events.first() else {
            continue;
        };
        if json {
            out!(
                "{}",
                serde_json::json!({
                    "incident_id": incident.incident_id,
                    "date_from": incident.date_from,
                    "date_to": incident.date_to,
                    "document_count": incident.document_count,
                    "source_urls": incident.source_urls,
                    "events": events,
                })
            );
        } else {
            let targets: Vec<&str> = first.targets.iter().map(|t| t.name.as_str()).collect();
            let dates = match (incident.date_from.as_str(), incident.date_to.as_str()) {
                ("", _) => "undated".to_owned(),
                (from, to) if from == to => from.to_owned(),
                (from, to) => format!("{from}..{to}"),
            };
            out!(
                "{} {} {} -> {} | {} | {} report(s) in {} document(s)",
                incident.incident_id,
                first.event_type,
                first.source.name,
                targets.join(", "),
                dates,
                events.len(),
                incident.document_count
            );
            for event in &events {
                out!("    {} | {}", event.doc_id, event.evidence.sentence);
            }
        }
    }
    eprintln!(
        "{} of {} incidents (position {})",
        page.incidents.len(),
        page.total_size,
        page.position
    );
    Ok(exit::OK)
}

/// Asks an extraction replica to re-extract documents with its coder version.
pub(crate) async fn reprocess(addr: &str, doc_ids: Vec<String>, all: bool) -> anyhow::Result<i32> {
    let mut client =
        statecraft_proto::extraction_client(statecraft_proto::connect_channel(addr).await?);
    let done = client
        .reprocess(extraction_pb::ReprocessRequest { doc_ids, all })
        .await?
        .into_inner();
    out!(
        "{}",
        serde_json::json!({
            "coder_version": done.coder_version,
            "reprocessed": done.reprocessed,
            "already_current": done.already_current,
            "not_found": done.not_found,
            "position": done.position,
        })
    );
    Ok(if done.not_found.is_empty() {
        exit::OK
    } else {
        exit::PARTIAL
    })
}
