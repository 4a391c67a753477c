//! Actor mentions in a sentence: gazetteer matches composed into actors ("US Treasury
//! Department", "North Korean leader Kim Jong-un", "China-based Yanbian Silverstar Network
//! Technology Co"), new companies and people found by pattern, and pronouns and descriptions
//! resolved against the document context ("he", "the companies", "the two leaders").

use std::sync::LazyLock;

use regex::Regex;
use statecraft_types::{Actor, ActorKind};

mod entities;

use crate::context::DocContext;
use crate::gazetteer::{Gazetteer, Hit, Match, OrgCountry};

/// How a mention can take part in an event frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    /// A name: a full argument.
    Name,
    /// A state word modifying a common noun ("the US demand"): not an argument.
    Modifier,
    /// A possessive ("Washington's umbrella"): an argument only for some frames.
    Possessive,
    /// A place ("in Russia"): an argument only as a location.
    Locative,
    /// A pronoun or definite description resolved through the document context.
    Anaphor,
    /// An unnamed group ("two tech firms", "companies across the world").
    Generic,
}

/// One mention.
#[derive(Debug, Clone)]
pub(crate) struct Mention {
    pub(crate) start: usize,
    pub(crate) end: usize,
    pub(crate) actors: Vec<Actor>,
    pub(crate) role: Role,
}

impl Mention {
    fn new(start: usize, end: usize, actor: Actor, role: Role) -> Self {
        Self {
            start,
            end,
            actors: vec![actor],
            role,
        }
    }
}

/// Nouns that stand for the actor they follow ("the US Treasury statement accused").
const PROXY_NOUNS: &[&str] = &[
    "statement",
    "spokesman",
    "spokeswoman",
    "spokesperson",
    "official",
    "officials",
    "mission",
    "delegation",
    "envoy",
    "embassy",
    "authorities",
    "announcement",
    "leadership",
    "state",
    "regime",
    "side",
];

fn kind_sector(kind: ActorKind) -> Option<&'static str> {
    match kind {
        ActorKind::GovernmentBody | ActorKind::Person => Some("GOV"),
        ActorKind::Company => Some("BUS"),
        _ => None,
    }
}

pub(crate) fn state_actor(gazetteer: &Gazetteer, index: usize, mention: &str) -> Actor {
    let country = &gazetteer.countries[index];
    Actor {
        name: country.name.clone(),
        mention: mention.to_owned(),
        kind: ActorKind::State,
        country: Some(country.code.clone()),
        sector: None,
        title: None,
        cameo_code: country.code.clone(),
    }
}

fn cameo(country: Option<&str>, sector: Option<&str>) -> String {
    format!(
        "{}{}",
        country.unwrap_or_default(),
        sector.unwrap_or_default()
    )
}

pub(super) fn company_actor(name: &str, mention: &str, country: Option<String>) -> Actor {
    Actor {
        name: name.to_owned(),
        mention: mention.to_owned(),
        kind: ActorKind::Company,
        cameo_code: cameo(country.as_deref(), Some("BUS")),
        country,
        sector: Some("BUS".into()),
        title: None,
    }
}

fn person_actor(
    name: &str,
    mention: &str,
    country: Option<String>,
    title: Option<String>,
    sector: &str,
) -> Actor {
    Actor {
        name: name.to_owned(),
        mention: mention.to_owned(),
        kind: ActorKind::Person,
        cameo_code: cameo(country.as_deref(), Some(sector)),
        country,
        sector: Some(sector.to_owned()),
        title,
    }
}

fn group_actor(name: &str, country: Option<String>) -> Actor {
    Actor {
        name: name.to_owned(),
        mention: name.to_owned(),
        kind: ActorKind::Group,
        cameo_code: country.clone().unwrap_or_default(),
        country,
        sector: None,
        title: None,
    }
}

