//! What the coder remembers while reading one document, for coreference: the people,
//! companies and bodies named so far, the last group and pair, who wrote "the report", and
//! who accused whom (for denials).

use std::sync::LazyLock;

use regex::Regex;
use statecraft_types::{Actor, ActorKind};

use crate::mentions::{Mention, Role};

#[derive(Debug, Default)]
pub(crate) struct DocContext {
    people: Vec<Actor>,
    companies: Vec<Actor>,
    bodies: Vec<Actor>,
    last_thing: Option<Actor>,
    last_state: Option<Actor>,
    /// States named so far, most recent last.
    states: Vec<Actor>,
    /// Sources of the events read so far, most recent last.
    actors_of_acts: Vec<Actor>,
    last_sanction_targets: Vec<Actor>,
    last_plural: Vec<Actor>,
    last_companies: Vec<Actor>,
    last_pair: Option<(Actor, Actor)>,
    report_author: Option<Actor>,
    accusations: Vec<(Actor, Vec<Actor>)>,
}

static REPORT_BY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b(?:report|statement|letter|study) (?:by|from) ").expect("valid regex")
});

fn tokens(name: &str) -> Vec<String> {
    name.split(|c: char| !c.is_alphanumeric())
        .filter(|t| !t.is_empty())
        .map(str::to_lowercase)
        .collect()
}

impl DocContext {
    /// A person named in full earlier, named again by one part of the name ("Kim" after
    /// "Kim Jong-un", "Yellen" after "Janet Yellen"); none when two people share it.
    pub(crate) fn person_by_part(&self, word: &str) -> Option<&Actor> {
        if word.chars().count() < 3 {
            return None;
        }
        let mut found = self.people.iter().filter(|p| {
            let parts: Vec<&str> = p.name.split([' ', '-']).filter(|t| !t.is_empty()).collect();
            parts.len() >= 2 && (parts[0] == word || parts[parts.len() - 1] == word)
        });
        let first = found.next()?;
        found.all(|other| other.same_entity(first)).then_some(first)
    }

    /// A company named earlier whose name starts with `name` ("Yanbian Silverstar").
    pub(crate) fn company_by_prefix(&self, name: &str) -> Option<&Actor> {
        let wanted = tokens(name);
        if wanted.is_empty() {
            return None;
        }
        self.companies.iter().rev().find(|company| {
            let known = tokens(&company.name);
            known.starts_with(&wanted) && (wanted.len() >= 2 || known.len() == 1)
        })
    }

    /// A person named earlier by full name or surname.
    pub(crate) fn person_by_name(&self, name: &str) -> Option<&Actor> {
        let wanted = tokens(name);
        self.people.iter().rev().find(|person| {
            let known = tokens(&person.name);
            !wanted.is_empty()
                && (known == wanted || known.last() == wanted.last() && wanted.len() == 1)
        })
    }

    /// Resolves a pronoun or definite description; `earlier` are the mentions before it in the
    /// same sentence.
    pub(crate) fn resolve(&self, word: &str, earlier: &[&Mention]) -> Vec<Actor> {
        let in_sentence = |pred: &dyn Fn(&Actor) -> bool| -> Option<Actor> {
            earlier
                .iter()
                .rev()
                .flat_map(|m| m.actors.iter())
                .find(|a| pred(a))
                .cloned()
        };
        match word {
            "he" | "she" | "him" => in_sentence(&|a| a.kind == ActorKind::Person)
                .or_else(|| self.people.last().cloned())
                .into_iter()
                .collect(),
            "it" => in_sentence(&|a| !matches!(a.kind, ActorKind::Person | ActorKind::Group))
                .or_else(|| self.last_thing.clone())
                .into_iter()
                .collect(),
            "they" | "them" => {
                let generic = earlier
                    .iter()
                    .rev()
                    .find(|m| m.role == Role::Generic || m.actors.len() > 1);
                match generic {
                    Some(m) => m.actors.clone(),
                    None => self.last_plural.clone(),
                }
            }
            "the company" | "the firm" => self.companies.last().cloned().into_iter().collect(),
            "the ministry" | "the department" | "the administration" => {
                self.bodies.last().cloned().into_iter().collect()
            }
            "the report" | "the statement" => self.report_author.clone().into_iter().collect(),
            "the regime" | "the military" | "the junta" => {
                self.last_state.clone().into_iter().collect()
            }
            w if w.ends_with("leaders")
                || w.ends_with("sides")
                || w.ends_with("men")
                || w.ends_with("countries") =>
            {
                self.last_pair
                    .clone()
                    .map(|(a, b)| vec![a, b])
                    .unwrap_or_default()
            }
            w if w.ends_with("companies") || w.ends_with("firms") || w.ends_with("entities") => {
                if self.last_companies.len() >= 2 {
                    self.last_companies.clone()
                } else {
                    self.last_plural.clone()
                }
            }
            _ => Vec::new(),
        }
    }

