//! Issue 15, item 3: documents of any real size. A document at ingest's default limit (16 MiB)
//! is coded without a timeout, and the time grows linearly with the length: four times the
//! text must take well under eight times as long (linear: four; quadratic: sixteen).

use std::time::Instant;

use chrono::NaiveDate;
use statecraft_coder::Coder;

/// A long hearing record in our own words: paragraphs of procedure with a few events.
fn hearing_record(bytes: usize) -> String {
    let paragraphs = [
        "The committee resumed its session on the fisheries dispute after a short recess. ",
        "Members asked the clerk to read the earlier motions into the record once more. ",
        "Norway accused Iceland on Tuesday of ignoring the agreed quotas. ",
        "A witness from the harbour authority described the inspection schedule in detail.\n\n",
        "The chair thanked the witnesses and said the panel would meet again next week. ",
        "Peru and Chile signed a memorandum on port inspections in Lima.\n\n",
    ];
    let mut text = String::with_capacity(bytes + 200);
    let mut i = 0;
    while text.len() < bytes {
        text.push_str(paragraphs[i % paragraphs.len()]);
        i += 1;
    }
    text
}

fn seconds_to_code(coder: &Coder, text: &str) -> (f64, usize) {
    let started = Instant::now();
    let coded = coder.code("doc", text, NaiveDate::from_ymd_opt(2024, 3, 8));
    (started.elapsed().as_secs_f64(), coded.events.len())
}

#[test]
fn a_sixteen_mebibyte_document_is_coded_in_linear_time() {
    let coder = Coder::new();
    let quarter = hearing_record(4 * 1024 * 1024);
    let full = hearing_record(16 * 1024 * 1024);
    let (quarter_secs, quarter_events) = seconds_to_code(&coder, &quarter);
    let (full_secs, full_events) = seconds_to_code(&coder, &full);
    assert!(
        quarter_events > 0 && full_events >= quarter_events,
        "events: {quarter_events} then {full_events}"
    );
    let ratio = full_secs / quarter_secs.max(1e-3);
    assert!(
        ratio < 8.0,
        "4x the text took {ratio:.1}x the time ({quarter_secs:.2} s -> {full_secs:.2} s)"
    );
    assert!(full_secs < 120.0, "16 MiB took {full_secs:.1} s");
}
