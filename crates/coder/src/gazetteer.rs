//! Gazetteers built from the data files in `data/`: states (names, adjectives, capitals used as
//! metonyms), organisations and government bodies, public figures, and word lists. All
//! surface forms go into one Aho-Corasick automaton (leftmost-longest, case-sensitive).

use std::collections::HashSet;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use statecraft_types::ActorKind;

const COUNTRIES: &str = include_str!("../data/countries.tsv");
const ORGANIZATIONS: &str = include_str!("../data/organizations.tsv");
const PEOPLE: &str = include_str!("../data/people.tsv");
const LEXICON: &str = include_str!("../data/lexicon.tsv");

/// A state.
#[derive(Debug, Clone)]
pub(crate) struct Country {
    pub(crate) code: String,
    pub(crate) name: String,
}

/// Where an organisation's country comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum OrgCountry {
    /// Always this code.
    Fixed(String),
    /// From a country word just before it ("US Treasury"), else this default.
    FromContext(Option<String>),
}

/// An organisation or government body.
#[derive(Debug, Clone)]
pub(crate) struct Org {
    pub(crate) name: String,
    pub(crate) kind: ActorKind,
    pub(crate) country: OrgCountry,
    pub(crate) sector: Option<String>,
    /// Fixed CAMEO code; `None` means country code + sector.
    pub(crate) cameo: Option<String>,
}

/// A known public figure.
#[derive(Debug, Clone)]
pub(crate) struct Person {
    pub(crate) name: String,
    pub(crate) country: String,
    pub(crate) title: String,
    pub(crate) sector: String,
}

/// What a surface form denotes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Hit {
    /// A state's name ("Russia").
    CountryName(usize),
    /// A state's adjective or demonym ("Russian").
    CountryAdjective(usize),
    /// A capital or seat used as a metonym ("Moscow").
    Capital(usize),
    /// An organisation.
    Org(usize),
    /// A known person.
    Person(usize),
    /// An office title ("Treasury Secretary").
    Title,
    /// A news outlet (never an actor).
    Outlet,
    /// A region adjective with no single state ("Western").
    Region,
}

/// Word lists.
#[derive(Debug, Default)]
pub(crate) struct Lexicon {
    pub(crate) legal_suffixes: HashSet<String>,
    pub(crate) group_nouns: HashSet<String>,
    pub(crate) company_nouns: HashSet<String>,
    /// Offices held by one person ("ambassador", "spokesman"): "Mexico's ambassador".
    pub(crate) person_roles: HashSet<String>,
    /// Institutions of a state ("ministry", "parliament"): "Iran's nuclear agency".
    pub(crate) body_roles: HashSet<String>,
    pub(crate) boilerplate: Vec<String>,
    outlets: HashSet<String>,
}

impl Lexicon {
    pub(crate) fn is_outlet(&self, text: &str) -> bool {
        self.outlets.contains(text)
    }
}

/// All gazetteers.
pub(crate) struct Gazetteer {
    automaton: AhoCorasick,
    hits: Vec<Hit>,
    pub(crate) countries: Vec<Country>,
    pub(crate) orgs: Vec<Org>,
    pub(crate) people: Vec<Person>,
    pub(crate) lexicon: Lexicon,
}

/// A gazetteer match in a text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Match {
    pub(crate) start: usize,
    pub(crate) end: usize,
    pub(crate) hit: Hit,
}

fn data_lines(text: &str) -> impl Iterator<Item = Vec<&str>> {
    text.lines()
        .filter(|line| !line.trim().is_empty() && !line.starts_with('#'))
        .map(|line| line.split('\t').collect())
}

fn list<'a>(field: Option<&&'a str>) -> impl Iterator<Item = &'a str> {
    field
        .copied()
        .unwrap_or_default()
        .split(';')
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

fn kind_from_name(raw: &str) -> ActorKind {
    match raw {
        "IGO" => ActorKind::Igo,
        "NGO" => ActorKind::Ngo,
        "COMPANY" => ActorKind::Company,
        "PERSON" => ActorKind::Person,
        "STATE" => ActorKind::State,
        "GROUP" => ActorKind::Group,
        _ => ActorKind::GovernmentBody,
    }
}

