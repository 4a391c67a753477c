//! Event frames: find trigger phrases in a sentence and fill their arguments from the
//! sentence's mentions (active and passive voice, lists of targets, reported speech, denials,
//! "summit between A and B", negation and future).

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use statecraft_types::{Actor, ActorKind, EventType, Polarity};

use crate::context::DocContext;
use crate::mentions::{Mention, Role};
use crate::rules::{Rule, Shape, rules};
use crate::text::{ceil_boundary, floor_boundary};

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
    /// A second source joined to the first by "and" ("Russia and China suggested").
    pub(crate) co_source: Option<Actor>,
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
    pattern_rule: Vec<usize>,
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
#[rustfmt::skip]
const RELATIVE_BREAKS: &[&str] = &[", which ", ", who "];
const THREAT_NOUNS: &[&str] = &[
    "threat",
    "enemy",
    "danger",
    "menace",
    "rogue",
    "terrorist",
    "pariah",
    "terrible",
    "criminal",
];
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
        let mut patterns = Vec::new();
        let mut pattern_rule = Vec::new();
        let mut compiled = Vec::new();
        for (index, (rule, phrases)) in rules().into_iter().enumerate() {
            for phrase in phrases {
                patterns.push(phrase);
                pattern_rule.push(index);
            }
            compiled.push(rule);
        }
        let automaton = AhoCorasickBuilder::new()
            .match_kind(MatchKind::LeftmostLongest)
            .build(&patterns)
            .expect("trigger patterns build an automaton");
        Self {
            automaton,
            pattern_rule,
            rules: compiled,
        }
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
        let mut out = Vec::new();
        for found in self.automaton.find_iter(&lower) {
            let (start, end) = (found.start(), found.end());
            let bounded = lower[..start]
                .chars()
                .next_back()
                .is_none_or(|c| !c.is_alphanumeric())
                && lower[end..]
                    .chars()
                    .next()
                    .is_none_or(|c| !c.is_alphanumeric());
            if !bounded {
                continue;
            }
            let rule_index = self.pattern_rule[found.pattern().as_usize()];
            let rule = &self.rules[rule_index];
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
            if let Some(mut candidate) = frame.fill(context) {
                candidate.rule = candidate
                    .rule_override
                    .and_then(|name| self.rules.iter().position(|r| r.name == name))
                    .unwrap_or(rule_index);
                if let Some(partner) = candidate.co_source.take() {
                    let mut twin = candidate.clone();
                    twin.source = partner;
                    out.push(candidate);
                    out.push(twin);
                } else {
                    out.push(candidate);
                }
            }
        }
        out
    }
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
            Role::Possessive => {
                self.rule.event_type == EventType::Demand || self.rule.event_type.is_sanction()
            }
            Role::Locative => self.rule.shape == Shape::Recall,
            Role::Modifier => false,
        }
    }

    /// Targets after `from` up to `until`, stopping at a cut phrase; at most `max`.
    fn targets_after(
        &self,
        from: usize,
        until: usize,
        max: usize,
        source: &Actor,
    ) -> Vec<&Mention> {
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
        let cut = TARGET_CUTS
            .iter()
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
            if mention.actors.iter().all(|a| a.same_entity(source)) {
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
            co_source: None,
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
        self.mentions.iter().rev().find(|p| {
            p.end <= m.start && usable_source(p) && self.sentence[p.end..m.start].trim() == "and"
        })
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

    fn fill(&self, context: &DocContext) -> Option<Candidate> {
        let rule = self.rule;
        if !rule.requires.is_empty() {
            let clause = &self.lower[self.trigger_end..self.clause_end(self.trigger_end)];
            if !rule.requires.iter().any(|w| clause.contains(w)) {
                return None;
            }
        }
        // A gerund after "before"/"after" has no subject of its own.
        let before_word = self.lower[..self.trigger_start]
            .trim_end()
            .rsplit(' ')
            .next()
            .unwrap_or_default();
        if matches!(before_word, "before" | "after" | "without") {
            return None;
        }
        // "to decide whether to lift the sanctions": a question, not an event.
        let before = &self.lower[crate::text::ceil_boundary(
            self.lower,
            self.trigger_start.saturating_sub(40),
        )..self.trigger_start];
        if before.contains("whether to") || before.contains("whether or not to") {
            return None;
        }
        // A quoted clause ends where the quotation does.
        let clause_end = match self.quote_around(self.trigger_start) {
            Some((_, quote_end)) => self.clause_end(self.trigger_end).min(quote_end),
            None => self.clause_end(self.trigger_end),
        };
        match rule.shape {
            Shape::Active | Shape::ActiveList => {
                let head = self.lower[..self.trigger_start].trim_end();
                let participle = head.ends_with(',')
                    && self.lower[self.trigger_start..self.trigger_end].ends_with("ing");
                // "X claimed ... and accused it": the coordinated verb shares X as subject.
                let coordinated = head.ends_with(" and");
                let found = if participle || coordinated {
                    self.first_in_clause(self.trigger_start)
                } else {
                    self.source_before(self.trigger_start)
                };
                // Inside a quotation, a subject outside it is not the subject of the quoted
                // clause: the speaker is ("'We will act,' Yellen said").
                let source = match (
                    found,
                    self.quoted_speaker(),
                    self.quote_around(self.trigger_start),
                ) {
                    (Some(s), Some(speaker), Some((quote_start, _))) if s.start < quote_start => {
                        speaker
                    }
                    (Some(s), _, _) => s,
                    (None, Some(speaker), _) => speaker,
                    (None, None, _) => return None,
                };
                if rule.name == "sanction.impose.designate" && !self.tight(source) {
                    return None;
                }
                if matches!(before_word, "was" | "were" | "been" | "being" | "be") {
                    return None;
                }
                let max = if rule.shape == Shape::ActiveList {
                    64
                } else {
                    1
                };
                let targets =
                    self.targets_after(self.trigger_end, clause_end, max, &source.actors[0]);
                // "lifted the embargo": the targets of the sanctions named before.
                let clause = &self.lower[self.trigger_end..clause_end];
                let anaphoric_sanctions = rule.event_type.is_sanction()
                    && [
                        "the embargo",
                        "the sanctions",
                        "those sanctions",
                        "these sanctions",
                        "the measures",
                    ]
                    .iter()
                    .any(|w| {
                        clause.starts_with(&format!(" {w}"))
                            || clause.starts_with(&format!(" partially {w}"))
                    });
                if targets.is_empty()
                    && anaphoric_sanctions
                    && !context.last_sanction_targets().is_empty()
                {
                    let mut candidate = self.candidate(source, Vec::new());
                    candidate.targets = context.last_sanction_targets().to_vec();
                    candidate.via_anaphor = true;
                    return Some(candidate);
                }
                if targets.is_empty()
                    && matches!(
                        rule.event_type,
                        EventType::SanctionThreaten | EventType::Threaten
                    )
                {
                    // "X must stop, or we will not hesitate to act": the threat is addressed
                    // to the party named earlier in the clause or quotation.
                    let scope_start = self
                        .quote_around(self.trigger_start)
                        .map_or_else(|| self.clause_start(self.trigger_start), |(s, _)| s);
                    let addressee = self.mentions.iter().find(|m| {
                        m.start >= scope_start
                            && m.end <= self.trigger_start
                            && usable_source(m)
                            && !m.actors.iter().any(|a| a.same_entity(&source.actors[0]))
                    });
                    if let Some(addressee) = addressee {
                        return Some(self.candidate(source, vec![addressee]));
                    }
                }
                if targets.is_empty() {
                    // "A and B met in June": an intransitive meeting of coordinated subjects.
                    let partner = self
                        .coordinated_partner(source)
                        .filter(|_| rule.event_type == EventType::Meet)?;
                    return Some(self.candidate(partner, vec![source]));
                }
                let reach = if rule.event_type == EventType::SanctionThreaten {
                    110
                } else {
                    60
                };
                if rule.shape == Shape::Active && targets[0].start > self.trigger_end + reach {
                    return None;
                }
                if rule.name == "sanction.impose.designate"
                    && targets[0].start > self.trigger_end + 25
                {
                    return None;
                }
                let last_target_end = targets.last().map_or(self.trigger_end, |t| t.end);
                let mut candidate = self.candidate(source, targets);
                candidate.co_source = self
                    .coordinated_partner(source)
                    .map(|p| p.actors[0].clone())
                    .filter(|p| !candidate.targets.iter().any(|t| t.same_entity(p)));
                if rule.event_type == EventType::Appeal {
                    let after = &self.lower[last_target_end
                        ..crate::text::floor_boundary(self.lower, last_target_end + 40)];
                    let demanded = after
                        .strip_prefix(" to ")
                        .and_then(|rest| rest.split(' ').next())
                        .is_some_and(|verb| STOP_VERBS.contains(&verb));
                    if demanded {
                        candidate.rule_override = Some("demand.urge");
                    }
                }
                candidate.attribution = self.attribution(source);
                if candidate.attribution.is_some() && candidate.polarity == Polarity::Asserted {
                    candidate.polarity = Polarity::ReportedClaim;
                }
                Some(candidate)
            }
            Shape::Passive => {
                let target = self.source_before(self.trigger_start)?;
                let source = self
                    .targets_after(self.trigger_end, clause_end, 1, &target.actors[0])
                    .into_iter()
                    .next()?;
                Some(self.candidate(source, vec![target]))
            }
            Shape::Nominal => {
                let (source, targets_end) = match self.say_verb_before(self.trigger_start) {
                    Some(say) => (self.source_before(say)?, clause_end),
                    None => match self.say_verb_after(self.trigger_end) {
                        Some(say) => {
                            let sayer = self.source_before(say)?;
                            (sayer, sayer.start)
                        }
                        None => (self.source_before(self.trigger_start)?, clause_end),
                    },
                };
                let targets = self.targets_after(
                    self.trigger_end,
                    targets_end.max(self.trigger_end),
                    64,
                    &source.actors[0],
                );
                (!targets.is_empty()).then(|| self.candidate(source, targets))
            }
            Shape::Between => {
                let first = self
                    .targets_after(self.trigger_end, clause_end, 1, &dummy_actor())
                    .into_iter()
                    .next()?;
                let and = self.lower[first.end..]
                    .find(" and ")
                    .map(|p| first.end + p + 5)?;
                let second = self
                    .mentions
                    .iter()
                    .find(|m| m.start >= and && m.start <= and + 40 && usable_source(m))?;
                let mut candidate = self.candidate(first, vec![second]);
                candidate.location = self.location_after(second.end, clause_end);
                Some(candidate)
            }
            Shape::HyphenPair => {
                let second = self
                    .mentions
                    .iter()
                    .find(|m| m.end + 1 == self.trigger_start && usable_source(m))?;
                let first = self.mentions.iter().find(|m| {
                    m.end + 1 == second.start
                        && usable_source(m)
                        && &self.sentence[m.end..second.start] == "-"
                })?;
                let mut candidate = self.candidate(first, vec![second]);
                candidate.location = self.location_after(self.trigger_end, clause_end);
                Some(candidate)
            }
            Shape::Denial => {
                let trigger = &self.lower[self.trigger_start..self.trigger_end];
                if trigger.ends_with(" were") || trigger.ends_with(" was") {
                    let after = &self.lower
                        [self.trigger_end..floor_boundary(self.lower, self.trigger_end + 40)];
                    if !NEGATIVE_JUDGEMENTS.iter().any(|w| after.contains(w)) {
                        return None;
                    }
                }
                if matches!(before_word, "was" | "were" | "been" | "being") {
                    return None;
                }
                let source = self.source_before(self.trigger_start)?;
                let accuser = context.last_accuser_of(&source.actors[0]);
                let mut candidate = self.candidate(source, Vec::new());
                candidate.targets = accuser.into_iter().collect();
                candidate.via_anaphor = true;
                Some(candidate)
            }
            Shape::ReportedWrongdoing => {
                let say = self.say_verb_before(self.trigger_start)?;
                let between = &self.lower[say..self.trigger_start];
                if between.contains("accus") {
                    return None;
                }
                let sayer = self.source_before(say)?;
                let wrongdoer =
                    self.mentions.iter().rev().find(|m| {
                        m.start > say && m.end <= self.trigger_start && usable_source(m)
                    })?;
                if wrongdoer.actors[0].same_entity(&sayer.actors[0]) {
                    return None;
                }
                Some(self.candidate(sayer, vec![wrongdoer]))
            }
            Shape::Declare => {
                let source = self.source_before(self.trigger_start)?;
                let target = self
                    .targets_after(self.trigger_end, clause_end, 1, &source.actors[0])
                    .into_iter()
                    .next()?;
                if target.start > self.trigger_end + 2 {
                    return None;
                }
                let window = &self.lower[target.end..floor_boundary(self.lower, target.end + 60)];
                if !THREAT_NOUNS.iter().any(|w| window.contains(w)) {
                    return None;
                }
                Some(self.candidate(source, vec![target]))
            }
            Shape::Signed => {
                let window = &self.lower
                    [self.trigger_end..floor_boundary(self.lower, self.trigger_end + 40)];
                if !DOCUMENT_NOUNS.iter().any(|w| window.contains(w)) {
                    return None;
                }
                let source = self.source_before(self.trigger_start)?;
                if source.actors.len() >= 2 {
                    let pair = Mention {
                        start: source.start,
                        end: source.end,
                        actors: vec![source.actors[0].clone()],
                        role: source.role,
                    };
                    let other = Mention {
                        actors: source.actors[1..].to_vec(),
                        ..pair
                    };
                    return Some(self.candidate(&pair, vec![&other]));
                }
                let with =
                    self.lower[self.trigger_end..clause_end].find(" with ")? + self.trigger_end;
                let target = self
                    .targets_after(with, clause_end, 1, &source.actors[0])
                    .into_iter()
                    .next()?;
                Some(self.candidate(source, vec![target]))
            }
            Shape::WithPossessor => {
                let source = self.mentions.iter().find(|m| {
                    m.end <= self.trigger_start
                        && !m.actors.is_empty()
                        && matches!(m.role, Role::Name | Role::Possessive)
                        && matches!(
                            self.sentence[m.end..self.trigger_start].trim(),
                            "" | "'s" | "’s"
                        )
                })?;
                let target = self
                    .targets_after(self.trigger_end, clause_end, 1, &source.actors[0])
                    .into_iter()
                    .next()?;
                if target.start > self.trigger_end + 40 {
                    return None;
                }
                Some(self.candidate(source, vec![target]))
            }
            Shape::QuotedJudgement => {
                let speaker = self.quoted_speaker()?;
                let (quote_start, quote_end) = self.quote_around(self.trigger_start)?;
                let target = self.mentions.iter().find(|m| {
                    m.start >= quote_start
                        && m.end <= quote_end
                        && !m.actors.is_empty()
                        && matches!(
                            m.role,
                            Role::Name | Role::Possessive | Role::Anaphor | Role::Locative
                        )
                        && !m.actors.iter().any(|a| a.same_entity(&speaker.actors[0]))
                })?;
                Some(self.candidate(speaker, vec![target]))
            }
            Shape::Faces => {
                // The one who faces the consequences stands before the verb; the one who
                // threatens is the speaker or the sayer of the sentence.
                let target = self.source_before(self.trigger_start)?;
                let threatener = match self.quoted_speaker() {
                    Some(speaker) => speaker,
                    None => self.source_before(self.say_verb_after(self.trigger_end)?)?,
                };
                if target
                    .actors
                    .iter()
                    .any(|a| a.same_entity(&threatener.actors[0]))
                {
                    return None;
                }
                Some(self.candidate(threatener, vec![target]))
            }
            Shape::Recall => {
                let source = self.source_before(self.trigger_start)?;
                let target = self
                    .targets_after(self.trigger_end, clause_end, 1, &source.actors[0])
                    .into_iter()
                    .next()?;
                Some(self.candidate(source, vec![target]))
            }
        }
    }

    /// The bare-verb sanction triggers ("Treasury designated X") need the source right
    /// before the verb.
    fn tight(&self, source: &Mention) -> bool {
        if source.end > self.trigger_start {
            // A quotation's speaker named after the verb.
            return false;
        }
        let gap = &self.lower[source.end..self.trigger_start];
        // A verb use is followed by its object: a determiner, a number or a name
        // ("Treasury sanctions Iranian officials"), not a noun ("sanctions policy").
        let next = self.sentence[self.trigger_end..]
            .split_whitespace()
            .next()
            .unwrap_or_default();
        let object_follows = next
            .chars()
            .next()
            .is_some_and(|c| c.is_uppercase() || c.is_ascii_digit())
            || matches!(
                next,
                "the"
                    | "a"
                    | "an"
                    | "two"
                    | "three"
                    | "four"
                    | "five"
                    | "several"
                    | "its"
                    | "their"
                    | "his"
                    | "her"
            );
        gap.split_whitespace().count() <= 2 && !gap.contains([',', '.']) && object_follows
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

fn dummy_actor() -> Actor {
    Actor {
        name: String::new(),
        mention: String::new(),
        kind: ActorKind::Group,
        country: None,
        sector: None,
        title: None,
        cameo_code: String::new(),
    }
}
