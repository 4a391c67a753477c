//! Event frames: find trigger phrases in a sentence and fill their arguments from the
//! sentence's mentions (active and passive voice, lists of targets, reported speech, denials,
//! "summit between A and B", negation and future).

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use statecraft_types::{Actor, ActorKind, EventType, Polarity};

use crate::context::DocContext;
use crate::mentions::{Mention, Role};
use crate::rules::{Rule, Shape, rules};

mod shapes;
use crate::text::ceil_boundary;

/// An event read from one sentence, before codes and dates are attached.
#[derive(Debug, Clone)]
pub(crate) struct Candidate {
    pub(crate) rule: usize,
    pub(crate) source: Actor,
    pub(crate) targets: Vec<Actor>,
    pub(crate) trigger_start: usize,
    pub(crate) polarity: Polarity,
    pub(crate) attribution: Option<Actor>,
    pub(crate) location: Option<String>,
    /// Every target is an unnamed group.
    pub(crate) generic_only: bool,
    /// An argument came from coreference.
    pub(crate) via_anaphor: bool,
    pub(crate) reason: Option<String>,
    /// Another rule that describes the event better ("urged X to stop" is a demand).
    pub(crate) rule_override: Option<&'static str>,
    /// Other sources joined to the first ("Russia and China suggested").
    pub(crate) co_sources: Vec<Actor>,
}

/// Quotations in a sentence and who is speaking them.
#[derive(Debug, Default)]
pub(crate) struct Quoting {
    /// Byte ranges of quoted text (a quote left open runs to the sentence end).
    pub(crate) spans: Vec<(usize, usize)>,
    /// The speaker named in the attribution ("..., Yellen added").
    pub(crate) speaker: Option<Mention>,
}

/// Verbs that turn an appeal into a demand: a call to stop or undo something.
#[rustfmt::skip]
const STOP_VERBS: &[&str] = &[
    "stop", "end", "cease", "halt", "release", "restore", "withdraw", "reverse", "abandon", "give", "free", "lift",
    "dismantle", "refrain", "immediately", "respect", "return",
];

/// The compiled trigger table.
pub(crate) struct Frames {
    automaton: AhoCorasick,
    /// The rules each pattern opens, tried in lexicon order.
    pattern_rules: Vec<Vec<usize>>,
    pub(crate) rules: Vec<Rule>,
}

const SAY_VERBS: &[&str] = &[
    " said",
    " says",
    " told",
    " claimed",
    " alleged",
    " stated",
    " insisted",
    " argued",
    " added",
    " announced",
    " declared",
    " reiterated",
    " stressed",
    " concluded",
    " maintained",
];
/// Phrases that end a list of targets.
#[rustfmt::skip]
const TARGET_CUTS: &[&str] = &[
    ", accusing", ", reuters", ", the ", " over ", " in response", " because", " after ", " which ", " who ",
    " said", " says", ", saying", " from ", " as part", " to punish", " in connection", ", according", " citing",
    " under ", " while ", " but ", " during ",
];
/// Phrases that start a new clause. A relative clause (", who", ", which") ends the clause
/// for targets but does not hide the subject before it from the verb after it.
#[rustfmt::skip]
const CLAUSE_BREAKS: &[&str] = &["; ", " but ", " while ", " although ", " whereas ", " because ", " despite "];
/// People who speak for the organisation named after them ("a manager at X").
#[rustfmt::skip]
const PERSON_NOUNS: &[&str] = &[
    "manager", "official", "officials", "spokesman", "spokeswoman", "spokesperson", "executive", "employee",
    "director", "head", "chief", "representative", "source", "sources", "lawyer", "member", "members",
];
/// Words after which "to PLACE" is a destination, not a recipient.
#[rustfmt::skip]
const MOTION_WORDS: &[&str] = &[
    "travel", "travels", "traveled", "travelled", "traveling", "travelling", "fly", "flies", "flew",
    "flying", "go", "goes", "went", "going", "come", "comes", "came", "coming", "return", "returns",
    "returned", "returning", "trip", "trips", "visit", "visits", "journey", "way", "arrived", "head",
    "heads", "headed", "heading", "moved", "move", "back", "next", "due", "ahead", "up", "close",
    "closer", "refugees", "flights", "flight", "route", "border", "road", "access", "entry",
    "migrants", "exile", "fled", "deported", "extradited", "transferred", "ambassador", "envoy",
    "embassy", "mission", "delegation", "according", "prior", "relation", "regard", "respect",
];
#[rustfmt::skip]
const RELATIVE_BREAKS: &[&str] = &[", which ", ", who "];
const DOCUMENT_NOUNS: &[&str] = &[
    "agreement",
    "document",
    "deal",
    "accord",
    "treaty",
    "declaration",
    "statement",
    "memorandum",
    "pact",
    "communique",
];
const NEGATIVE_JUDGEMENTS: &[&str] = &[
    "impossible",
    "false",
    "baseless",
    "groundless",
    "untrue",
    "absurd",
    "fabricated",
    "unfounded",
    "nonsense",
    "lies",
    "politically motivated",
    "ridiculous",
    "slander",
];