impl Gazetteer {
    /// Builds the gazetteers from the bundled data files.
    pub(crate) fn load() -> Self {
        let mut patterns: Vec<String> = Vec::new();
        let mut hits: Vec<Hit> = Vec::new();
        let mut add = |pattern: &str, hit: Hit| {
            patterns.push(pattern.to_owned());
            hits.push(hit);
            // Lower-case forms ("government") also appear sentence-initially capitalised.
            let mut chars = pattern.chars();
            if let Some(first) = chars.next().filter(|c| c.is_lowercase()) {
                patterns.push(first.to_uppercase().chain(chars).collect());
                hits.push(hit);
            }
        };

        let mut countries = Vec::new();
        for fields in data_lines(COUNTRIES) {
            let index = countries.len();
            countries.push(Country {
                code: fields[0].to_owned(),
                name: fields[1].to_owned(),
            });
            add(fields[1], Hit::CountryName(index));
            list(fields.get(2)).for_each(|alias| add(alias, Hit::CountryName(index)));
            list(fields.get(3)).for_each(|adjective| add(adjective, Hit::CountryAdjective(index)));
            list(fields.get(4)).for_each(|capital| add(capital, Hit::Capital(index)));
        }
        for region in [
            "Western", "European", "Arab", "Gulf", "Asian", "African", "foreign",
        ] {
            add(region, Hit::Region);
        }

        let mut orgs = Vec::new();
        for fields in data_lines(ORGANIZATIONS) {
            let index = orgs.len();
            let country = match fields.get(3).copied().unwrap_or_default() {
                code if code.starts_with('*') => {
                    OrgCountry::FromContext(code.strip_prefix("*:").map(str::to_owned))
                }
                code => OrgCountry::Fixed(code.to_owned()),
            };
            let non_empty = |i: usize| {
                fields
                    .get(i)
                    .filter(|s| !s.is_empty() && **s != "*")
                    .map(|s| (*s).to_owned())
            };
            orgs.push(Org {
                name: fields[1].to_owned(),
                kind: kind_from_name(fields.get(2).copied().unwrap_or_default()),
                country,
                sector: non_empty(4),
                cameo: non_empty(5),
            });
            list(fields.first()).for_each(|surface| add(surface, Hit::Org(index)));
        }

        let mut people = Vec::new();
        for fields in data_lines(PEOPLE) {
            let index = people.len();
            people.push(Person {
                name: fields[0].to_owned(),
                country: fields.get(2).copied().unwrap_or_default().to_owned(),
                title: fields.get(3).copied().unwrap_or_default().to_owned(),
                sector: fields.get(4).copied().unwrap_or("GOV").to_owned(),
            });
            add(fields[0], Hit::Person(index));
            list(fields.get(1)).for_each(|form| add(form, Hit::Person(index)));
        }

        let mut lexicon = Lexicon::default();
        for fields in data_lines(LEXICON) {
            let entries = list(fields.get(1));
            match fields[0] {
                "titles" => entries.for_each(|title| add(title, Hit::Title)),
                "outlets" => entries.for_each(|outlet| {
                    lexicon.outlets.insert(outlet.to_owned());
                    add(outlet, Hit::Outlet);
                }),
                "legal_suffixes" => lexicon.legal_suffixes.extend(entries.map(str::to_owned)),
                "group_nouns" => lexicon.group_nouns.extend(entries.map(str::to_owned)),
                "company_nouns" => lexicon.company_nouns.extend(entries.map(str::to_owned)),
                "person_roles" => lexicon.person_roles.extend(entries.map(str::to_owned)),
                "body_roles" => lexicon.body_roles.extend(entries.map(str::to_owned)),
                "boilerplate" => lexicon.boilerplate.extend(entries.map(str::to_lowercase)),
                other => debug_assert!(false, "unknown lexicon list {other}"),
            }
        }

        let automaton = AhoCorasickBuilder::new()
            .match_kind(MatchKind::LeftmostLongest)
            .build(&patterns)
            .expect("gazetteer patterns build an automaton");
        Self {
            automaton,
            hits,
            countries,
            orgs,
            people,
            lexicon,
        }
    }

    /// Finds gazetteer matches on word boundaries. A match may be followed by "-based",
    /// "-related" or "'s"; it may not run into a longer word.
    pub(crate) fn find(&self, text: &str) -> Vec<Match> {
        self.automaton
            .find_iter(text)
            .filter(|m| {
                // "Trump-Kim" and "Korea-related" split on the hyphen; "Prussia" never
                // yields "Russia".
                let before_ok = match text[..m.start()].chars().next_back() {
                    None => true,
                    Some('-') => text[m.start()..].starts_with(char::is_uppercase),
                    Some(c) => !c.is_alphanumeric(),
                };
                let after_ok = text[m.end()..]
                    .chars()
                    .next()
                    .is_none_or(|c| !c.is_alphanumeric());
                before_ok && after_ok
            })
            .map(|m| Match {
                start: m.start(),
                end: m.end(),
                hit: self.hits[m.pattern().as_usize()],
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gazetteer_finds_states_bodies_people_on_word_boundaries() {
        let gazetteer = Gazetteer::load();
        assert!(
            gazetteer.countries.len() > 190,
            "every UN member state is listed"
        );
        let text = "The US Treasury said Moscow and North Korea-related firms in China-based Trump-Putin talks, not Russians or Prussia.";
        let found: Vec<(&str, Hit)> = gazetteer
            .find(text)
            .into_iter()
            .map(|m| (&text[m.start..m.end], m.hit))
            .collect();
        let surfaces: Vec<&str> = found.iter().map(|(s, _)| *s).collect();
        assert_eq!(
            surfaces,
            vec![
                "US",
                "Treasury",
                "Moscow",
                "North Korea",
                "China",
                "Trump",
                "Putin",
                "Russians"
            ]
        );
        assert!(matches!(found[0].1, Hit::CountryName(_)));
        assert!(matches!(found[1].1, Hit::Org(_)));
        assert!(matches!(found[2].1, Hit::Capital(_)));
        assert!(matches!(found[5].1, Hit::Person(_)));
        assert!(matches!(found[7].1, Hit::CountryAdjective(_)));
    }
}
