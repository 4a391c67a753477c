//! The words inputs are built from: the coder's own gazetteers and lexicon (read from its data
//! files, so that generated sentences contain names the coder knows) and its trigger table,
//! plus invented company names and our own filler clauses.

use statecraft_coder::Coder;

const COUNTRIES: &str = include_str!("../../coder/data/countries.tsv");
const ORGANISATIONS: &str = include_str!("../../coder/data/organizations.tsv");
const PEOPLE: &str = include_str!("../../coder/data/people.tsv");
const LEXICON: &str = include_str!("../../coder/data/lexicon.tsv");

/// Trigger words the issue names, kept even if the rule table changes its wording.
const EXTRA_TRIGGERS: &[&str] = &[
    "sanctioned",
    "imposed sanctions on",
    "imposed new sanctions against",
    "expelled",
    "met",
    "met with",
    "accused",
    "condemned",
    "recalled its ambassador to",
    "recalled its ambassador from",
    "denied",
    "threatened sanctions against",
    "lifted sanctions on",
    "urged",
    "signed an agreement with",
    "held talks with",
    "will face sanctions",
];

/// Invented words for company names ("Harbor Reef Shipping Ltd").
pub(crate) const COMPANY_WORDS: &[&str] = &[
    "Harbor",
    "Northway",
    "Arktic",
    "Blue",
    "Reef",
    "Silverline",
    "Kestrel",
    "Granite",
    "Pinewood",
    "Meridian",
    "Saltmarsh",
    "Copperfield",
    "Lumen",
    "Orrin",
    "Vastel",
    "Qadri",
    "Zelmo",
    "Tanvir",
    "Ostrava",
    "Belcourt",
];

/// Group nouns after an adjective ("Iranian diplomats").
pub(crate) const PLURAL_NOUNS: &[&str] = &[
    "diplomats",
    "officials",
    "firms",
    "companies",
    "banks",
    "vessels",
    "envoys",
    "individuals",
    "entities",
    "leaders",
];

/// Pronouns and descriptions the coder resolves against the document.
pub(crate) const ANAPHORS: &[&str] = &[
    "it",
    "they",
    "them",
    "he",
    "she",
    "the company",
    "the firm",
    "the ministry",
    "the department",
    "the regime",
    "the two leaders",
    "the companies",
    "the sanctions",
    "the embargo",
    "the report",
];

/// Reasons ("for ...", "over ...").
pub(crate) const REASONS: &[&str] = &[
    "helping shipments slip past the naval patrols",
    "smuggling drone parts through a free port",
    "jailing reporters who covered the protests",
    "its role in the border shelling",
    "laundering money for a cyber unit",
    "moving grain out of occupied ports",
];

/// Clauses that hold no event, in our own words.
pub(crate) const FILLER: &[&str] = &[
    "the talks ran late into the evening and covered fishing quotas",
    "traders in the port city shrugged off the news by the afternoon",
    "the figures were published in a short note on the ministry's website",
    "nobody at the embassy answered calls on the public holiday",
    "the currency slipped a little before recovering by the close",
    "a second round is pencilled in for the spring",
    "the committee will report back within six weeks",
    "several aid groups asked for a corridor to the coast",
];

/// Parts of a date phrase.
pub(crate) const DAYS: &[&str] = &[
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];
pub(crate) const MONTHS: &[&str] = &[
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
    "Jan.",
    "Feb.",
    "Sept.",
    "Oct.",
    "Nov.",
    "Dec.",
];

