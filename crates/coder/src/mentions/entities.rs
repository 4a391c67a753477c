//! New entities no gazetteer knows: companies by legal form and context ("China-based X Co",
//! "a Russian-based subsidiary, Y"), later partial mentions of them ("Yanbian Silverstar"),
//! and people named again by surname.

use crate::context::DocContext;
use crate::gazetteer::{Gazetteer, Hit};
use crate::text::ceil_boundary;

use super::{Mention, Role, company_actor, hit_country, overlaps, previous_word};

/// Capitalised words that never start a name.
const NOT_NAME_WORDS: &[&str] = &[
    "The",
    "A",
    "An",
    "In",
    "On",
    "At",
    "For",
    "But",
    "And",
    "However",
    "While",
    "Following",
    "Before",
    "After",
    "He",
    "She",
    "It",
    "They",
    "We",
    "I",
    "His",
    "Her",
    "Its",
    "Their",
    "This",
    "That",
    "These",
    "Those",
    "Under",
    "Asked",
    "According",
    "Meanwhile",
    "When",
    "If",
    "As",
    "With",
    "Without",
    "Despite",
    "Since",
    "Earlier",
    "Later",
    "Speaking",
    "Some",
    "Many",
    "Both",
    "Thursday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Friday",
    "Saturday",
    "Sunday",
    "January",
    "February",
    "March",
    "April",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
    "Mr",
    "Mrs",
    "Ms",
    "Reuters",
    "Our",
    "Your",
    "My",
];

/// A run of capitalised words starting at `from` (after spaces): a candidate name.
pub(super) fn capitalised_run(text: &str, from: usize) -> Option<(usize, usize)> {
    let rest = &text[from..];
    let start = from + (rest.len() - rest.trim_start().len());
    let mut end = start;
    let mut words = 0;
    let mut cursor = start;
    loop {
        let tail = &text[cursor..];
        let word_len = tail
            .find(|c: char| !(c.is_alphanumeric() || matches!(c, '-' | '\'' | '’' | '.' | '&')))
            .unwrap_or(tail.len());
        let word = tail[..word_len].trim_end_matches(['.', '\'', '’']);
        let word = word
            .strip_suffix("'s")
            .or_else(|| word.strip_suffix("’s"))
            .unwrap_or(word);
        let is_name_word = word.chars().next().is_some_and(char::is_uppercase)
            || (words > 0 && matches!(word, "al-" | "bin" | "de" | "van" | "von" | "der" | "of"));
        if word.is_empty() || !is_name_word || (words == 0 && NOT_NAME_WORDS.contains(&word)) {
            break;
        }
        // A participle opening a clause ("Speaking to reporters, ...") is no name.
        let next_lower = tail[word_len..]
            .trim_start()
            .chars()
            .next()
            .is_some_and(char::is_lowercase);
        if words == 0 && word.len() > 4 && word.ends_with("ing") && next_lower {
            break;
        }
        words += 1;
        end = cursor + word.len();
        // Keep "Co." / "Ltd." periods inside the name only when more name follows.
        cursor += word_len;
        let spaces = text[cursor..].len() - text[cursor..].trim_start_matches(' ').len();
        if spaces != 1 || words >= 7 {
            break;
        }
        cursor += spaces;
    }
    // Drop trailing connectors ("of").
    while words > 0 && text[start..end].ends_with(" of") {
        end -= 3;
    }
    (end > start && words > 0).then_some((start, end))
}

