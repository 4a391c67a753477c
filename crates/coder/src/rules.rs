//! The trigger lexicon (`data/triggers.tsv`): which words open which event frame. Each rule
//! names the event type, its CAMEO code and how arguments are found around the trigger; its
//! patterns are written once per lemma and expanded here into every inflection.

use std::collections::HashMap;

use statecraft_types::EventType;

/// How a rule finds its arguments.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Shape {
    /// SOURCE trigger TARGET: the nearest actor before, the first actor after.
    Active,
    /// SOURCE trigger TARGET, TARGET and TARGET: every actor after, to the clause end.
    ActiveList,
    /// TARGET was sanctioned by SOURCE.
    Passive,
    /// "sanctions imposed by SOURCE on TARGET": the agent after the trigger, targets after it.
    ByAgent,
    /// "the new sanctions target X": the source is the sayer or the clause subject.
    Nominal,
    /// "summit between A and B".
    Between,
    /// "A-B summit".
    HyphenPair,
    /// SOURCE denied it: the target is whoever accused the source.
    Denial,
    /// SAYER said (that) X was covering up ...: an accusation by the sayer.
    ReportedWrongdoing,
    /// SOURCE declared TARGET a threat.
    Declare,
    /// SOURCE (a pair) signed a document, or SOURCE signed ... with TARGET.
    Signed,
    /// SOURCE recalled its ambassador to/from TARGET (a place may stand for its state).
    Recall,
    /// SOURCE's summit with TARGET.
    WithPossessor,
    /// "The brutal regime of X ...," SPEAKER said: a judgement inside a quotation.
    QuotedJudgement,
    /// TARGET will face sanctions (said by the speaker or sayer).
    Faces,
    /// SOURCE will do something unless TARGET ...: a conditional threat.
    Unless,
}

impl Shape {
    fn parse(name: &str) -> Option<Self> {
        Some(match name {
            "Active" => Shape::Active,
            "ActiveList" => Shape::ActiveList,
            "Passive" => Shape::Passive,
            "ByAgent" => Shape::ByAgent,
            "Nominal" => Shape::Nominal,
            "Between" => Shape::Between,
            "HyphenPair" => Shape::HyphenPair,
            "Denial" => Shape::Denial,
            "ReportedWrongdoing" => Shape::ReportedWrongdoing,
            "Declare" => Shape::Declare,
            "Signed" => Shape::Signed,
            "Recall" => Shape::Recall,
            "WithPossessor" => Shape::WithPossessor,
            "QuotedJudgement" => Shape::QuotedJudgement,
            "Faces" => Shape::Faces,
            "Unless" => Shape::Unless,
            _ => return None,
        })
    }
}

/// Words of which one must follow the trigger, within `within` bytes, for the rule to apply
/// ("sanctions" after "unveiled").
#[derive(Debug, Clone, Default)]
pub(crate) struct Requirement {
    pub(crate) words: Vec<String>,
    pub(crate) within: usize,
}

impl Requirement {
    /// Where the first required word starts in `after` (the text right after the trigger),
    /// when one does within reach.
    pub(crate) fn find(&self, after: &str) -> Option<usize> {
        let reach = crate::text::floor_boundary(after, self.within);
        self.words
            .iter()
            .filter_map(|w| after[..reach].find(w.as_str()))
            .min()
    }
}

/// One trigger rule.
#[derive(Debug, Clone)]
pub(crate) struct Rule {
    pub(crate) name: String,
    pub(crate) event_type: EventType,
    pub(crate) cameo: String,
    pub(crate) shape: Shape,
    /// Whether a generic group ("two tech firms") may stand as the target.
    pub(crate) generic_targets: bool,
    pub(crate) confidence: f64,
    /// Empty words for none.
    pub(crate) requires: Requirement,
}

const TRIGGERS: &str = include_str!("../data/triggers.tsv");

/// Every rule with its lower-case trigger phrases, in file order.
pub(crate) fn rules() -> Vec<(Rule, Vec<String>)> {
    parse(TRIGGERS).expect("the bundled trigger lexicon parses")
}

