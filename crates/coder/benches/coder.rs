//! Coder throughput on a generated corpus of news-like text (our own template sentences: a
//! few event sentences among many ordinary ones, datelines, quotes, company and person names),
//! next to the baseline of plain sentence splitting of the same bytes, on one core.
//!
//! Run: `cargo bench -p statecraft-coder`. The last lines are `bench: <name> <value> <unit>`.
#![allow(clippy::print_stdout)]

use std::time::Instant;

use statecraft_coder::{Coder, StageCosts};

const CORPUS_BYTES: usize = 10 * 1024 * 1024;

const SOURCES: &[&str] = &[
    "The European Union",
    "Japan",
    "The US Treasury Department",
    "Canada",
    "Australia",
    "The United Kingdom",
];
const TARGETS: &[&str] = &[
    "Iran",
    "Belarus",
    "Syria",
    "Venezuela",
    "Myanmar",
    "North Korea",
    "Russia",
    "Cuba",
];
const COMPANIES: &[&str] = &[
    "Harbor Line Shipping Co",
    "Northway Logistics Ltd",
    "Arktic Timber LLC",
    "Blue Reef Tankers Inc",
];
const PEOPLE: &[&str] = &[
    "Foreign Minister Anna Lind",
    "Treasury Secretary Janet Yellen",
    "President Joe Biden",
    "spokesman Ivan Petrov",
];
const FILLER: &[&str] = &[
    "The talks, which lasted most of the afternoon, covered energy prices, grain exports and the future of regional trade routes.",
    "Analysts said markets in the region reacted calmly, with the currency trading within its usual range through the session.",
    "Officials declined to give further details, citing the sensitivity of the discussions and the need to consult partners first.",
    "The report, which runs to more than two hundred pages, draws on interviews with shipping agents, customs officers and bankers.",
    "Local newspapers carried the story on their front pages, and several opposition politicians called for a debate in parliament.",
    "\"We will keep working with our partners to make sure the rules are applied fairly,\" one official told reporters in the capital.",
    "Independent monitors have for years documented the use of front companies and false flags to move goods through third countries.",
    "Trade between the two countries fell by almost a fifth last year, according to figures published by the statistics office.",
];

fn corpus() -> Vec<String> {
    let mut documents = Vec::new();
    let mut bytes = 0;
    let mut n = 0usize;
    while bytes < CORPUS_BYTES {
        let source = SOURCES[n % SOURCES.len()];
        let target = TARGETS[(n / 3) % TARGETS.len()];
        let company = COMPANIES[n % COMPANIES.len()];
        let person = PEOPLE[(n / 2) % PEOPLE.len()];
        let mut text = format!("Dispatch {n}: measures announced\n\nFri Mar 12, 2021 10:00AM\n\n");
        text.push_str(&format!(
            "{source} said on Thursday that the new sanctions target {company}, and a {}-based affiliate, Example Trading Co {n}. ",
            TARGETS[(n + 1) % TARGETS.len()]
        ));
        for i in 0..12 {
            text.push_str(FILLER[(n + i) % FILLER.len()]);
            text.push(' ');
            if i == 4 {
                text.push_str(&format!(
                    "{person} accused {target} of hiding oil shipments at sea. "
                ));
            }
            if i == 8 {
                text.push_str(&format!(
                    "{target} has denied it and called the measures illegal. "
                ));
            }
            if i % 4 == 3 {
                text.push_str("\n\n");
            }
        }
        bytes += text.len();
        documents.push(text);
        n += 1;
    }
    documents
}

/// The texts of `../shared/data/corpus/news-unlabelled.jsonl` (or `STATECRAFT_CORPUS`), or
/// none when the file is absent.
fn real_news() -> Vec<String> {
    let path = std::env::var("STATECRAFT_CORPUS").unwrap_or_else(|_| {
        format!(
            "{}/../../../shared/data/corpus/news-unlabelled.jsonl",
            env!("CARGO_MANIFEST_DIR")
        )
    });
    let Ok(file) = std::fs::read_to_string(&path) else {
        println!("real news: {path} not found, skipped");
        return Vec::new();
    };
    file.lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter_map(|record| record.get("text")?.as_str().map(str::to_owned))
        .collect()
}

