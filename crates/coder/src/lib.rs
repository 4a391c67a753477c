//! The statecraft event coder: `(text, published) -> events`.
//!
//! Pure, synchronous and deterministic: no I/O, no clock, no randomness. Every event names the
//! rule that produced it and carries its evidence sentence. The pipeline (DESIGN.md §5):
//! clean the text and recover title and publication date ([`text`]), split sentences, find
//! actor mentions with gazetteers and patterns ([`mentions`]), resolve pronouns and
//! descriptions against the document ([`context`]), fill event frames around trigger phrases
//! ([`frames`], [`rules`]), resolve dates ([`dates`]), attach CAMEO/PLOVER codes, and merge
//! duplicate reports of one event within the document.
//!
//! Depends only on `statecraft-types`. Entry point: [`Coder::code`].

mod context;
mod dates;
mod frames;
mod gazetteer;
mod mentions;
mod quotes;
mod rules;
mod text;

use std::collections::HashMap;

use chrono::NaiveDate;
use statecraft_types::{
    Actor, ActorKind, Event, EventType, Evidence, Plover, Polarity, SanctionDetails, cameo_code,
    event_id, quad_class_of,
};

pub use crate::dates::date_in_url;

use crate::context::DocContext;
use crate::frames::{Candidate, Frames};
use crate::gazetteer::Gazetteer;

/// Version stamped on every event; a new version supersedes older events of a document.
pub const CODER_VERSION: &str = concat!("statecraft-coder/", env!("CARGO_PKG_VERSION"));

/// What the coder read from one document.
#[derive(Debug, Clone, PartialEq)]
pub struct Coded {
    /// Headline recovered from the text.
    pub title: Option<String>,
    /// Publication date: the one given, else the one recovered from the text.
    pub published: Option<NaiveDate>,
    /// The events, in text order.
    pub events: Vec<Event>,
}

/// Time spent in each stage of the pipeline, summed over the documents coded with
/// [`Coder::code_profiled`] (what the benchmark reports per stage).
#[derive(Debug, Clone, Copy, Default)]
pub struct StageCosts {
    /// Cleaning page furniture, splitting sentences, cutting long ones, scanning quote marks.
    pub split: std::time::Duration,
    /// Finding actor mentions (gazetteers, roles, names, anaphors) and quotation speakers.
    pub mentions: std::time::Duration,
    /// Matching triggers and filling their frames.
    pub frames: std::time::Duration,
    /// Finding and resolving dates.
    pub dates: std::time::Duration,
    /// Document context, merging reports, programmes and building the events.
    pub assembly: std::time::Duration,
}

/// A clock for one stage at a time, or none (when not profiling: no clock reads).
struct Stopwatch<'a> {
    costs: Option<&'a mut StageCosts>,
    last: Option<std::time::Instant>,
}

impl Stopwatch<'_> {
    /// Charges the time since the previous lap to `stage`.
    fn lap(&mut self, stage: fn(&mut StageCosts) -> &mut std::time::Duration) {
        if let Some(costs) = self.costs.as_deref_mut() {
            let now = std::time::Instant::now();
            if let Some(last) = self.last {
                *stage(costs) += now - last;
            }
            self.last = Some(now);
        }
    }
}

/// The event coder. Building it compiles the gazetteers and trigger tables (a few
/// milliseconds); build it once and share it: coding takes `&self`.
pub struct Coder {
    gazetteer: Gazetteer,
    frames: Frames,
}

impl Default for Coder {
    fn default() -> Self {
        Self::new()
    }
}

/// Longest sentence coded as one piece; longer runs (tables, unpunctuated dumps) are cut at
/// spaces so that work stays linear in the input.
const MAX_SENTENCE_BYTES: usize = 1500;

struct Read {
    candidate: Candidate,
    /// The date is the story's date, not one the sentence gives.
    date_from_anchor: bool,
    sentence_start: usize,
    sentence_end: usize,
    date: Option<statecraft_types::EventDate>,
}

impl Coder {
    /// Builds the coder from its bundled data files.
    pub fn new() -> Self {
        Self {
            gazetteer: Gazetteer::load(),
            frames: Frames::build(),
        }
    }

    /// Every trigger phrase of the rule table, lower case, in rule order (for test-input
    /// generators that need sentences the coder will read as events).
    pub fn trigger_phrases() -> Vec<String> {
        rules::rules()
            .into_iter()
            .flat_map(|(_, phrases)| phrases)
            .collect()
    }

