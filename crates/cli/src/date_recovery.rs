//! How well publication dates are recovered without the feed's date field: over a gold file
//! (`../shared/data` format: `doc_id`, `url`, `published`, `text`), the date the text alone
//! gives (datelines and bylines) and the date ingest would store (the URL's path, then the
//! text) are each scored right, wrong or none against the gold `published`.

use std::io::BufRead;
use std::path::Path;

use anyhow::Context;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use statecraft_coder::{Coder, date_in_url};

#[derive(Deserialize)]
struct GoldRecord {
    #[serde(default)]
    doc_id: String,
    #[serde(default)]
    url: Option<String>,
    #[serde(default)]
    published: Option<String>,
    #[serde(default)]
    text: String,
}

/// Right, wrong and missing dates.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Tally {
    /// The recovered date equals the gold one.
    pub right: u64,
    /// A date was recovered and differs.
    pub wrong: u64,
    /// No date was recovered.
    pub none: u64,
}

impl Tally {
    fn add(&mut self, recovered: Option<NaiveDate>, gold: NaiveDate) {
        match recovered {
            Some(day) if day == gold => self.right += 1,
            Some(_) => self.wrong += 1,
            None => self.none += 1,
        }
    }
}

/// The figures for one gold file.
#[derive(Debug, Default, Clone, Serialize)]
pub struct DateRecovery {
    /// Documents read.
    pub documents: u64,
    /// Documents whose gold record has a publication date (the ones scored).
    pub dated: u64,
    /// Datelines and bylines in the text alone.
    pub text: Tally,
    /// The URL's path, then the text (what ingest does without a date field).
    pub url_then_text: Tally,
    /// Documents dated wrongly by their text: (doc id, recovered, gold).
    pub wrong_from_text: Vec<(String, String, String)>,
}

/// Scores date recovery over a gold JSONL file.
pub fn score_file(coder: &Coder, path: &Path) -> anyhow::Result<DateRecovery> {
    let file =
        std::fs::File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let mut recovery = DateRecovery::default();
    for (index, line) in std::io::BufReader::new(file).lines().enumerate() {
        let line = line.with_context(|| format!("cannot read {}", path.display()))?;
        if line.trim().is_empty() {
            continue;
        }
        let record: GoldRecord = serde_json::from_str(&line)
            .with_context(|| format!("{}:{}: not a gold record", path.display(), index + 1))?;
        recovery.documents += 1;
        let Some(gold) = record
            .published
            .as_deref()
            .and_then(|p| NaiveDate::parse_from_str(p, "%Y-%m-%d").ok())
        else {
            continue;
        };
        recovery.dated += 1;
        let from_text = coder.read_metadata(&record.text).1;
        recovery.text.add(from_text, gold);
        if from_text.is_some_and(|day| day != gold) {
            recovery.wrong_from_text.push((
                record.doc_id.clone(),
                from_text.map(|d| d.to_string()).unwrap_or_default(),
                gold.to_string(),
            ));
        }
        let from_url = record.url.as_deref().and_then(date_in_url);
        recovery.url_then_text.add(from_url.or(from_text), gold);
    }
    Ok(recovery)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_small_gold_file_is_scored() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("gold.jsonl");
        let lines = [
            r#"{"doc_id": "a", "url": "https://example.org/2020/01/02/x", "published": "2020-01-02", "text": "Harbour talks\n\nPosted 1/2/20\n\nThe two ports agreed to share a pier."}"#,
            r#"{"doc_id": "b", "url": "https://example.org/story", "published": "2021-05-06", "text": "Ministers met on 3 May 2021 in a hall."}"#,
            r#"{"doc_id": "c", "url": "https://example.org/2019/07/08/y", "published": "2019-07-09", "text": "No dateline here, only a sentence."}"#,
            r#"{"doc_id": "d", "published": null, "text": "Undated."}"#,
        ];
        std::fs::write(&path, lines.join("\n")).expect("write gold");
        let recovery = score_file(&Coder::new(), &path).expect("scored");
        assert_eq!(recovery.documents, 4);
        assert_eq!(recovery.dated, 3);
        assert_eq!(
            recovery.text,
            Tally {
                right: 1,
                wrong: 0,
                none: 2
            }
        );
        assert_eq!(
            recovery.url_then_text,
            Tally {
                right: 1,
                wrong: 1,
                none: 1
            }
        );
    }
}
