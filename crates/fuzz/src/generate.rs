//! Structure-aware documents: news-like articles built from our own sentence templates whose
//! slots are filled with the coder's own names and trigger phrases, so that most sentences
//! hold an actor, a trigger and a second actor (random strings almost never do). Articles come
//! as plain text or as JSON lines with escaped bodies, the shape scraped feeds arrive in.

use arbitrary::{Result, Unstructured};

use crate::mutate::json_escape;
use crate::vocab::{
    ANAPHORS, COMPANY_WORDS, DAYS, FILLER, MONTHS, PLURAL_NOUNS, REASONS, Vocabulary,
};

/// Sentence templates, in our own words. Slots: `{A}` any actor, `{S}` a state, `{C}` a
/// capital, `{J}` an adjective, `{O}` an organisation, `{P}` a person, `{K}` a company, `{V}`
/// a trigger, `{D}` a date, `{M}` a month, `{F}` a filler clause, `{R}` a reason, `{N}` a
/// plural noun, `{X}` a pronoun or description, `{n}` a number.
const TEMPLATES: &[&str] = &[
    "{A} {V} {A} on {D}.",
    "{A} {V} {A}, {A} and {A} for {R}.",
    "\"{A} {V} {A},\" {P} said on {D}.",
    "{P} said: \"We {V} {A} because of {R}.\"",
    "“{A} {V} {A}, and {F},” {P} told reporters in {C}.",
    "{A} and {A} {V} in {C} in {M}.",
    "{S} recalled its ambassador to {S} after {S} expelled {n} {J} {N}.",
    "The {J} {O} {V} {K}, a {C}-based firm, according to {P}.",
    "{S}'s foreign ministry {V} {A} and {V} {A}.",
    "{A} {V} {K} and {K}, which {F}.",
    "{K} was sanctioned by {O} for {R}.",
    "A summit between {P} and {P} took place in {C} on {D}.",
    "The {S}-{S} talks in {C} ended without a joint statement.",
    "{X} has denied it.",
    "{X} {V} {X}, {P} said.",
    "{S} will face further sanctions if it keeps {R}, {P} warned.",
    "{A} {V} {A}; {A} {V} {A} while {A} {V} {A}.",
    "Officials said {A} had {V} {A} over {R}.",
    "{F}.",
    "{F}, {P} said, adding that {A} {V} {A}.",
    "\"{F}.\" {A} {V} {A}.",
    "\"We will not hesitate to act against {A},\" the {O} said in a statement. \"{A} {V} {A}.\"",
    "{P} said: \"{F}. {A} {V} {A}.",
    "{A} {V} {A} ({K}) at {n} sites.",
    "{A} {V} the sanctions on {A}, and {X} {V} the embargo.",
    "In {C}, {T} {P} and {T} {P} {V} on {D}.",
    "{A}, {A}, {A}, {A} and {A} {V} {A}, {A}, {A} and {A}.",
];

/// Headlines: no full stop, so the coder reads them as headings.
const HEADLINES: &[&str] = &[
    "{A} {V} {A}",
    "{S} and {S} {V} over {R}",
    "{P}: {A} {V} {A}",
];

const NUMBERS: &[&str] = &["two", "three", "four", "several", "12", "40", "1,200"];

/// Our own short articles, the base that splices and sample-based documents start from.
pub(crate) const SAMPLE_ARTICLES: &[&str] = &[
    "Harbor fleet blacklisted\n\nOSLO, Oct. 6, 2023 - The European Union imposed sanctions on Northway Shipping Ltd, \
     a Tehran-based firm, for helping tankers slip past inspections. \"We will keep the pressure on,\" \
     Foreign Minister Anna Lind said on Tuesday.\n\n\"The company knew exactly what it was doing.\" \
     Iran has denied it and called the measures illegal.",
    "Envoys sent home\n\nCanada expelled two Russian diplomats on Monday. Moscow recalled its ambassador to Ottawa \
     the same evening, and the Kremlin accused Canada of staging the whole affair.\n\nThe talks, \
     which lasted most of the afternoon, covered grain exports.",
    "Joe Biden met Xi Jinping in Bali in November. The two leaders agreed to reopen military channels, \
     Biden told reporters. China and the United States signed a short statement.",
    "The US Treasury Department sanctioned Kestrel Granite Trading Co and two North Korean officials \
     for laundering money for a cyber unit. Pyongyang condemned the move; it said Washington was \
     behind the hacking claims. \"This is a reckless and brutal regime of lies,\" the KCNA statement said.",
];

