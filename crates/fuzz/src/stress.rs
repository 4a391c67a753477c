//! Stress inputs for the time bound: shapes that make a careless step quadratic. Each is
//! built from the coder's own names at a given scale, so a test can compare two scales.

use crate::vocab::{COMPANY_WORDS, Vocabulary};

/// One stress input.
#[derive(Debug, Clone)]
pub struct Stress {
    /// Short name, printed with its figures.
    pub name: &'static str,
    /// The text.
    pub text: String,
}

/// The stress shapes, by name.
pub const NAMES: &[&str] = &[
    "no_full_stop",
    "commas",
    "capitalised",
    "event_sentences",
    "unclosed_quote",
];

/// Builds the stress input `name` at `scale` (1.0 = the full size: about 1 MB, or 100k
/// commas, or 100k capitalised words).
pub fn build(name: &str, scale: f64, vocab: &Vocabulary) -> Stress {
    // Names with a full stop ("U.S.") would split the one-sentence shapes.
    let names: Vec<&str> = vocab
        .countries
        .iter()
        .map(String::as_str)
        .filter(|c| !c.contains('.'))
        .collect();
    let country = |i: usize| names[i % names.len()];
    let mut text = String::new();
    match name {
        // One sentence of about 1 MB: clauses with actors and triggers and no full stop.
        "no_full_stop" => {
            let bytes = (1_000_000.0 * scale) as usize;
            let mut i = 0;
            while text.len() < bytes {
                let trigger = &vocab.triggers[(i * 7) % vocab.triggers.len()];
                text.push_str(&format!(
                    "{} {trigger} {} and {} ",
                    country(i),
                    country(i + 1),
                    country(i + 2)
                ));
                i += 1;
            }
        }
        // A list of targets separated by 100k commas.
        "commas" => {
            let commas = (100_000.0 * scale) as usize;
            text.push_str("The European Union sanctioned ");
            for i in 0..commas {
                text.push_str(country(i));
                text.push_str(", ");
            }
            text.push_str("and Iran.");
        }
        // 100k capitalised words: one long run of would-be company and person names.
        "capitalised" => {
            let words = (100_000.0 * scale) as usize;
            text.push_str("Canada sanctioned ");
            for i in 0..words {
                text.push_str(COMPANY_WORDS[(i * 7 + i / 13) % COMPANY_WORDS.len()]);
                text.push(' ');
            }
            text.push_str("Ltd.");
        }
        // About 1 MB of short event sentences between ever different pairs.
        "event_sentences" => {
            let bytes = (1_000_000.0 * scale) as usize;
            let n = names.len();
            let mut i = 0;
            while text.len() < bytes {
                let trigger = ["sanctioned", "accused", "expelled diplomats of", "met"][i % 4];
                text.push_str(&format!(
                    "{} {trigger} {} on Monday. ",
                    country(i % n),
                    country(i / n + 1 + i % n)
                ));
                i += 1;
            }
        }
        // A stray quote mark, then about 1 MB of short sentences inside the quotation it
        // opens and never closes.
        "unclosed_quote" => {
            let bytes = (1_000_000.0 * scale) as usize;
            text.push('"');
            let mut i = 0;
            while text.len() < bytes {
                text.push_str(&format!(
                    "{} met {} in spring. The talks ran late. ",
                    country(i),
                    country(i + 3)
                ));
                i += 1;
            }
        }
        other => panic!("unknown stress input {other}"),
    }
    Stress {
        name: NAMES.iter().find(|n| **n == name).expect("a known name"),
        text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stress_inputs_have_their_advertised_shape() {
        let vocab = Vocabulary::load();
        let no_stop = build("no_full_stop", 1.0, &vocab);
        assert!(no_stop.text.len() >= 1_000_000);
        assert!(!no_stop.text.contains(". "));
        let commas = build("commas", 1.0, &vocab);
        assert!(commas.text.matches(',').count() >= 100_000);
        let capitalised = build("capitalised", 1.0, &vocab);
        let caps = capitalised
            .text
            .split(' ')
            .filter(|w| w.chars().next().is_some_and(char::is_uppercase))
            .count();
        assert!(caps >= 100_000, "{caps}");
        let events = build("event_sentences", 1.0, &vocab);
        assert!(events.text.len() >= 1_000_000);
        let quote = build("unclosed_quote", 1.0, &vocab);
        assert!(quote.text.len() >= 1_000_000);
        assert_eq!(quote.text.matches('"').count(), 1);
    }
}
