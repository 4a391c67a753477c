//! The gazetteer data files obey their documented formats: every row has its columns, codes
//! are well formed and refer to each other, no surface form resolves two ways, and no surface
//! form is a common English word or a frequent first name.

use std::collections::{BTreeMap, BTreeSet};

const COUNTRIES: &str = include_str!("../data/countries.tsv");
const ORGANIZATIONS: &str = include_str!("../data/organizations.tsv");
const PEOPLE: &str = include_str!("../data/people.tsv");
const LEXICON: &str = include_str!("../data/lexicon.tsv");

/// The region words the gazetteer adds in code (`gazetteer.rs`).
const REGION_WORDS: &[&str] = &[
    "Western", "European", "Arab", "Gulf", "Asian", "African", "foreign",
];

/// Words no surface form may be: common English words that are also names, frequent first
/// names, and surnames shared by several prominent people.
const FORBIDDEN_SURFACES: &[&str] = &[
    // Common English words.
    "May",
    "Price",
    "Hunt",
    "Bishop",
    "Cannon",
    "Champagne",
    "Moon",
    "Park",
    "Rice",
    "Bush",
    "Brown",
    "Young",
    "Power",
    "Wood",
    "Hope",
    "Grace",
    "Rose",
    "Faith",
    "Will",
    "Mark",
    "Bill",
    "Ban",
    "Chase",
    "Darling",
    "Cleverly",
    "Borne",
    "Male",
    "Miller",
    "Cooper",
    "Smith",
    "Long",
    "Little",
    "King",
    "Prince",
    "Lord",
    "Major",
    "General",
    // Frequent first names.
    "Kim",
    "Lee",
    "Li",
    "Wang",
    "Zhang",
    "Chen",
    "Liu",
    "Cho",
    "Choi",
    "Yoon",
    "John",
    "David",
    "Michael",
    "James",
    "Charles",
    "Michel",
    "Philippe",
    "Kerry",
    "Cameron",
    "Harper",
    "Anand",
    "Mohammed",
    "Mohamed",
    "Muhammad",
    "Ali",
    "Abdullah",
    "Salman",
    "Hamad",
    "Tamim",
    "Khalifa",
    "Victoria",
    "Sofia",
    "Santiago",
    "Maria",
    "Anna",
    "Elizabeth",
    "Donald",
    "Joe",
    "Vladimir",
    "Boris",
    // Surnames shared by several prominent people.
    "Johnson",
    "Clinton",
    "Khan",
    "Singh",
    "Sharif",
    "Zardari",
    "Castro",
    "Miliband",
    "Kirchner",
    "Fernandez",
    "Fernández",
    "Rodriguez",
    "Rodríguez",
    "Rasmussen",
    "Costa",
    "Hague",
    "Herzog",
    "Lieberman",
    "Kono",
    "Hayashi",
    "Okada",
];

struct Row<'a> {
    file: &'static str,
    line: usize,
    fields: Vec<&'a str>,
}

fn rows(file: &'static str, text: &'static str) -> Vec<Row<'static>> {
    text.lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty() && !line.starts_with('#'))
        .map(|(i, line)| Row {
            file,
            line: i + 1,
            fields: line.split('\t').collect(),
        })
        .collect()
}

fn list(field: &str) -> impl Iterator<Item = &str> {
    field.split(';').map(str::trim).filter(|s| !s.is_empty())
}

fn is_country_code(code: &str) -> bool {
    code.len() == 3 && code.chars().all(|c| c.is_ascii_uppercase())
}

fn is_igo_code(code: &str) -> bool {
    (2..=8).contains(&code.len())
        && code
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
}

fn country_codes() -> BTreeSet<&'static str> {
    rows("countries.tsv", COUNTRIES)
        .iter()
        .map(|row| row.fields[0])
        .collect()
}

fn igo_codes() -> BTreeSet<&'static str> {
    rows("organizations.tsv", ORGANIZATIONS)
        .iter()
        .filter(|row| row.fields.get(2) == Some(&"IGO"))
        .map(|row| row.fields[3])
        .collect()
}

/// Every surface form with what it resolves to, including the capitalised variant the
/// gazetteer adds for forms that start in lower case.
fn surfaces() -> BTreeMap<String, BTreeSet<String>> {
    let mut found: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut add = |surface: &str, resolution: String| {
        let mut forms = vec![surface.to_owned()];
        let mut chars = surface.chars();
        if let Some(first) = chars.next().filter(|c| c.is_lowercase()) {
            forms.push(first.to_uppercase().chain(chars).collect());
        }
        for form in forms {
            found.entry(form).or_default().insert(resolution.clone());
        }
    };
    for row in rows("countries.tsv", COUNTRIES) {
        let code = row.fields[0];
        add(row.fields[1], format!("state name {code}"));
        list(row.fields[2]).for_each(|s| add(s, format!("state name {code}")));
        list(row.fields[3]).for_each(|s| add(s, format!("state adjective {code}")));
        list(row.fields[4]).for_each(|s| add(s, format!("capital {code}")));
    }
    for region in REGION_WORDS {
        add(region, "region".to_owned());
    }
    for row in rows("organizations.tsv", ORGANIZATIONS) {
        list(row.fields[0]).for_each(|s| add(s, format!("organisation line {}", row.line)));
    }
    for row in rows("people.tsv", PEOPLE) {
        add(row.fields[0], format!("person line {}", row.line));
        list(row.fields[1]).for_each(|s| add(s, format!("person line {}", row.line)));
    }
    for row in rows("lexicon.tsv", LEXICON) {
        let resolution = match row.fields[0] {
            "titles" => "title",
            "outlets" => "outlet",
            _ => continue,
        };
        list(row.fields[1]).for_each(|s| add(s, resolution.to_owned()));
    }
    found
}

