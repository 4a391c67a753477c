//! `statecraft`: run the whole system in one process, feed it, query it, and score the coder.

/// Prints a line to stdout; a closed pipe (`statecraft events | head`) ends the process
/// quietly instead of panicking.
macro_rules! out {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let mut stdout = std::io::stdout().lock();
        if let Err(error) = writeln!(stdout, $($arg)*) {
            if error.kind() == std::io::ErrorKind::BrokenPipe {
                std::process::exit(0);
            }
            panic!("failed to write to stdout: {error}");
        }
    }};
}

/// mimalloc: the read model and the coder allocate many small strings; it is faster than the
/// system allocator for that and returns memory to the system more readily.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod commands;

use std::path::PathBuf;

use statecraft_cli::export::ExportFormat;
use statecraft_cli::feed::{FeedFormat, FieldMap};

use clap::{Args, Parser, Subcommand};

/// statecraft turns news articles into an append-only record of sanction and diplomatic
/// events (who sanctioned, accused, met, threatened, expelled or denied whom, when, and which
/// sentence says so) and serves it over gRPC.
///
/// Start with `statecraft demo`. Run the services with `statecraft serve`, feed them with
/// `statecraft ingest`, read with `statecraft events` and `statecraft tail`.
#[derive(Parser)]
#[command(name = "statecraft", version, propagate_version = true)]
struct Cli {
    #[command(flatten)]
    client: ClientArgs,
    #[command(subcommand)]
    command: Command,
}

/// How commands reach servers that run with TLS or a token (`[server]` in their config).
/// The environment variables are read by hand: an empty one (as compose passes for "off")
/// means unset, where clap would call it a missing value.
#[derive(Args)]
struct ClientArgs {
    /// Bearer token to send to servers that require one [env: STATECRAFT_TOKEN].
    #[arg(long, global = true)]
    token: Option<String>,
    /// PEM certificate to trust (the servers' CA, or their self-signed certificate); commands
    /// connect with TLS when it is set [env: STATECRAFT_TLS_CA].
    #[arg(long, global = true, value_name = "PEM")]
    tls_ca: Option<PathBuf>,
    /// Name the servers' certificate carries, when it differs from the address's host
    /// [env: STATECRAFT_TLS_DOMAIN].
    #[arg(long, global = true)]
    tls_domain: Option<String>,
}

/// A flag's value, else its environment variable; empty means unset.
fn flag_or_env(flag: Option<String>, name: &str) -> Option<String> {
    flag.or_else(|| std::env::var(name).ok())
        .filter(|value| !value.is_empty())
}

impl ClientArgs {
    fn options(self) -> anyhow::Result<statecraft_proto::ClientOptions> {
        let tls_ca = flag_or_env(
            self.tls_ca.map(|p| p.display().to_string()),
            "STATECRAFT_TLS_CA",
        );
        let ca_pem = match tls_ca {
            Some(path) => Some(
                std::fs::read(&path)
                    .map_err(|e| anyhow::anyhow!("cannot read the TLS certificate {path}: {e}"))?,
            ),
            None => None,
        };
        Ok(statecraft_proto::ClientOptions {
            ca_pem,
            tls_domain: flag_or_env(self.tls_domain, "STATECRAFT_TLS_DOMAIN"),
            token: flag_or_env(self.token, "STATECRAFT_TOKEN"),
        })
    }
}

