//! Bad input through the `statecraft` command line against a running in-process cluster: each
//! case exits with the documented code and says what is wrong, and the log stays unchanged.

use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use statecraft_cli::{Cluster, ClusterConfig};
use statecraft_eventlog::{EventLog, MemoryLog};

/// Exit codes (see `statecraft --help`).
const FAILURE: i32 = 1;
const PARTIAL: i32 = 2;
const USAGE: i32 = 64;

fn statecraft(args: &[&str]) -> (i32, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_statecraft"))
        .args(args)
        .env_remove("STATECRAFT_TOKEN")
        .env_remove("STATECRAFT_TLS_CA")
        .output()
        .expect("the binary runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.code().unwrap_or(-1), text)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_command_line_rejects_bad_input_with_clear_messages_and_exit_codes() {
    let log = Arc::new(MemoryLog::new());
    let cluster = Cluster::start(ClusterConfig::for_test(), log.clone())
        .await
        .unwrap();
    cluster.wait_serving(Duration::from_secs(10)).await.unwrap();
    let ingest = cluster.ingest_addr.to_string();
    let query = cluster.query_addr.to_string();
    let extraction = cluster.extraction_addr.to_string();
    let files = tempfile::tempdir().unwrap();
    let write = |name: &str, bytes: &[u8]| {
        let path = files.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        path.display().to_string()
    };
    let binary = write(
        "image.png",
        b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\xff\xfe\x00\x01",
    );
    let control = write(
        "control.txt",
        "\u{1}\u{2}\u{3}abc\u{0}".repeat(50).as_bytes(),
    );
    let latin1 = write("latin1.txt", b"Caf\xe9 au lait, na\xefve r\xe9sum\xe9.");
    let markup = write(
        "page.html",
        format!(
            "{}Japan expelled a diplomat.{}",
            "<div>".repeat(500),
            "</div>".repeat(500)
        )
        .as_bytes(),
    );
    let hearing = write(
        "hearing.txt",
        "The committee heard the envoy again on Thursday. "
            .repeat(40)
            .as_bytes(),
    );
    let bad_feed = write(
        "feed.jsonl",
        b"{\"title\": \"a record without text\"}\n\n{broken\n{\"text\": \"Dated oddly.\", \"date\": \"soon\"}\n",
    );
    let bad_csv = write("feed.csv", b"url,text\nhttps://example.org/a\n");
    let empty_dir = files.path().join("empty");
    std::fs::create_dir(&empty_dir).unwrap();
    let empty_dir = empty_dir.display().to_string();
    let missing = files.path().join("missing.txt").display().to_string();
    let head = log.head();

    let cases: Vec<(&str, Vec<&str>, i32, &str)> = vec![
        (
            "feed records without text, not JSON, with an unreadable date",
            vec!["ingest", "--addr", &ingest, &bad_feed],
            PARTIAL,
            "feed.jsonl:4: cannot read the publication date",
        ),
        (
            "feed record without text names its line",
            vec!["ingest", "--addr", &ingest, &bad_feed],
            PARTIAL,
            "feed.jsonl:1: no text",
        ),
        (
            "CSV row with too few fields",
            vec!["ingest", "--addr", &ingest, &bad_csv],
            PARTIAL,
            "feed.csv:2: 1 fields where the header has 2",
        ),
        (
            "field mapping without a key",
            vec!["ingest", "--addr", &ingest, "--field", "text", &bad_feed],
            USAGE,
            "FIELD=KEY",
        ),
        (
            "binary file",
            vec!["ingest", "--addr", &ingest, &binary],
            PARTIAL,
            "not UTF-8",
        ),
        (
            "control characters",
            vec!["ingest", "--addr", &ingest, &control],
            PARTIAL,
            "binary",
        ),
        (
            "invalid UTF-8",
            vec!["ingest", "--addr", &ingest, &latin1],
            PARTIAL,
            "not UTF-8",
        ),
        (
            "page source",
            vec!["ingest", "--addr", &ingest, &markup],
            PARTIAL,
            "markup",
        ),
        (
            "file over the document limit",
            vec![
                "ingest",
                "--addr",
                &ingest,
                "--max-document-bytes",
                "1000",
                &hearing,
            ],
            PARTIAL,
            "hearing.txt: document of 1960 bytes exceeds the limit of 1000 bytes",
        ),
        (
            "missing file",
            vec!["ingest", "--addr", &ingest, &missing],
            FAILURE,
            "missing.txt",
        ),
        (
            "empty directory",
            vec!["ingest", "--addr", &ingest, &empty_dir],
            FAILURE,
            "no files",
        ),
        (
            "impossible date",
            vec!["events", "--addr", &query, "--from", "2021-02-30"],
            FAILURE,
            "date_from",
        ),
        (
            "reversed range",
            vec![
                "timeline", "--addr", &query, "Iran", "--from", "2022", "--to", "2020",
            ],
            FAILURE,
            "after",
        ),
        (
            "unknown event type",
            vec!["events", "--addr", &query, "--type", "HUG"],
            FAILURE,
            "HUG",
        ),
        (
            "unknown export format",
            vec!["export", "--addr", &query, "--format", "xml"],
            USAGE,
            "xml",
        ),
        (
            "negative position",
            vec!["tail", "--addr", &query, "--after", "-5"],
            USAGE,
            "-5",
        ),
        ("unknown command", vec!["frobnicate"], USAGE, "frobnicate"),
        (
            "unreadable certificate",
            vec!["--tls-ca", &missing, "stats", "--addr", &query],
            USAGE,
            "cannot read",
        ),
        (
            "token that cannot be sent",
            vec!["--token", "pass\u{e9}word", "stats", "--addr", &query],
            FAILURE,
            "ASCII",
        ),
        (
            "nothing to reprocess",
            vec!["reprocess", "--addr", &extraction],
            FAILURE,
            "doc_ids",
        ),
        (
            "server not running",
            vec!["health", "--addr", "127.0.0.1:1"],
            FAILURE,
            "127.0.0.1:1",
        ),
        (
            "sanctions as of an impossible date",
            vec!["sanctions", "--addr", &query, "--as-of", "2021-13-01"],
            FAILURE,
            "as_of",
        ),
    ];
    for (name, args, code, needle) in cases {
        let (exit, output) = statecraft(&args);
        assert_eq!(exit, code, "{name}: {args:?} printed {output}");
        assert!(
            output.contains(needle),
            "{name}: output should mention {needle:?}: {output}"
        );
        assert!(!output.contains("panicked"), "{name}: {output}");
    }
    assert_eq!(log.head(), head, "no bad input reached the log");

    // Compose passes empty variables for "TLS and token off": they must mean unset.
    let empty_env = Command::new(env!("CARGO_BIN_EXE_statecraft"))
        .args(["stats", "--addr", &query])
        .env("STATECRAFT_TLS_CA", "")
        .env("STATECRAFT_TOKEN", "")
        .env("STATECRAFT_TLS_DOMAIN", "")
        .output()
        .unwrap();
    assert!(
        empty_env.status.success(),
        "{}",
        String::from_utf8_lossy(&empty_env.stderr)
    );
    cluster.shutdown().await.unwrap();
}