/// The country a gazetteer hit names, if any.
pub(super) fn hit_country(hit: Hit) -> Option<usize> {
    match hit {
        Hit::CountryName(i) | Hit::CountryAdjective(i) | Hit::Capital(i) => Some(i),
        _ => None,
    }
}

/// Text between two byte offsets, if it only joins words ("", " ", "'s ", " the ").
fn is_joint(gap: &str) -> bool {
    matches!(gap.trim(), "" | "'s" | "’s" | "-")
}

fn next_word(text: &str) -> &str {
    let rest = text.trim_start();
    let end = rest
        .find(|c: char| !(c.is_alphanumeric() || c == '-'))
        .unwrap_or(rest.len());
    &rest[..end]
}

pub(super) fn previous_word(text: &str) -> &str {
    let trimmed = text.trim_end();
    let start = trimmed
        .char_indices()
        .rev()
        .find(|(_, c)| !(c.is_alphanumeric() || *c == '-'))
        .map_or(0, |(p, c)| p + c.len_utf8());
    &trimmed[start..]
}

static ANAPHOR_WORDS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b(?:[Tt]he (?:two |three |both |sanctioned )?(?:companies|firms|entities|leaders|sides|men|countries)|[Tt]he (?:company|firm|ministry|department|report|statement|regime|administration|military|junta)|[Hh]e|[Ss]he|him|[Ii]t|[Tt]hey|them)\b")
        .expect("valid anaphor regex")
});

static GENERIC_GROUPS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b(?:(?:two|three|four|five|six|seven|eight|nine|ten|several|\d+)\s+(?:[a-z][a-z-]*\s+){0,2}(?:firms|companies|entities|individuals|people|persons|banks|officials|vessels|ships|tankers|governors|members|generals|officers|commanders|lawmakers|judges|businessmen|oligarchs|executives|diplomats|organizations|organisations|groups|networks|airlines)|(?:[Tt]he\s+)?(?:[a-z]+\s+)?(?:companies|firms|businesses|banks|exporters)\s+(?:across|around|in)\s+the\s+(?:world|globe|region|country|industry)|(?:companies|firms)\s+worldwide)\b")
        .expect("valid generic group regex")
});

/// Finds the mentions of one sentence, in text order, without overlaps.
pub(crate) fn find_mentions(
    sentence: &str,
    gazetteer: &Gazetteer,
    context: &DocContext,
) -> Vec<Mention> {
    let matches = gazetteer.find(sentence);
    let mut mentions: Vec<Mention> = Vec::new();
    let mut blocked: Vec<(usize, usize)> = Vec::new();
    let mut i = 0;
    while i < matches.len() {
        let consumed = compose_at(
            sentence,
            gazetteer,
            &matches,
            i,
            &mut mentions,
            &mut blocked,
        );
        i += consumed.max(1);
    }
    entities::find_companies(sentence, gazetteer, context, &mut mentions, &blocked);
    find_name_parts(sentence, context, &mut mentions);
    find_generic_groups(sentence, &mut mentions);
    find_anaphors(sentence, context, &mut mentions);
    mentions.sort_by_key(|m| m.start);
    // "met in Bogota, Colombia": the state after a place's comma names where the place is.
    for i in 1..mentions.len() {
        let (done, rest) = mentions.split_at_mut(i);
        let previous = &done[i - 1];
        if previous.role == Role::Locative
            && rest[0].role == Role::Name
            && sentence[previous.end..rest[0].start] == *", "
        {
            rest[0].role = Role::Locative;
        }
    }
    mentions
}

pub(super) fn overlaps(
    mentions: &[Mention],
    blocked: &[(usize, usize)],
    start: usize,
    end: usize,
) -> bool {
    mentions.iter().any(|m| m.start < end && start < m.end)
        || blocked.iter().any(|(s, e)| *s < end && start < *e)
}

