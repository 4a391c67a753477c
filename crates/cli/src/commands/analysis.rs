//! The analysts' questions: sanctions status, timelines, relations and incidents.

use statecraft_proto::pb::query::v1 as query_pb;

use super::{Filter, decode_events, print_events, query_at};
use crate::exit;

pub(crate) async fn sanctions(
    addr: &str,
    target: Option<String>,
    source: Option<String>,
    program: Option<String>,
    as_of: Option<String>,
    json: bool,
) -> anyhow::Result<i32> {
    let mut client = query_at(addr).await?;
    let mut request = query_pb::SanctionsStatusRequest {
        target: target.unwrap_or_default(),
        source: source.unwrap_or_default(),
        program: program.unwrap_or_default(),
        as_of: as_of.unwrap_or_default(),
        page_size: 1_000,
        ..Default::default()
    };
    let mut entries = Vec::new();
    loop {
        let page = client.sanctions_status(request.clone()).await?.into_inner();
        entries.extend(page.entries);
        if page.next_page_token.is_empty() {
            break;
        }
        request.page_token = page.next_page_token;
    }
    let state_name = |state: i32| match query_pb::SanctionState::try_from(state) {
        Ok(query_pb::SanctionState::Imposed) => "IMPOSED",
        Ok(query_pb::SanctionState::Lifted) => "LIFTED",
        Ok(query_pb::SanctionState::Threatened) => "THREATENED",
        _ => "UNKNOWN",
    };
    let mut table = comfy_table::Table::new();
    table
        .load_preset(comfy_table::presets::UTF8_FULL_CONDENSED)
        .set_header(vec!["target", "by", "state", "since", "programs", "events"]);
    for entry in &entries {
        let target = entry.target.clone().unwrap_or_default();
        let source = entry.source.clone().unwrap_or_default();
        if json {
            out!(
                "{}",
                serde_json::json!({
                    "target": target.name, "target_country": target.country, "source": source.name,
                    "source_country": entry.source_country, "state": state_name(entry.state), "since": entry.since,
                    "programs": entry.programs, "events": entry.evidence.len(),
                })
            );
        } else {
            table.add_row(vec![
                format!("{} ({})", target.name, target.country),
                format!("{} ({})", source.name, entry.source_country),
                state_name(entry.state).to_owned(),
                entry.since.clone(),
                entry.programs.join(", "),
                entry.evidence.len().to_string(),
            ]);
        }
    }
    if !json {
        out!("{table}");
    }
    Ok(exit::OK)
}

pub(crate) async fn timeline(
    addr: &str,
    actor: String,
    from: Option<String>,
    to: Option<String>,
    json: bool,
) -> anyhow::Result<i32> {
    let mut client = query_at(addr).await?;
    let mut token = String::new();
    let mut events = Vec::new();
    loop {
        let page = client
            .actor_timeline(query_pb::ActorTimelineRequest {
                actor: actor.clone(),
                date_from: from.clone().unwrap_or_default(),
                date_to: to.clone().unwrap_or_default(),
                page_size: 1000,
                page_token: token,
                ..Default::default()
            })
            .await?
            .into_inner();
        events.extend(decode_events(page.events)?);
        if page.next_page_token.is_empty() {
            break;
        }
        token = page.next_page_token;
    }
    print_events(&events, json);
    Ok(exit::OK)
}

pub(crate) async fn relations(
    addr: &str,
    request: query_pb::RelationsRequest,
    json: bool,
) -> anyhow::Result<i32> {
    let response = query_at(addr).await?.relations(request).await?.into_inner();
    if json {
        for bucket in &response.buckets {
            out!(
                "{}",
                serde_json::json!({
                    "period": bucket.period,
                    "events": bucket.events,
                    "a_to_b": bucket.a_to_b,
                    "b_to_a": bucket.b_to_a,
                    "cooperation": bucket.cooperation,
                    "conflict": bucket.conflict,
                    "net_goldstein": bucket.net_goldstein,
                    "counts_by_type": bucket.counts_by_type,
                })
            );
        }
        return Ok(exit::OK);
    }
    let mut table = comfy_table::Table::new();
    table
        .load_preset(comfy_table::presets::UTF8_FULL_CONDENSED)
        .set_header(vec![
            "period",
            "events",
            "a→b",
            "b→a",
            "cooperation",
            "conflict",
            "net",
            "types",
        ]);
    for bucket in &response.buckets {
        let mut types: Vec<String> = bucket
            .counts_by_type
            .iter()
            .map(|(t, n)| format!("{t} {n}"))
            .collect();
        types.sort();
        table.add_row(vec![
            bucket.period.clone(),
            bucket.events.to_string(),
            bucket.a_to_b.to_string(),
            bucket.b_to_a.to_string(),
            format!("{:.1}", bucket.cooperation),
            format!("{:.1}", bucket.conflict),
            format!("{:+.1}", bucket.net_goldstein),
            types.join(", "),
        ]);
    }
    out!("{table}");
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
        let events = decode_events(incident.events.clone())?;
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