    /// Recovers the headline and publication date from a text's furniture, without coding
    /// events (what ingest stores when the caller gives neither).
    pub fn read_metadata(&self, text: &str) -> (Option<String>, Option<NaiveDate>) {
        let cleaned = text::clean(text, &self.gazetteer.lexicon);
        (cleaned.title, cleaned.published)
    }

    /// Byte ranges of the body sentences the coder would read (headings and page furniture
    /// set aside). Cheap: no mention or trigger search.
    pub fn sentences(&self, text: &str) -> Vec<std::ops::Range<usize>> {
        text::clean(text, &self.gazetteer.lexicon)
            .sentences
            .into_iter()
            .map(|s| s.start..s.end)
            .collect()
    }

    /// Codes one document. `published` resolves relative dates; when `None`, the date is
    /// recovered from the text if it has a dateline.
    pub fn code(&self, doc_id: &str, text: &str, published: Option<NaiveDate>) -> Coded {
        self.code_timed(doc_id, text, published, None)
    }

    /// Codes one document as [`Coder::code`] does, adding the time of each stage to `costs`.
    pub fn code_profiled(
        &self,
        doc_id: &str,
        text: &str,
        published: Option<NaiveDate>,
        costs: &mut StageCosts,
    ) -> Coded {
        self.code_timed(doc_id, text, published, Some(costs))
    }

    fn code_timed(
        &self,
        doc_id: &str,
        text: &str,
        published: Option<NaiveDate>,
        costs: Option<&mut StageCosts>,
    ) -> Coded {
        let mut clock = Stopwatch { costs, last: None };
        clock.lap(|c| &mut c.split);
        let cleaned = text::clean(text, &self.gazetteer.lexicon);
        let published = published.or(cleaned.published);
        let mut context = DocContext::default();
        let mut reads: Vec<Read> = Vec::new();
        let sentences: Vec<(usize, usize)> = cleaned
            .sentences
            .iter()
            .flat_map(|s| bounded_pieces(text, s.start, s.end))
            .collect();
        let quotes = quotes::scan(text, &sentences);
        clock.lap(|c| &mut c.split);
        let mut last_speaker: Option<mentions::Mention> = None;
        for (index, &(start, end)) in sentences.iter().enumerate() {
            let sentence_text = &text[start..end];
            let mentions = mentions::find_mentions(sentence_text, &self.gazetteer, &context);
            let mut quoting =
                quotes::quoting(text, &sentences, &quotes, index, &mentions, |tail| {
                    mentions::find_mentions(tail, &self.gazetteer, &context)
                });
            // An unattributed quotation right after a quoted sentence continues that speaker.
            // The speaker was found in an earlier sentence (or piece of one), so its offsets
            // belong there: it comes in as standing outside this sentence. (Using them here
            // sliced this sentence past its end in `coordinated_partner`: issue 16.)
            if quoting.speaker.is_none() && !quoting.spans.is_empty() {
                quoting.speaker = last_speaker.clone().map(quotes::from_outside);
            }
            last_speaker = if quoting.spans.is_empty() {
                None
            } else {
                quoting.speaker.clone()
            };
            clock.lap(|c| &mut c.mentions);
            let candidates = self
                .frames
                .read(sentence_text, &mentions, &context, &quoting);
            clock.lap(|c| &mut c.frames);
            let found_dates = dates::find_dates(sentence_text, published);
            clock.lap(|c| &mut c.dates);
            for mut candidate in candidates {
                // A state does not meet, accuse or deny itself: its own state and government
                // bodies are no targets of its acts ("Putin met Kim in Russia"). "The regime"
                // or "the military" that resolved to the actor's own state means the other
                // party of the story.
                let had_targets = !candidate.targets.is_empty();
                let home = candidate.source.country.clone();
                let own = |t: &Actor| {
                    home.is_some()
                        && t.country == home
                        && matches!(t.kind, ActorKind::State | ActorKind::GovernmentBody)
                };
                let other = context.other_state(&candidate.source);
                candidate.targets = std::mem::take(&mut candidate.targets)
                    .into_iter()
                    .filter_map(|t| {
                        if !own(&t) {
                            return Some(t);
                        }
                        let foreign_body = matches!(
                            t.mention.to_lowercase().as_str(),
                            "the regime" | "the military" | "the junta"
                        );
                        foreign_body.then(|| other.clone()).flatten()
                    })
                    .collect();
                if had_targets && candidate.targets.is_empty() {
                    continue;
                }
                let rule = &self.frames.rules[candidate.rule];
                if matches!(
                    rule.event_type,
                    EventType::Accuse
                        | EventType::SanctionImpose
                        | EventType::Condemn
                        | EventType::Expel
                        | EventType::ReduceRelations
                        | EventType::RecallAmbassador
                ) {
                    context.record_accusation(&candidate.source, &candidate.targets);
                }
                if rule.event_type.is_sanction() {
                    context.record_sanction_targets(&candidate.targets);
                }
                context.record_act(&candidate.source);
                // A judgement quoted from a speaker is dated by the speech, not by dates the
                // quotation mentions ("the February 1 coup was ...").
                let quoted_judgement = rule.shape == rules::Shape::QuotedJudgement;
                let date = found_dates
                    .iter()
                    .filter(|d| {
                        !quoted_judgement
                            || !quoting
                                .spans
                                .iter()
                                .any(|(s, e)| *s <= d.start && d.start < *e)
                    })
                    .min_by_key(|d| d.start.abs_diff(candidate.trigger_start))
                    .map(|d| d.date);
                reads.push(Read {
                    candidate,
                    date_from_anchor: false,
                    sentence_start: start,
                    sentence_end: end,
                    date,
                });
            }
            context.observe(sentence_text, &mentions);
            clock.lap(|c| &mut c.assembly);
        }
        let mut reads = merge_reports(reads, &self.frames);
        // News convention: an event the text does not date happened on the story's date, the
        // first day-precise date of its events, else the publication date.
        let anchor = reads
            .iter()
            .filter_map(|r| r.date)
            .find(|d| d.precision() == statecraft_types::DatePrecision::Day)
            .or_else(|| published.map(statecraft_types::EventDate::from_naive));
        for read in reads.iter_mut().filter(|r| r.date.is_none()) {
            read.date = anchor;
            read.date_from_anchor = true;
        }
        let has_sanction = reads
            .iter()
            .any(|r| self.frames.rules[r.candidate.rule].event_type.is_sanction());
        let programs =
            has_sanction.then(|| ProgramScan::new(text, cleaned.title.as_deref(), &self.gazetteer));
        let mut char_counter = CharCounter::default();
        let events = reads
            .into_iter()
            .enumerate()
            .map(|(ordinal, read)| {
                self.assemble(
                    doc_id,
                    text,
                    ordinal,
                    read,
                    programs.as_ref(),
                    &mut char_counter,
                )
            })
            .collect();
        clock.lap(|c| &mut c.assembly);
        Coded {
            title: cleaned.title,
            published,
            events,
        }
    }