impl Frames {
    pub(crate) fn build() -> Self {
        let mut patterns: Vec<String> = Vec::new();
        let mut pattern_rules: Vec<Vec<usize>> = Vec::new();
        let mut by_phrase: std::collections::HashMap<String, usize> = Default::default();
        let mut compiled = Vec::new();
        for (index, (rule, phrases)) in rules().into_iter().enumerate() {
            for phrase in phrases {
                match by_phrase.get(&phrase) {
                    Some(&at) => pattern_rules[at].push(index),
                    None => {
                        by_phrase.insert(phrase.clone(), patterns.len());
                        patterns.push(phrase);
                        pattern_rules.push(vec![index]);
                    }
                }
            }
            compiled.push(rule);
        }
        let automaton = AhoCorasickBuilder::new()
            .match_kind(MatchKind::LeftmostLongest)
            .build(&patterns)
            .expect("trigger patterns build an automaton");
        Self {
            automaton,
            pattern_rules,
            rules: compiled,
        }
    }

    fn rule_named(&self, name: &str) -> Option<usize> {
        self.rules.iter().position(|r| r.name == name)
    }

    /// Reads the events of one sentence.
    pub(crate) fn read(
        &self,
        sentence: &str,
        mentions: &[Mention],
        context: &DocContext,
        quoting: &Quoting,
    ) -> Vec<Candidate> {
        let lower = sentence.to_ascii_lowercase();
        let found: Vec<(usize, usize, usize)> = self
            .automaton
            .find_iter(&lower)
            .filter(|m| {
                lower[..m.start()]
                    .chars()
                    .next_back()
                    .is_none_or(|c| !c.is_alphanumeric())
                    && lower[m.end()..]
                        .chars()
                        .next()
                        .is_none_or(|c| !c.is_alphanumeric())
            })
            .map(|m| (m.start(), m.end(), m.pattern().as_usize()))
            .collect();
        let mut out = Vec::new();
        // Triggers that govern a required noun ("impose" in "announced it would impose
        // sanctions"): a gapped verb before them does not reach past them.
        let governing: Vec<usize> = found
            .iter()
            .filter(|&&(_, _, pattern)| {
                self.pattern_rules[pattern]
                    .iter()
                    .any(|&r| !self.rules[r].requires.words.is_empty())
            })
            .map(|&(start, _, _)| start)
            .collect();
        for &(start, end, pattern) in &found {
            let next_trigger = governing.iter().copied().find(|&s| s > start);
            for &rule_index in &self.pattern_rules[pattern] {
                let rule = &self.rules[rule_index];
                if !rule.requires.words.is_empty() {
                    // The required noun must follow in reach, before the next trigger: the
                    // nearest verb governs it ("announced it would impose sanctions").
                    let Some(at) = rule.requires.find(&lower[end..]) else {
                        continue;
                    };
                    if next_trigger.is_some_and(|next| next < end + at) {
                        continue;
                    }
                }
                let frame = FrameInput {
                    sentence,
                    lower: &lower,
                    mentions,
                    trigger_start: start,
                    trigger_end: end,
                    rule,
                    quotes: &quoting.spans,
                    speaker: quoting.speaker.as_ref(),
                };
                let Some(mut candidate) = frame.fill(context) else {
                    continue;
                };
                // A measure held out under a condition or a verb of intent is a threat; one
                // announced for the future ("said it will impose") is an imposition.
                if rule.event_type == EventType::SanctionImpose && conditional(&lower, start) {
                    candidate.rule_override = Some("sanction.threaten.modal");
                    candidate.polarity = Polarity::Asserted;
                }
                candidate.rule = candidate
                    .rule_override
                    .and_then(|name| self.rule_named(name))
                    .unwrap_or(rule_index);
                let partners = std::mem::take(&mut candidate.co_sources);
                let twins: Vec<Candidate> = partners
                    .into_iter()
                    .map(|partner| Candidate {
                        source: partner,
                        ..candidate.clone()
                    })
                    .collect();
                out.push(candidate);
                out.extend(twins);
                break;
            }
        }
        out
    }
}

