//! The invariants checked on every input, beyond "no panic":
//!
//! 1. Evidence offsets: `evidence.start < evidence.end <=` the number of chars of the text
//!    (they are char offsets, so they are on char boundaries by construction), and the text's
//!    chars `start..end` are exactly `evidence.sentence`.
//! 2. Mentions: every actor (source, targets, attribution) has a non-empty `mention`, found
//!    where that argument can come from. The attribution ("..., Yellen said") is read from the
//!    evidence sentence itself, so its mention is in it. A source or a target is in the
//!    evidence sentence or in another body sentence (one of [`Coder::sentences`]), before or
//!    after it: a quotation's speaker can be named in an earlier sentence (a quotation
//!    continued without attribution) or in a later one (`"...," Yellen added`); "Iran lifted
//!    the sanctions" and "Tehran has denied it" take their targets from the document context,
//!    whose accusers include such speakers; and a merged second report of the same event can
//!    lend the more specific source of its own sentence. No actor of an event need be in its
//!    sentence: a continued quotation "We lifted the embargo." has the earlier speaker as
//!    source and the context's targets.
//! 3. Determinism: a second run over the same text gives an identical [`statecraft_coder::Coded`].
//! 4. Time: the run takes at most [`TimeBound::fixed`] plus [`TimeBound::per_mb`] per MB: in
//!    wall time, or failing that in the mean CPU time of three more runs ([`Stopwatch`]).

use std::cell::{Cell, RefCell};
use std::fmt;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Once;
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use statecraft_coder::Coder;
use statecraft_types::{Actor, Event};

/// Times the coder by the CPU time of the calling thread, so that a loaded machine (or a
/// fuzzer run under `nice` next to busier processes) does not pass for a slow coder: Linux
/// reports it in nanoseconds in `/proc/thread-self/schedstat`, brought up to date at the
/// scheduler's ticks, so it is good to a few milliseconds: for runs of a tenth of a second and
/// more. Elsewhere, wall time.
#[derive(Debug, Clone, Copy)]
pub struct Stopwatch {
    wall: Instant,
    cpu_ns: Option<u64>,
}

fn thread_cpu_ns() -> Option<u64> {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    stat.split_whitespace().next()?.parse().ok()
}

impl Stopwatch {
    /// Starts timing.
    pub fn start() -> Self {
        Self {
            cpu_ns: thread_cpu_ns(),
            wall: Instant::now(),
        }
    }

    /// CPU time of this thread since the start, or wall time where it is not reported.
    pub fn elapsed(&self) -> Duration {
        match (self.cpu_ns, thread_cpu_ns()) {
            (Some(start), Some(now)) => Duration::from_nanos(now.saturating_sub(start)),
            _ => self.wall.elapsed(),
        }
    }

    /// Whether [`Stopwatch::elapsed`] is CPU time here.
    pub fn measures_cpu() -> bool {
        thread_cpu_ns().is_some()
    }
}

/// How long one input may take.
#[derive(Debug, Clone, Copy)]
pub struct TimeBound {
    /// Allowed for any input, however small (start-up work, a loaded machine).
    pub fixed: Duration,
    /// Allowed per MB of input.
    pub per_mb: Duration,
}

impl TimeBound {
    /// The longest allowed time for `bytes` of input.
    pub fn limit(&self, bytes: usize) -> Duration {
        self.fixed + self.per_mb.mul_f64(bytes as f64 / 1e6)
    }
}

impl Default for TimeBound {
    /// 250 ms plus 5 s per MB (0.2 MB/s). The coder reads about 2 MB/s of news and 1 MB/s of
    /// its worst linear shape (a 1 MB sentence dense with triggers, cut into 1500-byte
    /// pieces), so a loaded machine stays inside the bound, while a step quadratic in the
    /// input (10 s for 1 MB of event sentences before `merge_reports` was indexed) breaks it.
    fn default() -> Self {
        Self {
            fixed: Duration::from_millis(250),
            per_mb: Duration::from_secs(5),
        }
    }
}