#[test]
fn every_row_has_its_columns_and_a_source() {
    let mut problems = Vec::new();
    let files = [
        ("countries.tsv", COUNTRIES, 6),
        ("organizations.tsv", ORGANIZATIONS, 7),
        ("people.tsv", PEOPLE, 6),
    ];
    for (file, text, columns) in files {
        for row in rows(file, text) {
            let at = format!("{}:{}", row.file, row.line);
            if row.fields.len() != columns {
                problems.push(format!("{at}: {} columns, not {columns}", row.fields.len()));
                continue;
            }
            if row.fields.last().is_none_or(|s| s.trim().is_empty()) {
                problems.push(format!("{at}: no source"));
            }
            if row.fields.iter().any(|f| f.trim() != *f) {
                problems.push(format!("{at}: a field has surrounding spaces"));
            }
        }
    }
    for row in rows("organizations.tsv", ORGANIZATIONS) {
        let at = format!("organizations.tsv:{}", row.line);
        if list(row.fields[0]).next().is_none() || row.fields[1].is_empty() {
            problems.push(format!("{at}: no surface form or canonical name"));
        }
        if !matches!(row.fields[2], "IGO" | "GOVERNMENT_BODY") {
            problems.push(format!("{at}: kind {}", row.fields[2]));
        }
        if !matches!(row.fields[4], "" | "GOV" | "MIL" | "JUD") {
            problems.push(format!("{at}: sector {}", row.fields[4]));
        }
        let cameo = row.fields[5];
        if cameo != "*" && !(cameo.len() >= 3 && cameo.chars().all(|c| c.is_ascii_uppercase())) {
            problems.push(format!("{at}: CAMEO code {cameo}"));
        }
    }
    for row in rows("people.tsv", PEOPLE) {
        let at = format!("people.tsv:{}", row.line);
        if row.fields[0].is_empty() || row.fields[3].is_empty() {
            problems.push(format!("{at}: no name or title"));
        }
        if !matches!(row.fields[4], "GOV" | "MIL" | "OPP") {
            problems.push(format!("{at}: sector {}", row.fields[4]));
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
}

#[test]
fn codes_are_well_formed_and_refer_to_listed_states_and_igos() {
    let countries = country_codes();
    let igos = igo_codes();
    let mut problems = Vec::new();
    let mut seen = BTreeSet::new();
    for row in rows("countries.tsv", COUNTRIES) {
        let code = row.fields[0];
        if !is_country_code(code) {
            problems.push(format!("countries.tsv:{}: code {code}", row.line));
        }
        if !seen.insert(code) {
            problems.push(format!("countries.tsv:{}: {code} listed twice", row.line));
        }
    }
    assert!(
        countries.len() >= 193 + 2,
        "every UN member and observer state"
    );
    for code in ["PSE", "VAT", "TWN", "XKX"] {
        assert!(countries.contains(code), "{code} is listed");
    }
    for code in &igos {
        if !is_igo_code(code) {
            problems.push(format!("IGO code {code}"));
        }
    }
    for row in rows("organizations.tsv", ORGANIZATIONS) {
        let country = row.fields[3];
        let ok = match country.strip_prefix('*') {
            Some("") => true,
            Some(default) => default
                .strip_prefix(':')
                .is_some_and(|code| countries.contains(code)),
            None => countries.contains(country) || igos.contains(country),
        };
        if !ok {
            problems.push(format!("organizations.tsv:{}: country {country}", row.line));
        }
    }
    for row in rows("people.tsv", PEOPLE) {
        let country = row.fields[2];
        if !(countries.contains(country) || igos.contains(country)) {
            problems.push(format!("people.tsv:{}: country {country}", row.line));
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
}

#[test]
fn no_surface_form_resolves_two_ways() {
    let clashes: Vec<String> = surfaces()
        .into_iter()
        .filter(|(_, resolutions)| resolutions.len() > 1)
        .map(|(surface, resolutions)| format!("{surface:?}: {resolutions:?}"))
        .collect();
    assert!(clashes.is_empty(), "{clashes:#?}");
}

#[test]
fn no_surface_form_is_a_common_word_or_first_name() {
    let surfaces = surfaces();
    let bad: Vec<&&str> = FORBIDDEN_SURFACES
        .iter()
        .filter(|word| surfaces.get(**word).is_some_and(|r| !r.contains("title")))
        .collect();
    assert!(bad.is_empty(), "{bad:?}");
}

#[test]
fn people_follow_the_stated_rule() {
    // The rule rows named in the header; a source outside them means the list grew by hand.
    const RULE_ROWS: &[&str] = &[
        "G20 head of state",
        "G20 head of government",
        "G20 foreign minister",
        "P5 foreign ministry spokesperson",
        "G20 foreign ministry spokesperson",
        "EU Commission President",
        "European Council President",
        "EU High Representative",
        "UN Secretary-General",
        "NATO Secretary-General",
        "US Treasury Secretary",
        "US Secretary of State",
        "US Commerce Secretary",
        "UK Foreign Secretary",
        "UK Chancellor of the Exchequer",
        "sanctions-news state head of state",
        "sanctions-news state head of government",
        "sanctions-news state foreign minister",
        "contested head of state recognised by G20 members",
    ];
    let mut problems = Vec::new();
    let mut names = BTreeSet::new();
    for row in rows("people.tsv", PEOPLE) {
        for source in list(row.fields[5]) {
            if !RULE_ROWS.contains(&source) {
                problems.push(format!("people.tsv:{}: source {source:?}", row.line));
            }
        }
        if !names.insert(row.fields[0]) {
            problems.push(format!(
                "people.tsv:{}: {} listed twice",
                row.line, row.fields[0]
            ));
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
}