/// Composes the mention starting at `matches[i]`; returns how many matches it used.
fn compose_at(
    sentence: &str,
    gazetteer: &Gazetteer,
    matches: &[Match],
    i: usize,
    mentions: &mut Vec<Mention>,
    blocked: &mut Vec<(usize, usize)>,
) -> usize {
    let m = matches[i];
    let next = matches.get(i + 1).copied();
    let adjacent = |a: Match, b: Option<Match>| b.filter(|b| is_joint(&sentence[a.end..b.start]));
    let surface = &sentence[m.start..m.end];
    match m.hit {
        Hit::Outlet => {
            blocked.push((m.start, m.end));
            1
        }
        Hit::Region => {
            let noun = next_word(&sentence[m.end..]);
            if gazetteer.lexicon.group_nouns.contains(noun) {
                let end = m.end + sentence[m.end..].find(noun).expect("word follows") + noun.len();
                mentions.push(Mention::new(
                    m.start,
                    end,
                    group_actor(&sentence[m.start..end], None),
                    Role::Name,
                ));
            }
            1
        }
        Hit::CountryName(_) | Hit::CountryAdjective(_) | Hit::Capital(_) => {
            let country = hit_country(m.hit).expect("country hit");
            let code = gazetteer.countries[country].code.clone();
            // Country + organisation / title / person chains.
            if let Some(n) = adjacent(m, next) {
                match n.hit {
                    Hit::Org(_) | Hit::Title | Hit::Person(_) => {
                        return 1 + compose_chain(
                            sentence,
                            gazetteer,
                            matches,
                            i + 1,
                            Some(code),
                            m.start,
                            mentions,
                        );
                    }
                    _ => {}
                }
            }
            let after = &sentence[m.end..];
            if after.starts_with("-based") {
                // Handled with the company that follows.
                blocked.push((m.start, m.end + "-based".len()));
                return 1;
            }
            if let Some((len, kind)) = role_phrase(gazetteer, after) {
                // "Mexico's ambassador", "the Iranian foreign ministry", "Chinese officials":
                // an office, body or group of that state.
                let end = m.end + len;
                let name = &sentence[m.start..end];
                let actor = match kind {
                    ActorKind::Group => group_actor(name, Some(code)),
                    ActorKind::Person => {
                        let phrase = &after[..len];
                        let office = phrase
                            .strip_prefix("'s")
                            .or_else(|| phrase.strip_prefix("’s"))
                            .unwrap_or(phrase)
                            .trim();
                        person_actor(name, name, Some(code), Some(office.to_owned()), "GOV")
                    }
                    _ => Actor {
                        name: name.to_owned(),
                        mention: name.to_owned(),
                        kind: ActorKind::GovernmentBody,
                        cameo_code: cameo(Some(&code), Some("GOV")),
                        country: Some(code),
                        sector: Some("GOV".into()),
                        title: None,
                    },
                };
                mentions.push(Mention::new(m.start, end, actor, Role::Name));
                return 1 + matches[i + 1..]
                    .iter()
                    .take_while(|x| x.start < end)
                    .count();
            }
            let role = country_role(sentence, gazetteer, m, after);
            match role {
                Some((Role::Name, Some(noun_end))) => {
                    // "Russian diplomats": a group of that state.
                    let name = &sentence[m.start..noun_end];
                    mentions.push(Mention::new(
                        m.start,
                        noun_end,
                        group_actor(name, Some(code)),
                        Role::Name,
                    ));
                }
                Some((role, _)) => {
                    mentions.push(Mention::new(
                        m.start,
                        m.end,
                        state_actor(gazetteer, country, surface),
                        role,
                    ));
                }
                None => {}
            }
            1
        }
        Hit::Org(_) | Hit::Title | Hit::Person(_) => {
            compose_chain(sentence, gazetteer, matches, i, None, m.start, mentions).max(1)
        }
    }
}