#[derive(Subcommand)]
enum Command {
    /// Run all three services in-process on a temporary log, ingest the bundled sample
    /// articles and print the extracted events.
    Demo(DemoArgs),
    /// Run ingest, extraction and query in one process over a persistent embedded log.
    Serve(ServeArgs),
    /// Submit news feeds (JSON lines, CSV; one document per record) or text files (one
    /// document per file), or every file under directories, to the ingest service.
    Ingest(IngestArgs),
    /// Search events on the query service.
    Events(EventsArgs),
    /// Stream new events from the query service as they are extracted.
    Tail(TailArgs),
    /// Check a server's gRPC health (exit 0 when SERVING).
    Health(HealthArgs),
    /// Show where sanctions stand per target and sanctioning side (optionally as of a date).
    Sanctions(SanctionsArgs),
    /// List an actor's events, oldest first.
    Timeline(TimelineArgs),
    /// Summarise two actors' relations per period (Goldstein-weighted).
    Relations(RelationsArgs),
    /// Export matching events for other tools (JSON lines, PLOVER JSON, CAMEO TSV or CSV).
    Export(ExportArgs),
    /// List incidents: each real-world event once, with every document that reported it.
    Incidents(IncidentsArgs),
    /// Re-extract stored documents with an extraction replica's coder version.
    Reprocess(ReprocessArgs),
    /// Print the query read model's counts as JSON.
    Stats(StatsArgs),
    /// Print an extraction replica's progress as JSON.
    Status(StatusArgs),
    /// Read the whole event log and check it: documents, extractions per document and coder
    /// version, failures (JSON; exit 2 when a document is missing or extracted twice).
    Audit(AuditArgs),
    /// Run the event coder on a text, with no server (FILE or - for stdin).
    Extract(ExtractArgs),
    /// Score the coder against a gold JSONL file and print precision, recall and F1.
    Eval(EvalArgs),
    /// Score publication-date recovery without the date field on gold JSONL files: the
    /// text's datelines alone, and the URL's path then the text (right / wrong / none).
    DateRecovery(DateRecoveryArgs),
    /// Write a self-signed TLS certificate and key for the services (development and tests).
    DevCert(DevCertArgs),
}

#[derive(Args)]
struct DevCertArgs {
    /// Directory to write cert.pem and key.pem into.
    #[arg(long, default_value = "certs")]
    out: PathBuf,
    /// Extra host names or IP addresses the certificate must carry (besides localhost,
    /// 127.0.0.1, ::1, ingest, extraction and query).
    #[arg(long = "name")]
    names: Vec<String>,
}

#[derive(Args)]
struct DemoArgs {
    /// Print events as JSON lines instead of a table.
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
struct ServeArgs {
    /// TOML configuration with [ingest], [extraction] and [query] sections.
    #[arg(long)]
    config: Option<PathBuf>,
    /// Directory of the embedded log (overrides the config's log for all three services).
    #[arg(long)]
    data_dir: Option<PathBuf>,
    /// Print the effective configuration as TOML and exit.
    #[arg(long)]
    dump_config: bool,
}

#[derive(Args)]
struct IngestArgs {
    /// Files or directories to submit.
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// Ingest service address.
    #[arg(
        long,
        default_value = "127.0.0.1:50051",
        env = "STATECRAFT_INGEST_ADDR"
    )]
    addr: String,
    /// Source (outlet) to record for documents whose record names none.
    #[arg(long)]
    source: Option<String>,
    /// Largest document sent, in bytes: a larger file or record is reported and not sent. The
    /// same setting (and variable) as the server's `ingest.max_document_bytes`.
    #[arg(
        long,
        env = "STATECRAFT_INGEST__MAX_DOCUMENT_BYTES",
        default_value_t = statecraft_types::DEFAULT_MAX_DOCUMENT_BYTES
    )]
    max_document_bytes: usize,
    /// How to read every file [default: by extension: .jsonl/.ndjson JSON lines, .csv CSV,
    /// anything else one text document per file].
    #[arg(long, value_enum)]
    format: Option<FeedFormat>,
    /// Record keys for document fields, FIELD=KEY (text, url, title, published, source),
    /// comma-separated or repeated: `--field text=body,published=seendate`. Without it each
    /// field takes the first present of the usual export names (text/body/content,
    /// published/date/publish_date/seendate, source/domain, ...).
    #[arg(long = "field", value_name = "FIELD=KEY")]
    fields: Vec<String>,
    /// Print the summary as JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Args, Clone)]
