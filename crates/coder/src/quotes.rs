//! Quotations and their speakers. A quotation may run over several sentences; its speaker is
//! named in the attribution after it closes ("...," Yellen added) or before it opens
//! (Haley said: "...").

use crate::frames::Quoting;
use crate::mentions::{Mention, Role};

/// Quote marks of one sentence: spans relative to the sentence, and whether a quotation is
/// still open at its end.
#[derive(Debug, Clone, Default)]
pub(crate) struct SentenceQuotes {
    spans: Vec<(usize, usize)>,
    open_at_end: bool,
    /// Byte offset (in the sentence) just after the last closing quote mark.
    closed_at: Option<usize>,
    /// Byte offset (in the sentence) of the first opening quote mark.
    opened_at: Option<usize>,
    /// The first sentence, this one or a later one, in which a quotation closes.
    next_close: Option<usize>,
}

const SAY_WORDS: &[&str] = &[
    "said",
    "says",
    "added",
    "told",
    "stated",
    "insisted",
    "noted",
    "continued",
    "wrote",
];

/// Scans every sentence for quote marks, carrying an open quotation into the next sentence.
pub(crate) fn scan(text: &str, sentences: &[(usize, usize)]) -> Vec<SentenceQuotes> {
    let mut open = false;
    let mut all: Vec<SentenceQuotes> = sentences
        .iter()
        .map(|&(start, end)| {
            let sentence = &text[start..end];
            let mut quotes = SentenceQuotes::default();
            let mut span_start = 0;
            for (at, c) in sentence.char_indices() {
                let opening = match c {
                    '“' => true,
                    '”' => false,
                    '"' => !open,
                    _ => continue,
                };
                if opening && !open {
                    open = true;
                    span_start = at + c.len_utf8();
                    quotes.opened_at.get_or_insert(at);
                } else if !opening && open {
                    open = false;
                    quotes.spans.push((span_start, at));
                    quotes.closed_at = Some(at + c.len_utf8());
                }
            }
            if open {
                quotes.spans.push((span_start, sentence.len()));
            }
            quotes.open_at_end = open;
            quotes
        })
        .collect();
    // One backward pass, so that finding where a quotation closes does not scan the rest of
    // the document for every sentence inside it (quadratic when a stray quote mark never
    // closes: 5 s for 1.8 MB of short sentences).
    let mut next_close = None;
    for (index, quotes) in all.iter_mut().enumerate().rev() {
        if quotes.closed_at.is_some() {
            next_close = Some(index);
        }
        quotes.next_close = next_close;
    }
    all
}

fn has_say_word(text: &str) -> bool {
    text.split(|c: char| !c.is_alphabetic())
        .any(|w| SAY_WORDS.contains(&w))
}

/// A speaker named in another sentence, as the speaker of this one. Mention offsets are
/// relative to the sentence the mention was found in, so a speaker from another sentence keeps
/// its actors but gets the empty span `0..0`: it stands outside this sentence, and frames never
/// slice this sentence with the other sentence's offsets (which may lie past its end or inside
/// one of its multi-byte chars).
pub(crate) fn from_outside(speaker: Mention) -> Mention {
    Mention {
        start: 0,
        end: 0,
        ..speaker
    }
}

fn usable(m: &Mention) -> bool {
    !m.actors.is_empty() && matches!(m.role, Role::Name | Role::Anaphor)
}

/// The quotations of sentence `index` and their speaker. `find` runs mention detection on
/// another piece of text (the attribution of a quotation that closes in a later sentence).
pub(crate) fn quoting(
    text: &str,
    sentences: &[(usize, usize)],
    quotes: &[SentenceQuotes],
    index: usize,
    mentions: &[Mention],
    find: impl Fn(&str) -> Vec<Mention>,
) -> Quoting {
    let own = &quotes[index];
    if own.spans.is_empty() {
        return Quoting::default();
    }
    let (start, end) = sentences[index];
    let sentence = &text[start..end];
    // Attribution before the quotation: `Haley said: "..."`.
    let before_speaker = own
        .opened_at
        .filter(|at| has_say_word(&sentence[..*at]))
        .and_then(|at| {
            mentions
                .iter()
                .rev()
                .find(|m| m.end <= at && usable(m))
                .cloned()
        });
    // Attribution after the quotation closes, in this sentence or a later one. (A sentence
    // in which a quotation closes has a span, so this is the first such sentence from here.)
    let closing = own.next_close;
    let after_speaker = closing.and_then(|i| {
        let (s, e) = sentences[i];
        let tail = &text[s + quotes[i].closed_at.unwrap_or(0)..e];
        if !has_say_word(tail) {
            return None;
        }
        if i == index {
            let offset = quotes[i].closed_at.unwrap_or(0);
            mentions
                .iter()
                .find(|m| m.start >= offset && usable(m))
                .cloned()
        } else {
            // Offsets into another sentence mean nothing here: the speaker stands outside.
            find(tail).into_iter().find(usable).map(from_outside)
        }
    });
    Quoting {
        spans: own.spans.clone(),
        speaker: after_speaker.or(before_speaker),
    }
}