    fn assemble(
        &self,
        doc_id: &str,
        text: &str,
        ordinal: usize,
        read: Read,
        programs: Option<&ProgramScan>,
        chars: &mut CharCounter,
    ) -> Event {
        let rule = &self.frames.rules[read.candidate.rule];
        let code = refine_cameo(rule.event_type, &rule.cameo, &read);
        let entry = cameo_code(code);
        let sentence = &text[read.sentence_start..read.sentence_end];
        let candidate = read.candidate;
        let mut confidence = rule.confidence;
        if candidate.via_anaphor {
            confidence -= 0.1;
        }
        if candidate.generic_only {
            confidence -= 0.15;
        }
        if candidate.polarity != Polarity::Asserted {
            confidence -= 0.05;
        }
        if read.date_from_anchor {
            confidence -= 0.05;
        }
        let details = rule.event_type.is_sanction().then(|| SanctionDetails {
            measures: measures(sentence),
            program: programs.and_then(|p| p.program_for(&candidate.source, &candidate.targets)),
            authority: matches!(
                candidate.source.kind,
                ActorKind::GovernmentBody | ActorKind::Igo
            )
            .then(|| candidate.source.name.clone()),
            reason: candidate.reason.clone(),
        });
        Event {
            event_id: event_id(doc_id, CODER_VERSION, ordinal),
            doc_id: doc_id.to_owned(),
            event_type: rule.event_type,
            cameo_code: code.to_owned(),
            plover: Plover {
                kind: entry.and_then(|e| e.plover_type).map(str::to_owned),
                mode: entry.and_then(|e| e.plover_mode).map(str::to_owned),
            },
            goldstein: entry.map_or(0.0, |e| e.goldstein),
            quad_class: quad_class_of(code),
            source: candidate.source,
            targets: candidate.targets,
            date_precision: read.date.map(|d| d.precision()),
            date: read.date,
            location: candidate.location,
            polarity: candidate.polarity,
            attribution: candidate.attribution,
            details,
            evidence: Evidence {
                sentence: sentence.to_owned(),
                start: chars.offset(text, read.sentence_start),
                end: chars.offset(text, read.sentence_end),
            },
            confidence: (confidence.clamp(0.05, 1.0) * 100.0).round() / 100.0,
            coder_version: CODER_VERSION.to_owned(),
            rule: rule.name.to_owned(),
        }
    }
}