struct FilterArgs {
    /// Event types to include (repeatable): SANCTION_IMPOSE, ACCUSE, MEET, ...
    #[arg(long = "type", value_name = "TYPE")]
    types: Vec<String>,
    /// Source or target name, mention or CAMEO code.
    #[arg(long)]
    actor: Option<String>,
    /// Source or target country code (RUS, USA, UNO ...).
    #[arg(long)]
    country: Option<String>,
    /// Target name or mention.
    #[arg(long)]
    target: Option<String>,
    /// Earliest event date (YYYY, YYYY-MM or YYYY-MM-DD).
    #[arg(long)]
    from: Option<String>,
    /// Latest event date.
    #[arg(long)]
    to: Option<String>,
    /// Text in the evidence sentence or the document.
    #[arg(long)]
    text: Option<String>,
}

/// Where the query service listens (every reading command takes it).
#[derive(Args)]
struct QueryAddr {
    /// Query service address.
    #[arg(
        long = "addr",
        default_value = "127.0.0.1:50053",
        env = "STATECRAFT_QUERY_ADDR"
    )]
    addr: String,
}

#[derive(Args)]
struct EventsArgs {
    #[command(flatten)]
    filter: FilterArgs,
    #[command(flatten)]
    query: QueryAddr,
    /// Events per page.
    #[arg(long, default_value_t = 50)]
    limit: i32,
    /// Follow pages until every match is printed.
    #[arg(long)]
    all: bool,
    /// Wait until the read model reflects this log position.
    #[arg(long, default_value_t = 0)]
    min_position: u64,
    /// Print JSON lines instead of a table.
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
struct ExportArgs {
    #[command(flatten)]
    filter: FilterArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ExportFormat::Jsonl)]
    format: ExportFormat,
    #[command(flatten)]
    query: QueryAddr,
    /// Wait until the read model reflects this log position.
    #[arg(long, default_value_t = 0)]
    min_position: u64,
}