/// Builds documents from templates, the vocabulary and the entropy in `u`.
#[derive(Debug, Clone)]
pub struct Generator {
    vocab: Vocabulary,
}

impl Default for Generator {
    fn default() -> Self {
        Self::new()
    }
}

impl Generator {
    /// A generator over the coder's own data.
    pub fn new() -> Self {
        Self {
            vocab: Vocabulary::load(),
        }
    }

    /// The words it draws from.
    pub fn vocabulary(&self) -> &Vocabulary {
        &self.vocab
    }

    /// One document: one or more articles, as plain text or as JSON lines.
    pub fn document(&self, u: &mut Unstructured<'_>) -> Result<String> {
        let articles = u.int_in_range(1..=4)?;
        let as_json_lines = u.ratio(1, 3)?;
        let mut out = String::new();
        for index in 0..articles {
            let article = if u.ratio(1, 5)? {
                (*u.choose(SAMPLE_ARTICLES)?).to_owned()
            } else {
                self.article(u)?
            };
            if as_json_lines {
                if index > 0 {
                    out.push('\n');
                }
                out.push_str(&format!(
                    "{{\"id\": \"f{index:04}\", \"topic\": \"world\", \"text\": \"{}\"}}",
                    json_escape(&article, u.ratio(1, 4)?)
                ));
            } else {
                if index > 0 {
                    out.push_str("\n\n");
                }
                out.push_str(&article);
            }
        }
        Ok(out)
    }

    /// One article: an optional headline and dateline, then paragraphs of sentences.
    pub fn article(&self, u: &mut Unstructured<'_>) -> Result<String> {
        let mut out = String::new();
        if u.ratio(2, 3)? {
            out.push_str(&self.render(u.choose(HEADLINES)?, u)?);
            out.push_str("\n\n");
        }
        if u.ratio(1, 3)? {
            let capital = u.choose(&self.vocab.capitals)?.to_uppercase();
            let month = u.choose(&["Jan.", "Feb.", "March", "Oct.", "Dec."])?;
            let day = u.int_in_range(1..=31)?;
            let year = u.int_in_range(1990..=2030)?;
            out.push_str(&format!("{capital}, {month} {day}, {year} - "));
        } else if u.ratio(1, 4)? {
            out.push_str(&format!("({}) - ", u.choose(&self.vocab.outlets)?));
        }
        let paragraphs = u.int_in_range(1..=5)?;
        for p in 0..paragraphs {
            if p > 0 {
                out.push_str("\n\n");
            }
            let sentences = u.int_in_range(1..=6)?;
            for s in 0..sentences {
                if s > 0 {
                    out.push(' ');
                }
                out.push_str(&self.render(u.choose(TEMPLATES)?, u)?);
            }
        }
        Ok(out)
    }

    /// Fills the slots of one template.
    pub fn render(&self, template: &str, u: &mut Unstructured<'_>) -> Result<String> {
        let mut out = String::with_capacity(template.len() * 2);
        let mut rest = template;
        while let Some(open) = rest.find('{') {
            out.push_str(&rest[..open]);
            let close = open + rest[open..].find('}').expect("slots are closed");
            out.push_str(&self.slot(&rest[open + 1..close], u)?);
            rest = &rest[close + 1..];
        }
        out.push_str(rest);
        Ok(capitalise_first(out))
    }

    fn slot(&self, name: &str, u: &mut Unstructured<'_>) -> Result<String> {
        let v = &self.vocab;
        Ok(match name {
            "A" => self.actor(u)?,
            "S" => self.state(u)?,
            "C" => u.choose(&v.capitals)?.clone(),
            "J" => u.choose(&v.adjectives)?.clone(),
            "O" => u.choose(&v.organisations)?.clone(),
            "P" => self.person(u)?,
            "T" => u.choose(&v.titles)?.clone(),
            "K" => self.company(u)?,
            "V" => u.choose(&v.triggers)?.clone(),
            "D" => self.date(u)?,
            "M" => (*u.choose(MONTHS)?).to_owned(),
            "F" => (*u.choose(FILLER)?).to_owned(),
            "R" => (*u.choose(REASONS)?).to_owned(),
            "N" => (*u.choose(PLURAL_NOUNS)?).to_owned(),
            "X" => (*u.choose(ANAPHORS)?).to_owned(),
            "n" => (*u.choose(NUMBERS)?).to_owned(),
            other => unreachable!("unknown template slot {other}"),
        })
    }

