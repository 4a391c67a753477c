//! The checks every service applies at its edge to a document a client sends (ingest's
//! `SubmitDocument(s)`, extraction's `Extract`): one function, so the two cannot drift apart.
//! Every field has a length bound, and an error quotes at most a short prefix of the value.

use chrono::{DateTime, NaiveDate, Utc};

use crate::document::{has_visible_text, is_visible};
use crate::error::ProtocolError;

/// The default largest document text, in bytes (16 MiB): `ingest.max_document_bytes`.
pub const DEFAULT_MAX_DOCUMENT_BYTES: usize = 16 * 1024 * 1024;
/// Largest URL, in bytes.
pub(crate) const MAX_URL_BYTES: usize = 2048;
/// Largest title, in characters.
pub(crate) const MAX_TITLE_CHARS: usize = 1000;
/// Largest source name, in characters.
pub(crate) const MAX_SOURCE_CHARS: usize = 300;
/// Largest language tag, in bytes (BCP 47 tags are short).
pub(crate) const MAX_LANGUAGE_BYTES: usize = 35;
/// Longest id of any kind a client may name (document ids are 32 characters, event ids 32).
pub const MAX_ID_BYTES: usize = 128;
/// Characters of a value that an error message quotes.
const QUOTED_CHARS: usize = 32;

/// A document's fields as a client sent them, before normalisation.
#[derive(Debug, Clone, Copy, Default)]
pub struct DocumentFields<'a> {
    /// The text.
    pub text: &'a str,
    /// Source URL, when given.
    pub url: Option<&'a str>,
    /// Headline, when given.
    pub title: Option<&'a str>,
    /// Outlet, when given.
    pub source: Option<&'a str>,
    /// BCP-47 language tag, when given.
    pub language: Option<&'a str>,
    /// Publication time, when given.
    pub published_at: Option<DateTime<Utc>>,
    /// A caller-chosen document id (only `Extract` takes one): 32 lowercase hex characters.
    pub doc_id: Option<&'a str>,
}

/// Quotes `value` for an error message: at most the first 32 characters, and the full length
/// when it was cut, so that no message grows with its input.
pub fn quote_prefix(value: &str) -> String {
    let mut chars = value.char_indices();
    match chars.nth(QUOTED_CHARS) {
        None => format!("{value:?}"),
        Some((cut, _)) => format!("{:?}... ({} bytes)", &value[..cut], value.len()),
    }
}

/// Validates a submitted document against the length bounds above and `max_text_bytes`:
/// the text must fit the limit, have a visible character, be text (at most 1% control
/// characters) and not page markup; the other fields must be well-formed and short.
pub fn validate_document(
    fields: &DocumentFields<'_>,
    max_text_bytes: usize,
) -> Result<(), ProtocolError> {
    let text = fields.text;
    if text.len() > max_text_bytes {
        return Err(ProtocolError::new(
            "text",
            format!(
                "document of {} bytes exceeds the limit of {max_text_bytes} bytes (ingest.max_document_bytes)",
                text.len()
            ),
        ));
    }
    if !has_visible_text(text) {
        return Err(ProtocolError::new(
            "text",
            "must contain a visible character (it is empty, whitespace or zero-width characters only)",
        ));
    }
    let (mut chars, mut control) = (0usize, 0usize);
    for c in text.chars() {
        chars += 1;
        if c.is_control() && !matches!(c, '\n' | '\r' | '\t') {
            control += 1;
        }
    }
    if control * 100 > chars {
        return Err(ProtocolError::new(
            "text",
            "looks like binary data (more than 1% control characters)",
        ));
    }
    if mostly_markup(text) {
        return Err(ProtocolError::new(
            "text",
            "is mostly HTML or XML markup; submit the article's text, not the page source",
        ));
    }
    if let Some(url) = fields.url {
        let scheme_ok = url.starts_with("http://") || url.starts_with("https://");
        if !scheme_ok || url.len() > MAX_URL_BYTES || url.chars().any(char::is_whitespace) {
            return Err(ProtocolError::new(
                "url",
                format!(
                    "must be an http(s) URL of at most {MAX_URL_BYTES} bytes without spaces, got {}",
                    quote_prefix(url)
                ),
            ));
        }
    }
    check_chars("title", fields.title, MAX_TITLE_CHARS)?;
    check_chars("source", fields.source, MAX_SOURCE_CHARS)?;
    if let Some(language) = fields.language {
        let ok = !language.is_empty()
            && language.len() <= MAX_LANGUAGE_BYTES
            && language
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-');
        if !ok {
            return Err(ProtocolError::new(
                "language",
                format!(
                    "must be a BCP-47 tag such as \"en\", got {}",
                    quote_prefix(language)
                ),
            ));
        }
    }
    if let Some(published) = fields.published_at {
        check_publication_date(published.date_naive())?;
    }
    if let Some(doc_id) = fields.doc_id {
        crate::DocId::parse(doc_id).map_err(|error| {
            ProtocolError::new(
                "doc_id",
                format!("{}, got {}", error.reason, quote_prefix(doc_id)),
            )
        })?;
    }
    Ok(())
}