/// Converts byte offsets to character offsets, moving forward through the text once.
#[derive(Default)]
struct CharCounter {
    byte: usize,
    chars: u32,
}

impl CharCounter {
    fn offset(&mut self, text: &str, byte: usize) -> u32 {
        if byte < self.byte {
            self.byte = 0;
            self.chars = 0;
        }
        self.chars += text[self.byte..byte].chars().count() as u32;
        self.byte = byte;
        self.chars
    }
}

fn bounded_pieces(text: &str, start: usize, end: usize) -> Vec<(usize, usize)> {
    let mut pieces = Vec::new();
    let mut cursor = start;
    while end - cursor > MAX_SENTENCE_BYTES {
        let mut cut = cursor + MAX_SENTENCE_BYTES;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        let at_space = text[cursor..cut].rfind(' ').map_or(cut, |p| cursor + p);
        let cut = if at_space > cursor { at_space } else { cut };
        pieces.push((cursor, cut));
        cursor = cut;
    }
    pieces.push((cursor, end));
    pieces
}

/// A more specific CAMEO code where the frame tells more (a meeting at a third location).
fn refine_cameo<'a>(event_type: EventType, default: &'a str, read: &Read) -> &'a str {
    match event_type {
        EventType::Meet => {
            let third_place = read.candidate.location.is_some();
            if third_place { "044" } else { default }
        }
        EventType::Agree if read.candidate.polarity == Polarity::Future => "030",
        _ => default,
    }
}

fn measures(sentence: &str) -> Vec<String> {
    let lower = sentence.to_lowercase();
    let mut found = Vec::new();
    let checks: [(&[&str], &str); 6] = [
        (
            &["freez", "blocked", "block their assets", "block any assets"],
            "asset_freeze",
        ),
        (&["visa", "travel ban"], "visa_ban"),
        (
            &["export control", "entity list", "export ban"],
            "export_control",
        ),
        (&["arms embargo", "arms export embargo"], "arms_embargo"),
        (&["trade embargo", "oil embargo"], "embargo"),
        (&["oil sector", "gas sector", "sectoral"], "sectoral"),
    ];
    for (words, measure) in checks {
        if words.iter().any(|w| lower.contains(w)) {
            found.push(measure.to_owned());
        }
    }
    if found.is_empty() {
        found.push("unspecified".to_owned());
    }
    found
}

fn program_name(code: &str) -> String {
    match code {
        "PRK" => "DPRK",
        "IRN" => "IRAN",
        "RUS" => "RUSSIA",
        "VEN" => "VENEZUELA",
        "SYR" => "SYRIA",
        "MMR" => "BURMA",
        "SDN" => "SUDAN",
        "CUB" => "CUBA",
        "BLR" => "BELARUS",
        other => other,
    }
    .to_owned()
}

fn mentions_country(gazetteer: &Gazetteer, hit: gazetteer::Hit) -> Option<String> {
    match hit {
        gazetteer::Hit::CountryName(i)
        | gazetteer::Hit::CountryAdjective(i)
        | gazetteer::Hit::Capital(i) => Some(gazetteer.countries[i].code.clone()),
        _ => None,
    }
}

/// Countries with a sanctions program of their own name.
const PROGRAM_COUNTRIES: &[&str] = &[
    "PRK", "IRN", "RUS", "VEN", "SYR", "MMR", "SDN", "CUB", "BLR", "LBY", "IRQ", "ZWE", "NIC",
    "YEM", "SOM", "AFG",
];

/// The sanctions programs a document points to, found in one gazetteer pass (made only for
/// documents that have a sanction event).
struct ProgramScan {
    /// A program the document names ("North Korea-related sanctions"), title first.
    named: Option<String>,
    /// Mentions in the body of each country that has a program of its own name.
    counts: Vec<(String, usize)>,
}