/// New companies: "China-based X Co", "a Russian-based subsidiary, Y", "X Ltd", and partial
/// mentions of companies named earlier ("Yanbian Silverstar").
pub(super) fn find_companies(
    sentence: &str,
    gazetteer: &Gazetteer,
    context: &DocContext,
    mentions: &mut Vec<Mention>,
    blocked: &[(usize, usize)],
) {
    let mut cursor = 0;
    while cursor < sentence.len() {
        let Some((start, end)) = capitalised_run(sentence, cursor) else {
            // Skip to the next word.
            let rest = &sentence[cursor..];
            let step = rest.find(char::is_whitespace).map_or(rest.len(), |p| p + 1);
            cursor += step.max(1);
            while cursor < sentence.len() && !sentence.is_char_boundary(cursor) {
                cursor += 1;
            }
            continue;
        };
        cursor = end.max(start + 1);
        while cursor < sentence.len() && !sentence.is_char_boundary(cursor) {
            cursor += 1;
        }
        // Trim a leading part already covered by another mention (e.g. a country word), and a
        // leading "China-based".
        let mut run_start = start;
        if let Some(space) = sentence[start..end].find(' ') {
            let first_word = &sentence[start..start + space];
            if first_word.ends_with("-based") || first_word.ends_with("-related") {
                run_start = start + space + 1;
            }
        }
        while let Some(m) = mentions
            .iter()
            .find(|m| m.start <= run_start && run_start < m.end)
        {
            run_start = m.end;
            run_start += sentence[run_start..].len() - sentence[run_start..].trim_start().len();
        }
        if run_start >= end
            || overlaps(mentions, blocked, run_start.max(start), end) && run_start == start
            || overlaps(mentions, &[], run_start, end)
        {
            continue;
        }
        let name = &sentence[run_start..end];
        let last_word = name
            .rsplit(' ')
            .next()
            .unwrap_or(name)
            .trim_end_matches('.');
        let before = &sentence[..run_start];
        let based_country = based_country(before, gazetteer);
        let after_company_noun = {
            let trimmed = before.trim_end().trim_end_matches(',');
            let noun = previous_word(trimmed);
            gazetteer.lexicon.company_nouns.contains(noun)
                || trimmed.ends_with("sister company")
                || trimmed.ends_with("front company")
        };
        let has_suffix = gazetteer.lexicon.legal_suffixes.contains(last_word) && name.contains(' ');
        if let Some(known) = context.company_by_prefix(name) {
            let mut actor = known.clone();
            actor.mention = name.to_owned();
            mentions.push(Mention::new(run_start, end, actor, Role::Name));
            continue;
        }
        if has_suffix || based_country.is_some() || after_company_noun {
            if gazetteer
                .find(name)
                .iter()
                .any(|m| m.start == 0 && m.end == name.len())
            {
                continue; // a known name, not a new company
            }
            let country = based_country.or_else(|| adjective_country(before, gazetteer));
            let canonical = name.trim_end_matches('.');
            mentions.push(Mention::new(
                run_start,
                end,
                company_actor(canonical, name, country),
                Role::Name,
            ));
            continue;
        }
        let after_preposition = matches!(
            previous_word(&sentence[..run_start]),
            "in" | "on"
                | "since"
                | "by"
                | "until"
                | "from"
                | "of"
                | "early"
                | "late"
                | "mid"
                | "last"
                | "next"
        );
        if after_preposition {
            continue;
        }
        if let Some(person) = context.person_by_name(name) {
            let mut actor = person.clone();
            actor.mention = name.to_owned();
            mentions.push(Mention::new(run_start, end, actor, Role::Name));
        }
    }
}

/// "China-based " or "a Russian-based subsidiary, " just before a name: that state.
fn based_country(before: &str, gazetteer: &Gazetteer) -> Option<String> {
    let window = &before[ceil_boundary(before, before.len().saturating_sub(60))..];
    let based = window.rfind("-based")?;
    // Only when at most a company noun separates it from the name ("China-based X",
    // "a Russian-based subsidiary, Y"), not "a China-based tech firm, its CEO X".
    let between = window[based + "-based".len()..]
        .trim()
        .trim_end_matches(',')
        .trim();
    let joins = between.is_empty()
        || between.split_whitespace().count() <= 2
            && between.split_whitespace().last().is_some_and(|noun| {
                matches!(
                    noun,
                    "subsidiary"
                        | "affiliate"
                        | "company"
                        | "firm"
                        | "unit"
                        | "entity"
                        | "bank"
                        | "supplier"
                        | "exporter"
                )
            });
    if !joins || window[based..].contains(['.', ';']) {
        return None;
    }
    let head = &window[..based];
    let found = gazetteer
        .find(head)
        .into_iter()
        .last()
        .filter(|m| m.end == head.len())?;
    hit_country(found.hit).map(|c| gazetteer.countries[c].code.clone())
}

/// "Chinese firm X": a state adjective within the noun phrase before a name.
fn adjective_country(before: &str, gazetteer: &Gazetteer) -> Option<String> {
    let window = &before[ceil_boundary(before, before.len().saturating_sub(30))..];
    if window.contains([',', '.', ';']) {
        return None;
    }
    gazetteer
        .find(window)
        .into_iter()
        .rfind(|m| matches!(m.hit, Hit::CountryAdjective(_)))
        .and_then(|m| hit_country(m.hit))
        .map(|c| gazetteer.countries[c].code.clone())
}
