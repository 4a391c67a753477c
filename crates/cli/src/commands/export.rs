//! Export and reprocess: bulk reads for other tools, and re-extraction.

use anyhow::Context;
use futures::StreamExt;
use statecraft_cli::export::{self, ExportFormat, Provenance};
use statecraft_cli::ftm;
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
    let mut for_ftm = Vec::new();
    while let Some(item) = stream.next().await {
        let item = item.context("export stream failed")?;
        let event = Event::try_from(item.event.unwrap_or_default())
            .map_err(|e| anyhow::anyhow!("server sent an invalid event: {e}"))?;
        count += 1;
        if format == ExportFormat::Ftm {
            for_ftm.push(ftm::ExportedEvent {
                event,
                incident_id: item.incident_id,
                source_url: item.source_url,
                publisher: item.publisher,
            });
            continue;
        }
        let provenance = Provenance {
            url: item.source_url,
            publisher: item.publisher,
            published: item.published,
        };
        out!("{}", export::line(format, &event, &provenance));
    }
    if format == ExportFormat::Ftm {
        let entities = ftm::entities(&for_ftm);
        for entity in &entities {
            out!("{entity}");
        }
        eprintln!(
            "exported {} FollowTheMoney entities from {count} events",
            entities.len()
        );
        return Ok(exit::OK);
    }
    eprintln!("exported {count} events");
    Ok(exit::OK)
}

/// Asks an extraction replica to re-extract documents with its coder version.
pub(crate) async fn reprocess(addr: &str, doc_ids: Vec<String>, all: bool) -> anyhow::Result<i32> {
    let mut client = statecraft_proto::extraction_client(super::connect(addr, "extraction").await?);
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