impl ProgramScan {
    fn new(text: &str, title: Option<&str>, gazetteer: &Gazetteer) -> Self {
        let mut scan = ProgramScan {
            named: None,
            counts: Vec::new(),
        };
        for (haystack, in_body) in title.map(|t| (t, false)).into_iter().chain([(text, true)]) {
            for m in gazetteer.find(haystack) {
                let Some(country) = mentions_country(gazetteer, m.hit) else {
                    continue;
                };
                let after = &haystack[m.end..];
                let related = after.starts_with("-related")
                    || after.starts_with(" sanctions")
                    || after.starts_with("-linked");
                if related && scan.named.is_none() {
                    scan.named = Some(program_name(&country));
                }
                if in_body && PROGRAM_COUNTRIES.contains(&country.as_str()) {
                    match scan.counts.iter_mut().find(|(c, _)| *c == country) {
                        Some((_, n)) => *n += 1,
                        None => scan.counts.push((country, 1)),
                    }
                }
            }
        }
        scan
    }

    /// The program of one sanction event: the one the document names, else a sanctioned
    /// state among the targets, else the program country the body mentions most (not the
    /// sanctioner's).
    fn program_for(&self, source: &Actor, targets: &[Actor]) -> Option<String> {
        if let Some(named) = &self.named {
            return Some(named.clone());
        }
        let state_target = targets
            .iter()
            .filter(|t| {
                matches!(
                    t.kind,
                    ActorKind::State | ActorKind::GovernmentBody | ActorKind::Person
                )
            })
            .find_map(|t| {
                t.country
                    .as_deref()
                    .filter(|c| PROGRAM_COUNTRIES.contains(c))
            });
        if let Some(country) = state_target {
            return Some(program_name(country));
        }
        let candidates = || {
            self.counts
                .iter()
                .filter(|(c, _)| source.country.as_deref() != Some(c.as_str()))
        };
        let best = candidates().map(|(_, n)| *n).max()?;
        candidates()
            .find(|(_, n)| *n == best)
            .map(|(c, _)| program_name(c))
    }
}

/// Merges reports of the same event within one document: an event whose targets are only
/// unnamed groups ("two tech firms") folds into a same-type event of the same source state
/// with named targets; exact repeats (same type, dyad and compatible date) fold into the
/// first.
///
/// Each report is compared only with the kept reports that can match it, found by key: the
/// same type and target names (with the source's name too for symmetric types, see
/// [`same_dyad`] and [`same_action_of_one_state`]), or for a vague report the same type and
/// source state. Comparing every report with every kept one was quadratic in the events of a
/// document (10 s for 1 MB of short event sentences).
fn merge_reports(reads: Vec<Read>, frames: &Frames) -> Vec<Read> {
    let event_type = |r: &Read| frames.rules[r.candidate.rule].event_type;
    // Every kept report that can be a duplicate of a report has the same key: for the
    // non-symmetric types, both `same_dyad` and `same_action_of_one_state` need the same
    // sorted target names; for the symmetric types `same_dyad` needs the same names in all.
    let dyad_key = |r: &Read| {
        let kind = event_type(r);
        let mut names: Vec<&str> = r
            .candidate
            .targets
            .iter()
            .map(|t| t.name.as_str())
            .collect();
        if kind.is_symmetric() {
            names.push(&r.candidate.source.name);
        }
        names.sort_unstable();
        (kind, names.join("\u{1f}"))
    };
    let mut kept: Vec<Read> = Vec::new();
    // Key -> indices into `kept`, ascending, so the first match is the one a scan of `kept`
    // would find.
    let mut by_dyad: HashMap<(EventType, String), Vec<usize>> = HashMap::new();
    let mut vague: Vec<Read> = Vec::new();
    for read in reads {
        if read.candidate.generic_only
            || read.candidate.targets.iter().all(is_descriptive)
                && !read.candidate.targets.is_empty()
        {
            vague.push(read);
            continue;
        }
        let key = dyad_key(&read);
        let duplicate = by_dyad.get(&key).and_then(|bucket| {
            bucket.iter().copied().find(|&i| {
                let k = &kept[i];
                event_type(k) == event_type(&read)
                    && (same_dyad(
                        &k.candidate,
                        &read.candidate,
                        event_type(&read).is_symmetric(),
                    ) || event_type(&read).is_sanction()
                        && same_action_of_one_state(&k.candidate, &read.candidate))
                    && (k.date.is_none() || read.date.is_none() || k.date == read.date)
                    && k.candidate.polarity == read.candidate.polarity
            })
        });
        match duplicate {
            Some(i) => {
                absorb(&mut kept[i], read);
                // Absorbing may give a more specific source, and a symmetric event its key
                // from the source's name.
                let moved = dyad_key(&kept[i]);
                if moved != key {
                    if let Some(bucket) = by_dyad.get_mut(&key) {
                        bucket.retain(|&j| j != i);
                    }
                    let bucket = by_dyad.entry(moved).or_default();
                    let at = bucket.partition_point(|&j| j < i);
                    bucket.insert(at, i);
                }
            }
            None => {
                by_dyad.entry(key).or_default().push(kept.len());
                kept.push(read);
            }
        }
    }
    // The first kept report of each type and source state. Absorbing a vague report keeps the
    // host's state (only a source of the same state is taken).
    let state_key = |r: &Read| {
        r.candidate
            .source
            .country
            .clone()
            .map(|country| (event_type(r), country))
    };
    let mut by_state: HashMap<(EventType, String), usize> = HashMap::new();
    for (i, k) in kept.iter().enumerate() {
        if let Some(key) = state_key(k) {
            by_state.entry(key).or_insert(i);
        }
    }
    for read in vague {
        let key = state_key(&read);
        match key.as_ref().and_then(|key| by_state.get(key)) {
            Some(&i) => absorb(&mut kept[i], read),
            None => {
                if let Some(key) = key {
                    by_state.insert(key, kept.len());
                }
                kept.push(read);
            }
        }
    }
    kept.sort_by_key(|r| (r.sentence_start, r.candidate.trigger_start));
    kept
}

