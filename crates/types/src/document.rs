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

/// Characters that never show and carry no meaning for identity: byte order marks, zero-width
/// spaces, word joiners, soft hyphens. They are removed from the text before hashing.
fn is_stripped_invisible(c: char) -> bool {
    matches!(c, '\u{FEFF}' | '\u{200B}' | '\u{2060}' | '\u{00AD}')
}

/// Whether `c` shows as something on a page: not whitespace, not a control character, not a
/// zero-width character (joiners and marks of direction included).
pub fn is_visible(c: char) -> bool {
    !(c.is_whitespace()
        || c.is_control()
        || is_stripped_invisible(c)
        || matches!(
            c,
            '\u{200C}' | '\u{200D}' | '\u{200E}' | '\u{200F}' | '\u{180E}'
        ))
}

/// Whether the text has at least one visible character (see [`is_visible`]).
pub fn has_visible_text(text: &str) -> bool {
    text.chars().any(is_visible)
}

/// Normalises a document text into "the same text" form, the form that is stored and hashed
/// into the [`DocId`]: Unicode NFC; byte order marks, zero-width spaces, word joiners and soft
/// hyphens removed; CRLF and CR become LF; inside each line every run of whitespace (spaces,
/// tabs, no-break spaces, other Unicode spaces) becomes one space and the line is trimmed;
/// runs of blank lines collapse to one blank line; leading and trailing blank lines go.
/// Line breaks stay: datelines and paragraphs are part of a text. One pass after NFC, so time
/// and memory are linear in the text's length. Evidence offsets point into this form.
pub fn normalize_text(raw: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    use unicode_normalization::{IsNormalized, is_nfc_quick};

    let composed: std::borrow::Cow<'_, str> = match is_nfc_quick(raw.chars()) {
        IsNormalized::Yes => std::borrow::Cow::Borrowed(raw),
        _ => std::borrow::Cow::Owned(raw.nfc().collect()),
    };
    let mut out = String::with_capacity(composed.len());
    // Blank lines seen since the last line with text, and whether a space is owed before the
    // next visible character of the current line.
    let mut blank_lines = 0usize;
    let mut line_has_text = false;
    let mut pending_space = false;
    let mut chars = composed.chars().peekable();
    while let Some(c) = chars.next() {
        let newline = c == '\n' || c == '\r';
        if c == '\r' && chars.peek() == Some(&'\n') {
            chars.next();
        }
        if newline {
            if line_has_text {
                blank_lines = 0;
            } else if !out.is_empty() {
                blank_lines += 1;
            }
            line_has_text = false;
            pending_space = false;
            continue;
        }
        if is_stripped_invisible(c) {
            continue;
        }
        if c.is_whitespace() {
            pending_space = line_has_text;
            continue;
        }
        if !line_has_text && !out.is_empty() {
            out.push('\n');
            if blank_lines > 0 {
                out.push('\n');
            }
        }
        if pending_space {
            out.push(' ');
            pending_space = false;
        }
        line_has_text = true;
        out.push(c);
    }
    out
}

/// The normalisation used before "the same text" was defined by [`normalize_text`]: line
/// endings unified, trailing spaces of each line dropped, blank-line runs collapsed. Documents
/// ingested with it keep the ids it gave; ingest looks an old id up so that a text stored
/// then is still found as a duplicate now.
pub fn legacy_normalize_text(raw: &str) -> String {
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
    fn spacing_invisibles_and_composition_do_not_change_identity() {
        let plain = "Peru recalled its envoy from Bogota.\n\nThe talks ended on Friday.";
        let variants = [
            " Peru recalled its envoy from Bogota.\n\nThe talks ended on Friday.",
            "Peru  recalled its envoy\tfrom Bogota.  \r\n\r\n\r\nThe talks ended on Friday.\n",
            "Peru\u{00A0}recalled its envoy from Bogota.\n \t\nThe talks ended on Friday.",
            "\u{FEFF}Peru recalled its en\u{200B}voy from Bogota.\n\nThe talks ended\u{2060} on Friday.",
        ];
        for variant in variants {
            assert_eq!(normalize_text(variant), plain, "{variant:?}");
        }
        // A decomposed accent composes; a different letter stays different.
        let composed = "Talks in Bogot\u{00E1} ended.";
        assert_eq!(normalize_text("Talks in Bogota\u{0301} ended."), composed);
        assert_ne!(normalize_text("Talks in Bogota ended."), composed);
        // Line breaks are part of the text.
        assert_ne!(normalize_text("one\ntwo"), normalize_text("one two"));
    }

    #[test]
    fn old_ids_agree_for_texts_already_in_normal_form() {
        let tidy = "Chile and Ghana signed a fisheries accord.\n\nIt takes effect in May.";
        assert_eq!(normalize_text(tidy), legacy_normalize_text(tidy));
        let spaced = "Chile and  Ghana signed a fisheries accord.";
        assert_ne!(normalize_text(spaced), legacy_normalize_text(spaced));
    }

    #[test]
    fn visibility() {
        assert!(!has_visible_text(
            "\u{200B}\u{200C}\u{200D}\u{FEFF}\u{2060} \t\n\u{00A0}"
        ));
        assert!(!has_visible_text("\0\0\0"));
        assert!(has_visible_text("\u{200B}a"));
        assert!(normalize_text("\u{FEFF}\u{200B}\u{2060}").is_empty());
    }

    #[test]
    fn normalisation_is_linear_on_long_texts() {
        let line = "Officials met in Lima on Tuesday.\t \u{00A0}Nothing was agreed.\r\n";
        let text = line.repeat(200_000);
        let started = std::time::Instant::now();
        let normal = normalize_text(&text);
        assert!(normal.len() < text.len());
        assert!(started.elapsed() < std::time::Duration::from_secs(20));
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
