//! News feeds as `ingest` reads them: JSON lines and CSV exports (news-please, newspaper3k,
//! GDELT DOC, Media Cloud and the like), one document per record, or plain text files, one
//! document per file. Field names are looked up from a default list per field, which
//! `--field text=body,...` replaces. A bad record is reported with its file and line and the
//! others are still read.

use std::io::BufRead;
use std::path::Path;

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};

/// How a file is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FeedFormat {
    /// The whole file is one document's text.
    Text,
    /// One JSON object per line (`.jsonl`, `.ndjson`).
    Jsonl,
    /// Comma-separated values with a header row (`.csv`).
    Csv,
}

impl FeedFormat {
    /// The format a file's extension implies: JSON lines, CSV, else text.
    pub fn for_path(path: &Path) -> Self {
        let extension = path
            .extension()
            .map(|e| e.to_string_lossy().to_ascii_lowercase());
        match extension.as_deref() {
            Some("jsonl" | "ndjson") => Self::Jsonl,
            Some("csv") => Self::Csv,
            _ => Self::Text,
        }
    }
}

/// The document fields a record can fill.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    /// The article text (required).
    Text,
    /// The page's address.
    Url,
    /// The headline.
    Title,
    /// The publication date or time.
    Published,
    /// The outlet.
    Source,
}

impl Field {
    const ALL: [Field; 5] = [
        Field::Text,
        Field::Url,
        Field::Title,
        Field::Published,
        Field::Source,
    ];

    fn key(self) -> &'static str {
        match self {
            Field::Text => "text",
            Field::Url => "url",
            Field::Title => "title",
            Field::Published => "published",
            Field::Source => "source",
        }
    }

    /// Record keys tried in order when nothing is mapped: the names the common news
    /// exports use.
    fn default_names(self) -> &'static [&'static str] {
        match self {
            Field::Text => &["text", "body", "content", "maintext", "article_text"],
            Field::Url => &["url", "link", "source_url"],
            Field::Title => &["title", "headline"],
            Field::Published => &[
                "published",
                "date",
                "publish_date",
                "seendate",
                "date_publish",
                "published_at",
                "pubdate",
            ],
            Field::Source => &["source", "domain", "source_domain", "media_name", "outlet"],
        }
    }
}

/// Which record keys fill which document field.
#[derive(Debug, Clone)]
pub struct FieldMap {
    names: [Vec<String>; 5],
}

impl Default for FieldMap {
    fn default() -> Self {
        Self {
            names: Field::ALL.map(|field| {
                field
                    .default_names()
                    .iter()
                    .map(|name| (*name).to_owned())
                    .collect()
            }),
        }
    }
}

impl FieldMap {
    /// The default names, with each `field=key` of `specs` (comma-separated or repeated)
    /// replacing the names of its field.
    pub fn with_overrides(specs: &[String]) -> Result<Self, String> {
        let mut map = Self::default();
        for spec in specs.iter().flat_map(|s| s.split(',')) {
            let spec = spec.trim();
            if spec.is_empty() {
                continue;
            }
            let Some((field_key, record_key)) = spec.split_once('=') else {
                return Err(format!(
                    "--field {spec:?}: expected FIELD=KEY, e.g. text=body"
                ));
            };
            let field = Field::ALL
                .into_iter()
                .find(|f| f.key() == field_key.trim())
                .ok_or_else(|| {
                    format!(
                        "--field {spec:?}: unknown field {:?} (text, url, title, published, source)",
                        field_key.trim()
                    )
                })?;
            let record_key = record_key.trim();
            if record_key.is_empty() {
                return Err(format!("--field {spec:?}: the record key is empty"));
            }
            map.names[field as usize] = vec![record_key.to_owned()];
        }
        Ok(map)
    }

    fn names(&self, field: Field) -> &[String] {
        &self.names[field as usize]
    }
}

/// One document read from a feed.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FeedRecord {
    /// The article text.
    pub text: String,
    /// The page's address.
    pub url: Option<String>,
    /// The headline.
    pub title: Option<String>,
    /// The publication time the record gives.
    pub published: Option<DateTime<Utc>>,
    /// The outlet.
    pub source: Option<String>,
}

/// A record (or a whole file) that could not be read, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejected {
    /// `file:line`, or the file alone.
    pub location: String,
    /// What is wrong with it.
    pub reason: String,
}

/// A record with where it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Located {
    /// `file:line`, or the file alone for text files.
    pub location: String,
    /// The record.
    pub record: FeedRecord,
}