#[derive(Args)]
struct IncidentsArgs {
    #[command(flatten)]
    filter: FilterArgs,
    #[command(flatten)]
    query: QueryAddr,
    /// Incidents to list.
    #[arg(long, default_value_t = 50)]
    limit: i32,
    /// Print JSON lines.
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
struct ReprocessArgs {
    /// Document ids to re-extract.
    doc_ids: Vec<String>,
    /// Re-extract every document not yet extracted by the replica's coder version.
    #[arg(long, conflicts_with = "doc_ids")]
    all: bool,
    #[command(flatten)]
    extraction: ExtractionAddr,
}

#[derive(Args)]
struct TailArgs {
    #[command(flatten)]
    filter: FilterArgs,
    #[command(flatten)]
    query: QueryAddr,
    /// Start after this log position (0 = replay everything first).
    #[arg(long, default_value_t = 0)]
    after: u64,
    /// Stop after this many events.
    #[arg(long)]
    count: Option<u64>,
    /// Print JSON lines.
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
struct SanctionsArgs {
    /// Sanctioned target (name, CAMEO code or country code).
    #[arg(long)]
    target: Option<String>,
    /// Sanctioning actor.
    #[arg(long)]
    source: Option<String>,
    /// Sanctions program (DPRK, IRAN ...).
    #[arg(long)]
    program: Option<String>,
    /// Status as it stood on this date (YYYY, YYYY-MM or YYYY-MM-DD).
    #[arg(long)]
    as_of: Option<String>,
    #[command(flatten)]
    query: QueryAddr,
    /// Print JSON lines.
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
struct TimelineArgs {
    /// Actor (name, CAMEO code or country code).
    actor: String,
    /// Earliest event date.
    #[arg(long)]
    from: Option<String>,
    /// Latest event date.
    #[arg(long)]
    to: Option<String>,
    #[command(flatten)]
    query: QueryAddr,
    /// Print JSON lines.
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
struct RelationsArgs {
    /// First actor.
    actor_a: String,
    /// Second actor.
    actor_b: String,
    /// Bucket width.
    #[arg(long, value_enum, default_value_t = BucketArg::Month)]
    bucket: BucketArg,
    /// Earliest event date (YYYY, YYYY-MM or YYYY-MM-DD).
    #[arg(long)]
    from: Option<String>,
    /// Latest event date.
    #[arg(long)]
    to: Option<String>,
    #[command(flatten)]
    query: QueryAddr,
    /// Print one JSON object per period instead of a table.
    #[arg(long)]
    json: bool,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum BucketArg {
    Day,
    Month,
    Year,
}

#[derive(Args)]
struct StatsArgs {
    #[command(flatten)]
    query: QueryAddr,
}

/// Where the extraction service listens.
#[derive(Args)]
struct ExtractionAddr {
    /// Extraction service address.
    #[arg(
        long = "addr",
        default_value = "127.0.0.1:50052",
        env = "STATECRAFT_EXTRACTION_ADDR"
    )]
    addr: String,
}

#[derive(Args)]
struct StatusArgs {
    #[command(flatten)]
    extraction: ExtractionAddr,
}

#[derive(Args)]
struct AuditArgs {
    /// Event log URL: nats://host:port, or file:<dir> (not while a server holds it).
    #[arg(long)]
    log: String,
}

#[derive(Args)]
struct HealthArgs {
    /// Which service to check; picks the default address and its environment variable.
    #[arg(long, value_enum, default_value_t = ServiceArg::Query)]
    service: ServiceArg,
    /// Server address [default: the service's localhost port; env: STATECRAFT_INGEST_ADDR,
    /// STATECRAFT_EXTRACTION_ADDR or STATECRAFT_QUERY_ADDR, after --service].
    #[arg(long)]
    addr: Option<String>,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum ServiceArg {
    Ingest,
    Extraction,
    Query,
}

impl HealthArgs {
    /// The flag, else the service's environment variable, else its localhost default.
    fn address(self) -> String {
        let (variable, default) = match self.service {
            ServiceArg::Ingest => ("STATECRAFT_INGEST_ADDR", "127.0.0.1:50051"),
            ServiceArg::Extraction => ("STATECRAFT_EXTRACTION_ADDR", "127.0.0.1:50052"),
            ServiceArg::Query => ("STATECRAFT_QUERY_ADDR", "127.0.0.1:50053"),
        };
        flag_or_env(self.addr, variable).unwrap_or_else(|| default.to_owned())
    }
}

#[derive(Args)]
struct ExtractArgs {
    /// Text file, or - for stdin.
    #[arg(default_value = "-")]
    file: String,
    /// Publication date YYYY-MM-DD (resolves "on Thursday"); read from the text when absent.
    #[arg(long)]
    published: Option<String>,
    /// Document id stamped on the events; a content hash when absent.
    #[arg(long)]
    doc_id: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum Format {
    Table,
    Jsonl,
}

#[derive(Args)]
struct DateRecoveryArgs {
    /// Gold files (JSONL with `url`, `published` and `text`).
    #[arg(required = true)]
    gold: Vec<PathBuf>,
    /// Print one JSON object per file.
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
struct EvalArgs {
    /// Gold file (JSONL, one document per line).
    gold: PathBuf,
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
    /// Also list every miss and false alarm.
    #[arg(long, short)]
    verbose: bool,
}

/// Exit codes scripts can rely on.
mod exit {
    /// Success.
    pub(crate) const OK: i32 = 0;
    /// The command failed.
    pub(crate) const FAILURE: i32 = 1;
    /// Some inputs were rejected.
    pub(crate) const PARTIAL: i32 = 2;
    /// A server answered but is not serving.
    pub(crate) const NOT_SERVING: i32 = 3;
    /// The command line or a file it names is unusable (sysexits EX_USAGE).
    pub(crate) const USAGE: i32 = 64;
}

fn main() {
    // Usage errors exit 64 (EX_USAGE), apart from 2, which means "some inputs were rejected".
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            let code = if error.use_stderr() {
                exit::USAGE
            } else {
                exit::OK
            };
            let _ = error.print();
            std::process::exit(code);
        }
    };
    match cli.client.options() {
        Ok(options) => commands::set_client_options(options),
        Err(error) => {
            eprintln!("statecraft: {error:#}");
            std::process::exit(exit::USAGE);
        }
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("failed to start the async runtime");
    let default_filter = if matches!(cli.command, Command::Serve(_)) {
        "info"
    } else {
        "warn"
    };
    // The OTLP exporter (when configured) needs the runtime to exist.
    let entered = runtime.enter();
    let telemetry = statecraft_runtime::telemetry::init_with_default("statecraft", default_filter);
    let outcome = runtime.block_on(async {
        match cli.command {
            Command::Demo(args) => commands::demo(args.json).await,
            Command::Serve(args) => {
                commands::serve(args.config, args.data_dir, args.dump_config).await
            }
            Command::Ingest(args) => {
                let fields = match FieldMap::with_overrides(&args.fields) {
                    Ok(fields) => fields,
                    Err(error) => {
                        eprintln!("statecraft ingest: {error}");
                        return Ok(exit::USAGE);
                    }
                };
                let feed = commands::FeedOptions {
                    format: args.format,
                    fields,
                    source: args.source,
                    max_document_bytes: args.max_document_bytes,
                };
                commands::ingest(&args.addr, &args.paths, feed, args.json).await
            }
            Command::Events(args) => {
                commands::events(
                    &args.query.addr,
                    args.filter.into(),
                    args.limit,
                    args.all,
                    args.min_position,
                    args.json,
                )
                .await
            }
            Command::Tail(args) => {
                commands::tail(
                    &args.query.addr,
                    args.filter.into(),
                    args.after,
                    args.count,
                    args.json,
                )
                .await
            }
            Command::Health(args) => commands::health(&args.address()).await,
            Command::Sanctions(args) => {
                commands::sanctions(
                    &args.query.addr,
                    args.target,
                    args.source,
                    args.program,
                    args.as_of,
                    args.json,
                )
                .await
            }
            Command::Timeline(args) => {
                commands::timeline(&args.query.addr, args.actor, args.from, args.to, args.json)
                    .await
            }
            Command::Relations(args) => {
                let bucket = match args.bucket {
                    BucketArg::Day => statecraft_proto::pb::query::v1::Bucket::Day,
                    BucketArg::Month => statecraft_proto::pb::query::v1::Bucket::Month,
                    BucketArg::Year => statecraft_proto::pb::query::v1::Bucket::Year,
                };
                let request = statecraft_proto::pb::query::v1::RelationsRequest {
                    actor_a: args.actor_a,
                    actor_b: args.actor_b,
                    date_from: args.from.unwrap_or_default(),
                    date_to: args.to.unwrap_or_default(),
                    bucket: bucket as i32,
                    min_position: 0,
                };
                commands::relations(&args.query.addr, request, args.json).await
            }
            Command::Export(args) => {
                commands::export(
                    &args.query.addr,
                    args.filter.into(),
                    args.format,
                    args.min_position,
                )
                .await
            }
            Command::Incidents(args) => {
                commands::incidents(&args.query.addr, args.filter.into(), args.limit, args.json)
                    .await
            }
            Command::Reprocess(args) => {
                commands::reprocess(&args.extraction.addr, args.doc_ids, args.all).await
            }
            Command::Stats(args) => commands::stats(&args.query.addr).await,
            Command::Status(args) => commands::status(&args.extraction.addr).await,
            Command::Audit(args) => commands::audit(&args.log).await,
            Command::Extract(args) => {
                commands::extract(
                    &args.file,
                    args.published,
                    args.doc_id,
                    matches!(args.format, Format::Jsonl),
                )
                .await
            }
            Command::Eval(args) => commands::eval(&args.gold, args.json, args.verbose),
            Command::DateRecovery(args) => commands::date_recovery(&args.gold, args.json),
            Command::DevCert(args) => commands::dev_cert(&args.out, &args.names),
        }
    });
    let code = match outcome {
        Ok(code) => code,
        Err(error) => {
            eprintln!("statecraft: {error:#}");
            exit::FAILURE
        }
    };
    drop(telemetry);
    drop(entered);
    drop(runtime);
    std::process::exit(code);
}

impl From<FilterArgs> for commands::Filter {
    fn from(args: FilterArgs) -> Self {
        Self {
            types: args.types,
            actor: args.actor,
            country: args.country,
            target: args.target,
            from: args.from,
            to: args.to,
            text: args.text,
        }
    }
}
