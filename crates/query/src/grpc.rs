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