/// Words that end the search for an office after a state word.
const ROLE_STOPS: &[&str] = &[
    "to", "of", "with", "the", "a", "an", "and", "or", "in", "on", "for", "that", "which", "who",
    "is", "was", "are", "were", "has", "have", "had", "said", "says", "will", "would", "at", "by",
    "from", "as", "its", "their", "his", "her",
];

/// "’s foreign ministry", " foreign minister", " officials": the office, body or group named
/// right after a state word (possessive or adjective), as (length of `after` it spans, kind).
/// At most four words are read; the last role word found is the head ("foreign ministry
/// spokesman" is a person).
fn role_phrase(gazetteer: &Gazetteer, after: &str) -> Option<(usize, ActorKind)> {
    let lexicon = &gazetteer.lexicon;
    let rest = after
        .strip_prefix("'s")
        .or_else(|| after.strip_prefix("’s"))
        .unwrap_or(after);
    let offset = after.len() - rest.len();
    if !rest.starts_with(' ') {
        return None;
    }
    let mut words: Vec<(usize, usize)> = Vec::new();
    let mut position = 0;
    for word in rest.split(' ') {
        let start = position;
        position += word.len() + 1;
        if word.is_empty() {
            continue;
        }
        let clean = word.trim_end_matches([',', '.', ';', ':', '"', '”', ')']);
        let alphabetic = clean
            .chars()
            .all(|c| c.is_alphabetic() || c == '-' || c == '\'');
        if clean.is_empty()
            || !alphabetic
            || ROLE_STOPS.contains(&clean.to_ascii_lowercase().as_str())
        {
            break;
        }
        words.push((start, start + clean.len()));
        if clean.len() < word.len() || words.len() == 4 {
            break;
        }
    }
    // ASCII lower-casing keeps byte offsets ("İ" lower-cases to two chars).
    let lower = rest.to_ascii_lowercase();
    let kind_of = |phrase: &str| {
        if lexicon.person_roles.contains(phrase) {
            Some(ActorKind::Person)
        } else if lexicon.body_roles.contains(phrase) {
            Some(ActorKind::GovernmentBody)
        } else if lexicon.group_nouns.contains(phrase) || lexicon.company_nouns.contains(phrase) {
            Some(ActorKind::Group)
        } else {
            None
        }
    };
    let mut head = None;
    for (index, &(start, end)) in words.iter().enumerate() {
        let word = &rest[start..end];
        // A capitalised word that is no office is a name ("Russian Volasys"): stop.
        let capitalised = word.chars().next().is_some_and(char::is_uppercase);
        let found = kind_of(&lower[start..end]).or_else(|| {
            index
                .checked_sub(1)
                .and_then(|p| kind_of(&lower[words[p].0..end]))
        });
        match found {
            Some(kind) => head = Some((offset + end, kind)),
            None if capitalised => break,
            None => {}
        }
    }
    head
}

/// How a bare country word is used: `None` to drop it.
fn country_role(
    sentence: &str,
    gazetteer: &Gazetteer,
    m: Match,
    after: &str,
) -> Option<(Role, Option<usize>)> {
    let before = previous_word(&sentence[..m.start]);
    if let Some(rest) = after
        .strip_prefix("'s")
        .or_else(|| after.strip_prefix("’s"))
    {
        let noun = next_word(rest);
        let role = if PROXY_NOUNS.contains(&noun) {
            Role::Name
        } else {
            Role::Possessive
        };
        return Some((role, None));
    }
    if after.starts_with("-related") || after.starts_with("-led") || after.starts_with("-made") {
        return Some((Role::Modifier, None));
    }
    let noun = next_word(after);
    let noun_is_lower = noun.chars().next().is_some_and(char::is_lowercase);
    if matches!(m.hit, Hit::CountryAdjective(_)) && noun_is_lower {
        if gazetteer.lexicon.group_nouns.contains(noun) {
            let end = m.end + after.find(noun).expect("word follows") + noun.len();
            return Some((Role::Name, Some(end)));
        }
        if PROXY_NOUNS.contains(&noun) {
            return Some((Role::Name, None));
        }
        return Some((Role::Modifier, None));
    }
    if matches!(m.hit, Hit::CountryAdjective(_)) {
        // "Russian Volasys": an adjective before a name only qualifies it.
        return Some((Role::Modifier, None));
    }
    if noun_is_lower && !PROXY_NOUNS.contains(&noun) && after.starts_with(' ') && is_noun_like(noun)
    {
        return Some((Role::Modifier, None));
    }
    if matches!(
        before,
        "in" | "In" | "from" | "to" | "near" | "at" | "across" | "inside" | "within"
    ) {
        return Some((Role::Locative, None));
    }
    Some((Role::Name, None))
}

