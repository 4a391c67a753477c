//! Thin tonic adapter: decode → call the service → map errors.

use std::pin::Pin;
use std::sync::Arc;

use futures::{Stream, StreamExt};
use statecraft_proto::pb::events::v1 as events;
use statecraft_proto::pb::query::v1 as pb;
use statecraft_proto::pb::query::v1::query_service_server::{
    QueryService as QueryApi, QueryServiceServer,
};
use tonic::{Request, Response, Status};

use crate::config::Config;
use crate::filter::EventFilter;
use crate::service::{IncidentView, QueryService};
use crate::subscription::SubscribeItem;

pub(crate) fn server(service: Arc<QueryService>, _config: &Config) -> QueryServiceServer<Api> {
    QueryServiceServer::new(Api { service })
        .max_decoding_message_size(1024 * 1024)
        .max_encoding_message_size(statecraft_proto::MAX_MESSAGE_BYTES)
}

pub(crate) struct Api {
    service: Arc<QueryService>,
}

type EventStream = Pin<Box<dyn Stream<Item = Result<pb::SubscribeResponse, Status>> + Send>>;

#[tonic::async_trait]
impl QueryApi for Api {
    async fn search_events(
        &self,
        request: Request<pb::SearchEventsRequest>,
    ) -> Result<Response<pb::SearchEventsResponse>, Status> {
        let request = request.into_inner();
        let filter = EventFilter::try_from(request.filter)?;
        let page = self
            .service
            .search(
                filter,
                request.page_size,
                &request.page_token,
                request.min_position,
            )
            .await?;
        Ok(Response::new(pb::SearchEventsResponse {
            events: page.items.into_iter().map(Into::into).collect(),
            next_page_token: page.next_page_token.unwrap_or_default(),
            total_size: page.total,
            position: page.position,
        }))
    }

    async fn get_event(
        &self,
        request: Request<pb::GetEventRequest>,
    ) -> Result<Response<events::Event>, Status> {
        let request = request.into_inner();
        let event = self
            .service
            .event(&request.event_id, request.min_position)
            .await?;
        Ok(Response::new(event.into()))
    }

    async fn get_document(
        &self,
        request: Request<pb::GetDocumentRequest>,
    ) -> Result<Response<pb::GetDocumentResponse>, Status> {
        let request = request.into_inner();
        let view = self
            .service
            .document(&request.doc_id, request.min_position)
            .await?;
        let state = match view.state {
            "pending" => pb::ExtractionState::Pending,
            "extracted" => pb::ExtractionState::Extracted,
            _ => pb::ExtractionState::Failed,
        };
        Ok(Response::new(pb::GetDocumentResponse {
            document: Some(view.document.into()),
            events: view.events.into_iter().map(Into::into).collect(),
            state: state as i32,
            coder_version: view.coder_version.unwrap_or_default(),
            failure_reason: view.failure.unwrap_or_default(),
            position: view.position,
        }))
    }

    type SubscribeStream = EventStream;

    async fn subscribe(
        &self,
        request: Request<pb::SubscribeRequest>,
    ) -> Result<Response<Self::SubscribeStream>, Status> {
        let request = request.into_inner();
        let filter = EventFilter::try_from(request.filter)?;
        self.service.check_subscribe_start(request.after_position)?;
        let stream = self
            .service
            .subscribe(filter, request.after_position)
            .map(|item| {
                item.map(|item| match item {
                    SubscribeItem::Event {
                        position,
                        event,
                        traceparent,
                    } => pb::SubscribeResponse {
                        position,
                        event: Some((*event).into()),
                        heartbeat: false,
                        traceparent,
                    },
                    SubscribeItem::Heartbeat { position } => pb::SubscribeResponse {
                        position,
                        event: None,
                        heartbeat: true,
                        traceparent: String::new(),
                    },
                })
                .map_err(Status::from)
            });
        Ok(Response::new(Box::pin(stream)))
    }