/// Parses a publication date given as `YYYY-MM-DD` (as `Extract` takes it) and checks it
/// like a submitted timestamp: between 1900 and tomorrow.
pub fn parse_publication_date(raw: &str) -> Result<NaiveDate, ProtocolError> {
    let date = if raw.len() == 10 {
        NaiveDate::parse_from_str(raw, "%Y-%m-%d").ok()
    } else {
        None
    };
    let date = date.ok_or_else(|| {
        ProtocolError::new(
            "published",
            format!("expected YYYY-MM-DD, got {}", quote_prefix(raw)),
        )
    })?;
    check_publication_date(date)?;
    Ok(date)
}

/// Checks an id a client names (an event or document id to look up): non-empty, at most
/// [`MAX_ID_BYTES`], printable ASCII. A well-formed but unknown id is the caller's to
/// answer (NOT_FOUND).
pub fn check_lookup_id(field: &str, id: &str) -> Result<(), ProtocolError> {
    if id.is_empty() {
        return Err(ProtocolError::new(field, "must not be empty"));
    }
    if id.len() > MAX_ID_BYTES || !id.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(ProtocolError::new(
            field,
            format!(
                "must be at most {MAX_ID_BYTES} printable ASCII characters, got {}",
                quote_prefix(id)
            ),
        ));
    }
    Ok(())
}

fn check_publication_date(date: NaiveDate) -> Result<(), ProtocolError> {
    let earliest = NaiveDate::from_ymd_opt(1900, 1, 1).expect("valid constant");
    let latest = (Utc::now() + chrono::Duration::days(1)).date_naive();
    if date < earliest || date > latest {
        return Err(ProtocolError::new(
            "published_at",
            format!("must be between 1900-01-01 and tomorrow, got {date}"),
        ));
    }
    Ok(())
}

fn check_chars(field: &'static str, value: Option<&str>, max: usize) -> Result<(), ProtocolError> {
    let Some(value) = value else {
        return Ok(());
    };
    // Bytes bound characters from above: most values are settled without counting.
    if value.len() > max && value.chars().count() > max {
        return Err(ProtocolError::new(
            field,
            format!(
                "must be at most {max} characters, got {}",
                quote_prefix(value)
            ),
        ));
    }
    Ok(())
}