    fn state(&self, u: &mut Unstructured<'_>) -> Result<String> {
        Ok(if u.ratio(1, 3)? {
            u.choose(&self.vocab.capitals)?.clone()
        } else {
            u.choose(&self.vocab.countries)?.clone()
        })
    }

    fn person(&self, u: &mut Unstructured<'_>) -> Result<String> {
        let v = &self.vocab;
        let name = u.choose(&v.people)?;
        Ok(match u.int_in_range(0..=3)? {
            0 => format!("{} {name}", u.choose(&v.titles)?),
            1 => format!(
                "{} {} {name}",
                u.choose(&v.adjectives)?,
                u.choose(&v.titles)?
            ),
            // A person the gazetteer does not know, named by office.
            2 => format!(
                "{} {} {}",
                u.choose(&v.titles)?,
                u.choose(COMPANY_WORDS)?,
                u.choose(COMPANY_WORDS)?
            ),
            _ => name.clone(),
        })
    }

    fn company(&self, u: &mut Unstructured<'_>) -> Result<String> {
        let words = u.int_in_range(1..=3)?;
        let mut name = String::new();
        if u.ratio(1, 4)? {
            name.push_str(&format!("{}-based ", self.state(u)?));
        }
        for i in 0..words {
            if i > 0 {
                name.push(' ');
            }
            name.push_str(u.choose(COMPANY_WORDS)?);
        }
        name.push(' ');
        name.push_str(u.choose(&self.vocab.legal_suffixes)?);
        Ok(name)
    }

    fn date(&self, u: &mut Unstructured<'_>) -> Result<String> {
        Ok(match u.int_in_range(0..=3)? {
            0 => (*u.choose(DAYS)?).to_owned(),
            1 => format!("{} {}", u.choose(MONTHS)?, u.int_in_range(1..=31)?),
            2 => format!(
                "{} {}, {}",
                u.choose(MONTHS)?,
                u.int_in_range(0..=40)?,
                u.int_in_range(1900..=2100)?
            ),
            _ => format!(
                "{}-{:02}-{:02}",
                u.int_in_range(1990..=2030)?,
                u.int_in_range(0..=13)?,
                u.int_in_range(0..=32)?
            ),
        })
    }

    /// Any actor phrase: a state, a capital, an organisation with or without a state word, a
    /// person, a company, a group or a pronoun.
    pub fn actor(&self, u: &mut Unstructured<'_>) -> Result<String> {
        let v = &self.vocab;
        Ok(match u.int_in_range(0..=9)? {
            0 | 1 => self.state(u)?,
            2 => u.choose(&v.organisations)?.clone(),
            3 => format!(
                "the {} {}",
                u.choose(&v.adjectives)?,
                u.choose(&v.organisations)?
            ),
            4 => format!("{}'s {}", self.state(u)?, u.choose(&v.organisations)?),
            5 => self.person(u)?,
            6 => self.company(u)?,
            7 => format!("{} {}", u.choose(&v.adjectives)?, u.choose(PLURAL_NOUNS)?),
            8 => (*u.choose(ANAPHORS)?).to_owned(),
            _ => format!("{} {}", u.choose(NUMBERS)?, u.choose(PLURAL_NOUNS)?),
        })
    }
}

fn capitalise_first(text: String) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) if first.is_lowercase() => first.to_uppercase().chain(chars).collect(),
        _ => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_hold_triggers_and_actors_even_from_little_entropy() {
        let generator = Generator::new();
        let bytes: Vec<u8> = (0..512u32).map(|i| (i * 37 % 251) as u8).collect();
        let text = generator
            .document(&mut Unstructured::new(&bytes))
            .expect("a document");
        assert!(text.len() > 20, "{text:?}");
        // With no entropy at all the defaults still make a sentence.
        let empty = generator
            .document(&mut Unstructured::new(&[]))
            .expect("a document from no bytes");
        assert!(!empty.is_empty());
    }

    #[test]
    fn templates_have_only_known_slots() {
        let generator = Generator::new();
        for template in TEMPLATES.iter().chain(HEADLINES) {
            let text = generator
                .render(template, &mut Unstructured::new(&[7; 64]))
                .expect("rendered");
            assert!(!text.contains('{'), "{text}");
        }
    }
}
