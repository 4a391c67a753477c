//! `statecraft-fuzz`: fuzzes the event coder for a set time, then prints its figures.
//!
//! Runs the stress inputs first (each about 1 MB), then generated inputs until `--seconds` are
//! up or `--max-inputs` were tried. On a broken invariant it prints the case seed, the
//! invariant, and the input shrunk to what still fails, and exits 1. The last lines are
//! `bench: fuzz_inputs <n> inputs` and `bench: fuzz_slowest <x> MB/s`.

use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use statecraft_coder::Coder;
use statecraft_fuzz::check::{Stopwatch, TimeBound, check};
use statecraft_fuzz::driver::{self, Config, Failure, MIN_MEASURED_BYTES, Stats};
use statecraft_fuzz::generate::Generator;
use statecraft_fuzz::stress;

#[derive(Parser)]
#[command(about = "Structure-aware fuzzing of the statecraft event coder")]
struct Args {
    /// How long to fuzz, after the stress inputs.
    #[arg(long, default_value_t = 60.0)]
    seconds: f64,
    /// Seed of the run (decimal or 0x-hex); the same seed tries the same inputs. Without it,
    /// a new seed from the clock, printed, so that every run explores new inputs.
    #[arg(long, value_parser = parse_seed)]
    seed: Option<u64>,
    /// Stop after this many generated inputs.
    #[arg(long)]
    max_inputs: Option<u64>,
    /// How long shrinking a failing input may take.
    #[arg(long, default_value_t = 60.0)]
    shrink_seconds: f64,
    /// Replay one case by the case seed a failure printed, and exit.
    #[arg(long, value_parser = parse_seed)]
    replay: Option<u64>,
    /// Skip the stress inputs.
    #[arg(long)]
    no_stress: bool,
}

fn parse_seed(text: &str) -> Result<u64, String> {
    let parsed = match text.strip_prefix("0x") {
        Some(hex) => u64::from_str_radix(hex, 16),
        None => text.parse(),
    };
    parsed.map_err(|e| format!("not a seed: {text:?} ({e})"))
}

fn out(line: &str) {
    let mut stdout = std::io::stdout().lock();
    let _ = writeln!(stdout, "{line}");
    let _ = stdout.flush();
}

fn report_failure(failure: &Failure) {
    out(&format!(
        "FAILED: case seed {:#018x} (replay: statecraft-fuzz --replay {:#x})",
        failure.case.seed, failure.case.seed
    ));
    out(&format!("broken invariant: {}", failure.violation));
    out(&format!(
        "published: {:?}, input: {} bytes",
        failure.case.published,
        failure.case.text.len()
    ));
    let path = std::env::temp_dir().join(format!("statecraft-fuzz-{:016x}.txt", failure.case.seed));
    match std::fs::write(&path, &failure.case.text) {
        Ok(()) => out(&format!("input written to {}", path.display())),
        Err(e) => out(&format!(
            "could not write the input to {}: {e}",
            path.display()
        )),
    }
    if failure.case.text.len() <= 4096 {
        out(&format!("input: {:?}", failure.case.text));
    }
    out(&format!(
        "shrunk to {} bytes: {:?}",
        failure.shrunk.len(),
        failure.shrunk
    ));
    out(&format!(
        "on the shrunk input: {}",
        failure.shrunk_violation
    ));
}

fn figures(stats: &Stats) -> String {
    format!(
        "fuzz: {} inputs in {:.1} s ({:.0} inputs/s), {:.1} MB coded, {} events, largest input {} bytes",
        stats.inputs,
        stats.elapsed.as_secs_f64(),
        stats.inputs as f64 / stats.elapsed.as_secs_f64().max(1e-9),
        stats.bytes as f64 / 1e6,
        stats.events,
        stats.largest
    )
}

fn main() -> ExitCode {
    let args = Args::parse();
    let coder = Coder::new();
    let generator = Generator::new();
    let bound = TimeBound::default();

    // Compile the coder's lazily built patterns before anything is timed.
    let _ = coder.code(
        "warm-up",
        "Canada expelled two Russian diplomats on Monday.",
        None,
    );

    if let Some(seed) = args.replay {
        let case = driver::case(&generator, seed);
        out(&format!(
            "case {seed:#018x}, published {:?}",
            case.published
        ));
        out(&format!("input: {:?}", case.text));
        return match check(&coder, &case.text, case.published, bound) {
            Ok(checked) => {
                out(&format!(
                    "passes: {} events in {:.3} ms",
                    checked.events,
                    checked.elapsed.as_secs_f64() * 1e3
                ));
                ExitCode::SUCCESS
            }
            Err(violation) => {
                out(&format!("broken invariant: {violation}"));
                ExitCode::FAILURE
            }
        };
    }

    out(&format!(
        "stress inputs, the slowest generated input and any broken time bound are timed by {}",
        if Stopwatch::measures_cpu() {
            "CPU time of the coding thread"
        } else {
            "wall time"
        }
    ));
    let mut slowest_mb_per_s = f64::INFINITY;
    if !args.no_stress {
        for name in stress::NAMES {
            let input = stress::build(name, 1.0, generator.vocabulary());
            match driver::run_stress(&coder, &input, bound, 2) {
                Ok(result) => {
                    out(&format!(
                        "stress {:<16} {:>8} bytes in {:>7.3} s: {:>7.2} MB/s",
                        result.name,
                        result.bytes,
                        result.elapsed.as_secs_f64(),
                        result.mb_per_s
                    ));
                    slowest_mb_per_s = slowest_mb_per_s.min(result.mb_per_s);
                }
                Err(violation) => {
                    out(&format!(
                        "FAILED: stress input {name} ({} bytes; rebuilt by stress::build({name:?}, 1.0, ..)): {violation}",
                        input.text.len()
                    ));
                    return ExitCode::FAILURE;
                }
            }
        }
    }

    let seed = args.seed.unwrap_or_else(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0x5eed, |d| d.as_nanos() as u64)
    });
    let config = Config {
        duration: Duration::from_secs_f64(args.seconds.max(0.0)),
        seed,
        max_inputs: args.max_inputs,
        shrink_budget: Duration::from_secs_f64(args.shrink_seconds.max(0.0)),
        bound,
    };
    out(&format!(
        "fuzzing for {:.0} s with seed {seed:#x} (rerun: --seed {seed:#x}){}",
        args.seconds,
        args.max_inputs
            .map(|m| format!(", at most {m} inputs"))
            .unwrap_or_default()
    ));
    let (stats, failure) = driver::run(&coder, &generator, &config, |stats| out(&figures(stats)));
    out(&figures(&stats));
    match stats.slowest {
        Some((kb_per_s, bytes, seed)) => {
            out(&format!(
                "fuzz: slowest input of at least {MIN_MEASURED_BYTES} bytes: {kb_per_s:.0} KB/s ({bytes} bytes, case seed {seed:#x})"
            ));
            slowest_mb_per_s = slowest_mb_per_s.min(kb_per_s / 1e3);
        }
        None => out("fuzz: no input of at least 1 KB was tried"),
    }
    if let Some(failure) = &failure {
        report_failure(failure);
    }
    out(&format!("bench: fuzz_inputs {} inputs", stats.inputs));
    if slowest_mb_per_s.is_finite() {
        out(&format!("bench: fuzz_slowest {slowest_mb_per_s:.2} MB/s"));
    }
    if failure.is_some() {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
