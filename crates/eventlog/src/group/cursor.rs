//! A consumer group's durable cursor: `groups/<name>.cursor`, with the previous good value
//! kept as `<name>.cursor.prev`.
//!
//! A write goes like a snapshot's: the new value to `<name>.cursor.tmp`, fsync, the current
//! file renamed to `.prev`, the new one renamed into place, fsync of the directory. Each file
//! holds `<position> <crc32c>`, so a torn or emptied file (power loss before the data reached
//! the disk) is recognised. Loading never refuses: it takes the current file, else the
//! previous one, else position 0 (the group re-delivers from the start; consumers are
//! idempotent). A lost cursor only costs redelivery.

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::error::{Error, Result};
use crate::record::Position;

pub(crate) struct CursorFile {
    path: PathBuf,
    /// Serialises writers (the background flusher and close).
    write_lock: Mutex<()>,
    /// The last position known to be durable.
    persisted: AtomicU64,
}

impl CursorFile {
    /// Loads the cursor of `path`, falling back as described in the module docs.
    pub(crate) fn open(path: PathBuf) -> (Self, Position) {
        let position = load(&path);
        let file = Self {
            path,
            write_lock: Mutex::new(()),
            persisted: AtomicU64::new(position),
        };
        (file, position)
    }

    pub(crate) fn persisted(&self) -> Position {
        self.persisted.load(Ordering::Acquire)
    }

    /// Makes `position` the durable cursor, unless it is already. Blocking I/O.
    pub(crate) fn store(&self, position: Position) -> Result<()> {
        let _writing = self.write_lock.lock().expect("cursor write lock poisoned");
        if position <= self.persisted() {
            return Ok(());
        }
        write_durably(&self.path, position)?;
        self.persisted.store(position, Ordering::Release);
        metrics::counter!("statecraft_group_cursor_writes_total").increment(1);
        Ok(())
    }
}

fn encode(position: Position) -> String {
    let text = position.to_string();
    format!("{text} {:08x}\n", crc32c::crc32c(text.as_bytes()))
}

/// The position a cursor file holds, or `None` when it is torn, empty or garbage. A bare
/// number (the format before checksums) is accepted.
fn decode(text: &str) -> Option<Position> {
    let line = text.strip_suffix('\n')?;
    match line.split_once(' ') {
        Some((number, crc)) => {
            let crc = u32::from_str_radix(crc, 16).ok()?;
            (crc32c::crc32c(number.as_bytes()) == crc).then(|| number.parse().ok())?
        }
        None => line.parse().ok(),
    }
}

fn previous(path: &Path) -> PathBuf {
    path.with_extension("cursor.prev")
}

fn read(path: &Path) -> Option<std::io::Result<String>> {
    match std::fs::read(path) {
        Ok(bytes) => Some(Ok(String::from_utf8_lossy(&bytes).into_owned())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => Some(Err(e)),
    }
}

fn load(path: &Path) -> Position {
    let mut damaged = false;
    for candidate in [path.to_owned(), previous(path)] {
        match read(&candidate) {
            None => {}
            Some(Ok(text)) => match decode(&text) {
                Some(position) => {
                    if damaged {
                        tracing::warn!(path = %path.display(), position, "consumer group cursor was torn; resuming from the previous good cursor");
                    }
                    return position;
                }
                None => damaged = true,
            },
            Some(Err(error)) => {
                tracing::warn!(path = %candidate.display(), %error, "failed to read consumer group cursor");
                damaged = true;
            }
        }
    }
    if damaged {
        tracing::warn!(path = %path.display(), "no good consumer group cursor; re-delivering from the start of the log");
    }
    0
}

fn write_durably(path: &Path, position: Position) -> Result<()> {
    let io = |op: &'static str| {
        move |source| Error::Io {
            op,
            path: path.to_owned(),
            source,
        }
    };
    let tmp = path.with_extension("cursor.tmp");
    let mut file = File::create(&tmp).map_err(io("create cursor"))?;
    file.write_all(encode(position).as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(io("write cursor"))?;
    drop(file);
    match std::fs::rename(path, previous(path)) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(io("keep previous cursor")(e)),
    }
    std::fs::rename(&tmp, path).map_err(io("rename cursor"))?;
    let dir = path.parent().unwrap_or(Path::new("."));
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(io("sync cursor directory"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_text_round_trips_and_damage_is_recognised() {
        assert_eq!(decode(&encode(1234)), Some(1234));
        assert_eq!(decode(&encode(0)), Some(0));
        assert_eq!(decode("17\n"), Some(17), "the format before checksums");
        let good = encode(1234);
        for torn in 0..good.len() {
            assert_eq!(
                decode(&good[..torn]),
                None,
                "torn at {torn}: {:?}",
                &good[..torn]
            );
        }
        assert_eq!(decode("1239 00000000\n"), None);
        assert_eq!(decode("\0\0\0\0"), None);
    }
}