/// An actor described rather than named: an unnamed group, or a person named only by office
/// ("its North Korean CEO").
fn is_descriptive(actor: &Actor) -> bool {
    (actor.kind == ActorKind::Group && actor.country.is_none())
        || actor.kind == ActorKind::Person
            && actor
                .title
                .as_deref()
                .is_some_and(|t| actor.name.ends_with(t))
}

/// The lead and the body often report one sanctions action with different sources of the
/// same state ("the Biden administration eased sanctions on X" / "the Treasury issued
/// licenses for X"). Other types are not merged this way: two officials of one state
/// accusing the same country are two events.
fn same_action_of_one_state(a: &Candidate, b: &Candidate) -> bool {
    let names = |c: &Candidate| -> Vec<String> {
        let mut all: Vec<String> = c.targets.iter().map(|t| t.name.clone()).collect();
        all.sort();
        all
    };
    a.source.country.is_some()
        && a.source.country == b.source.country
        && !a.targets.is_empty()
        && names(a) == names(b)
}

/// How precisely an actor names who acted: a named agency beats "the administration", which
/// beats the state.
fn specificity(actor: &Actor) -> u8 {
    match actor.kind {
        ActorKind::State | ActorKind::Group => 0,
        ActorKind::GovernmentBody
            if actor.name.ends_with("administration") || actor.name.ends_with("government") =>
        {
            1
        }
        _ => 2,
    }
}

fn absorb(existing: &mut Read, other: Read) {
    if specificity(&other.candidate.source) > specificity(&existing.candidate.source) {
        existing.candidate.source = other.candidate.source.clone();
    }
    if existing.date.is_none() {
        existing.date = other.date;
    }
    if existing.candidate.reason.is_none() {
        existing.candidate.reason = other.candidate.reason;
    }
    if existing.candidate.location.is_none() {
        existing.candidate.location = other.candidate.location;
    }
}

fn same_dyad(a: &Candidate, b: &Candidate, symmetric: bool) -> bool {
    fn names(c: &Candidate) -> Vec<&str> {
        let mut all: Vec<&str> = c.targets.iter().map(|t| t.name.as_str()).collect();
        all.sort_unstable();
        all
    }
    if a.source.name == b.source.name && names(a) == names(b) {
        return true;
    }
    if symmetric {
        let mut left: Vec<&str> = std::iter::once(a.source.name.as_str())
            .chain(a.targets.iter().map(|t| t.name.as_str()))
            .collect();
        let mut right: Vec<&str> = std::iter::once(b.source.name.as_str())
            .chain(b.targets.iter().map(|t| t.name.as_str()))
            .collect();
        left.sort_unstable();
        right.sort_unstable();
        return left == right;
    }
    false
}
