//! The fuzzer as part of `cargo test`: a two-second deterministic run over generated inputs, and
//! one time bound per stress input.

use std::sync::Mutex;
use std::time::Duration;

use statecraft_coder::Coder;
use statecraft_fuzz::check::TimeBound;
use statecraft_fuzz::driver::{Config, run, run_stress};
use statecraft_fuzz::generate::Generator;
use statecraft_fuzz::stress;

/// Timed tests run one at a time, so that they do not slow each other down.
static TIMED: Mutex<()> = Mutex::new(());

#[test]
fn a_short_fuzz_run_breaks_no_invariant() {
    let _timed = TIMED.lock().unwrap_or_else(|e| e.into_inner());
    let coder = Coder::new();
    let generator = Generator::new();
    let config = Config {
        duration: Duration::from_secs(2),
        seed: 0x7e57,
        max_inputs: Some(400),
        shrink_budget: Duration::from_secs(20),
        bound: TimeBound::default(),
    };
    let (stats, failure) = run(&coder, &generator, &config, |_| {});
    if let Some(failure) = failure {
        panic!(
            "case seed {:#x}: {}\nshrunk input: {:?}\n{}",
            failure.case.seed, failure.violation, failure.shrunk, failure.shrunk_violation
        );
    }
    assert!(stats.inputs >= 50, "too few inputs tried: {stats:?}");
    assert!(
        stats.events >= stats.inputs,
        "generated inputs should hold events: {stats:?}"
    );
}

/// Codes the stress input `name` at full size (about 1 MB) and at a quarter of it. The full
/// size must pass every invariant and read at least 0.2 MB/s (the fuzzer's time bound), and
/// when it takes long enough to time well, its time per byte must be under twice that of
/// the quarter (linear: the same; quadratic: four times).
fn stress_bound(name: &str) {
    let _timed = TIMED.lock().unwrap_or_else(|e| e.into_inner());
    let coder = Coder::new();
    let generator = Generator::new();
    let bound = TimeBound::default();
    let measure = |scale: f64| {
        let input = stress::build(name, scale, generator.vocabulary());
        run_stress(&coder, &input, bound, 1)
            .unwrap_or_else(|violation| panic!("stress input {name} at {scale}: {violation}"))
    };
    let full = measure(1.0);
    assert!(
        full.mb_per_s >= 0.2,
        "{name}: {} bytes at {:.2} MB/s",
        full.bytes,
        full.mb_per_s
    );
    if full.elapsed >= Duration::from_millis(200) {
        let quarter = measure(0.25);
        let per_byte =
            |r: &statecraft_fuzz::driver::StressResult| r.elapsed.as_secs_f64() / r.bytes as f64;
        let growth = per_byte(&full) / per_byte(&quarter);
        assert!(
            growth < 2.0,
            "{name}: time per byte grows {growth:.2}x from {} to {} bytes ({:.3} s -> {:.3} s)",
            quarter.bytes,
            full.bytes,
            quarter.elapsed.as_secs_f64(),
            full.elapsed.as_secs_f64()
        );
    }
}

#[test]
fn a_one_megabyte_sentence_with_no_full_stop_is_coded_in_linear_time() {
    stress_bound("no_full_stop");
}

#[test]
fn a_hundred_thousand_commas_are_coded_in_linear_time() {
    stress_bound("commas");
}

#[test]
fn a_hundred_thousand_capitalised_words_are_coded_in_linear_time() {
    stress_bound("capitalised");
}

#[test]
fn a_megabyte_of_short_event_sentences_is_coded_in_linear_time() {
    stress_bound("event_sentences");
}

#[test]
fn a_megabyte_inside_a_quotation_that_never_closes_is_coded_in_linear_time() {
    stress_bound("unclosed_quote");
}
