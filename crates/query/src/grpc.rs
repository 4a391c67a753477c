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
use crate::service::QueryService;

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
            events: page.events.into_iter().map(Into::into).collect(),
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
        let stream = self
            .service
            .subscribe(filter, request.after_position)
            .map(|item| {
                item.map(|(position, event)| pb::SubscribeResponse {
                    position,
                    event: Some(event.into()),
                })
                .map_err(Status::from)
            });
        Ok(Response::new(Box::pin(stream)))
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
            events: page.events.into_iter().map(Into::into).collect(),
            next_page_token: page.next_page_token.unwrap_or_default(),
            total_size: page.total,
            position: page.position,
        })
    }

    pub(crate) async fn sanctions_status_impl(
        &self,
        request: pb::SanctionsStatusRequest,
    ) -> Result<pb::SanctionsStatusResponse, Status> {
        let (entries, position) = self
            .service
            .sanctions_status(
                request.target,
                request.source,
                request.program,
                request.as_of,
                request.min_position,
            )
            .await?;
        Ok(pb::SanctionsStatusResponse {
            entries: entries
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
            position,
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