/// Whether tags (`<...>`) make up more than half of the text's visible characters: page
/// source rather than an article. Nesting depth does not matter; one pass, no parsing.
fn mostly_markup(text: &str) -> bool {
    let (mut visible, mut in_tags) = (0usize, 0usize);
    // Characters of the tag being read; a tag counts only once it closes.
    let mut open: Option<usize> = None;
    for c in text.chars().filter(|c| is_visible(*c)) {
        visible += 1;
        match (c, open.as_mut()) {
            ('<', _) => open = Some(1),
            ('>', Some(len)) => {
                in_tags += *len + 1;
                open = None;
            }
            (_, Some(len)) => *len += 1,
            (_, None) => {}
        }
    }
    in_tags * 2 > visible
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(text: &str) -> DocumentFields<'_> {
        DocumentFields {
            text,
            ..Default::default()
        }
    }

    #[test]
    fn size_limit_names_the_limit() {
        let big = "a".repeat(101);
        let error = validate_document(&text(&big), 100).unwrap_err();
        assert_eq!(error.field, "text");
        assert!(
            error.reason.contains("limit of 100 bytes"),
            "{}",
            error.reason
        );
        assert!(validate_document(&text(&big[..100]), 100).is_ok());
    }

    #[test]
    fn texts_without_a_visible_character_are_refused() {
        for invisible in [
            "",
            "   \t\n",
            "\u{200B}\u{200C}\u{200D}",
            "\u{FEFF}\u{FEFF}",
            " \u{2060} \u{00A0}",
            "\0\0\0",
        ] {
            let error = validate_document(&text(invisible), 1000).unwrap_err();
            assert!(error.reason.contains("visible"), "{invisible:?}: {error}");
        }
        assert!(validate_document(&text("\u{200B}Quito"), 1000).is_ok());
        let binary = format!("ab{}", "\u{1}".repeat(5));
        assert!(validate_document(&text(&binary), 1000).is_err());
    }

    #[test]
    fn every_field_is_bounded_and_quoted_short() {
        let long = "z".repeat(100_000);
        let url = format!("https://example.org/{long}");
        let cases = [
            DocumentFields {
                url: Some(&url),
                ..text("ok")
            },
            DocumentFields {
                title: Some(&long),
                ..text("ok")
            },
            DocumentFields {
                source: Some(&long),
                ..text("ok")
            },
            DocumentFields {
                language: Some(&long),
                ..text("ok")
            },
            DocumentFields {
                doc_id: Some(&long),
                ..text("ok")
            },
            DocumentFields {
                doc_id: Some("../../etc/passwd"),
                ..text("ok")
            },
        ];
        for case in cases {
            let error = validate_document(&case, 1000).unwrap_err();
            assert!(error.to_string().len() < 300, "{error}");
        }
        let fine = DocumentFields {
            url: Some("https://example.org/a"),
            title: Some("Accord"),
            source: Some("Wire"),
            language: Some("en-GB"),
            doc_id: Some("0123456789abcdef0123456789abcdef"),
            ..text("Chile and Ghana signed an accord.")
        };
        assert!(validate_document(&fine, 1000).is_ok());
    }

    #[test]
    fn publication_dates_are_parsed_and_bounded() {
        assert!(parse_publication_date("2019-03-12").is_ok());
        for bad in [
            "0001-01-01",
            "1899-12-31",
            "2019-3-12",
            "12/03/2019",
            "9999-01-01",
        ] {
            assert!(parse_publication_date(bad).is_err(), "{bad}");
        }
        let long = "2".repeat(100_000);
        let error = parse_publication_date(&long).unwrap_err();
        assert!(error.to_string().len() < 200, "{error}");
        let ancient = DateTime::from_timestamp(-62_000_000_000, 0).unwrap();
        let fields = DocumentFields {
            published_at: Some(ancient),
            ..text("ok")
        };
        assert!(validate_document(&fields, 100).is_err());
    }

    #[test]
    fn quotes_are_short_and_keep_char_boundaries() {
        assert_eq!(quote_prefix("abc"), "\"abc\"");
        let quoted = quote_prefix(&"é".repeat(1000));
        assert!(quoted.ends_with("(2000 bytes)"), "{quoted}");
        assert!(quoted.len() < 100);
        assert!(check_lookup_id("event_id", &"e".repeat(100_000)).is_err());
        assert!(check_lookup_id("event_id", "").is_err());
        assert!(check_lookup_id("event_id", "0123abcd").is_ok());
    }

    #[test]
    fn page_source_is_told_from_articles() {
        let nested = format!(
            "{}Canada accused Iran.{}",
            "<div class=\"x\">".repeat(10_000),
            "</div>".repeat(10_000)
        );
        assert!(mostly_markup(&nested));
        assert!(mostly_markup("<html><body><p>Short.</p></body></html>"));
        assert!(!mostly_markup(
            "Sanctions rose <b>sharply</b> in 2022, and exports fell by < 5 percent."
        ));
        assert!(!mostly_markup("Japan expelled two diplomats on Monday."));
    }
}