/// A broken invariant.
#[derive(Debug, Clone, PartialEq)]
pub enum Violation {
    /// The coder panicked.
    Panic {
        /// The panic message.
        message: String,
        /// `file:line` of the panic.
        location: String,
    },
    /// Evidence offsets outside the text, reversed or empty.
    EvidenceOutOfText {
        /// Event index.
        event: usize,
        /// Evidence start, end (chars).
        start: u32,
        /// Evidence end (chars).
        end: u32,
        /// Chars in the text.
        chars: usize,
    },
    /// The text between the evidence offsets is not the evidence sentence.
    EvidenceMismatch {
        /// Event index.
        event: usize,
        /// `evidence.sentence`.
        sentence: String,
        /// The text sliced by the offsets.
        sliced: String,
    },
    /// An actor's mention is empty or is not where its role allows.
    MentionMisplaced {
        /// Event index.
        event: usize,
        /// "source", "target" or "attribution".
        role: &'static str,
        /// Where it should have been.
        expected: &'static str,
        /// The rule, the actor, its mention and the evidence sentence.
        detail: String,
    },
    /// Two runs over the same text differ.
    NotDeterministic {
        /// First run, debug-printed.
        first: String,
        /// Second run, debug-printed.
        second: String,
    },
    /// The run took longer than the bound, in wall time and in CPU time.
    TooSlow {
        /// Input bytes.
        bytes: usize,
        /// Mean CPU time of three runs (best wall time where CPU time is not reported).
        elapsed: Duration,
        /// The limit.
        limit: Duration,
    },
}

impl Violation {
    /// What kind of failure this is, for keeping a failure the same while shrinking: the
    /// variant, and for a panic its location.
    pub fn kind(&self) -> String {
        match self {
            Violation::Panic { location, .. } => format!("panic at {location}"),
            Violation::EvidenceOutOfText { .. } => "evidence offsets outside the text".into(),
            Violation::EvidenceMismatch { .. } => {
                "evidence offsets do not slice to the sentence".into()
            }
            Violation::MentionMisplaced { role, expected, .. } => {
                format!("{role} mention not {expected}")
            }
            Violation::NotDeterministic { .. } => "not deterministic".into(),
            Violation::TooSlow { .. } => "too slow".into(),
        }
    }

    /// Whether a smaller input can show the same failure (a slow input only gets faster).
    pub fn shrinkable(&self) -> bool {
        !matches!(self, Violation::TooSlow { .. })
    }
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Violation::Panic { message, location } => {
                write!(f, "the coder panicked at {location}: {message}")
            }
            Violation::EvidenceOutOfText {
                event,
                start,
                end,
                chars,
            } => write!(
                f,
                "event {event}: evidence {start}..{end} is not a non-empty range of the text's {chars} chars"
            ),
            Violation::EvidenceMismatch {
                event,
                sentence,
                sliced,
            } => write!(
                f,
                "event {event}: evidence offsets slice {sliced:?}, evidence sentence is {sentence:?}"
            ),
            Violation::MentionMisplaced {
                event,
                role,
                expected,
                detail,
            } => write!(f, "event {event}: {role} mention not {expected}: {detail}"),
            Violation::NotDeterministic { first, second } => {
                write!(f, "two runs differ:\n first: {first}\nsecond: {second}")
            }
            Violation::TooSlow {
                bytes,
                elapsed,
                limit,
            } => write!(
                f,
                "{bytes} bytes took {:.3} s of CPU time a run (mean of three), over the bound of {:.3} s",
                elapsed.as_secs_f64(),
                limit.as_secs_f64()
            ),
        }
    }
}

/// What a passing check measured.
#[derive(Debug, Clone, Copy)]
pub struct Checked {
    /// Wall time of the first run.
    pub elapsed: Duration,
    /// Events coded.
    pub events: usize,
}

thread_local! {
    static CAPTURING: Cell<bool> = const { Cell::new(false) };
    static CAUGHT: RefCell<Option<(String, String)>> = const { RefCell::new(None) };
}
static HOOK: Once = Once::new();

/// Installs (once) a panic hook that stays quiet and records the panic on threads that are
/// running the coder under [`catch`], and behaves as before everywhere else.
fn install_hook() {
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if CAPTURING.with(Cell::get) {
                let message = info
                    .payload()
                    .downcast_ref::<&str>()
                    .map(|s| (*s).to_owned())
                    .or_else(|| info.payload().downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "(no message)".to_owned());
                let location = info
                    .location()
                    .map(|l| format!("{}:{}", l.file(), l.line()))
                    .unwrap_or_default();
                CAUGHT.with(|c| *c.borrow_mut() = Some((message, location)));
            } else {
                previous(info);
            }
        }));
    });
}

