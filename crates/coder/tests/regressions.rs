//! Regression tests for failures found in real feeds and by the fuzzer (crates/fuzz), each
//! rebuilt in our own words with the smallest shape that showed the failure.

use chrono::NaiveDate;
use statecraft_coder::Coder;
use statecraft_types::{Event, EventType};

fn code(text: &str) -> Vec<Event> {
    Coder::new()
        .code("doc", text, NaiveDate::from_ymd_opt(2024, 5, 17))
        .events
}

fn summary(events: &[Event]) -> Vec<String> {
    events
        .iter()
        .map(|e| {
            let targets: Vec<&str> = e.targets.iter().map(|t| t.name.as_str()).collect();
            format!(
                "{} {} -> {}",
                e.event_type,
                e.source.name,
                targets.join(" + ")
            )
        })
        .collect()
}

/// Escapes an article body the way a JSON string does (newlines and quotes).
fn json_line(id: &str, body: &str) -> String {
    let escaped = body
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n");
    format!("{{\"id\": \"{id}\", \"topic\": \"world\", \"text\": \"{escaped}\"}}")
}

/// Issue 16, smallest shape: a quotation with no attribution of its own continues the speaker
/// of the quotation in the sentence before. That speaker's offsets were the previous
/// sentence's, and `coordinated_partner` sliced this sentence with them: past its end here
/// ("Canada" starts at byte 61, the second sentence is 22 bytes long).
#[test]
fn a_continued_quotation_does_not_slice_its_sentence_with_the_previous_speakers_offsets() {
    let text = "After the talks in the old port had broken up for the night, Canada said: \
                \"We will act.\" \"We met Iran in Oslo.\"";
    let events = code(text);
    assert_eq!(summary(&events), vec!["MEET Canada -> Iran"]);
    let meeting = &events[0];
    assert_eq!(meeting.evidence.sentence, "\"We met Iran in Oslo.\"");
    assert_eq!(
        meeting.source.mention, "Canada",
        "the speaker carried from the previous sentence"
    );
    assert_eq!(meeting.attribution, None);
}

/// The same carried speaker, with its offset landing inside a two-byte char of the next
/// sentence instead of past its end.
#[test]
fn a_carried_speaker_offset_inside_a_multibyte_char_does_not_panic() {
    let second = "\"We met Iran in Oslo, said the café owner éééééééééééééééééééééééééééééééé.\"";
    let run_start = second.find('é').expect("accented run");
    // Pad the first sentence so that the speaker starts one byte into an "é" of the second.
    let mut pad = String::from("Late in the evening");
    let speaker_at = |pad: &str| pad.len() + 2;
    while speaker_at(&pad) < run_start + 20 || !(speaker_at(&pad) - run_start).is_multiple_of(2) {
        pad.push('x');
    }
    let first = format!("{pad}, Canada said: \"We will act.\"");
    assert_eq!(first.find("Canada"), Some(speaker_at(&pad)));
    assert!(!second.is_char_boundary(speaker_at(&pad)));
    let text = format!("{first} {second}");
    let events = code(&text);
    let meeting = events
        .iter()
        .find(|e| e.event_type == EventType::Meet)
        .unwrap_or_else(|| panic!("a meeting: {:?}", summary(&events)));
    assert_eq!(meeting.source.name, "Canada");
    assert_eq!(meeting.evidence.sentence, second);
}

/// Issue 16 as it came in: JSON lines read as one text document. With its newlines escaped
/// an article is one line, and with no space after the full stops before `\n` one sentence,
/// which the coder cuts into 1500-byte pieces. A quotation opened near the end of the second
/// piece runs into the third, shorter piece, whose unattributed quotation took the speaker
/// ("Canada", about 1300 bytes into the second piece) with the second piece's offsets.
#[test]
fn json_lines_with_a_quotation_across_a_piece_cut_code_without_panicking() {
    let clause = "the harbour board heard from pilots, customs officers and ferry crews \
                  about the winter timetable";
    let clauses = |bytes: usize| {
        let mut text = String::new();
        while text.len() < bytes {
            text.push_str(clause);
            text.push_str(", ");
        }
        text
    };
    let body = format!(
        "Harbour board meets\n\nOSLO - {}and Canada said: \"We will keep the channel open,\" \
         and {}we met Iran in Oslo and will meet its envoys again.\"\n\nThe board meets in June.",
        clauses(2750),
        clauses(250),
    );
    let document = [
        json_line(
            "a1",
            "Ferry link reopens\n\nThe ferry between the two islands ran again on Tuesday \
             after a winter of repairs.\n\nPassengers queued from dawn.",
        ),
        json_line("a2", &body),
        json_line(
            "a3",
            "Grain prices ease\n\nPrices at the port fell for a third week, traders said.",
        ),
    ]
    .join("\n");
    let line = document.lines().nth(1).expect("second line");
    assert!(line.len() > 3000, "the article line makes three pieces");
    let events = code(&document);
    let meeting = events
        .iter()
        .find(|e| e.event_type == EventType::Meet)
        .unwrap_or_else(|| panic!("the quoted meeting: {:?}", summary(&events)));
    assert_eq!(meeting.source.name, "Canada");
    assert_eq!(meeting.targets[0].name, "Iran");
    for event in &events {
        let sliced: String = document
            .chars()
            .skip(event.evidence.start as usize)
            .take((event.evidence.end - event.evidence.start) as usize)
            .collect();
        assert_eq!(sliced, event.evidence.sentence);
    }
}

