//! Shrinking a failing input: delete lines, then ever smaller runs of chars, keeping every
//! deletion after which the input still fails the same way (delta debugging on the text, so
//! the result is a short text to read and to turn into a regression test).

use std::time::{Duration, Instant};

/// Shrinks `text` while `fails` holds, for at most `budget`.
pub fn shrink(text: &str, mut fails: impl FnMut(&str) -> bool, budget: Duration) -> String {
    let started = Instant::now();
    let mut best = text.to_owned();
    let out_of_time = || started.elapsed() > budget;

    // Whole lines first: JSON lines and paragraphs that play no part go in one step each.
    let mut progress = true;
    while progress && !out_of_time() {
        progress = false;
        let lines: Vec<&str> = best.split_inclusive('\n').collect();
        if lines.len() < 2 {
            break;
        }
        for skip in 0..lines.len() {
            if out_of_time() {
                break;
            }
            let candidate: String = lines
                .iter()
                .enumerate()
                .filter(|(i, _)| *i != skip)
                .map(|(_, l)| *l)
                .collect();
            if fails(&candidate) {
                best = candidate;
                progress = true;
                break;
            }
        }
    }

    // Then runs of chars, halving the run length down to one char.
    let mut chars: Vec<char> = best.chars().collect();
    let mut run = (chars.len() / 2).max(1);
    loop {
        let mut removed_any = false;
        let mut at = 0;
        while at < chars.len() && !out_of_time() {
            let end = (at + run).min(chars.len());
            let candidate: String = chars[..at].iter().chain(&chars[end..]).collect();
            if fails(&candidate) {
                chars.drain(at..end);
                removed_any = true;
            } else {
                at += run;
            }
        }
        if out_of_time() || (run == 1 && !removed_any) {
            break;
        }
        if !removed_any {
            run = (run / 2).max(1);
        }
    }
    chars.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shrinking_keeps_only_what_the_failure_needs() {
        let text = "first line\nsecond line with needle inside\nthird line\n";
        let shrunk = shrink(text, |t| t.contains("needle"), Duration::from_secs(5));
        assert_eq!(shrunk, "needle");
    }

    #[test]
    fn shrinking_respects_a_failure_that_needs_two_far_apart_parts() {
        let text = "alpha beta gamma delta epsilon zeta";
        let shrunk = shrink(
            text,
            |t| t.contains("beta") && t.contains("zeta"),
            Duration::from_secs(5),
        );
        assert_eq!(shrunk, "betazeta");
    }
}