fn main() {
    let coder = Coder::new();
    let documents = corpus();
    let total: usize = documents.iter().map(String::len).sum();
    let megabytes = total as f64 / (1024.0 * 1024.0);
    println!(
        "coder benchmark: {} documents, {megabytes:.1} MB of generated news-like text, one thread",
        documents.len()
    );

    // Warm up caches and lazy statics.
    let _ = coder.code("warm", &documents[0], None);

    let started = Instant::now();
    let mut sentences = 0usize;
    for document in &documents {
        sentences += coder.sentences(document).len();
    }
    let baseline_secs = started.elapsed().as_secs_f64();

    let started = Instant::now();
    let mut events = 0usize;
    for (i, document) in documents.iter().enumerate() {
        events += coder.code(&i.to_string(), document, None).events.len();
    }
    let coder_secs = started.elapsed().as_secs_f64();
    assert!(
        events >= documents.len() * 2,
        "the corpus yields events ({events})"
    );

    // The same documents again, with each stage's time taken apart.
    let mut costs = StageCosts::default();
    let started = Instant::now();
    for (i, document) in documents.iter().enumerate() {
        coder.code_profiled(&i.to_string(), document, None, &mut costs);
    }
    let profiled_secs = started.elapsed().as_secs_f64();
    let stages = [
        ("split", costs.split),
        ("mentions", costs.mentions),
        ("frames", costs.frames),
        ("dates", costs.dates),
        ("assembly", costs.assembly),
    ];
    let staged: f64 = stages.iter().map(|(_, d)| d.as_secs_f64()).sum();
    println!("stage     (profiled run, {profiled_secs:.2} s; clock reads add the rest)");
    for (name, spent) in stages {
        println!(
            "          {name:<10} {:>7.3} s  {:>5.1}%  {:>8.1} MB/s alone",
            spent.as_secs_f64(),
            100.0 * spent.as_secs_f64() / staged,
            megabytes / spent.as_secs_f64()
        );
    }

    // Real news, when the shared corpus sits beside the checkout (it is not in the repo):
    // the 402 unlabelled excerpts, each coded as its own document.
    let real = real_news();
    let real_throughput = (!real.is_empty()).then(|| {
        let bytes: usize = real.iter().map(String::len).sum();
        let rounds = 5;
        let started = Instant::now();
        let mut events = 0usize;
        for _ in 0..rounds {
            for (i, text) in real.iter().enumerate() {
                events += coder.code(&i.to_string(), text, None).events.len();
            }
        }
        let secs = started.elapsed().as_secs_f64();
        let rate = (rounds * bytes) as f64 / (1024.0 * 1024.0) / secs;
        println!(
            "coder     real news            {:>9} events     {rate:>8.1} MB/s  ({} excerpts, {:.0} KB, {rounds} rounds)",
            events / rounds,
            real.len(),
            bytes as f64 / 1024.0
        );
        rate
    });

    let throughput = megabytes / coder_secs;
    let baseline = megabytes / baseline_secs;
    println!("baseline  sentence splitting   {sentences:>9} sentences  {baseline:>8.1} MB/s");
    println!(
        "coder     full pipeline        {events:>9} events     {throughput:>8.1} MB/s  ({:.1}x the baseline's time)",
        coder_secs / baseline_secs
    );
    println!("bench: coder.throughput {throughput:.2} MB/s");
    println!("bench: coder.baseline {baseline:.2} MB/s");
    if let Some(rate) = real_throughput {
        println!("bench: coder.real_news {rate:.2} MB/s");
    }
    for (name, spent) in stages {
        println!(
            "bench: coder.stage.{name} {:.1} %",
            100.0 * spent.as_secs_f64() / staged
        );
    }
}