/// Reads every record of a file; the outcome of each, in file order.
pub fn read_feed(
    path: &Path,
    format: FeedFormat,
    fields: &FieldMap,
) -> Vec<Result<Located, Rejected>> {
    let name = path.display().to_string();
    let file = match std::fs::File::open(path) {
        Ok(file) => file,
        Err(error) => {
            return vec![Err(Rejected {
                location: name,
                reason: format!("cannot open: {error}"),
            })];
        }
    };
    let reader = std::io::BufReader::new(file);
    match format {
        FeedFormat::Text => vec![read_text(&name, reader)],
        FeedFormat::Jsonl => read_jsonl(&name, reader, fields),
        FeedFormat::Csv => read_csv(&name, reader, fields),
    }
}

fn read_text(name: &str, mut reader: impl std::io::Read) -> Result<Located, Rejected> {
    let rejected = |reason: String| Rejected {
        location: name.to_owned(),
        reason,
    };
    let mut bytes = Vec::new();
    reader
        .read_to_end(&mut bytes)
        .map_err(|e| rejected(format!("cannot read: {e}")))?;
    let text = String::from_utf8(bytes).map_err(|_| rejected("not UTF-8 text".to_owned()))?;
    Ok(Located {
        location: name.to_owned(),
        record: FeedRecord {
            text,
            ..Default::default()
        },
    })
}

fn read_jsonl(
    name: &str,
    mut reader: impl BufRead,
    fields: &FieldMap,
) -> Vec<Result<Located, Rejected>> {
    let mut outcomes = Vec::new();
    let mut line = Vec::new();
    let mut line_number = 0u64;
    loop {
        line.clear();
        line_number += 1;
        let location = format!("{name}:{line_number}");
        match reader.read_until(b'\n', &mut line) {
            Ok(0) => break,
            Ok(_) => {}
            Err(error) => {
                outcomes.push(Err(Rejected {
                    location,
                    reason: format!("cannot read: {error}"),
                }));
                break;
            }
        }
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let outcome = std::str::from_utf8(&line)
            .map_err(|_| "not UTF-8 text".to_owned())
            .and_then(|text| {
                serde_json::from_str::<serde_json::Value>(text)
                    .map_err(|e| format!("not JSON: {e}"))
            })
            .and_then(|value| match value {
                serde_json::Value::Object(object) => record_from(fields, |key| {
                    object
                        .get(key)
                        .and_then(json_scalar)
                        .filter(|v| !v.is_empty())
                }),
                _ => Err("not a JSON object".to_owned()),
            });
        outcomes.push(located(location, outcome));
    }
    outcomes
}

/// A record's outcome with its location.
fn located(location: String, outcome: Result<FeedRecord, String>) -> Result<Located, Rejected> {
    match outcome {
        Ok(record) => Ok(Located { location, record }),
        Err(reason) => Err(Rejected { location, reason }),
    }
}

/// A JSON string or number as text; other values fill no field.
fn json_scalar(value: &serde_json::Value) -> Option<String> {
    match value {
        serde_json::Value::String(text) => Some(text.clone()),
        serde_json::Value::Number(number) => Some(number.to_string()),
        _ => None,
    }
}

fn read_csv(
    name: &str,
    reader: impl std::io::Read,
    fields: &FieldMap,
) -> Vec<Result<Located, Rejected>> {
    let mut csv_reader = csv::ReaderBuilder::new().flexible(true).from_reader(reader);
    let headers = match csv_reader.headers() {
        Ok(headers) => headers.clone(),
        Err(error) => {
            return vec![Err(Rejected {
                location: format!("{name}:1"),
                reason: format!("cannot read the header row: {error}"),
            })];
        }
    };
    let mut outcomes = Vec::new();
    let mut record = csv::StringRecord::new();
    loop {
        let line = csv_reader.position().line() + 1;
        let location = format!("{name}:{line}");
        match csv_reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {
                let location = record
                    .position()
                    .map_or(location, |p| format!("{name}:{}", p.line()));
                let outcome = if record.len() != headers.len() {
                    Err(format!(
                        "{} fields where the header has {}",
                        record.len(),
                        headers.len()
                    ))
                } else {
                    record_from(fields, |key| {
                        headers
                            .iter()
                            .position(|h| h.trim() == key)
                            .and_then(|i| record.get(i))
                            .filter(|v| !v.trim().is_empty())
                            .map(str::to_owned)
                    })
                };
                outcomes.push(located(location, outcome));
            }
            Err(error) => {
                let fatal = matches!(error.kind(), csv::ErrorKind::Io(_));
                outcomes.push(Err(Rejected {
                    location,
                    reason: format!("bad CSV record: {error}"),
                }));
                if fatal {
                    break;
                }
            }
        }
    }
    outcomes
}

