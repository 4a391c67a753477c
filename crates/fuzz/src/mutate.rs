//! Mutations of a generated document: the damage real feeds do to text. Each keeps the text
//! valid UTF-8 and most aim at the places offsets are computed: word edges, quote marks, full
//! stops and the coder's 1500-byte piece limit.

use arbitrary::{Result, Unstructured};

use crate::generate::{Generator, SAMPLE_ARTICLES};

/// The coder's longest piece (`MAX_SENTENCE_BYTES` in the coder); repeats aim past it.
pub const PIECE_LIMIT: usize = 1500;

/// Upper bound on a mutated input, so that one case stays fast.
pub const MAX_INPUT_BYTES: usize = 48 * 1024;

/// Characters whose UTF-8 form is longer than one byte, or that change length when case is
/// changed, or that are invisible: accents, combining marks, CJK, emoji with joiners and
/// modifiers, bidirectional marks, odd spaces and line separators, curly quotes.
pub const MULTIBYTE: &[&str] = &[
    "é",
    "e\u{301}",
    "\u{301}",
    "\u{308}\u{323}",
    "ß",
    "\u{130}",  // İ: lower case is longer
    "\u{212A}", // Kelvin sign: lower case is ASCII k
    "ﬁ",
    "ǅ",
    "中国",
    "北京",
    "한국",
    "😀",
    "👍🏽",
    "👨\u{200D}👩\u{200D}👧",
    "\u{200D}",
    "\u{200F}",
    "\u{200E}",
    "\u{202E}",
    "\u{200B}",
    "\u{FEFF}",
    "\u{A0}",
    "\u{2028}",
    "\u{3000}",
    "العربية",
    "עברית",
    "\u{FFFD}",
    "…",
    "—",
    "“",
    "”",
    "‘",
    "’",
    "«",
    "»",
    "\t",
    "\r",
    "\r\n",
];

/// Quote marks, straight and curly.
const QUOTES: &[&str] = &["\"", "“", "”", "'", "‘", "’", "\\\""];

/// Escapes text the way a JSON string does: newlines, quotes and backslashes, and with
/// `unicode` every non-ASCII character as `\uXXXX` (surrogate pairs above the BMP).
pub fn json_escape(text: &str, unicode: bool) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if unicode && !c.is_ascii() => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    out.push_str(&format!("\\u{unit:04x}"));
                }
            }
            c => out.push(c),
        }
    }
    out
}