    async fn search_incidents(
        &self,
        request: Request<pb::SearchIncidentsRequest>,
    ) -> Result<Response<pb::SearchIncidentsResponse>, Status> {
        let request = request.into_inner();
        let filter = EventFilter::try_from(request.filter)?;
        let page = self
            .service
            .incidents(
                filter,
                request.page_size,
                &request.page_token,
                request.min_position,
            )
            .await?;
        Ok(Response::new(pb::SearchIncidentsResponse {
            incidents: page.items.into_iter().map(incident).collect(),
            next_page_token: page.next_page_token.unwrap_or_default(),
            total_size: page.total,
            position: page.position,
        }))
    }

    type ExportEventsStream =
        Pin<Box<dyn Stream<Item = Result<pb::ExportEventsResponse, Status>> + Send>>;

    async fn export_events(
        &self,
        request: Request<pb::ExportEventsRequest>,
    ) -> Result<Response<Self::ExportEventsStream>, Status> {
        let request = request.into_inner();
        let filter = EventFilter::try_from(request.filter)?;
        let events = self.service.export(filter, request.min_position).await?;
        Ok(Response::new(Box::pin(events.map(|e| {
            Ok(pb::ExportEventsResponse {
                event: Some(e.event.into()),
                source_url: e.url.unwrap_or_default(),
                publisher: e.publisher.unwrap_or_default(),
                published: e.published.map(|d| d.to_string()).unwrap_or_default(),
                incident_id: e.incident_id.unwrap_or_default(),
            })
        }))))
    }

    async fn actor_timeline(
        &self,
        request: Request<pb::ActorTimelineRequest>,
    ) -> Result<Response<pb::ActorTimelineResponse>, Status> {
        Ok(Response::new(
            self.actor_timeline_impl(request.into_inner()).await?,
        ))
    }

    async fn sanctions_status(
        &self,
        request: Request<pb::SanctionsStatusRequest>,
    ) -> Result<Response<pb::SanctionsStatusResponse>, Status> {
        Ok(Response::new(
            self.sanctions_status_impl(request.into_inner()).await?,
        ))
    }

    async fn relations(
        &self,
        request: Request<pb::RelationsRequest>,
    ) -> Result<Response<pb::RelationsResponse>, Status> {
        Ok(Response::new(
            self.relations_impl(request.into_inner()).await?,
        ))
    }

    async fn get_stats(
        &self,
        request: Request<pb::GetStatsRequest>,
    ) -> Result<Response<pb::GetStatsResponse>, Status> {
        let stats = self
            .service
            .stats(request.into_inner().min_position)
            .await?;
        Ok(Response::new(pb::GetStatsResponse {
            position: stats.position,
            documents: stats.documents,
            events: stats.events,
            failed_documents: stats.failed,
            pending_documents: stats.pending,
            events_by_type: stats
                .by_type
                .into_iter()
                .map(|(t, n)| (t.as_str().to_owned(), n))
                .collect(),
            unknown_records: stats.unknown_records,
            incidents: stats.incidents,
            snapshot_position: stats.snapshot_position,
        }))
    }
}

fn sanction_state(state: crate::SanctionState) -> pb::SanctionState {
    match state {
        crate::SanctionState::Imposed => pb::SanctionState::Imposed,
        crate::SanctionState::Lifted => pb::SanctionState::Lifted,
        crate::SanctionState::Threatened => pb::SanctionState::Threatened,
    }
}

fn event_types(raw: &[i32]) -> Result<Vec<statecraft_types::EventType>, Status> {
    raw.iter()
        .map(|t| {
            statecraft_types::EventType::try_from(*t).map_err(|e| {
                Status::from(crate::Error::InvalidField {
                    field: "types",
                    reason: e.reason,
                })
            })
        })
        .collect()
}

