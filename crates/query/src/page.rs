//! AIP-158 pages. A page token names the query it belongs to (a fingerprint of the query's
//! canonical form, so a token from another query is refused) and where the next page starts:
//! after an event key (searches, newest first, stable while events are added) or at an offset
//! (lists computed per request).

use crate::config::Config;
use crate::error::{Error, Result};
use crate::store::EventKey;

/// One page of a list.
#[derive(Debug, Clone)]
pub struct Page<T> {
    /// The items of this page.
    pub items: Vec<T>,
    /// Token for the next page; `None` on the last page.
    pub next_page_token: Option<String>,
    /// All matching items.
    pub total: u64,
    /// The log position the answer reflects.
    pub position: u64,
}

/// The page size a request asks for: the default when 0, capped at the maximum.
pub(crate) fn page_size(requested: i32, config: &Config) -> Result<usize> {
    if requested < 0 {
        return Err(Error::InvalidField {
            field: "page_size",
            reason: "must not be negative".into(),
        });
    }
    Ok(match requested as usize {
        0 => config.default_page_size,
        n => n.min(config.max_page_size),
    })
}

/// The fields of a token after its version and fingerprint; `None` for an empty token.
fn fields<'t>(token: &'t str, version: &str, fingerprint: u64) -> Result<Option<Vec<&'t str>>> {
    if token.is_empty() {
        return Ok(None);
    }
    let mut parts = token.split('.');
    if parts.next() != Some(version) {
        return Err(malformed());
    }
    let print = parts.next().ok_or_else(malformed)?;
    if u64::from_str_radix(print, 16).ok() != Some(fingerprint) {
        return Err(Error::InvalidField {
            field: "page_token",
            reason: "page token belongs to a different query".into(),
        });
    }
    Ok(Some(parts.collect()))
}

fn malformed() -> Error {
    Error::InvalidField {
        field: "page_token",
        reason: "malformed page token".into(),
    }
}

/// The event key a search page token continues after.
pub(crate) fn after_key(token: &str, fingerprint: u64) -> Result<Option<EventKey>> {
    let Some(fields) = fields(token, "v1", fingerprint)? else {
        return Ok(None);
    };
    let [position, ordinal] = fields.as_slice() else {
        return Err(malformed());
    };
    let position = position.parse().map_err(|_| malformed())?;
    let ordinal = ordinal.parse().map_err(|_| malformed())?;
    Ok(Some((position, ordinal)))
}

/// The token of a search page that ended at `key`.
pub(crate) fn key_token(fingerprint: u64, (position, ordinal): EventKey) -> String {
    format!("v1.{fingerprint:016x}.{position}.{ordinal}")
}

/// The offset an offset page token starts at.
pub(crate) fn offset(token: &str, fingerprint: u64) -> Result<usize> {
    let Some(fields) = fields(token, "o1", fingerprint)? else {
        return Ok(0);
    };
    let [offset] = fields.as_slice() else {
        return Err(malformed());
    };
    offset.parse().map_err(|_| malformed())
}

/// The page of `all` that starts at `offset`, each item made by `make`.
pub(crate) fn offset_page<A, T>(
    all: Vec<A>,
    offset: usize,
    size: usize,
    fingerprint: u64,
    position: u64,
    make: impl FnMut(A) -> T,
) -> Page<T> {
    let total = all.len();
    offset_page_of(all, total, offset, size, fingerprint, position, make)
}

/// A page at `offset` of a list of `total` items of which `first` holds at least the items
/// up to the end of the page, in order.
pub(crate) fn offset_page_of<A, T>(
    first: Vec<A>,
    total: usize,
    offset: usize,
    size: usize,
    fingerprint: u64,
    position: u64,
    make: impl FnMut(A) -> T,
) -> Page<T> {
    let items: Vec<T> = first
        .into_iter()
        .skip(offset)
        .take(size)
        .map(make)
        .collect();
    let next = offset + items.len();
    Page {
        next_page_token: (next < total).then(|| format!("o1.{fingerprint:016x}.{next}")),
        items,
        total: total as u64,
        position,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_round_trip_and_belong_to_their_query() {
        assert_eq!(after_key(&key_token(7, (12, 3)), 7).unwrap(), Some((12, 3)));
        assert_eq!(after_key("", 7).unwrap(), None);
        let page = offset_page((0..10).collect(), 4, 3, 9, 42, |n| n * 2);
        assert_eq!(
            (page.items, page.total, page.position),
            (vec![8, 10, 12], 10, 42)
        );
        let token = page.next_page_token.unwrap();
        assert_eq!(offset(&token, 9).unwrap(), 7);
        assert!(offset(&token, 8).is_err(), "a token of another query");
        assert!(offset("o1.zz.3", 9).is_err());
        assert!(offset("o1.0000000000000009.x", 9).is_err());
        assert!(after_key("v1.0000000000000009.3", 9).is_err(), "no ordinal");
        assert!(after_key("x", 9).is_err());
        assert!(
            offset(&key_token(9, (1, 0)), 9).is_err(),
            "a search token is not an offset"
        );
        assert!(
            offset_page(vec![1], 0, 5, 1, 0, |n| n)
                .next_page_token
                .is_none()
        );
    }
}