/// A char boundary at or below `index`.
fn floor(text: &str, index: usize) -> usize {
    let mut at = index.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

/// A position worth mutating at: a random byte, a word edge, a punctuation mark, or a
/// position near a multiple of the piece limit.
fn position(text: &str, u: &mut Unstructured<'_>) -> Result<usize> {
    if text.is_empty() {
        return Ok(0);
    }
    let at = match u.int_in_range(0..=3)? {
        0 => u.int_in_range(0..=text.len())?,
        1 => {
            // A word edge: just before or after a space.
            let spaces: Vec<usize> = text.match_indices(' ').map(|(i, _)| i).collect();
            if spaces.is_empty() {
                0
            } else {
                let i = spaces[u.choose_index(spaces.len())?];
                if u.arbitrary()? { i } else { i + 1 }
            }
        }
        2 => {
            let marks: Vec<usize> = text
                .match_indices(['.', '"', ',', '\n', '“', '”', '\''])
                .map(|(i, _)| i)
                .collect();
            if marks.is_empty() {
                0
            } else {
                marks[u.choose_index(marks.len())?] + usize::from(u.arbitrary::<bool>()?)
            }
        }
        _ => {
            let k = u.int_in_range(1..=(text.len() / PIECE_LIMIT).max(1))?;
            let jitter = u.int_in_range(0..=8)?;
            (k * PIECE_LIMIT + jitter).saturating_sub(4)
        }
    };
    Ok(floor(text, at))
}

/// A random char-aligned range of `text`, at most `max` bytes.
fn range(text: &str, u: &mut Unstructured<'_>, max: usize) -> Result<(usize, usize)> {
    let start = position(text, u)?;
    let len = u.int_in_range(0..=max.min(text.len() - start))?;
    Ok((start, floor(text, start + len).max(start)))
}

/// How many kinds of mutation `mutate_once` chooses from.
const KINDS: usize = 14;

/// Applies between zero and eight mutations.
pub fn mutate(text: &mut String, generator: &Generator, u: &mut Unstructured<'_>) -> Result<()> {
    let count = u.int_in_range(0..=8)?;
    for _ in 0..count {
        if text.len() > MAX_INPUT_BYTES {
            break;
        }
        mutate_once(text, generator, u)?;
    }
    if text.len() > MAX_INPUT_BYTES {
        text.truncate(floor(text, MAX_INPUT_BYTES));
    }
    Ok(())
}

fn mutate_once(text: &mut String, generator: &Generator, u: &mut Unstructured<'_>) -> Result<()> {
    match u.int_in_range(0..=KINDS - 1)? {
        // Splice: a piece of this text, a sample article or a fresh sentence, inserted
        // elsewhere.
        0 => {
            let piece = match u.int_in_range(0..=2)? {
                0 => {
                    let (a, b) = range(text, u, 400)?;
                    text[a..b].to_owned()
                }
                1 => {
                    let sample = *u.choose(SAMPLE_ARTICLES)?;
                    let (a, b) = range(sample, u, 300)?;
                    sample[a..b].to_owned()
                }
                _ => generator.article(u)?,
            };
            let at = position(text, u)?;
            text.insert_str(at, &piece);
        }
        // JSON-escape a region or the whole text.
        1 => {
            let unicode = u.arbitrary()?;
            if u.ratio(1, 3)? {
                *text = json_escape(text, unicode);
            } else {
                let (a, b) = range(text, u, 2000)?;
                let escaped = json_escape(&text[a..b], unicode);
                text.replace_range(a..b, &escaped);
            }
        }
        // Delete newlines, everywhere or in a region.
        2 => {
            if u.arbitrary()? {
                *text = text.replace('\n', if u.arbitrary()? { "" } else { " " });
            } else {
                let (a, b) = range(text, u, 3000)?;
                let joined = text[a..b].replace('\n', "");
                text.replace_range(a..b, &joined);
            }
        }
        // Double newlines.
        3 => {
            let doubled = text.replace('\n', if u.arbitrary()? { "\n\n" } else { "\n \n" });
            *text = doubled;
        }
        // Delete full stops, everywhere or in a region.
        4 => {
            if u.arbitrary()? {
                *text = text.replace('.', "");
            } else {
                let (a, b) = range(text, u, 3000)?;
                let cut = text[a..b].replace('.', "");
                text.replace_range(a..b, &cut);
            }
        }
        // Double full stops, or make them ellipses.
        5 => {
            let with = *u.choose(&["..", ". .", "...", "…", ".\n"])?;
            *text = text.replace('.', with);
        }
        // Repeat a sentence-sized region until it passes the piece limit, with or without
        // its full stops.
        6 => {
            let (a, b) = range(text, u, 600)?;
            let mut piece = if b > a {
                text[a..b].to_owned()
            } else {
                generator.article(u)?
            };
            if u.arbitrary()? {
                piece = piece.replace(['.', '\n'], " ");
            }
            if piece.is_empty() {
                piece.push_str("Iran, ");
            }
            let target = PIECE_LIMIT * u.int_in_range(1..=4)? + u.int_in_range(0..=64)?;
            let copies = target / piece.len() + 1;
            let repeated = piece.repeat(copies.min(MAX_INPUT_BYTES / piece.len() + 1));
            let at = position(text, u)?;
            text.insert_str(at, &repeated);
        }
        // Multi-byte or invisible characters next to a word edge, mark or piece edge.
        7 => {
            let times = u.int_in_range(1..=6)?;
            for _ in 0..times {
                let at = position(text, u)?;
                text.insert_str(at, u.choose(MULTIBYTE)?);
            }
        }
        // Truncate at any byte (moved down to a char boundary).
        8 => {
            let at = u.int_in_range(0..=text.len())?;
            text.truncate(floor(text, at));
        }
        // Quote marks: insert, or make straight quotes curly, or the reverse.
        9 => match u.int_in_range(0..=2)? {
            0 => {
                let times = u.int_in_range(1..=4)?;
                for _ in 0..times {
                    let at = position(text, u)?;
                    text.insert_str(at, u.choose(QUOTES)?);
                }
            }
            1 => {
                let mut open = true;
                *text = text
                    .chars()
                    .map(|c| {
                        if c == '"' {
                            open = !open;
                            if open { '”' } else { '“' }
                        } else {
                            c
                        }
                    })
                    .collect();
            }
            _ => *text = text.replace(['“', '”'], "\""),
        },
        // Delete a region.
        10 => {
            let (a, b) = range(text, u, 800)?;
            text.replace_range(a..b, "");
        }
        // Change case of a region (upper case changes byte lengths: "ß" becomes "SS").
        11 => {
            let (a, b) = range(text, u, 400)?;
            let changed = if u.arbitrary()? {
                text[a..b].to_uppercase()
            } else {
                text[a..b].to_lowercase()
            };
            text.replace_range(a..b, &changed);
        }
        // Punctuation storms: runs of commas, semicolons, dashes or spaces.
        12 => {
            let mark = *u.choose(&[",", ", ", ";", " - ", "  ", ":", "!", "?", "("])?;
            let n = u.int_in_range(1..=200)?;
            let at = position(text, u)?;
            text.insert_str(at, &mark.repeat(n));
        }
        // Swap two regions' order: a quotation's attribution ends up before it, and so on.
        _ => {
            let (a, b) = range(text, u, 500)?;
            let piece = text[a..b].to_owned();
            text.replace_range(a..b, "");
            let at = position(text, u)?;
            text.insert_str(at, &piece);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_escape_escapes_newlines_quotes_and_non_ascii() {
        assert_eq!(json_escape("a\n\"b\"", false), "a\\n\\\"b\\\"");
        assert_eq!(json_escape("é😀", true), "\\u00e9\\ud83d\\ude00");
        assert_eq!(json_escape("é", false), "é");
    }

    #[test]
    fn mutations_run_on_any_entropy_and_keep_inputs_bounded() {
        let generator = Generator::new();
        for seed in 0..200u32 {
            let bytes: Vec<u8> = (0..2048u32)
                .map(|i| (i.wrapping_mul(2_654_435_761).wrapping_add(seed * 97) >> 13) as u8)
                .collect();
            let mut u = Unstructured::new(&bytes);
            let mut text = generator.document(&mut u).expect("a document");
            mutate(&mut text, &generator, &mut u).expect("mutated");
            assert!(text.len() <= MAX_INPUT_BYTES);
        }
    }
}