impl Api {
    pub(crate) async fn actor_timeline_impl(
        &self,
        request: pb::ActorTimelineRequest,
    ) -> Result<pb::ActorTimelineResponse, Status> {
        let types = event_types(&request.types)?;
        let page = self
            .service
            .timeline(
                crate::TimelineQuery {
                    actor: request.actor,
                    date_from: request.date_from,
                    date_to: request.date_to,
                    types,
                },
                request.page_size,
                &request.page_token,
                request.min_position,
            )
            .await?;
        Ok(pb::ActorTimelineResponse {
            events: page.items.into_iter().map(Into::into).collect(),
            next_page_token: page.next_page_token.unwrap_or_default(),
            total_size: page.total,
            position: page.position,
        })
    }

    pub(crate) async fn sanctions_status_impl(
        &self,
        request: pb::SanctionsStatusRequest,
    ) -> Result<pb::SanctionsStatusResponse, Status> {
        let page = self
            .service
            .sanctions_status(
                request.target,
                request.source,
                request.program,
                request.as_of,
                (request.page_size, &request.page_token),
                request.min_position,
            )
            .await?;
        Ok(pb::SanctionsStatusResponse {
            entries: page
                .items
                .into_iter()
                .map(|entry| pb::SanctionsEntry {
                    target: Some(entry.target.into()),
                    source_country: entry.source_country,
                    source: Some(entry.source.into()),
                    state: sanction_state(entry.state) as i32,
                    since: entry.since.map(|d| d.to_string()).unwrap_or_default(),
                    programs: entry.programs,
                    evidence: entry.evidence.into_iter().map(Into::into).collect(),
                })
                .collect(),
            position: page.position,
            next_page_token: page.next_page_token.unwrap_or_default(),
            total_size: page.total,
        })
    }

    pub(crate) async fn relations_impl(
        &self,
        request: pb::RelationsRequest,
    ) -> Result<pb::RelationsResponse, Status> {
        let width = match pb::Bucket::try_from(request.bucket) {
            Ok(pb::Bucket::Day) => crate::BucketWidth::Day,
            Ok(pb::Bucket::Year) => crate::BucketWidth::Year,
            Ok(pb::Bucket::Month | pb::Bucket::Unspecified) => crate::BucketWidth::Month,
            Err(_) => {
                return Err(crate::Error::InvalidField {
                    field: "bucket",
                    reason: format!("unknown bucket {}", request.bucket),
                }
                .into());
            }
        };
        let (buckets, position) = self
            .service
            .relations(
                request.actor_a,
                request.actor_b,
                request.date_from,
                request.date_to,
                width,
                request.min_position,
            )
            .await?;
        let total_events = buckets.iter().map(|b| b.events).sum();
        Ok(pb::RelationsResponse {
            buckets: buckets
                .into_iter()
                .map(|b| pb::RelationsBucket {
                    period: b.period,
                    events: b.events,
                    counts_by_type: b
                        .counts_by_type
                        .into_iter()
                        .map(|(t, n)| (t.as_str().to_owned(), n))
                        .collect(),
                    cooperation: b.cooperation,
                    conflict: b.conflict,
                    net_goldstein: b.net,
                    a_to_b: b.a_to_b,
                    b_to_a: b.b_to_a,
                })
                .collect(),
            total_events,
            position,
        })
    }
}

fn incident(view: IncidentView) -> pb::Incident {
    let first = view.events.first();
    pb::Incident {
        incident_id: view.incident_id,
        r#type: first.map_or(0, |e| events::EventType::from(e.event_type) as i32),
        source: first.map(|e| e.source.clone().into()),
        targets: first.map_or_else(Vec::new, |e| {
            e.targets.iter().cloned().map(Into::into).collect()
        }),
        date_from: view.dates.map(|d| d.0.to_string()).unwrap_or_default(),
        date_to: view.dates.map(|d| d.1.to_string()).unwrap_or_default(),
        document_count: view.document_count,
        source_urls: view.source_urls,
        events: view.events.into_iter().map(Into::into).collect(),
    }
}