/// Runs `f`, turning a panic into a [`Violation::Panic`].
fn catch<R>(f: impl FnOnce() -> R) -> Result<R, Violation> {
    install_hook();
    CAPTURING.with(|c| c.set(true));
    let result = catch_unwind(AssertUnwindSafe(f));
    CAPTURING.with(|c| c.set(false));
    result.map_err(|_| {
        let (message, location) = CAUGHT
            .with(|c| c.borrow_mut().take())
            .unwrap_or_else(|| ("(no message)".into(), String::new()));
        Violation::Panic { message, location }
    })
}

/// Runs the coder on `text` and checks every invariant.
pub fn check(
    coder: &Coder,
    text: &str,
    published: Option<NaiveDate>,
    bound: TimeBound,
) -> Result<Checked, Violation> {
    let started = Instant::now();
    let first = catch(|| coder.code("fuzz", text, published))?;
    let elapsed = started.elapsed();
    check_events(coder, text, &first.events)?;
    let second = catch(|| coder.code("fuzz", text, published))?;
    if first != second {
        return Err(Violation::NotDeterministic {
            first: format!("{first:?}"),
            second: format!("{second:?}"),
        });
    }
    let limit = bound.limit(text.len());
    if elapsed > limit {
        // Wall time says too slow, but a loaded machine stalls runs: the verdict is the CPU
        // time of three more runs (or, where that is not reported, their best wall time).
        let mut best = Duration::MAX;
        let cpu = Stopwatch::start();
        for _ in 0..3 {
            let again = Instant::now();
            let _ = catch(|| coder.code("fuzz", text, published))?;
            best = best.min(again.elapsed());
        }
        let taken = if Stopwatch::measures_cpu() {
            cpu.elapsed() / 3
        } else {
            best
        };
        if taken > limit {
            return Err(Violation::TooSlow {
                bytes: text.len(),
                elapsed: taken,
                limit,
            });
        }
    }
    Ok(Checked {
        elapsed,
        events: first.events.len(),
    })
}

fn actors(event: &Event) -> impl Iterator<Item = (&'static str, &Actor)> {
    std::iter::once(("source", &event.source))
        .chain(event.targets.iter().map(|t| ("target", t)))
        .chain(event.attribution.iter().map(|a| ("attribution", a)))
}