fn parse(source: &str) -> Result<Vec<(Rule, Vec<String>)>, String> {
    let mut lists: HashMap<&str, Vec<String>> = HashMap::new();
    let mut out = Vec::new();
    for (number, line) in source.lines().enumerate() {
        let line_no = number + 1;
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let fields: Vec<&str> = line.split('\t').collect();
        match fields[0] {
            "@list" if fields.len() == 3 => {
                let entries = fields[2].split(';').map(|w| w.trim().to_lowercase());
                lists.insert(fields[1], entries.filter(|w| !w.is_empty()).collect());
            }
            "rule" if fields.len() == 9 => {
                let error = |what: &str| format!("triggers.tsv line {line_no}: {what}");
                let event_type: EventType =
                    fields[2].parse().map_err(|_| error("unknown event type"))?;
                let shape = Shape::parse(fields[4]).ok_or_else(|| error("unknown shape"))?;
                let confidence: f64 = fields[5].parse().map_err(|_| error("bad confidence"))?;
                let requires = match fields[7] {
                    "-" => Requirement::default(),
                    spec => {
                        let (list, within) =
                            spec.split_once(':').ok_or_else(|| error("bad requires"))?;
                        Requirement {
                            words: lists
                                .get(list)
                                .cloned()
                                .ok_or_else(|| error("requires an unknown list"))?,
                            within: within.parse().map_err(|_| error("bad requires reach"))?,
                        }
                    }
                };
                let mut phrases = Vec::new();
                for pattern in fields[8]
                    .split(';')
                    .map(str::trim)
                    .filter(|p| !p.is_empty())
                {
                    phrases.extend(expand(pattern).map_err(|e| error(&e))?);
                }
                out.push((
                    Rule {
                        name: fields[1].to_owned(),
                        event_type,
                        cameo: fields[3].to_owned(),
                        shape,
                        generic_targets: fields[6] == "y",
                        confidence,
                        requires,
                    },
                    phrases,
                ));
            }
            _ => return Err(format!("triggers.tsv line {line_no}: not a rule or a list")),
        }
    }
    Ok(out)
}

/// Expands one pattern: alternatives `(a|b|)` and inflected verbs `~verb`.
pub(crate) fn expand(pattern: &str) -> Result<Vec<String>, String> {
    // Split into slots: each slot is a list of alternatives.
    let mut slots: Vec<Vec<String>> = Vec::new();
    let mut rest = pattern.trim();
    while !rest.is_empty() {
        if let Some(inner) = rest.strip_prefix('(') {
            let close = inner
                .find(')')
                .ok_or_else(|| format!("unclosed group in {pattern:?}"))?;
            slots.push(inner[..close].split('|').map(str::to_owned).collect());
            rest = inner[close + 1..].trim_start();
        } else {
            let end = rest.find([' ', '(']).unwrap_or(rest.len());
            slots.push(vec![rest[..end].to_owned()]);
            rest = rest[end..].trim_start();
        }
    }
    let mut phrases = vec![String::new()];
    for slot in slots {
        let mut next = Vec::new();
        for phrase in &phrases {
            for alternative in &slot {
                for form in inflect_words(alternative) {
                    let joined = match (phrase.is_empty(), form.is_empty()) {
                        (true, _) => form.clone(),
                        (false, true) => phrase.clone(),
                        (false, false) => format!("{phrase} {form}"),
                    };
                    next.push(joined);
                }
            }
        }
        phrases = next;
    }
    phrases.retain(|p| !p.is_empty());
    phrases.sort();
    phrases.dedup();
    Ok(phrases.into_iter().map(|p| p.to_lowercase()).collect())
}

/// The forms of a word sequence whose first word may be an inflected verb (`~cut off`).
fn inflect_words(words: &str) -> Vec<String> {
    let words = words.trim();
    let Some(verb_phrase) = words
        .strip_prefix('~')
        .filter(|v| v.starts_with(char::is_alphabetic))
    else {
        // A `~` inside a multi-word alternative ("(~cut off|~sever)") is handled by the
        // caller splitting alternatives; here the words stand as written.
        return vec![words.to_owned()];
    };
    let (verb, tail) = match verb_phrase.split_once(' ') {
        Some((verb, tail)) => (verb, Some(tail)),
        None => (verb_phrase, None),
    };
    verb_forms(verb)
        .into_iter()
        .map(|form| match tail {
            Some(tail) => format!("{form} {tail}"),
            None => form,
        })
        .collect()
}

/// Irregular verbs: lemma, past, past participle (when it differs), present participle
/// (when the spelling rules below would get it wrong).
const IRREGULAR: &[(&str, &str, &str)] = &[
    ("meet", "met", "met"),
    ("hold", "held", "held"),
    ("break", "broke", "broken"),
    ("freeze", "froze", "frozen"),
    ("cut", "cut", "cut"),
    ("put", "put", "put"),
    ("set", "set", "set"),
    ("shut", "shut", "shut"),
    ("hit", "hit", "hit"),
    ("withdraw", "withdrew", "withdrawn"),
    ("speak", "spoke", "spoken"),
    ("take", "took", "taken"),
    ("throw", "threw", "thrown"),
    ("strike", "struck", "struck"),
    ("make", "made", "made"),
    ("seek", "sought", "sought"),
    ("tell", "told", "told"),
    ("say", "said", "said"),
    ("send", "sent", "sent"),
    ("sit", "sat", "sat"),
    ("fly", "flew", "flown"),
    ("lay", "laid", "laid"),
    ("pay", "paid", "paid"),
    ("win", "won", "won"),
    ("draw", "drew", "drawn"),
    ("give", "gave", "given"),
    ("lead", "led", "led"),
    ("forbid", "forbade", "forbidden"),
    ("choose", "chose", "chosen"),
];