/// Everything a generator draws from.
#[derive(Debug, Clone)]
pub struct Vocabulary {
    /// Country names and their other names ("North Korea", "DPRK").
    pub countries: Vec<String>,
    /// Adjectives and demonyms ("Iranian").
    pub adjectives: Vec<String>,
    /// Capitals and seats used as metonyms ("Tehran").
    pub capitals: Vec<String>,
    /// Organisation surface forms ("UN Security Council", "Treasury").
    pub organisations: Vec<String>,
    /// People's names and their short forms ("Joe Biden", "Biden").
    pub people: Vec<String>,
    /// Office titles ("Foreign Minister").
    pub titles: Vec<String>,
    /// Company suffixes ("Ltd", "Co.").
    pub legal_suffixes: Vec<String>,
    /// News outlets ("Reuters").
    pub outlets: Vec<String>,
    /// Trigger phrases: the coder's rule table and [`EXTRA_TRIGGERS`].
    pub triggers: Vec<String>,
}

fn rows(tsv: &str) -> impl Iterator<Item = Vec<&str>> {
    tsv.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| l.split('\t').collect())
}

fn forms<'a>(cell: Option<&&'a str>) -> impl Iterator<Item = &'a str> {
    cell.copied()
        .unwrap_or_default()
        .split(';')
        .map(str::trim)
        .filter(|f| !f.is_empty())
}

fn owned<'a>(items: impl Iterator<Item = &'a str>) -> Vec<String> {
    let mut all: Vec<String> = items.map(str::to_owned).collect();
    all.dedup();
    all
}

impl Vocabulary {
    /// Reads the coder's data files and trigger table.
    pub fn load() -> Self {
        let country_rows: Vec<Vec<&str>> = rows(COUNTRIES).collect();
        let countries = owned(
            country_rows
                .iter()
                .flat_map(|r| forms(r.get(1)).chain(forms(r.get(2)))),
        );
        let adjectives = owned(country_rows.iter().flat_map(|r| forms(r.get(3))));
        let capitals = owned(country_rows.iter().flat_map(|r| forms(r.get(4))));
        let organisations =
            owned(rows(ORGANISATIONS).flat_map(|r| forms(r.first()).collect::<Vec<_>>()));
        let people = owned(
            rows(PEOPLE).flat_map(|r| forms(r.first()).chain(forms(r.get(1))).collect::<Vec<_>>()),
        );
        let list = |name: &str| {
            owned(
                rows(LEXICON)
                    .filter(|r| r.first() == Some(&name))
                    .flat_map(|r| forms(r.get(1)).collect::<Vec<_>>()),
            )
        };
        let mut triggers = Coder::trigger_phrases();
        triggers.extend(EXTRA_TRIGGERS.iter().map(|t| (*t).to_owned()));
        triggers.sort();
        triggers.dedup();
        let vocabulary = Self {
            countries,
            adjectives,
            capitals,
            organisations,
            people,
            titles: list("titles"),
            legal_suffixes: list("legal_suffixes"),
            outlets: list("outlets"),
            triggers,
        };
        for (name, words) in [
            ("countries", &vocabulary.countries),
            ("adjectives", &vocabulary.adjectives),
            ("capitals", &vocabulary.capitals),
            ("organisations", &vocabulary.organisations),
            ("people", &vocabulary.people),
            ("titles", &vocabulary.titles),
            ("legal_suffixes", &vocabulary.legal_suffixes),
            ("outlets", &vocabulary.outlets),
            ("triggers", &vocabulary.triggers),
        ] {
            assert!(!words.is_empty(), "the coder's data gave no {name}");
        }
        vocabulary
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_coders_data_files_give_every_word_list() {
        let v = Vocabulary::load();
        assert!(v.countries.iter().any(|c| c == "North Korea"));
        assert!(v.adjectives.iter().any(|c| c == "Iranian"));
        assert!(v.capitals.iter().any(|c| c == "Tehran"));
        assert!(v.people.iter().any(|c| c == "Biden"));
        assert!(v.titles.iter().any(|c| c == "Foreign Minister"));
        assert!(v.triggers.iter().any(|c| c == "accused"));
        assert!(
            v.triggers.len() > 100,
            "the rule table's phrases: {}",
            v.triggers.len()
        );
    }
}