    /// Learns from the mentions of a sentence just read.
    pub(crate) fn observe(&mut self, sentence: &str, mentions: &[Mention]) {
        let mut sentence_companies: Vec<Actor> = Vec::new();
        let mut sentence_people: Vec<Actor> = Vec::new();
        for mention in mentions {
            if mention.role == Role::Generic {
                self.last_plural = mention.actors.clone();
                continue;
            }
            if !matches!(mention.role, Role::Name | Role::Possessive) {
                continue;
            }
            for actor in &mention.actors {
                match actor.kind {
                    ActorKind::Person => {
                        remember(&mut self.people, actor);
                        remember(&mut sentence_people, actor);
                    }
                    ActorKind::Company => {
                        remember(&mut self.companies, actor);
                        remember(&mut sentence_companies, actor);
                        self.last_thing = Some(actor.clone());
                    }
                    ActorKind::GovernmentBody => {
                        remember(&mut self.bodies, actor);
                        self.last_thing = Some(actor.clone());
                    }
                    ActorKind::Group => self.last_plural = vec![actor.clone()],
                    ActorKind::State => {
                        remember(&mut self.states, actor);
                        self.last_state = Some(actor.clone());
                        self.last_thing = Some(actor.clone());
                    }
                    _ => self.last_thing = Some(actor.clone()),
                }
            }
        }
        if sentence_companies.len() >= 2 {
            self.last_companies = sentence_companies.clone();
            self.last_plural = sentence_companies;
        }
        if let [a, b] = sentence_people.as_slice()
            && a.country != b.country
        {
            self.last_pair = Some((a.clone(), b.clone()));
        }
        for found in REPORT_BY.find_iter(sentence) {
            if let Some(author) = mentions
                .iter()
                .find(|m| m.start == found.end() || m.start == found.end() + 4)
            {
                self.report_author = author.actors.first().cloned();
            }
        }
    }

    /// Records that `source` accused or sanctioned `targets`, for later denials.
    pub(crate) fn record_accusation(&mut self, source: &Actor, targets: &[Actor]) {
        self.accusations.push((source.clone(), targets.to_vec()));
    }

    /// Records the targets of a sanction event, for "the embargo" and "the sanctions" later.
    pub(crate) fn record_sanction_targets(&mut self, targets: &[Actor]) {
        if !targets.is_empty() {
            self.last_sanction_targets = targets.to_vec();
        }
    }

    /// The targets of the last sanction event.
    pub(crate) fn last_sanction_targets(&self) -> &[Actor] {
        &self.last_sanction_targets
    }

    /// Who last accused `denier` (or someone of its state); failing that, the last accuser.
    pub(crate) fn last_accuser_of(&self, denier: &Actor) -> Option<Actor> {
        let related = |target: &Actor| {
            target.same_entity(denier)
                || target.country.is_some() && target.country == denier.country
        };
        self.accusations
            .iter()
            .rev()
            .find(|(_, targets)| targets.iter().any(related))
            .or_else(|| self.accusations.last())
            .map(|(source, _)| source.clone())
            .filter(|source| !source.same_entity(denier))
            // With no accusation read, the claim comes from the other party of the story.
            .or_else(|| self.other_state(denier))
    }

    /// Remembers who performed an event just read.
    pub(crate) fn record_act(&mut self, source: &Actor) {
        remember(&mut self.actors_of_acts, source);
    }

    /// The author of the last act read that is not `actor` or of its state: whom "condemned
    /// the decision" condemns.
    pub(crate) fn author_of_last_act(&self, actor: &Actor) -> Option<Actor> {
        self.actors_of_acts
            .iter()
            .rev()
            .find(|a| !a.same_entity(actor) && (a.country.is_none() || a.country != actor.country))
            .cloned()
    }

    /// The state named last whose country is not `actor`'s: the other party of the story.
    pub(crate) fn other_state(&self, actor: &Actor) -> Option<Actor> {
        self.states
            .iter()
            .rev()
            .find(|s| s.country.is_some() && s.country != actor.country)
            .cloned()
    }
}

fn remember(list: &mut Vec<Actor>, actor: &Actor) {
    list.retain(|known| !known.same_entity(actor));
    list.push(actor.clone());
}
