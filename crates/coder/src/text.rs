//! Cleaning and sentence splitting: page furniture and headings are set aside, the title and
//! publication date are recovered, and body paragraphs are split into sentences that survive
//! "U.S.", "Co.", "Jan. 1" and "Mr.".

use chrono::NaiveDate;

use crate::dates;
use crate::gazetteer::Lexicon;

/// A body sentence with its byte range in the document text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Sentence {
    pub(crate) start: usize,
    pub(crate) end: usize,
}

/// What cleaning learned about a document.
#[derive(Debug, Default)]
pub(crate) struct Cleaned {
    pub(crate) title: Option<String>,
    pub(crate) published: Option<NaiveDate>,
    pub(crate) sentences: Vec<Sentence>,
}

/// Longest line treated as a heading when it has no sentence-final punctuation.
const MAX_HEADING_CHARS: usize = 160;

pub(crate) fn clean(text: &str, lexicon: &Lexicon) -> Cleaned {
    let mut cleaned = Cleaned::default();
    let mut offset = 0usize;
    let mut seen_body = false;
    let mut last_heading: Option<String> = None;
    for line in text.split_inclusive('\n') {
        let line_start = offset;
        offset += line.len();
        let content = line.trim_end_matches(['\n', '\r']);
        let trimmed = content.trim();
        if trimmed.is_empty() {
            continue;
        }
        let leading = content.len() - content.trim_start().len();
        let start = line_start + leading;
        if is_boilerplate(trimmed, lexicon) {
            continue;
        }
        let ends_like_sentence = trimmed.ends_with(['.', '!', '?', '"', '”', '’', '\'', ':'])
            && trimmed.split_whitespace().count() > 3;
        if !ends_like_sentence && trimmed.chars().count() <= MAX_HEADING_CHARS {
            if cleaned.published.is_none()
                && !seen_body
                && let Some(date) = dates::dateline_date(trimmed)
            {
                cleaned.published = Some(date);
                // The headline is the heading just before the dateline.
                if last_heading.is_some() {
                    cleaned.title = last_heading.take();
                }
                continue;
            }
            let words = trimmed.split_whitespace().count();
            if !seen_body
                && words >= 4
                && !lexicon.is_outlet(trimmed)
                && cleaned.published.is_none()
            {
                last_heading = Some(trimmed.to_owned());
                let longer = cleaned
                    .title
                    .as_ref()
                    .is_none_or(|t| t.len() < trimmed.len());
                if longer {
                    cleaned.title = Some(trimmed.to_owned());
                }
            }
            continue;
        }
        if !seen_body && cleaned.published.is_none() {
            // A dateline at the head of the first paragraph ("WASHINGTON, Oct. 6, 2017 -").
            let head: String = trimmed.chars().take(80).collect();
            cleaned.published = dates::dateline_date(&head);
        }
        seen_body = true;
        split_sentences(text, start, start + trimmed.len(), &mut cleaned.sentences);
    }
    cleaned
}

