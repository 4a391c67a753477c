//! Argument filling per rule shape: where the source and targets of each kind of frame are
//! found around its trigger.

use statecraft_types::{EventType, Polarity};

use super::{
    Candidate, DOCUMENT_NOUNS, FrameInput, NEGATIVE_JUDGEMENTS, STOP_VERBS, usable_source,
};
use crate::context::DocContext;
use crate::mentions::{Mention, Role};
use crate::rules::Shape;
use crate::text::floor_boundary;

/// Nouns for an act whose author a judgement is aimed at.
#[rustfmt::skip]
const ACT_NOUNS: &[&str] = &[
    "decision", "move", "sanctions", "measures", "step", "steps", "action", "actions", "resolution",
    "vote", "ban", "veto", "announcement", "visit", "expulsion", "expulsions", "designation",
    "designations", "suspension", "decisions", "restrictions", "statement", "remarks", "deal",
    "agreement", "listing",
];

impl FrameInput<'_> {
    pub(super) fn fill(&self, context: &DocContext) -> Option<Candidate> {
        let rule = self.rule;
        if !rule.requires.words.is_empty() {
            let clause = &self.lower[self.trigger_end..self.clause_end(self.trigger_end)];
            rule.requires.find(clause)?;
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
        // "warned that ...", "welcomed that ...": the verb's object is a clause, whose actors
        // are not its targets (a demand's "demanded that X stop" names its addressee there).
        let complement = self.lower[self.trigger_end..].starts_with(" that ");
        if complement
            && matches!(rule.shape, Shape::Active | Shape::ActiveList)
            && !matches!(rule.event_type, EventType::Demand | EventType::Accuse)
            && (rule.event_type != EventType::Appeal
                || self.lower[self.trigger_start..].starts_with("warn"))
            && !rule.event_type.is_sanction()
        {
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
                // "was sanctioned" is passive; "was barring" is not.
                let progressive = self.lower[self.trigger_start..self.trigger_end]
                    .split(' ')
                    .next()
                    .is_some_and(|w| w.ends_with("ing"));
                if !progressive && matches!(before_word, "was" | "were" | "been" | "being" | "be") {
                    return None;
                }
                let max = if rule.shape == Shape::ActiveList {
                    64
                } else {
                    1
                };
                let targets =
                    self.targets_after(self.trigger_end, clause_end, max, Some(&source.actors[0]));
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
                // "condemned the decision", "welcomed the move": a judgement of an act the
                // story reported, aimed at its author.
                let judges_an_act =
                    matches!(rule.event_type, EventType::Condemn | EventType::Praise)
                        && ACT_NOUNS.iter().any(|n| {
                            clause.starts_with(&format!(" the {n}"))
                                || clause.starts_with(&format!(" this {n}"))
                                || clause.starts_with(&format!(" that {n}"))
                        });
                if targets.is_empty() && judges_an_act {
                    let author = context.author_of_last_act(&source.actors[0])?;
                    let mut candidate = self.candidate(source, Vec::new());
                    candidate.targets = vec![author];
                    candidate.via_anaphor = true;
                    return Some(candidate);
                }
                if targets.is_empty() {
                    // "A and B met in June": an intransitive meeting of coordinated subjects.
                    let partner = self.coordinated_partner(source).filter(|_| {
                        matches!(rule.event_type, EventType::Meet | EventType::Agree)
                    })?;
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
                // "called for the council to act": the addressee comes at once and is asked
                // to do something ("called for sanctions on X" names no addressee).
                if rule.name == "appeal.call_for"
                    && (targets[0].start > self.trigger_end + 5
                        || !self.lower[targets[0].end..].starts_with(" to "))
                {
                    return None;
                }
                let last_target_end = targets.last().map_or(self.trigger_end, |t| t.end);
                let mut candidate = self.candidate(source, targets);
                // Symmetric events pair their coordinated subjects with the targets once;
                // other events have one source each.
                candidate.co_sources = self
                    .coordinated_subjects(source)
                    .into_iter()
                    .map(|p| p.actors[0].clone())
                    .filter(|p| !candidate.targets.iter().any(|t| t.same_entity(p)))
                    .filter(|p| !p.same_entity(&candidate.source))
                    .collect();
                if rule.event_type == EventType::Appeal {
                    let after = &self.lower[last_target_end
                        ..crate::text::floor_boundary(self.lower, last_target_end + 40)];
                    // "urged Iran to stop", "urges the US side to halt".
                    let demanded = after
                        .find(" to ")
                        .filter(|&at| at <= 12 && !after[..at].contains(','))
                        .and_then(|at| after[at + 4..].split(' ').next())
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
            Shape::ByAgent => {
                let source = self.mentions.iter().find(|m| {
                    m.start >= self.trigger_end
                        && m.start <= self.trigger_end + 40
                        && m.end <= clause_end
                        && usable_source(m)
                })?;
                let targets =
                    self.targets_after(source.end, clause_end, 64, Some(&source.actors[0]));
                if targets.is_empty() {
                    return None;
                }
                Some(self.candidate(source, targets))
            }
            Shape::Passive => {
                // ", drawing a rebuke from X": the participle's subject opens the clause.
                let participle = self.lower[..self.trigger_start].trim_end().ends_with(',')
                    && self.lower[self.trigger_start..]
                        .split(' ')
                        .next()
                        .is_some_and(|w| w.ends_with("ing"));
                let target = if participle {
                    self.first_in_clause(self.trigger_start)?
                } else {
                    self.source_before(self.trigger_start)?
                };
                let source = self
                    .targets_after(self.trigger_end, clause_end, 1, Some(&target.actors[0]))
                    .into_iter()
                    .next()?;
                // The agent of a judgement follows its "from" or "by" at once.
                if rule.event_type == EventType::Condemn && source.start > self.trigger_end + 5 {
                    return None;
                }
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
                    Some(&source.actors[0]),
                );
                (!targets.is_empty()).then(|| self.candidate(source, targets))
            }
            Shape::Between => {
                let first = self
                    .targets_after(self.trigger_end, clause_end, 1, None)
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
                // The second party can stand past the clause end ("between Putin, who arrived
                // late, and Erdogan"; the "and" is looked for to the sentence end); then no
                // place follows it inside the clause. (Reading the place from `second.end` to
                // `clause_end` sliced a reversed range and panicked.)
                candidate.location = self.location_after(second.end, clause_end.max(second.end));
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
                // A denial answers someone; with no one to answer it is no event we can code.
                let accuser = context.last_accuser_of(&source.actors[0])?;
                let mut candidate = self.candidate(source, Vec::new());
                candidate.targets = vec![accuser];
                candidate.via_anaphor = true;
                Some(candidate)
            }
            Shape::ReportedWrongdoing => {
                // The sayer of "X said (that) ..." or the speaker of the quotation around it.
                let (sayer, from) = match self.say_verb_before(self.trigger_start) {
                    Some(say) => (self.source_before(say)?, say),
                    None => {
                        let (quote_start, _) = self.quote_around(self.trigger_start)?;
                        (self.quoted_speaker()?, quote_start)
                    }
                };
                if self.lower[from..self.trigger_start].contains("accus") {
                    return None;
                }
                let wrongdoer =
                    self.mentions.iter().rev().find(|m| {
                        m.start >= from && m.end <= self.trigger_start && usable_source(m)
                    })?;
                if wrongdoer.actors[0].same_entity(&sayer.actors[0]) {
                    return None;
                }
                // "said Moscow must withdraw": the one addressed is the subject of "must"; "must
                // be lifted" and "must have known" address no one.
                if rule.event_type == EventType::Demand {
                    let after = &self.lower[self.trigger_end..];
                    let passive_or_guess = [" be ", " not be ", " have ", " surely "]
                        .iter()
                        .any(|w| after.starts_with(w));
                    if passive_or_guess
                        || !self.lower[wrongdoer.end..self.trigger_start]
                            .trim()
                            .is_empty()
                    {
                        return None;
                    }
                }
                Some(self.candidate(sayer, vec![wrongdoer]))
            }
            Shape::Declare if rule.event_type == EventType::Condemn => {
                self.characterisation(context, clause_end)
            }
            Shape::Declare => {
                let source = self.source_before(self.trigger_start)?;
                let target = self
                    .targets_after(self.trigger_end, clause_end, 1, Some(&source.actors[0]))
                    .into_iter()
                    .next()?;
                // "declared the envoy persona non grata": the rule's required words follow the
                // object, which comes right after the verb.
                if target.start > self.trigger_end + 2 || rule.requires.words.is_empty() {
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
                // "A and B reached an agreement".
                if let Some(partner) = self.coordinated_partner(source) {
                    return Some(self.candidate(partner, vec![source]));
                }
                let with =
                    self.lower[self.trigger_end..clause_end].find(" with ")? + self.trigger_end;
                let target = self
                    .targets_after(with, clause_end, 1, Some(&source.actors[0]))
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
                    .targets_after(self.trigger_end, clause_end, 1, Some(&source.actors[0]))
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
            Shape::Unless => {
                // "X will pull its troops out of Chad unless Y ...": the subject of the
                // future act threatens the subject of the condition, else the party the
                // act is aimed at.
                let head = &self.lower[..self.trigger_start];
                let modal = [" will ", " would ", "'ll "]
                    .iter()
                    .filter_map(|m| head.rfind(m))
                    .max()?;
                let source = self.source_before(modal)?;
                let own = |m: &&Mention| m.actors.iter().any(|a| a.same_entity(&source.actors[0]));
                let condition_subject = self
                    .mentions
                    .iter()
                    .find(|m| {
                        m.start >= self.trigger_end
                            && m.start <= self.trigger_end + 5
                            && usable_source(m)
                            && m.actors[0].country.is_some()
                    })
                    .filter(|m| !own(m));
                let aimed_at = self.mentions.iter().find(|m| {
                    m.start > modal
                        && m.end <= self.trigger_start
                        && !m.actors.is_empty()
                        && !own(m)
                });
                let target = condition_subject.or(aimed_at)?;
                Some(self.candidate(source, vec![target]))
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
                let targets =
                    self.targets_after(self.trigger_end, clause_end, 64, Some(&source.actors[0]));
                if targets.is_empty() {
                    if rule.event_type != EventType::RecallAmbassador {
                        return None;
                    }
                    // "ordered its envoy home": the host is the other party of the story.
                    let host = context.other_state(&source.actors[0])?;
                    let mut candidate = self.candidate(source, Vec::new());
                    candidate.targets = vec![host];
                    candidate.via_anaphor = true;
                    return Some(candidate);
                }
                Some(self.candidate(source, targets))
            }
        }
    }

    /// The bare-verb sanction triggers ("Treasury designated X") need the source right
    /// before the verb.
    /// "called the veto by Moscow "a guilty plea"", "branded it shameful", "labelled Iran a
    /// threat": a quoted or negative characterisation of the verb's object condemns it, or,
    /// for an act ("the decision"), its author.
    fn characterisation(&self, context: &DocContext, clause_end: usize) -> Option<Candidate> {
        let window =
            &self.lower[self.trigger_end..floor_boundary(self.lower, self.trigger_end + 70)];
        // "called for", "calls to": an appeal or a phone call, not a characterisation; "so-called"
        // is no verb. (The rule's required words have found the judgement.)
        let particle = [
            " for ", " on ", " upon ", " in ", " off ", " up ", " back ", " out ", " to ",
            " with ", " from ",
        ]
        .iter()
        .any(|p| window.starts_with(p));
        // "declared himself", "actions, which it called irresponsible": no judgement of
        // another party by the clause's subject.
        let reflexive = [" himself", " herself", " itself", " themselves"]
            .iter()
            .any(|p| window.starts_with(p));
        let relative = self.lower[..self.trigger_start]
            .rsplit(' ')
            .take(4)
            .any(|w| w == "which");
        if particle || reflexive || relative || self.lower[..self.trigger_start].ends_with("so-") {
            return None;
        }
        let quote_at = window.find(['"', '\u{201c}']);
        let source = self.source_before(self.trigger_start)?;
        let object_end = self.trigger_end + quote_at.unwrap_or(window.len());
        let object = self
            .targets_after(
                self.trigger_end,
                clause_end.min(object_end),
                1,
                Some(&source.actors[0]),
            )
            .into_iter()
            .next();
        if let Some(object) = object {
            return Some(self.candidate(source, vec![object]));
        }
        let names_an_act = ACT_NOUNS.iter().any(|n| {
            [" the ", " this ", " that ", " its ", " their "]
                .iter()
                .any(|d| window.starts_with(&format!("{d}{n}")))
        });
        if !names_an_act {
            return None;
        }
        let author = context.author_of_last_act(&source.actors[0])?;
        let mut candidate = self.candidate(source, Vec::new());
        candidate.targets = vec![author];
        candidate.via_anaphor = true;
        Some(candidate)
    }

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
}
