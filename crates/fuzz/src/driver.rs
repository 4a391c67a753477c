//! The fuzzing loop: case `i` of a run with seed `s` is generated from its own case seed (so
//! a failure is replayed from that one number), checked, and on failure shrunk.

use std::time::{Duration, Instant};

use arbitrary::Unstructured;
use chrono::NaiveDate;
use statecraft_coder::Coder;

use crate::check::{Stopwatch, TimeBound, Violation, check};
use crate::generate::Generator;
use crate::mutate::mutate;
use crate::shrink::shrink;
use crate::stress;

/// Settings of one run.
#[derive(Debug, Clone)]
pub struct Config {
    /// Stop after this long.
    pub duration: Duration,
    /// The run's seed: the same seed gives the same inputs.
    pub seed: u64,
    /// Stop after this many inputs.
    pub max_inputs: Option<u64>,
    /// How long shrinking a failure may take.
    pub shrink_budget: Duration,
    /// The time bound every input must meet.
    pub bound: TimeBound,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            duration: Duration::from_secs(10),
            seed: 0x5eed,
            max_inputs: None,
            shrink_budget: Duration::from_secs(60),
            bound: TimeBound::default(),
        }
    }
}

/// One generated input.
#[derive(Debug, Clone)]
pub struct Case {
    /// The seed it was generated from.
    pub seed: u64,
    /// The document text.
    pub text: String,
    /// The publication date passed to the coder.
    pub published: Option<NaiveDate>,
}

/// A broken invariant, with the input that broke it.
#[derive(Debug, Clone)]
pub struct Failure {
    /// The generated input.
    pub case: Case,
    /// What broke.
    pub violation: Violation,
    /// The smallest input found that breaks it the same way.
    pub shrunk: String,
    /// The violation on the shrunk input.
    pub shrunk_violation: Violation,
}

/// Figures of a run.
#[derive(Debug, Clone, Default)]
pub struct Stats {
    /// Inputs checked.
    pub inputs: u64,
    /// Bytes coded (first runs).
    pub bytes: u64,
    /// Events coded (first runs).
    pub events: u64,
    /// Wall time of the run.
    pub elapsed: Duration,
    /// Wall time spent in the coder's first runs.
    pub coding: Duration,
    /// Largest input, bytes.
    pub largest: usize,
    /// Slowest input of at least [`MIN_MEASURED_BYTES`], timed by [`steady_time`] (CPU time):
    /// (KB/s with KB = 1000 bytes, bytes, case seed).
    pub slowest: Option<(f64, usize, u64)>,
}

/// How often [`run`] reports progress.
pub const PROGRESS_EVERY: Duration = Duration::from_secs(60);

/// Inputs shorter than this are not ranked by speed: their time is the coder's fixed cost.
pub const MIN_MEASURED_BYTES: usize = 1024;