/// The largest char boundary at or below `index` (clamped to the text).
pub(crate) fn floor_boundary(text: &str, index: usize) -> usize {
    let mut at = index.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

/// The smallest char boundary at or above `index` (clamped to the text).
pub(crate) fn ceil_boundary(text: &str, index: usize) -> usize {
    let mut at = index.min(text.len());
    while !text.is_char_boundary(at) {
        at += 1;
    }
    at
}

fn is_boilerplate(line: &str, lexicon: &Lexicon) -> bool {
    if line.chars().count() > 120 {
        return false;
    }
    let lower = line.to_lowercase();
    lexicon
        .boilerplate
        .iter()
        .any(|phrase| lower.contains(phrase.as_str()))
}

/// Abbreviations after which a period does not end a sentence.
const NEVER_SPLIT: &[&str] = &[
    "Mr", "Mrs", "Ms", "Dr", "Gen", "Lt", "Col", "Capt", "Sgt", "Sen", "Rep", "Gov", "Prof", "St",
    "Jan", "Feb", "Mar", "Apr", "Jun", "Jul", "Aug", "Sep", "Sept", "Oct", "Nov", "Dec", "No",
    "vs", "Nos", "Adm", "Maj", "Rev", "Hon", "Fr",
];
/// Abbreviations that may also end a sentence ("... Acme Co. The company ...").
const SPLIT_IF_OPENER: &[&str] = &[
    "Co", "Corp", "Inc", "Ltd", "Bros", "etc", "U.S", "U.N", "U.K", "E.U", "Jr", "Sr", "p.m",
    "a.m", "S.A", "L.L.C",
];
/// Words that start a new sentence after an ambiguous abbreviation.
const OPENERS: &[&str] = &[
    "The",
    "A",
    "An",
    "He",
    "She",
    "It",
    "They",
    "We",
    "I",
    "This",
    "That",
    "These",
    "Those",
    "In",
    "On",
    "At",
    "But",
    "And",
    "However",
    "Its",
    "His",
    "Her",
    "Their",
    "Meanwhile",
    "Earlier",
    "Later",
    "Last",
    "Next",
    "Officials",
    "After",
    "Before",
    "When",
    "While",
    "There",
];

/// Splits `text[start..end]` into sentences, appending their byte ranges.
pub(crate) fn split_sentences(text: &str, start: usize, end: usize, out: &mut Vec<Sentence>) {
    let paragraph = &text[start..end];
    let bytes = paragraph.as_bytes();
    let mut sentence_start = 0usize;
    let mut i = 0usize;
    while i < bytes.len() {
        let b = bytes[i];
        if matches!(b, b'.' | b'!' | b'?') {
            let mut close = i + 1;
            while close < bytes.len() && matches!(bytes[close], b'"' | b'\'' | b')') {
                close += 1;
            }
            for quote in ["”", "’"] {
                if paragraph[close..].starts_with(quote) {
                    close += quote.len();
                }
            }
            let rest = &paragraph[close..];
            let after_space = rest.trim_start();
            let has_space = after_space.len() < rest.len();
            if has_space
                && starts_sentence(after_space)
                && (b != b'.' || period_ends_sentence(paragraph, i, after_space))
            {
                push_trimmed(
                    start,
                    &paragraph[sentence_start..close],
                    sentence_start,
                    out,
                );
                sentence_start = close;
            }
            i = close.max(i + 1);
            continue;
        }
        i += 1;
    }
    push_trimmed(start, &paragraph[sentence_start..], sentence_start, out);
}

fn push_trimmed(base: usize, piece: &str, offset: usize, out: &mut Vec<Sentence>) {
    let leading = piece.len() - piece.trim_start().len();
    let trimmed = piece.trim();
    if trimmed.chars().any(char::is_alphabetic) {
        let start = base + offset + leading;
        out.push(Sentence {
            start,
            end: start + trimmed.len(),
        });
    }
}

fn starts_sentence(rest: &str) -> bool {
    rest.chars().next().is_some_and(|c| {
        c.is_uppercase() || c.is_ascii_digit() || matches!(c, '"' | '“' | '\'' | '‘' | '(')
    })
}

/// Decides whether the period at `dot` ends a sentence, given what follows.
fn period_ends_sentence(paragraph: &str, dot: usize, after: &str) -> bool {
    let before = &paragraph[..dot];
    let word_start = before
        .rfind(|c: char| c.is_whitespace() || matches!(c, '(' | '"' | '“'))
        .map_or(0, |p| {
            p + before[p..].chars().next().map_or(1, char::len_utf8)
        });
    let word = &before[word_start..];
    if NEVER_SPLIT.contains(&word) {
        return false;
    }
    let next_word: &str = after
        .split(|c: char| !c.is_alphanumeric())
        .next()
        .unwrap_or_default();
    let is_initial = word.len() == 1 && word.chars().all(|c| c.is_ascii_uppercase());
    if is_initial {
        return false;
    }
    if SPLIT_IF_OPENER.contains(&word) {
        return OPENERS.contains(&next_word);
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(text: &str) -> Vec<&str> {
        let mut out = Vec::new();
        split_sentences(text, 0, text.len(), &mut out);
        out.iter().map(|s| &text[s.start..s.end]).collect()
    }

    #[test]
    fn abbreviations_do_not_end_sentences_but_openers_do() {
        let text = "The U.S. Treasury named Acme Co. in a filing. Mr. Lee agreed on Jan. 5 with Gen. Ortiz. \
                    Officials met the U.N. envoy. Zeta Co. The company denied it. He left for the U.S. The next day he returned.";
        assert_eq!(
            split(text),
            vec![
                "The U.S. Treasury named Acme Co. in a filing.",
                "Mr. Lee agreed on Jan. 5 with Gen. Ortiz.",
                "Officials met the U.N. envoy.",
                "Zeta Co.",
                "The company denied it.",
                "He left for the U.S.",
                "The next day he returned.",
            ]
        );
    }

    #[test]
    fn quotes_and_initials_are_handled() {
        let text = "\"We will respond,\" she said. \"Never.\" J. Smith met N. Korea's envoy! Why? Because.";
        assert_eq!(
            split(text),
            vec![
                "\"We will respond,\" she said.",
                "\"Never.\"",
                "J. Smith met N. Korea's envoy!",
                "Why?",
                "Because.",
            ]
        );
    }
}