/// Whether a lowercase word after a state name is a noun it modifies ("the US demand",
/// "Russia sanctions") rather than the next word of a clause ("North Korea give up").
fn is_noun_like(word: &str) -> bool {
    const MODIFIED_NOUNS: &[&str] = &[
        "demand",
        "demands",
        "sanctions",
        "sanction",
        "policy",
        "policies",
        "program",
        "programs",
        "programme",
        "economy",
        "market",
        "markets",
        "border",
        "borders",
        "forces",
        "troops",
        "nuclear",
        "missile",
        "missiles",
        "national",
        "relations",
        "ties",
        "talks",
        "summit",
        "report",
        "reports",
        "resolution",
        "resolutions",
        "embargo",
        "decision",
        "move",
        "law",
        "laws",
        "companies",
        "firms",
        "exports",
        "imports",
        "oil",
        "gas",
        "dollar",
        "trade",
        "interests",
        "security",
        "territory",
        "waters",
        "airspace",
        "soil",
        "citizens",
        "nationals",
        "workers",
        "laborers",
        "labourers",
        "allies",
        "ally",
        "assets",
        "banks",
        "bank",
        "war",
        "invasion",
        "attack",
        "attacks",
        "military",
        "army",
        "navy",
        "intelligence",
        "election",
        "elections",
        "crisis",
        "conflict",
        "issue",
        "issues",
        "deal",
        "agreement",
        "people",
        "counterpart",
        "counterparts",
        "umbrella",
        "arsenal",
        "weapons",
        "sector",
        "industry",
        "debt",
        "currency",
        "president",
        "leader",
        "envoy",
        "ambassador",
    ];
    MODIFIED_NOUNS.contains(&word)
}