/// Words before a trigger that hold the act out rather than report it.
#[rustfmt::skip]
const CONDITIONAL: &[&str] = &[
    " could ", " may ", " might ", "ready to", "prepared to", "poised to", "threaten", "warned it",
    "warned that", "warns that", "consider", "weighing", "weigh ", "mulling", "not hesitate",
    " if ", "vowed to", "vows to", "propos", "draft", "unless", "should ", "would be ready",
    "possible", "potential", "seeking to", "seeks to", "pushing for", "threat of",
];

fn conditional(lower: &str, trigger_start: usize) -> bool {
    let window = &lower[ceil_boundary(lower, trigger_start.saturating_sub(45))..trigger_start];
    CONDITIONAL.iter().any(|w| {
        window.match_indices(w).any(|(at, _)| {
            // "in May 2018" is a month, not a modal.
            *w != " may " || !window[at + w.len()..].starts_with(|c: char| c.is_ascii_digit())
        })
    })
}

struct FrameInput<'a> {
    sentence: &'a str,
    lower: &'a str,
    mentions: &'a [Mention],
    trigger_start: usize,
    trigger_end: usize,
    rule: &'a Rule,
    quotes: &'a [(usize, usize)],
    speaker: Option<&'a Mention>,
}

fn usable_source(m: &Mention) -> bool {
    matches!(m.role, Role::Name | Role::Anaphor) && !m.actors.is_empty()
}