/// Verbs whose final consonant doubles (stress on the last syllable or one short syllable).
const DOUBLING: &[&str] = &[
    "slap", "ban", "bar", "plan", "stop", "slam", "expel", "rebut", "compel", "admit", "omit",
    "commit", "prefer", "refer", "propel", "nab", "grab", "snub", "drop", "ship", "step", "pin",
    "chat", "jab", "rap", "quit", "lob", "cut", "put", "set", "shut", "hit", "sit", "win",
];

/// Every form of an English verb: lemma, -s, -ed (and participle), -ing.
pub(crate) fn verb_forms(lemma: &str) -> Vec<String> {
    let mut forms = vec![lemma.to_owned()];
    let (third, ing, past): (String, String, Vec<String>) = {
        let irregular = IRREGULAR.iter().find(|(l, _, _)| *l == lemma);
        let doubles = DOUBLING.contains(&lemma);
        let stem_ing = if doubles {
            format!("{lemma}{}", &lemma[lemma.len() - 1..])
        } else if lemma.ends_with("ee") || lemma.ends_with("ye") || lemma.ends_with("oe") {
            lemma.to_owned()
        } else if let Some(stem) = lemma.strip_suffix("ie") {
            format!("{stem}y")
        } else if let Some(stem) = lemma.strip_suffix('e') {
            stem.to_owned()
        } else {
            lemma.to_owned()
        };
        let ing = format!("{stem_ing}ing");
        let consonant_y = lemma.ends_with('y')
            && !lemma
                .chars()
                .rev()
                .nth(1)
                .is_some_and(|c| "aeiou".contains(c));
        let third = if consonant_y {
            format!("{}ies", &lemma[..lemma.len() - 1])
        } else if ["s", "sh", "ch", "x", "z", "o"]
            .iter()
            .any(|s| lemma.ends_with(s))
        {
            format!("{lemma}es")
        } else {
            format!("{lemma}s")
        };
        let past = match irregular {
            Some((_, past, participle)) => vec![(*past).to_owned(), (*participle).to_owned()],
            None if consonant_y => vec![format!("{}ied", &lemma[..lemma.len() - 1])],
            None if lemma.ends_with('e') => vec![format!("{lemma}d")],
            None if doubles => vec![format!("{stem_ing}ed")],
            None => vec![format!("{lemma}ed")],
        };
        (third, ing, past)
    };
    forms.push(third);
    forms.push(ing);
    forms.extend(past);
    forms.sort();
    forms.dedup();
    forms
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verbs_inflect_by_spelling_rules_and_exceptions() {
        let forms = |v: &str| verb_forms(v).join(" ");
        assert_eq!(forms("impose"), "impose imposed imposes imposing");
        assert_eq!(forms("slap"), "slap slapped slapping slaps");
        assert_eq!(forms("deny"), "denied denies deny denying");
        assert_eq!(forms("delay"), "delay delayed delaying delays");
        assert_eq!(forms("meet"), "meet meeting meets met");
        assert_eq!(forms("freeze"), "freeze freezes freezing froze frozen");
        assert_eq!(forms("expel"), "expel expelled expelling expels");
        assert_eq!(forms("agree"), "agree agreed agreeing agrees");
        assert_eq!(forms("veto"), "veto vetoed vetoes vetoing");
        assert_eq!(
            forms("criticise"),
            "criticise criticised criticises criticising"
        );
        assert_eq!(forms("slash"), "slash slashed slashes slashing");
    }

    #[test]
    fn patterns_expand_alternatives_and_inflections() {
        let phrases = expand("~recall (its|their) (ambassador|envoys)").unwrap();
        assert!(phrases.contains(&"recalled its ambassador".to_owned()));
        assert!(phrases.contains(&"recalling their envoys".to_owned()));
        assert_eq!(phrases.len(), 4 * 2 * 2);
        let optional = expand("~cut (all|) ties with").unwrap();
        assert!(optional.contains(&"cut ties with".to_owned()));
        assert!(optional.contains(&"cutting all ties with".to_owned()));
        assert!(expand("(unclosed").is_err());
    }

    #[test]
    fn the_bundled_lexicon_parses_and_every_rule_has_triggers() {
        let rules = rules();
        assert!(rules.len() > 30);
        for (rule, phrases) in &rules {
            // These are reached only by reclassifying another rule's frame.
            assert!(
                !phrases.is_empty()
                    || ["demand.urge", "sanction.threaten.modal"].contains(&rule.name.as_str()),
                "{} has no trigger",
                rule.name
            );
            assert!(
                phrases
                    .iter()
                    .all(|p| p == &p.to_lowercase() && !p.contains("  "))
            );
        }
    }

    #[test]
    fn a_malformed_line_is_reported_with_its_number() {
        let error = parse("rule\tx\tNOT_A_TYPE\t1\tActive\t0.5\tn\t-\tfoo").unwrap_err();
        assert!(error.contains("line 1"), "{error}");
    }
}