/// Composes an organisation / title / person chain starting at `matches[i]`, with an optional
/// country from a preceding word. Returns the number of matches used.
fn compose_chain(
    sentence: &str,
    gazetteer: &Gazetteer,
    matches: &[Match],
    i: usize,
    country: Option<String>,
    start: usize,
    mentions: &mut Vec<Mention>,
) -> usize {
    let m = matches[i];
    let next = matches
        .get(i + 1)
        .copied()
        .filter(|n| is_joint(&sentence[m.end..n.start]));
    match m.hit {
        Hit::Org(index) => {
            let org = &gazetteer.orgs[index];
            // Org followed by a title and a name: a person of that body's country.
            if next.is_some_and(|n| n.hit == Hit::Title) {
                let org_country = org_country(sentence, gazetteer, org, country, m);
                return 1 + compose_chain(
                    sentence,
                    gazetteer,
                    matches,
                    i + 1,
                    org_country,
                    start,
                    mentions,
                );
            }
            let resolved_country = org_country(sentence, gazetteer, org, country, m);
            if matches!(org.country, OrgCountry::FromContext(None)) && resolved_country.is_none() {
                // "the government" alone: left to the anaphor resolver.
                return 1;
            }
            let mut end = m.end;
            if let Some(of_end) = of_country_end(sentence, gazetteer, m.end) {
                end = of_end;
            }
            let sector = org
                .sector
                .clone()
                .or_else(|| kind_sector(org.kind).map(str::to_owned));
            let cameo_code = org
                .cameo
                .clone()
                .unwrap_or_else(|| cameo(resolved_country.as_deref(), sector.as_deref()));
            let actor = Actor {
                name: qualified_org_name(gazetteer, org, resolved_country.as_deref()),
                mention: sentence[start..end].to_owned(),
                kind: org.kind,
                country: resolved_country,
                sector,
                title: None,
                cameo_code,
            };
            mentions.push(Mention::new(start, end, actor, Role::Name));
            1
        }
        Hit::Title => {
            let title = sentence[m.start..m.end].to_owned();
            if let Some(n) = next.filter(|n| matches!(n.hit, Hit::Person(_))) {
                let Hit::Person(p) = n.hit else {
                    unreachable!()
                };
                let person = &gazetteer.people[p];
                let actor = person_actor(
                    &person.name,
                    &sentence[start..n.end],
                    Some(person.country.clone()),
                    Some(title),
                    &person.sector,
                );
                mentions.push(Mention::new(start, n.end, actor, Role::Name));
                return 2;
            }
            if let Some((name_start, name_end)) = entities::capitalised_run(sentence, m.end)
                && name_start == m.end + 1
            {
                let name = &sentence[name_start..name_end];
                let actor = person_actor(
                    name,
                    &sentence[start..name_end],
                    country,
                    Some(title),
                    "GOV",
                );
                mentions.push(Mention::new(start, name_end, actor, Role::Name));
                return 1 + matches[i + 1..]
                    .iter()
                    .take_while(|x| x.start < name_end)
                    .count();
            }
            // "the US Treasury Secretary said": an office holder named by office alone.
            if country.is_some() && start < m.start {
                let office = &sentence[start..m.end];
                let actor = person_actor(office, office, country, Some(title), "GOV");
                mentions.push(Mention::new(start, m.end, actor, Role::Name));
            }
            1
        }
        Hit::Person(p) => {
            let person = &gazetteer.people[p];
            // "the Trump administration": a body of the person's state.
            if next.is_some_and(|n| matches!(n.hit, Hit::Org(_))) {
                return 1 + compose_chain(
                    sentence,
                    gazetteer,
                    matches,
                    i + 1,
                    Some(person.country.clone()),
                    start,
                    mentions,
                );
            }
            let actor = person_actor(
                &person.name,
                &sentence[start..m.end],
                Some(person.country.clone()),
                Some(person.title.clone()),
                &person.sector,
            );
            mentions.push(Mention::new(start, m.end, actor, Role::Name));
            1
        }
        _ => 1,
    }
}

fn org_country(
    sentence: &str,
    gazetteer: &Gazetteer,
    org: &crate::gazetteer::Org,
    from_prefix: Option<String>,
    m: Match,
) -> Option<String> {
    match &org.country {
        OrgCountry::Fixed(code) => Some(code.clone()),
        OrgCountry::FromContext(default) => from_prefix
            .or_else(|| of_country(sentence, gazetteer, m.end))
            .or_else(|| default.clone()),
    }
}

/// "government of Sudan": the state after "of".
fn of_country(sentence: &str, gazetteer: &Gazetteer, from: usize) -> Option<String> {
    let rest = &sentence[from..];
    let after_of = rest.strip_prefix(" of ")?;
    let after_of = after_of.strip_prefix("the ").unwrap_or(after_of);
    let found = gazetteer
        .find(after_of)
        .into_iter()
        .next()
        .filter(|m| m.start == 0)?;
    hit_country(found.hit).map(|c| gazetteer.countries[c].code.clone())
}