impl FrameInput<'_> {
    fn clause_start(&self, before: usize) -> usize {
        CLAUSE_BREAKS
            .iter()
            .filter_map(|b| self.lower[..before].rfind(b).map(|p| p + b.len()))
            .max()
            .unwrap_or(0)
    }

    fn clause_end(&self, after: usize) -> usize {
        CLAUSE_BREAKS
            .iter()
            .chain(RELATIVE_BREAKS)
            .filter_map(|b| self.lower[after..].find(b).map(|p| after + p))
            .min()
            .unwrap_or(self.lower.len())
    }

    /// The nearest usable mention ending before `pos` in the clause; mentions that are the
    /// object of a preposition ("of X", "by X") are passed over when another is available.
    fn source_before(&self, pos: usize) -> Option<&Mention> {
        let start = self.clause_start(pos);
        let candidates: Vec<&Mention> = self
            .mentions
            .iter()
            .filter(|m| m.start >= start && m.end <= pos && usable_source(m))
            .collect();
        let object_of_preposition = |m: &Mention| {
            let before = self.lower[..m.start].trim_end();
            // "a manager at X", "a spokesman for X": the person speaks for X.
            let proxy = ["at", "of", "for"].iter().any(|p| {
                before.strip_suffix(p).is_some_and(|head| {
                    let noun = head.trim_end().rsplit(' ').next().unwrap_or_default();
                    PERSON_NOUNS.contains(&noun)
                })
            });
            if proxy {
                return false;
            }
            ["of", "by", "on", "against", "with", "to", "for", "at"]
                .iter()
                .any(|p| before.ends_with(&format!(" {p}")))
        };
        candidates
            .iter()
            .rev()
            .find(|m| !object_of_preposition(m))
            .copied()
    }

    fn first_in_clause(&self, pos: usize) -> Option<&Mention> {
        let start = self.clause_start(pos);
        self.mentions
            .iter()
            .find(|m| m.start >= start && m.end <= pos && usable_source(m))
    }

    fn target_allowed(&self, m: &Mention) -> bool {
        match m.role {
            Role::Name | Role::Anaphor => !m.actors.is_empty(),
            Role::Generic => self.rule.generic_targets,
            // "condemned Russia's decision", "urged Iran's leaders": the possessor.
            Role::Possessive => {
                matches!(
                    self.rule.event_type,
                    EventType::Demand
                        | EventType::Condemn
                        | EventType::Praise
                        | EventType::Accuse
                        | EventType::ReduceRelations
                ) || self.rule.event_type.is_sanction()
            }
            // "an envoy to Paris"; "imports from Australia"; "an ultimatum to Quito".
            Role::Locative => {
                // "was suspended from the bloc", "a rebuke from Beijing": the agent.
                let suspended_from = self.rule.shape == Shape::Passive
                    && matches!(
                        self.rule.event_type,
                        EventType::ReduceRelations | EventType::Condemn
                    );
                self.rule.shape == Shape::Recall
                    || self.trade_rule()
                    || self.recipient(m)
                    || suspended_from
            }
            // "imports of Japanese seafood": the state whose goods are banned; "threatened
            // to shell Iraqi towns": the state whose people or places are threatened.
            Role::Modifier => {
                (self.trade_rule() || self.rule.event_type == EventType::Threaten)
                    && !m.actors.is_empty()
            }
        }
    }

    /// Whether a place after "to" receives what the frame's act sends: "delivered an
    /// ultimatum to Quito", "cut off gas to Moldova", "agreed to send troops to Liberia" (not
    /// "flew to Quito", where the place is a destination).
    fn recipient(&self, m: &Mention) -> bool {
        let recipient_frame = matches!(
            self.rule.event_type,
            EventType::Threaten | EventType::Demand | EventType::Condemn | EventType::Agree
        );
        let Some(head) = self.lower[..m.start].trim_end().strip_suffix(" to") else {
            return false;
        };
        let governor = head.rsplit(' ').next().unwrap_or_default();
        recipient_frame && !governor.is_empty() && !MOTION_WORDS.contains(&governor)
    }

    fn trade_rule(&self) -> bool {
        self.rule.name == "sanction.impose.trade"
    }

    /// Every subject coordinated with `m` ("Chad, Mali, Niger and Sudan cut ties"), `m`
    /// excluded, in text order.
    pub(crate) fn coordinated_subjects(&self, m: &Mention) -> Vec<&Mention> {
        let mut out = Vec::new();
        let mut current = m;
        loop {
            let previous = self.mentions.iter().rev().find(|p| {
                p.end <= current.start && usable_source(p) && {
                    let gap = self.sentence[p.end..current.start].trim();
                    matches!(
                        gap,
                        "," | ", and" | "and" | ", the" | ", and the" | "and the"
                    )
                }
            });
            match previous {
                Some(p) if out.len() < 8 => {
                    out.push(p);
                    current = p;
                }
                _ => break,
            }
        }
        out.reverse();
        out
    }

    /// Targets after `from` up to `until`, stopping at a cut phrase; at most `max`.
    fn targets_after(
        &self,
        from: usize,
        until: usize,
        max: usize,
        source: Option<&Actor>,
    ) -> Vec<&Mention> {
        if from >= until {
            return Vec::new();
        }
        let window = &self.lower[from..until];
        // "welcomed the decision and called on X": a coordinated verb starts a new frame.
        let coordinated_verb = window.match_indices(" and ").find_map(|(at, _)| {
            let next = window[at + 5..].split(' ').next().unwrap_or_default();
            let verb = next.ends_with("ed") && next.len() > 4
                || matches!(next, "said" | "told" | "urged" | "called" | "met");
            verb.then_some(from + at)
        });
        // "sanctions on X for supporting Y": a reason clause, not more targets; but "an embargo
        // for Vietnam" names the target.
        let reason_clause = window.match_indices(" for ").find_map(|(at, _)| {
            let next = window[at + 5..].split(' ').next().unwrap_or_default();
            let reason = next.ends_with("ing")
                || matches!(
                    next,
                    "its"
                        | "their"
                        | "his"
                        | "her"
                        | "alleged"
                        | "allegedly"
                        | "what"
                        | "the"
                        | "a"
                        | "an"
                );
            reason.then_some(from + at)
        });
        // "imports of timber from Australia": for a trade ban, the origin is the target.
        let trade = self.trade_rule();
        let cut = TARGET_CUTS
            .iter()
            .filter(|c| !(trade && **c == " from "))
            .filter_map(|c| window.find(c).map(|p| from + p))
            .chain(coordinated_verb)
            .chain(reason_clause)
            .min()
            .unwrap_or(until);
        let mut targets: Vec<&Mention> = Vec::new();
        for mention in self
            .mentions
            .iter()
            .filter(|m| m.start >= from && m.end <= cut && self.target_allowed(m))
        {
            if source.is_some_and(|source| mention.actors.iter().all(|a| a.same_entity(source))) {
                continue;
            }
            // "two members of Myanmar's military": the group is the target, not what it is
            // part of.
            let part_of_previous = targets.last().is_some_and(|t| t.role == Role::Generic)
                && self.lower[..mention.start].trim_end().ends_with(" of");
            if part_of_previous {
                continue;
            }
            targets.push(mention);
            if targets.len() >= max {
                break;
            }
        }
        targets
    }

    fn say_verb_before(&self, pos: usize) -> Option<usize> {
        SAY_VERBS
            .iter()
            .filter_map(|v| {
                let at = self.lower[..pos].rfind(v)?;
                let follows = &self.lower[at + v.len()..];
                follows
                    .chars()
                    .next()
                    .is_none_or(|c| !c.is_alphanumeric())
                    .then_some(at)
            })
            .max()
    }

    fn say_verb_after(&self, pos: usize) -> Option<usize> {
        SAY_VERBS
            .iter()
            .filter_map(|v| self.lower[pos..].find(v).map(|p| pos + p))
            .min()
    }

    fn polarity(&self) -> Polarity {
        let window = &self.lower
            [ceil_boundary(self.lower, self.trigger_start.saturating_sub(30))..self.trigger_start];
        if [
            " not ",
            "n't ",
            " never ",
            "refused to",
            "declined to",
            "failed to",
            " no ",
        ]
        .iter()
        .any(|w| window.contains(w))
        {
            return Polarity::Denied;
        }
        if matches!(
            self.rule.event_type,
            EventType::SanctionThreaten | EventType::Threaten | EventType::Deny
        ) {
            return Polarity::Asserted;
        }
        let trigger = &self.lower[self.trigger_start..self.trigger_end];
        let future_words = [
            " will ",
            " would ",
            "plans to",
            "plan to",
            "is set to",
            "are set to",
            "expected to",
            " could ",
            " may ",
            " might ",
            " to be ",
            "prepared to",
            "ready to",
            "intends to",
            "would like to",
        ];
        if trigger.starts_with("will ")
            || future_words.iter().any(|w| window.contains(w))
            || self.lower[..self.trigger_start].contains(" if ")
        {
            return Polarity::Future;
        }
        Polarity::Asserted
    }

    fn candidate(&self, source: &Mention, targets: Vec<&Mention>) -> Candidate {
        let mut via_anaphor = source.role == Role::Anaphor;
        let generic_only = !targets.is_empty()
            && targets
                .iter()
                .flat_map(|t| t.actors.iter())
                .all(|a| a.kind == ActorKind::Group && a.country.is_none());
        let mut target_actors = Vec::new();
        for target in targets {
            via_anaphor |= target.role == Role::Anaphor;
            for actor in &target.actors {
                if !target_actors.iter().any(|a: &Actor| a.same_entity(actor)) {
                    target_actors.push(actor.clone());
                }
            }
        }
        let source_actor = source.actors[0].clone();
        target_actors.retain(|a| !a.same_entity(&source_actor));
        Candidate {
            rule: 0,
            source: source_actor,
            targets: target_actors,
            trigger_start: self.trigger_start,
            polarity: self.polarity(),
            attribution: None,
            location: None,
            generic_only,
            via_anaphor,
            reason: self.reason(),
            rule_override: None,
            co_sources: Vec::new(),
        }
    }

    /// The quotation the trigger stands in, if any.
    fn quote_around(&self, pos: usize) -> Option<(usize, usize)> {
        self.quotes
            .iter()
            .copied()
            .find(|(start, end)| *start <= pos && pos < *end)
    }

    /// The speaker for a trigger inside a quotation, when the sentence names one.
    fn quoted_speaker(&self) -> Option<&Mention> {
        self.quote_around(self.trigger_start)?;
        self.speaker.filter(|s| !s.actors.is_empty())
    }

    /// "A and B met": the mention joined to `m` by "and" just before it.
    fn coordinated_partner(&self, m: &Mention) -> Option<&Mention> {
        let joins = |gap: &str| {
            matches!(
                gap.trim(),
                "and" | "and his" | "and her" | "and its" | "and their" | "and the"
            )
        };
        // The partner after ("A and his counterpart B held talks", A being the mention).
        let after = self.mentions.iter().find(|p| {
            p.start >= m.end && usable_source(p) && joins(&self.sentence[m.end..p.start])
        });
        let before = |m: &Mention| {
            self.mentions.iter().rev().find(|p| {
                p.end <= m.start && usable_source(p) && joins(&self.sentence[p.end..m.start])
            })
        };
        // "A and his Chinese counterpart Wang Yi": the title before the name is the same
        // person, and A is joined to it.
        let titled = || {
            let title =
                self.mentions.iter().rev().find(|p| {
                    p.end <= m.start && self.sentence[p.end..m.start].trim().is_empty()
                })?;
            before(title)
        };
        before(m).or(after).or_else(titled)
    }

    /// "accusing them of X", "for X", "over X", "in response to X": the stated reason.
    fn reason(&self) -> Option<String> {
        if !self.rule.event_type.is_sanction() && self.rule.event_type != EventType::Accuse {
            return None;
        }
        let tail = &self.sentence[self.trigger_end..];
        let lower_tail = &self.lower[self.trigger_end..];
        let marker = [" of ", " for ", " over ", " in response to "]
            .iter()
            .filter_map(|m| lower_tail.find(m).map(|p| (p, m.len())))
            .min()?;
        let rest = &tail[marker.0 + marker.1..];
        let end = rest.find([',', '.', ';', '"', '“']).unwrap_or(rest.len());
        let reason = rest[..end].trim();
        let starts_with_verb = reason.split(' ').next().is_some_and(|w| w.ends_with("ing"));
        (starts_with_verb && reason.len() > 5 && reason.len() < 160).then(|| reason.to_owned())
    }

    fn attribution(&self, source: &Mention) -> Option<Actor> {
        let say = self.say_verb_before(source.start)?;
        let sayer = self.source_before(say)?;
        let actor = sayer.actors.first()?;
        (!actor.same_entity(&source.actors[0])).then(|| actor.clone())
    }

    /// A place after the trigger: a known state or capital after "in", else a capitalised
    /// name after "in" ("in Sochi") that is not a month or weekday.
    fn location_after(&self, from: usize, until: usize) -> Option<String> {
        let known = self
            .mentions
            .iter()
            .find(|m| m.start >= from && m.end <= until && m.role == Role::Locative)
            .map(|m| m.actors[0].mention.clone());
        known.or_else(|| {
            let window = &self.sentence[from..until];
            window.match_indices(" in ").find_map(|(at, _)| {
                let name: String = window[at + 4..]
                    .split(|c: char| !c.is_alphabetic())
                    .next()
                    .filter(|w| w.chars().next().is_some_and(char::is_uppercase))?
                    .to_owned();
                let calendar = chrono_words().contains(&name.as_str());
                (!calendar && name.len() > 2).then_some(name)
            })
        })
    }
}

fn chrono_words() -> &'static [&'static str] {
    &[
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
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
        "Saturday",
        "Sunday",
        "The",
        "This",
        "That",
    ]
}