/// Found by the fuzzer: in "a summit between A and B" the second party is looked for after
/// the next "and", which can be past the end of the first party's clause (here a relative
/// clause ends it). The place was then read from the second party's end to the clause end, a
/// reversed range: "begin > end" in `location_after`.
#[test]
fn a_summit_whose_second_party_follows_a_relative_clause_does_not_panic() {
    let events = code("A summit between Putin, who arrived late, and Erdogan took place in Sochi.");
    assert_eq!(
        summary(&events),
        vec!["MEET Vladimir Putin -> Recep Tayyip Erdogan"]
    );
    assert_eq!(
        events[0].location, None,
        "no place inside the first party's clause"
    );
    // The same with the first party closing a quotation.
    let events = code("\"We want a summit between Canada,\" Iran said and Japan agreed.");
    assert!(
        events.iter().all(|e| e.location.is_none()),
        "{:?}",
        summary(&events)
    );
}

/// `n` short event sentences between ever different pairs of states (the coder's own list of
/// states; the sentences are ours).
fn event_sentences(n: usize) -> String {
    let states: Vec<&str> = include_str!("../data/countries.tsv")
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.split('\t').nth(1))
        .filter(|name| !name.contains('.'))
        .collect();
    assert!(states.len() > 150);
    let verbs = ["sanctioned", "accused", "condemned", "met"];
    let mut text = String::new();
    for i in 0..n {
        let source = states[i % states.len()];
        let target = states[(i / states.len() + 1 + i) % states.len()];
        let verb = verbs[(i / 7) % verbs.len()];
        text.push_str(&format!("{source} {verb} {target} on Monday. "));
    }
    text
}

/// CPU time of this thread in seconds where Linux reports it (a loaded machine does not
/// count), else wall time since the first call.
fn thread_seconds() -> f64 {
    let cpu = std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse::<u64>().ok());
    match cpu {
        Some(ns) => ns as f64 / 1e9,
        None => {
            static START: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
            START
                .get_or_init(std::time::Instant::now)
                .elapsed()
                .as_secs_f64()
        }
    }
}

/// The best of two runs' times, and the events.
fn best_time(text: &str) -> (f64, usize) {
    let coder = Coder::new();
    let mut best = f64::INFINITY;
    let mut events = 0;
    for _ in 0..2 {
        let started = thread_seconds();
        events = coder.code("doc", text, None).events.len();
        best = best.min(thread_seconds() - started);
    }
    (best, events)
}

/// Found by the fuzzer's stress inputs: merging duplicate reports compared every report with
/// every kept one, quadratic in the events of a document (10 s for 1 MB of short event
/// sentences, 20 times the time of a quarter of it). Four times the sentences must take well
/// under eight times as long (linear: four; quadratic: sixteen).
#[test]
fn merging_reports_takes_time_linear_in_the_events_of_a_document() {
    let (quarter, quarter_events) = best_time(&event_sentences(4_000));
    let (full, full_events) = best_time(&event_sentences(16_000));
    assert!(
        full_events > 3 * quarter_events && quarter_events > 1_000,
        "distinct events to merge: {quarter_events} and {full_events}"
    );
    let ratio = full / quarter.max(1e-6);
    assert!(
        ratio < 8.0,
        "4x the sentences took {ratio:.1}x the time ({quarter:.3} s -> {full:.3} s)"
    );
}

/// A stray quote mark at the top of a document and then `n` short sentences, none closing it.
fn unclosed_quotation(n: usize) -> String {
    let sentences = [
        "The ferry ran late again. ",
        "Canada met Japan on Monday. ",
        "Prices at the port fell. ",
    ];
    let mut text = String::from("\"");
    for i in 0..n {
        text.push_str(sentences[i % sentences.len()]);
    }
    text
}

/// Found while adding a stress input for the fuzzer: for every sentence inside a quotation,
/// finding the sentence where it closes scanned the rest of the document, so a quotation that
/// never closes made coding quadratic in the sentences (5 s for 1.8 MB, 10x the time of a
/// quarter of it). Four times the sentences must take well under eight times as long.
#[test]
fn a_quotation_that_never_closes_is_coded_in_linear_time() {
    let (quarter, _) = best_time(&unclosed_quotation(10_000));
    let (full, events) = best_time(&unclosed_quotation(40_000));
    assert!(events >= 1, "the meetings are still read");
    let ratio = full / quarter.max(1e-6);
    assert!(
        ratio < 8.0,
        "4x the sentences took {ratio:.1}x the time ({quarter:.3} s -> {full:.3} s)"
    );
}

#[test]
fn an_agent_named_past_the_clause_end_does_not_panic() {
    // Found by the fuzzer: the by-agent frame took a name that runs over a clause break
    // ("while"), and its targets were then read from past the clause's end.
    for text in [
        "Designations unveiled by while G Co\"",
        "New sanctions imposed by the council while Volta Trading Co moved funds.",
    ] {
        let events = code(text);
        for event in &events {
            assert!(text.contains(event.evidence.sentence.as_str()));
        }
    }
}

#[test]
fn an_office_after_a_state_word_is_read_with_offsets_that_survive_lower_casing() {
    // Found by the fuzzer: a dotted capital I lower-cases to two characters, which moved the
    // byte offsets of the words read after "Pyongyang".
    let text = "Analysts said Pyongyang condemnedİ the move; the Iranian foreign ministry condemned it too.";
    let events = code(text);
    for event in &events {
        assert!(text.contains(event.evidence.sentence.as_str()));
    }
}