fn of_country_end(sentence: &str, gazetteer: &Gazetteer, from: usize) -> Option<usize> {
    let rest = &sentence[from..];
    let after_of = rest.strip_prefix(" of ")?;
    let skipped = if after_of.starts_with("the ") { 4 } else { 0 };
    let found = gazetteer
        .find(&after_of[skipped..])
        .into_iter()
        .next()
        .filter(|m| m.start == 0)?;
    hit_country(found.hit)?;
    Some(from + 4 + skipped + found.end)
}

fn qualified_org_name(
    gazetteer: &Gazetteer,
    org: &crate::gazetteer::Org,
    country: Option<&str>,
) -> String {
    match (&org.country, country) {
        (OrgCountry::FromContext(_), Some(code)) => {
            let state = gazetteer
                .countries
                .iter()
                .find(|c| c.code == code)
                .map_or(code, |c| c.name.as_str());
            let prefix = if code == "USA" { "U.S." } else { state };
            format!("{prefix} {}", org.name)
        }
        _ => org.name.clone(),
    }
}

fn find_generic_groups(sentence: &str, mentions: &mut Vec<Mention>) {
    for found in GENERIC_GROUPS.find_iter(sentence) {
        if overlaps(mentions, &[], found.start(), found.end()) {
            continue;
        }
        let text = found.as_str();
        let name = text
            .strip_prefix("the ")
            .or_else(|| text.strip_prefix("The "))
            .unwrap_or(text);
        mentions.push(Mention::new(
            found.start(),
            found.end(),
            group_actor(name, None),
            Role::Generic,
        ));
    }
}

fn find_anaphors(sentence: &str, context: &DocContext, mentions: &mut Vec<Mention>) {
    for found in ANAPHOR_WORDS.find_iter(sentence) {
        if overlaps(mentions, &[], found.start(), found.end()) {
            continue;
        }
        let word = found.as_str().to_lowercase();
        // Prefer an antecedent earlier in the same sentence.
        let mut earlier: Vec<&Mention> = mentions
            .iter()
            .filter(|m| {
                m.end <= found.start()
                    && matches!(
                        m.role,
                        Role::Name | Role::Generic | Role::Anaphor | Role::Possessive
                    )
            })
            .collect();
        earlier.sort_by_key(|m| m.start);
        // "China told Tokyo that it will ban ...": a pronoun opening a reported clause stands
        // for the reporting verb's subject, not for its object right before "that".
        if matches!(word.as_str(), "it" | "they")
            && earlier.len() >= 2
            && earlier
                .last()
                .is_some_and(|m| sentence[m.end..found.start()].trim() == "that")
        {
            earlier.pop();
        }
        let actors = context.resolve(&word, &earlier);
        if actors.is_empty() {
            continue;
        }
        mentions.push(Mention {
            start: found.start(),
            end: found.end(),
            actors: actors
                .into_iter()
                .map(|mut a| {
                    a.mention = found.as_str().to_owned();
                    a
                })
                .collect(),
            role: Role::Anaphor,
        });
    }
}

/// Capitalised words that repeat one part of a person named earlier in the document.
fn find_name_parts(sentence: &str, context: &DocContext, mentions: &mut Vec<Mention>) {
    let is_word = |c: char| c.is_alphanumeric();
    let mut spans = Vec::new();
    let mut start = None;
    for (at, c) in sentence.char_indices() {
        match (is_word(c), start) {
            (true, None) => start = Some(at),
            (false, Some(s)) => {
                spans.push((s, at));
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        spans.push((s, sentence.len()));
    }
    for (start, end) in spans {
        let word = &sentence[start..end];
        if !word.chars().next().is_some_and(char::is_uppercase)
            || overlaps(mentions, &[], start, end)
        {
            continue;
        }
        if let Some(person) = context.person_by_part(word) {
            let mut actor = person.clone();
            actor.mention = word.to_owned();
            let rest = &sentence[end..];
            let role = if rest.starts_with("'s") || rest.starts_with("’s") {
                Role::Possessive
            } else {
                Role::Name
            };
            mentions.push(Mention::new(start, end, actor, role));
        }
    }
}