/// Invariants 1 to 3 over the events of one run.
pub fn check_events(coder: &Coder, text: &str, events: &[Event]) -> Result<(), Violation> {
    if events.is_empty() {
        return Ok(());
    }
    // Byte offset of every char, and of the end.
    let boundaries: Vec<usize> = text
        .char_indices()
        .map(|(i, _)| i)
        .chain([text.len()])
        .collect();
    let chars = boundaries.len() - 1;
    let mut body: Option<Vec<&str>> = None;
    for (index, event) in events.iter().enumerate() {
        let evidence = &event.evidence;
        let (start, end) = (evidence.start as usize, evidence.end as usize);
        if start >= end || end > chars {
            return Err(Violation::EvidenceOutOfText {
                event: index,
                start: evidence.start,
                end: evidence.end,
                chars,
            });
        }
        let sliced = &text[boundaries[start]..boundaries[end]];
        if sliced != evidence.sentence {
            return Err(Violation::EvidenceMismatch {
                event: index,
                sentence: evidence.sentence.clone(),
                sliced: sliced.to_owned(),
            });
        }
        for (role, actor) in actors(event) {
            let mention = actor.mention.as_str();
            let in_sentence = !mention.is_empty() && evidence.sentence.contains(mention);
            let (found, expected) = if role == "attribution" {
                (in_sentence, "in the evidence sentence")
            } else {
                let mut elsewhere = || {
                    body.get_or_insert_with(|| {
                        coder
                            .sentences(text)
                            .into_iter()
                            .map(|r| &text[r])
                            .collect()
                    })
                    .iter()
                    .any(|s| s.contains(mention))
                };
                (
                    in_sentence || !mention.is_empty() && elsewhere(),
                    "in the evidence sentence or another body sentence",
                )
            };
            if !found {
                return Err(Violation::MentionMisplaced {
                    event: index,
                    role,
                    expected,
                    detail: format!(
                        "rule {}, {role} {:?} has mention {:?}; evidence sentence {:?}",
                        event.rule, actor.name, actor.mention, evidence.sentence
                    ),
                });
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_becomes_a_violation_with_its_location() {
        let caught = catch(|| -> usize { panic!("boom {}", 7) });
        match caught {
            Err(Violation::Panic { message, location }) => {
                assert_eq!(message, "boom 7");
                assert!(location.contains("check.rs"), "{location}");
            }
            other => panic!("expected a panic violation, got {other:?}"),
        }
        assert_eq!(catch(|| 3).ok(), Some(3));
    }

    #[test]
    fn broken_evidence_and_mentions_are_reported() {
        let coder = Coder::new();
        let text = "Canada expelled two Russian diplomats on Monday.";
        let mut events = coder.code("doc", text, None).events;
        assert!(!events.is_empty());
        check_events(&coder, text, &events).expect("the real output passes");

        let mut shifted = events.clone();
        shifted[0].evidence.start += 1;
        assert!(matches!(
            check_events(&coder, text, &shifted),
            Err(Violation::EvidenceMismatch { .. })
        ));
        let mut outside = events.clone();
        outside[0].evidence.end = 10_000;
        assert!(matches!(
            check_events(&coder, text, &outside),
            Err(Violation::EvidenceOutOfText { .. })
        ));
        let mut foreign = events.clone();
        foreign[0].source.mention = "Atlantis".into();
        assert!(matches!(
            check_events(&coder, text, &foreign),
            Err(Violation::MentionMisplaced { role: "source", .. })
        ));
        let mut attributed = events.clone();
        attributed[0].attribution = Some(events[0].source.clone());
        attributed[0].attribution.as_mut().expect("set").mention = "Lemuria".into();
        assert!(matches!(
            check_events(&coder, text, &attributed),
            Err(Violation::MentionMisplaced {
                role: "attribution",
                ..
            })
        ));
        events[0].source.mention = "diplomats".into();
        events[0].targets[0].mention = "Monday".into();
        check_events(&coder, text, &events).expect("surfaces inside the sentence pass");
    }

    #[test]
    fn sources_and_targets_may_come_from_other_body_sentences_but_not_from_headings() {
        let coder = Coder::new();
        let text =
            "Ottawa acts\n\nCanada expelled two Russian diplomats on Monday. Japan gave no reason.";
        let mut events = coder.code("doc", text, None).events;
        assert_eq!(events.len(), 1);
        // Moved to the second sentence, the event's arguments named in the first are fine.
        let second = "Japan gave no reason.";
        let start = text.chars().count() - second.chars().count();
        events[0].evidence.start = start as u32;
        events[0].evidence.end = (start + second.chars().count()) as u32;
        events[0].evidence.sentence = second.to_owned();
        check_events(&coder, text, &events).expect("arguments from another body sentence");
        // The heading is no body sentence.
        events[0].targets[0].mention = "Ottawa".into();
        assert!(matches!(
            check_events(&coder, text, &events),
            Err(Violation::MentionMisplaced { role: "target", .. })
        ));
    }

    #[test]
    fn the_stopwatch_sees_a_busy_thread_work() {
        let watch = Stopwatch::start();
        let wall = Instant::now();
        let mut x = 0u64;
        while wall.elapsed() < Duration::from_millis(60) {
            x = std::hint::black_box(x.wrapping_mul(31).wrapping_add(7));
        }
        let taken = watch.elapsed();
        assert!(taken > Duration::ZERO, "{x}");
        assert!(
            taken <= wall.elapsed() + Duration::from_millis(20),
            "{taken:?}"
        );
    }

    #[test]
    fn the_time_bound_grows_with_the_input() {
        let bound = TimeBound::default();
        assert_eq!(bound.limit(0), Duration::from_millis(250));
        assert_eq!(bound.limit(1_000_000), Duration::from_millis(5250));
    }
}
