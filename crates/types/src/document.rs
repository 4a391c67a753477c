use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Content hash of a document's normalised text: 32 lowercase hex characters (128 bits of
/// BLAKE3). The same normalised text always has the same id.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct DocId(String);

impl DocId {
    /// Hashes a normalised text into its id.
    pub fn for_text(normalized_text: &str) -> Self {
        let hash = blake3::hash(normalized_text.as_bytes());
        Self(hash.to_hex()[..32].to_owned())
    }

    /// Parses an id given by a client: 32 lowercase hex characters.
    pub fn parse(raw: &str) -> Result<Self, crate::ProtocolError> {
        let valid = raw.len() == 32 && raw.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
        if !valid {
            return Err(crate::ProtocolError::new(
                "doc_id",
                "expected 32 lowercase hex characters",
            ));
        }
        Ok(Self(raw.to_owned()))
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The log stream that holds this document's records: `doc-<id>`.
    pub fn stream(&self) -> String {
        format!("doc-{}", self.0)
    }
}

impl fmt::Display for DocId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A news article or official statement, normalised by the ingest service.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Document {
    /// Content hash of `text`.
    pub doc_id: DocId,
    /// Where the document came from.
    pub url: Option<String>,
    /// Headline.
    pub title: Option<String>,
    /// Outlet or issuing body.
    pub source: Option<String>,
    /// Publication time, when known.
    pub published_at: Option<DateTime<Utc>>,
    /// BCP-47 language tag.
    pub language: String,
    /// Normalised text.
    pub text: String,
    /// When ingest accepted it.
    pub ingested_at: DateTime<Utc>,
    /// Where `published_at` came from.
    #[serde(default)]
    pub date_origin: DateOrigin,
}

/// Where a document's publication date came from: ingest tries the caller's field, then the
/// URL's path, then a dateline in the text.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DateOrigin {
    /// Not recorded: the document was ingested before origins were kept.
    #[default]
    Unrecorded,
    /// Given by the caller (a feed record's date field).
    Field,
    /// Read from a date in the URL's path.
    Url,
    /// Read from a dateline or byline in the text.
    Dateline,
    /// No date was found.
    None,
}

impl DateOrigin {
    /// The origin's name as the CLI and exports print it.
    pub fn as_str(self) -> &'static str {
        match self {
            DateOrigin::Unrecorded => "unrecorded",
            DateOrigin::Field => "field",
            DateOrigin::Url => "url",
            DateOrigin::Dateline => "dateline",
            DateOrigin::None => "none",
        }
    }
}

/// Normalises a document text so that trivially different copies hash alike: CRLF and CR
/// become LF, trailing spaces on each line are dropped, runs of blank lines collapse to one,
/// and leading/trailing blank lines are removed. Inner spacing is kept, because evidence
/// offsets point into this text.
pub fn normalize_text(raw: &str) -> String {
    let unified = raw.replace("\r\n", "\n").replace('\r', "\n");
    let mut out = String::with_capacity(unified.len());
    let mut blank_run = 0usize;
    for line in unified.split('\n') {
        let line = line.trim_end();
        if line.is_empty() {
            blank_run += 1;
            continue;
        }
        if !out.is_empty() {
            out.push('\n');
            if blank_run > 0 {
                out.push('\n');
            }
        }
        blank_run = 0;
        out.push_str(line);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalisation_makes_equivalent_texts_hash_alike() {
        let a = "Title\r\n\r\n\r\nFirst line.  \r\nSecond line.\r\n\r\n";
        let b = "Title\n\nFirst line.\nSecond line.";
        assert_eq!(normalize_text(a), b);
        assert_eq!(DocId::for_text(&normalize_text(a)), DocId::for_text(b));
        assert_ne!(DocId::for_text("a"), DocId::for_text("b"));
        assert_eq!(DocId::for_text("x").as_str().len(), 32);
    }

    #[test]
    fn doc_id_parse_rejects_anything_but_32_hex() {
        let id = DocId::for_text("some text");
        assert_eq!(DocId::parse(id.as_str()).unwrap(), id);
        assert!(DocId::parse("").is_err());
        assert!(DocId::parse("XYZ").is_err());
        assert!(DocId::parse(&id.as_str().to_uppercase()).is_err());
        assert_eq!(id.stream(), format!("doc-{id}"));
    }
}
