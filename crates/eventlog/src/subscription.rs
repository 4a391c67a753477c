use std::collections::VecDeque;
use std::sync::Arc;

use futures::StreamExt;
use futures::stream::BoxStream;

use crate::EventLog;
use crate::error::Result;
use crate::record::{Position, Record};

/// Records buffered per subscriber; a slow subscriber never holds more than this in memory,
/// it simply reads from the log again when it catches up.
const SUBSCRIPTION_BATCH: usize = 512;

/// Streams every record after `after`: first the stored ones (catch-up), then new ones as they
/// become durable (live). Both phases read by position, so the switch has no gap and no
/// duplicate, and position N+1 is never delivered before N. The stream ends after an error.
pub fn subscribe(log: Arc<dyn EventLog>, after: Position) -> BoxStream<'static, Result<Record>> {
    struct State {
        log: Arc<dyn EventLog>,
        after: Position,
        buffer: VecDeque<Record>,
        head: tokio::sync::watch::Receiver<Position>,
        failed: bool,
    }
    let head = log.watch_head();
    let state = State {
        log,
        after,
        buffer: VecDeque::new(),
        head,
        failed: false,
    };
    futures::stream::unfold(state, |mut state| async move {
        loop {
            if let Some(record) = state.buffer.pop_front() {
                state.after = record.position;
                return Some((Ok(record), state));
            }
            if state.failed {
                return None;
            }
            let head = *state.head.borrow_and_update();
            if head > state.after {
                match state.log.read(state.after, SUBSCRIPTION_BATCH).await {
                    Ok(records) if !records.is_empty() => state.buffer.extend(records),
                    Ok(_) => {
                        if state.head.changed().await.is_err() {
                            return None;
                        }
                    }
                    Err(error) => {
                        state.failed = true;
                        return Some((Err(error), state));
                    }
                }
                continue;
            }
            if state.head.changed().await.is_err() {
                return None;
            }
        }
    })
    .boxed()
}