/// Builds a record from a lookup of record keys.
fn record_from(
    fields: &FieldMap,
    lookup: impl Fn(&str) -> Option<String>,
) -> Result<FeedRecord, String> {
    let first = |field: Field| fields.names(field).iter().find_map(|key| lookup(key));
    let Some(text) = first(Field::Text) else {
        return Err(format!(
            "no text (looked for {}; map another key with --field text=KEY)",
            fields.names(Field::Text).join(", ")
        ));
    };
    let published = match first(Field::Published) {
        Some(raw) => Some(parse_published(&raw).ok_or_else(|| {
            format!(
                "cannot read the publication date {raw:?} (ISO 8601, RFC 2822 or YYYYMMDDTHHMMSSZ)"
            )
        })?),
        None => None,
    };
    Ok(FeedRecord {
        text,
        url: first(Field::Url),
        title: first(Field::Title),
        published,
        source: first(Field::Source),
    })
}

/// Reads a publication date or time as feeds write it: RFC 3339 / ISO 8601 (with or without
/// a zone, `T` or a space), a bare date, RFC 2822, or GDELT's compact `20190521T123000Z` and
/// `20190521123000`. Times without a zone are taken as UTC.
pub fn parse_published(raw: &str) -> Option<DateTime<Utc>> {
    let raw = raw.trim();
    if let Ok(time) = DateTime::parse_from_rfc3339(raw) {
        return Some(time.with_timezone(&Utc));
    }
    if let Ok(time) = DateTime::parse_from_rfc2822(raw) {
        return Some(time.with_timezone(&Utc));
    }
    for zoned in [
        "%Y-%m-%d %H:%M:%S%z",
        "%Y-%m-%d %H:%M:%S %z",
        "%Y-%m-%dT%H:%M:%S%.f%z",
    ] {
        if let Ok(time) = DateTime::parse_from_str(raw, zoned) {
            return Some(time.with_timezone(&Utc));
        }
    }
    for naive in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M",
        "%Y%m%dT%H%M%SZ",
        "%Y%m%dT%H%M%S",
        "%Y%m%d%H%M%S",
    ] {
        if let Ok(time) = NaiveDateTime::parse_from_str(raw, naive) {
            return Some(time.and_utc());
        }
    }
    for date in ["%Y-%m-%d", "%Y%m%d", "%Y/%m/%d"] {
        if let Ok(day) = NaiveDate::parse_from_str(raw, date) {
            return day.and_hms_opt(0, 0, 0).map(|t| t.and_utc());
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jsonl(input: &str, fields: &FieldMap) -> Vec<Result<Located, Rejected>> {
        read_jsonl("feed.jsonl", input.as_bytes(), fields)
    }

    #[test]
    fn formats_follow_the_extension() {
        assert_eq!(
            FeedFormat::for_path(Path::new("a/b.JSONL")),
            FeedFormat::Jsonl
        );
        assert_eq!(
            FeedFormat::for_path(Path::new("b.ndjson")),
            FeedFormat::Jsonl
        );
        assert_eq!(FeedFormat::for_path(Path::new("b.csv")), FeedFormat::Csv);
        assert_eq!(FeedFormat::for_path(Path::new("b.txt")), FeedFormat::Text);
        assert_eq!(FeedFormat::for_path(Path::new("notes")), FeedFormat::Text);
    }

    #[test]
    fn json_lines_take_the_common_field_names_and_report_bad_lines() {
        let input = concat!(
            r#"{"link": "https://example.org/a", "headline": "Envoys meet", "body": "Two envoys met.", "seendate": "20190521T123000Z", "domain": "example.org"}"#,
            "\n\n",
            "{not json\n",
            r#"{"title": "no text here"}"#,
            "\n",
            r#"["an", "array"]"#,
            "\n",
            r#"{"content": "A ban was lifted.", "publish_date": "sometime soon"}"#,
            "\n",
            r#"{"text": "Last one, no newline.", "date": "2020-03-03"}"#,
        );
        let outcomes = jsonl(input, &FieldMap::default());
        assert_eq!(outcomes.len(), 6, "{outcomes:?}");
        let first = outcomes[0].as_ref().expect("first record reads");
        assert_eq!(first.location, "feed.jsonl:1");
        assert_eq!(first.record.text, "Two envoys met.");
        assert_eq!(first.record.url.as_deref(), Some("https://example.org/a"));
        assert_eq!(first.record.title.as_deref(), Some("Envoys meet"));
        assert_eq!(first.record.source.as_deref(), Some("example.org"));
        assert_eq!(
            first.record.published.map(|p| p.to_rfc3339()),
            Some("2019-05-21T12:30:00+00:00".to_owned())
        );
        let reasons: Vec<(String, String)> = outcomes[1..5]
            .iter()
            .map(|o| {
                let rejected = o.as_ref().expect_err("bad record");
                (rejected.location.clone(), rejected.reason.clone())
            })
            .collect();
        assert_eq!(reasons[0].0, "feed.jsonl:3");
        assert!(reasons[0].1.starts_with("not JSON"), "{reasons:?}");
        assert!(reasons[1].1.starts_with("no text"), "{reasons:?}");
        assert_eq!(reasons[2].1, "not a JSON object");
        assert!(reasons[3].1.contains("sometime soon"), "{reasons:?}");
        let last = outcomes[5].as_ref().expect("last record reads");
        assert_eq!(last.location, "feed.jsonl:7");
        assert_eq!(last.record.text, "Last one, no newline.");
    }

    #[test]
    fn field_overrides_replace_the_default_names() {
        let fields =
            FieldMap::with_overrides(&["text=story,published=when".to_owned()]).expect("valid");
        let outcomes = jsonl(
            r#"{"text": "ignored", "story": "The talks resumed.", "when": "2021-07-01 09:30"}"#,
            &fields,
        );
        let record = &outcomes[0].as_ref().expect("reads").record;
        assert_eq!(record.text, "The talks resumed.");
        assert_eq!(
            record.published.map(|p| p.to_rfc3339()),
            Some("2021-07-01T09:30:00+00:00".to_owned())
        );
        assert!(FieldMap::with_overrides(&["body".to_owned()]).is_err());
        assert!(FieldMap::with_overrides(&["summary=abstract".to_owned()]).is_err());
        assert!(FieldMap::with_overrides(&["text=".to_owned()]).is_err());
    }

    #[test]
    fn csv_rows_become_records_and_bad_rows_are_reported() {
        let input = "url,title,publish_date,text,media_name\n\
                     https://example.net/x,A headline,2018-09-14,\"Ministers met, and agreed.\",Example Net\n\
                     https://example.net/y,Too few fields\n\
                     https://example.net/z,Empty text,2018-09-15,,Example Net\n\
                     https://example.net/w,Second,2018-09-16,\"A quoted\nline break.\",Example Net\n";
        let outcomes = read_csv("feed.csv", input.as_bytes(), &FieldMap::default());
        assert_eq!(outcomes.len(), 4, "{outcomes:?}");
        let first = outcomes[0].as_ref().expect("first row reads");
        assert_eq!(first.location, "feed.csv:2");
        assert_eq!(first.record.text, "Ministers met, and agreed.");
        assert_eq!(first.record.source.as_deref(), Some("Example Net"));
        let short = outcomes[1].as_ref().expect_err("short row");
        assert_eq!(short.location, "feed.csv:3");
        assert!(short.reason.contains("2 fields"), "{short:?}");
        assert!(
            outcomes[2]
                .as_ref()
                .expect_err("no text")
                .reason
                .starts_with("no text")
        );
        let last = outcomes[3].as_ref().expect("quoted row reads");
        assert_eq!(last.location, "feed.csv:5");
        assert_eq!(last.record.text, "A quoted\nline break.");
    }

    #[test]
    fn publication_times_in_feed_spellings() {
        let iso = |raw: &str| parse_published(raw).map(|t| t.to_rfc3339());
        let noon = Some("2019-10-07T12:00:00+00:00".to_owned());
        assert_eq!(iso("2019-10-07T12:00:00Z"), noon);
        assert_eq!(iso("2019-10-07T14:00:00+02:00"), noon);
        assert_eq!(iso("2019-10-07 12:00:00"), noon);
        assert_eq!(iso("20191007T120000Z"), noon);
        assert_eq!(iso("20191007120000"), noon);
        assert_eq!(iso("Mon, 07 Oct 2019 12:00:00 +0000"), noon);
        assert_eq!(
            iso("2019-10-07"),
            Some("2019-10-07T00:00:00+00:00".to_owned())
        );
        assert_eq!(iso("yesterday"), None);
        assert_eq!(iso("2019-13-40"), None);
        assert_eq!(iso(""), None);
    }

    #[test]
    fn a_missing_file_is_one_rejection() {
        let outcomes = read_feed(
            Path::new("/nonexistent/feed.jsonl"),
            FeedFormat::Jsonl,
            &FieldMap::default(),
        );
        assert_eq!(outcomes.len(), 1);
        assert!(
            outcomes[0]
                .as_ref()
                .expect_err("missing")
                .reason
                .starts_with("cannot open")
        );
    }
}