/// SplitMix64: a small, good mixer for deriving seeds and filling entropy.
fn splitmix(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The seed of case `index` of a run seeded with `seed`.
pub fn case_seed(seed: u64, index: u64) -> u64 {
    let mut state = seed ^ index.wrapping_mul(0xD1B5_4A32_D192_ED03);
    splitmix(&mut state)
}

/// Generates the case of one case seed: a document, then mutations.
pub fn case(generator: &Generator, seed: u64) -> Case {
    let mut state = seed;
    let len = 64 + (splitmix(&mut state) % 8192) as usize;
    let mut entropy = Vec::with_capacity(len + 8);
    while entropy.len() < len {
        entropy.extend(splitmix(&mut state).to_le_bytes());
    }
    let mut u = Unstructured::new(&entropy);
    // Out of entropy, `arbitrary` yields each choice's first option, so generation never
    // fails; an error here would be a generator bug.
    let published = if u.ratio(1, 2).unwrap_or(false) {
        let year = u.int_in_range(1995..=2030).unwrap_or(2021);
        let day = u.int_in_range(0..=400).unwrap_or(0);
        NaiveDate::from_yo_opt(year, day)
    } else {
        None
    };
    let mut text = generator
        .document(&mut u)
        .expect("documents are generated from any entropy");
    mutate(&mut text, generator, &mut u).expect("mutations run on any entropy");
    Case {
        seed,
        text,
        published,
    }
}

/// Checks one case; on failure, shrinks it.
pub fn run_case(
    coder: &Coder,
    case: &Case,
    config: &Config,
) -> Result<crate::check::Checked, Box<Failure>> {
    check(coder, &case.text, case.published, config.bound).map_err(|violation| {
        let (shrunk, shrunk_violation) = if violation.shrinkable() {
            let kind = violation.kind();
            // Shrink under a generous time bound so that only the same failure counts.
            let loose = TimeBound {
                fixed: Duration::from_secs(3600),
                per_mb: Duration::ZERO,
            };
            let fails = |text: &str| {
                check(coder, text, case.published, loose).is_err_and(|v| v.kind() == kind)
            };
            let shrunk = shrink(&case.text, fails, config.shrink_budget);
            let again = check(coder, &shrunk, case.published, loose)
                .expect_err("the shrunk input still fails");
            (shrunk, again)
        } else {
            (case.text.clone(), violation.clone())
        };
        Box::new(Failure {
            case: case.clone(),
            violation,
            shrunk,
            shrunk_violation,
        })
    })
}

/// The time of one run of a case, undisturbed by the machine's load: the mean CPU time of
/// enough runs for the clock's few-millisecond steps not to matter (at least 50 ms of CPU
/// time, at most 200 runs or 2 s), or where CPU time is not reported the best wall time of
/// three runs.
fn steady_time(coder: &Coder, case: &Case) -> Duration {
    let wall = Instant::now();
    if !Stopwatch::measures_cpu() {
        return (0..3)
            .map(|_| {
                let run = Instant::now();
                let _ = coder.code("fuzz", &case.text, case.published);
                run.elapsed()
            })
            .min()
            .unwrap_or_default();
    }
    let cpu = Stopwatch::start();
    let mut runs = 0u32;
    loop {
        let _ = coder.code("fuzz", &case.text, case.published);
        runs += 1;
        let enough = cpu.elapsed() >= Duration::from_millis(50) && runs >= 3;
        if enough || runs >= 200 || wall.elapsed() >= Duration::from_secs(2) {
            return cpu.elapsed() / runs;
        }
    }
}

/// Runs generated cases until the time or the input count is up, or an input fails.
/// `progress` is called with the figures so far about once every [`PROGRESS_EVERY`].
pub fn run(
    coder: &Coder,
    generator: &Generator,
    config: &Config,
    mut progress: impl FnMut(&Stats),
) -> (Stats, Option<Box<Failure>>) {
    let started = Instant::now();
    let mut stats = Stats::default();
    let mut index = 0u64;
    let mut last_progress = Instant::now();
    while started.elapsed() < config.duration
        && config.max_inputs.is_none_or(|max| stats.inputs < max)
    {
        if last_progress.elapsed() >= PROGRESS_EVERY {
            stats.elapsed = started.elapsed();
            progress(&stats);
            last_progress = Instant::now();
        }
        let case = case(generator, case_seed(config.seed, index));
        index += 1;
        match run_case(coder, &case, config) {
            Ok(checked) => {
                stats.inputs += 1;
                stats.bytes += case.text.len() as u64;
                stats.events += checked.events as u64;
                stats.coding += checked.elapsed;
                stats.largest = stats.largest.max(case.text.len());
                if case.text.len() >= MIN_MEASURED_BYTES {
                    let kb_per_s = |elapsed: Duration| {
                        case.text.len() as f64 / 1e3 / elapsed.as_secs_f64().max(1e-9)
                    };
                    let slower = |speed: f64| stats.slowest.is_none_or(|(s, _, _)| speed < s);
                    if slower(kb_per_s(checked.elapsed)) {
                        // One run can be stalled by the machine: a record is timed again.
                        let taken = steady_time(coder, &case);
                        if slower(kb_per_s(taken)) {
                            stats.slowest = Some((kb_per_s(taken), case.text.len(), case.seed));
                        }
                    }
                }
            }
            Err(failure) => {
                stats.inputs += 1;
                stats.elapsed = started.elapsed();
                return (stats, Some(failure));
            }
        }
    }
    stats.elapsed = started.elapsed();
    (stats, None)
}

/// Figures of one stress input.
#[derive(Debug, Clone)]
pub struct StressResult {
    /// Its name.
    pub name: &'static str,
    /// Its size.
    pub bytes: usize,
    /// Best of the runs ([`Stopwatch`]).
    pub elapsed: Duration,
    /// MB/s (10^6 bytes).
    pub mb_per_s: f64,
}

/// Checks one stress input's invariants, then times it: the best of `runs` runs by
/// [`Stopwatch`] (CPU time where reported).
pub fn run_stress(
    coder: &Coder,
    input: &stress::Stress,
    bound: TimeBound,
    runs: usize,
) -> Result<StressResult, Violation> {
    check(coder, &input.text, None, bound)?;
    let mut best = Duration::MAX;
    for _ in 0..runs.max(1) {
        let started = Stopwatch::start();
        let _ = coder.code("stress", &input.text, None);
        best = best.min(started.elapsed());
    }
    Ok(StressResult {
        name: input.name,
        bytes: input.text.len(),
        elapsed: best,
        mb_per_s: input.text.len() as f64 / 1e6 / best.as_secs_f64().max(1e-9),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_case_seed_gives_the_same_input_every_time() {
        let generator = Generator::new();
        let a = case(&generator, case_seed(42, 7));
        let b = case(&generator, case_seed(42, 7));
        assert_eq!(a.text, b.text);
        assert_eq!(a.published, b.published);
        let other = case(&generator, case_seed(42, 8));
        assert_ne!(a.text, other.text);
    }

    #[test]
    fn a_slow_case_fails_the_bound_and_is_reported_unshrunk() {
        // A bound no input can meet stands for a broken invariant; the input is large enough
        // for its CPU time to register.
        let coder = Coder::new();
        let generator = Generator::new();
        let config = Config {
            bound: TimeBound {
                fixed: Duration::ZERO,
                per_mb: Duration::ZERO,
            },
            ..Config::default()
        };
        let case = Case {
            seed: 1,
            text: stress::build("no_full_stop", 0.1, generator.vocabulary()).text,
            published: None,
        };
        let failure = run_case(&coder, &case, &config).expect_err("over a zero bound");
        assert!(
            matches!(failure.violation, Violation::TooSlow { .. }),
            "{}",
            failure.violation
        );
        assert_eq!(failure.shrunk, case.text, "a slow input is not shrunk");
    }
}
