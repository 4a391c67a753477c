//! Opening a log: scan every segment, truncate a torn tail, refuse corruption, rebuild the
//! indexes.

use std::fs::{File, OpenOptions};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::{Location, Segment, Shared, io_error};
use crate::error::{Error, Result};
use crate::frame::{FrameError, scan_frame, valid_frame_after};
use crate::index::Index;
use crate::record::{Position, RecordId};

/// Scans every segment, rebuilding the indexes.
pub(super) fn recover(dir: &Path) -> Result<Shared> {
    let segments_dir = dir.join("segments");
    let mut names: Vec<(Position, PathBuf)> = std::fs::read_dir(&segments_dir)
        .map_err(io_error("list segments", &segments_dir))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter_map(|path| {
            let stem = path.file_stem()?.to_str()?;
            let first = stem.parse().ok()?;
            (path.extension()? == "seg").then_some((first, path))
        })
        .collect();
    names.sort();

    let mut shared = Shared {
        index: Index::default(),
        locations: Vec::new(),
        segments: Vec::new(),
        failed: None,
    };
    let segment_count = names.len();
    for (segment_no, (first_position, path)) in names.into_iter().enumerate() {
        let is_last = segment_no + 1 == segment_count;
        if first_position != shared.index.last() + 1 {
            return Err(Error::Corrupt {
                path,
                offset: 0,
                reason: format!(
                    "segment starts at position {first_position}, expected {} (missing segment?)",
                    shared.index.last() + 1
                ),
            });
        }
        let bytes = std::fs::read(&path).map_err(io_error("read segment", &path))?;
        let mut offset = 0usize;
        let mut batch: Vec<(Position, RecordId, &str, Location)> = Vec::new();
        let mut batch_start = 0usize;
        let mut truncate_at = None;
        while offset < bytes.len() {
            match scan_frame(&bytes[offset..]) {
                Ok(head) => {
                    let (remaining, len) = (head.batch_remaining, head.len);
                    let expected = shared.index.last() + 1 + batch.len() as u64;
                    if head.position != expected {
                        return Err(Error::Corrupt {
                            path,
                            offset: offset as u64,
                            reason: format!(
                                "record position {} where {expected} was expected",
                                head.position
                            ),
                        });
                    }
                    if batch.is_empty() {
                        batch_start = offset;
                    }
                    let location = Location {
                        segment: segment_no as u32,
                        offset: offset as u64,
                        len: len as u32,
                    };
                    batch.push((head.position, head.id, head.stream, location));
                    offset += len;
                    if remaining == 0 {
                        for (position, id, stream, location) in batch.drain(..) {
                            shared.index.insert(stream, id, position);
                            shared.locations.push(location);
                        }
                    }
                }
                Err(error) => {
                    let torn = is_last && !valid_frame_after(&bytes, offset);
                    if !torn {
                        let reason = match error {
                            FrameError::Truncated => "frame runs past the end of the segment",
                            FrameError::Invalid(reason) => reason,
                        };
                        return Err(Error::Corrupt {
                            path,
                            offset: offset as u64,
                            reason: reason.to_owned(),
                        });
                    }
                    truncate_at = Some(if batch.is_empty() {
                        offset
                    } else {
                        batch_start
                    });
                    break;
                }
            }
        }
        if truncate_at.is_none() && !batch.is_empty() {
            if !is_last {
                return Err(Error::Corrupt {
                    path,
                    offset: batch_start as u64,
                    reason: "segment ends inside an append".into(),
                });
            }
            truncate_at = Some(batch_start);
        }
        if let Some(at) = truncate_at {
            tracing::warn!(path = %path.display(), offset = at, dropped_bytes = bytes.len() - at, "truncating torn tail");
            let file = OpenOptions::new()
                .write(true)
                .open(&path)
                .map_err(io_error("open segment", &path))?;
            file.set_len(at as u64)
                .and_then(|()| file.sync_all())
                .map_err(io_error("truncate segment", &path))?;
        }
        let reader = Arc::new(File::open(&path).map_err(io_error("open segment", &path))?);
        shared.segments.push(Segment { path, reader });
    }
    Ok(shared)
}
