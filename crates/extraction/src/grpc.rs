//! Thin tonic adapter: decode → call the service → map errors.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use statecraft_proto::pb::extraction::v1 as pb;
use statecraft_proto::pb::extraction::v1::extraction_service_server::{
    ExtractionService as ExtractionApi, ExtractionServiceServer,
};
use tonic::{Request, Response, Status};

use crate::config::Config;
use crate::service::{ExtractionService, VERSION};

pub(crate) fn server(
    service: Arc<ExtractionService>,
    config: &Config,
) -> ExtractionServiceServer<Api> {
    ExtractionServiceServer::new(Api { service })
        // Room for the text plus the other fields, and at least 1 MiB so that a Reprocess
        // request naming too many ids is read and answered with the id limit.
        .max_decoding_message_size((config.max_extract_bytes + 64 * 1024).max(1024 * 1024))
        .max_encoding_message_size(statecraft_proto::MAX_MESSAGE_BYTES)
}

pub(crate) struct Api {
    service: Arc<ExtractionService>,
}

#[tonic::async_trait]
impl ExtractionApi for Api {
    async fn extract(
        &self,
        request: Request<pb::ExtractRequest>,
    ) -> Result<Response<pb::ExtractResponse>, Status> {
        let request = request.into_inner();
        let non_empty = |s: String| (!s.trim().is_empty()).then_some(s);
        let coded = self
            .service
            .extract(
                request.text,
                non_empty(request.published),
                non_empty(request.doc_id),
            )
            .await?;
        Ok(Response::new(pb::ExtractResponse {
            events: coded.events.into_iter().map(Into::into).collect(),
            coder_version: VERSION.to_owned(),
        }))
    }

    async fn reprocess(
        &self,
        request: Request<pb::ReprocessRequest>,
    ) -> Result<Response<pb::ReprocessResponse>, Status> {
        let request = request.into_inner();
        let done = self.service.reprocess(request.doc_ids, request.all).await?;
        Ok(Response::new(pb::ReprocessResponse {
            reprocessed: done.reprocessed,
            already_current: done.already_current,
            not_found: done.not_found,
            position: done.position,
            coder_version: VERSION.to_owned(),
        }))
    }

    type ReprocessAllStream =
        futures::stream::BoxStream<'static, Result<pb::ReprocessProgress, Status>>;

    async fn reprocess_all(
        &self,
        request: Request<pb::ReprocessAllRequest>,
    ) -> Result<Response<Self::ReprocessAllStream>, Status> {
        use futures::StreamExt;
        let after = request.into_inner().after_position;
        let progress = self.service.reprocess_all(after).map(|item| {
            item.map(|p| pb::ReprocessProgress {
                scanned_position: p.scanned,
                head_position: p.head,
                reprocessed: p.reprocessed,
                already_current: p.already_current,
                undecodable: p.undecodable,
                position: p.position,
                done: p.done,
                coder_version: VERSION.to_owned(),
            })
            .map_err(Status::from)
        });
        Ok(Response::new(progress.boxed()))
    }

    async fn get_status(
        &self,
        _request: Request<pb::GetStatusRequest>,
    ) -> Result<Response<pb::GetStatusResponse>, Status> {
        let (group, counters) = self.service.status().await?;
        Ok(Response::new(pb::GetStatusResponse {
            coder_version: VERSION.to_owned(),
            group: self.service.config.group.clone(),
            head_position: group.head,
            group_cursor: group.cursor,
            lag: group.head.saturating_sub(group.cursor),
            processed: counters.processed.load(Ordering::Relaxed),
            failed: counters.failed.load(Ordering::Relaxed),
            events: counters.events.load(Ordering::Relaxed),
        }))
    }
}
