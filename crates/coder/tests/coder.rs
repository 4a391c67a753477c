//! Behaviour of the coder on sentences we wrote for each rule, and its robustness on
//! arbitrary input.

use chrono::NaiveDate;
use proptest::prelude::*;
use statecraft_coder::{CODER_VERSION, Coder};
use statecraft_types::{ActorKind, DatePrecision, EventType, Polarity};

fn code(text: &str) -> Vec<statecraft_types::Event> {
    let coder = Coder::new();
    coder
        .code("doc", text, NaiveDate::from_ymd_opt(2021, 3, 12))
        .events
}

fn summary(events: &[statecraft_types::Event]) -> Vec<String> {
    events
        .iter()
        .map(|e| {
            let targets: Vec<String> = e.targets.iter().map(|t| t.name.clone()).collect();
            format!(
                "{} {} -> {}",
                e.event_type,
                e.source.name,
                targets.join(" + ")
            )
        })
        .collect()
}

#[test]
fn a_sanctions_list_with_based_companies_is_one_event_with_every_target() {
    let events = code(
        "The European Union said on Wednesday that the new sanctions target Minsk-based Arktic Timber Ltd, \
         and a Belarusian-based affiliate, Northway Logistics, the bloc's statement added.",
    );
    assert_eq!(events.len(), 1, "{:?}", summary(&events));
    let event = &events[0];
    assert_eq!(event.event_type, EventType::SanctionImpose);
    assert_eq!(event.cameo_code, "163");
    assert_eq!(event.plover.kind.as_deref(), Some("SANCTION"));
    assert_eq!(event.goldstein, -8.0);
    assert_eq!(event.quad_class, 4);
    assert_eq!(event.source.name, "European Union");
    let targets: Vec<(&str, Option<&str>, ActorKind)> = event
        .targets
        .iter()
        .map(|t| (t.name.as_str(), t.country.as_deref(), t.kind))
        .collect();
    assert_eq!(
        targets,
        vec![
            ("Arktic Timber Ltd", Some("BLR"), ActorKind::Company),
            ("Northway Logistics", Some("BLR"), ActorKind::Company),
        ]
    );
    assert_eq!(
        event.date.unwrap().to_string(),
        "2021-03-10",
        "Wednesday before a Friday story"
    );
    assert_eq!(event.date_precision, Some(DatePrecision::Day));
    assert_eq!(event.rule, "sanction.impose.nominal");
    assert_eq!(event.coder_version, CODER_VERSION);
    assert!(
        event
            .evidence
            .sentence
            .starts_with("The European Union said")
    );
}

#[test]
fn accusations_denials_and_coreference_follow_the_story() {
    let events = code(
        "Canada accused Iran of shielding the crews of two seized tankers. Tehran has denied it. \
         Foreign Minister Ines Carver said Iran was seeking to hide the evidence. \
         Carver called on the shipping companies across the region to check their cargo.",
    );
    assert_eq!(
        summary(&events),
        vec![
            "ACCUSE Canada -> Iran",
            "DENY Iran -> Canada",
            "ACCUSE Ines Carver -> Iran",
            "APPEAL Ines Carver -> shipping companies across the region",
        ]
    );
    assert_eq!(events[3].targets[0].kind, ActorKind::Group);
    assert_eq!(events[1].source.mention, "Tehran");
    assert_eq!(
        events[2].source.country.as_deref(),
        None,
        "a new person without a state word"
    );
}

#[test]
fn meetings_agreements_and_negation_are_coded_with_place_and_month() {
    let events = code(
        "A summit between Vladimir Putin and Recep Tayyip Erdogan took place in January in Sochi. \
         Following the Putin-Erdogan meeting in January, the two leaders signed a trade agreement. \
         Russia did not accuse Turkey of anything.",
    );
    let summary = summary(&events);
    assert!(
        summary.contains(&"MEET Vladimir Putin -> Recep Tayyip Erdogan".to_owned()),
        "{summary:?}"
    );
    assert!(
        summary.contains(&"AGREE Vladimir Putin -> Recep Tayyip Erdogan".to_owned()),
        "{summary:?}"
    );
    let meetings: Vec<_> = events
        .iter()
        .filter(|e| e.event_type == EventType::Meet)
        .collect();
    assert_eq!(
        meetings.len(),
        1,
        "two reports of one meeting are merged: {summary:?}"
    );
    assert_eq!(meetings[0].date.unwrap().to_string(), "2021-01");
    assert_eq!(meetings[0].location.as_deref(), Some("Sochi"));
    assert_eq!(meetings[0].cameo_code, "044");
    let accusation = events
        .iter()
        .find(|e| e.event_type == EventType::Accuse)
        .expect("negated accusation");
    assert_eq!(accusation.polarity, Polarity::Denied);
}

#[test]
fn boilerplate_headings_and_datelines_are_set_aside() {
    let coder = Coder::new();
    let coded = coder.code(
        "doc",
        "Donate now to keep us online - make a charitable donation today\n\n\
         Britain expels Russian diplomats\n\nTue Mar 13, 2018 10:00AM\n\n\
         Britain is expelling 20 Russian envoys, the government said on Monday.\n\n\
         Join the Example mailing list",
        None,
    );
    assert_eq!(
        coded.title.as_deref(),
        Some("Britain expels Russian diplomats")
    );
    assert_eq!(coded.published, NaiveDate::from_ymd_opt(2018, 3, 13));
    assert_eq!(
        coded.events.len(),
        1,
        "the headline is not coded a second time"
    );
    let expel = &coded.events[0];
    assert_eq!(expel.event_type, EventType::Expel);
    assert_eq!(expel.targets[0].country.as_deref(), Some("RUS"));
    assert_eq!(expel.date.unwrap().to_string(), "2018-03-12");
}

#[test]
fn noun_uses_of_sanctions_are_not_events() {
    let events = code(
        "UN sanctions on North Korea remain in force. The US demand was ignored by Pyongyang, \
         which said it would meet the US demand later. Washington has maintained sanctions against Cuba.",
    );
    assert!(events.is_empty(), "{:?}", summary(&events));
}

#[test]
fn coding_is_deterministic() {
    let text = "Japan imposed sanctions on three Russian banks on Monday.";
    assert_eq!(code(text), code(text));
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, .. ProptestConfig::default() })]

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,400}") {
        let coder = Coder::new();
        let coded = coder.code("doc", &text, None);
        for event in coded.events {
            prop_assert!(event.evidence.end as usize <= text.chars().count());
        }
    }

    #[test]
    fn news_like_fragments_never_panic(parts in proptest::collection::vec(
        prop_oneof![
            Just("The US Treasury"), Just("sanctioned"), Just("Moscow’s"), Just("“"), Just("accused"),
            Just("Kim Jong-un"), Just("China-based"), Just("Co."), Just(" "), Just(", "), Just(". "),
            Just("the companies"), Just("he"), Just("on Thursday"), Just("summit between"), Just("and"),
            Just("é"), Just("-"), Just("'s"), Just("said that"), Just("denied"), Just("\n\n"),
        ],
        0..60,
    )) {
        let text: String = parts.concat();
        let coder = Coder::new();
        let _ = coder.code("doc", &text, NaiveDate::from_ymd_opt(2020, 1, 1));
    }
}

#[test]
fn a_megabyte_without_punctuation_is_coded_in_bounded_time() {
    let word_salad =
        "Russia accused Ukraine and the United States imposed sanctions on Acme Co ".repeat(14_000);
    let started = std::time::Instant::now();
    let coded = Coder::new().code("doc", &word_salad, None);
    assert!(!coded.events.is_empty());
    assert!(
        started.elapsed() < std::time::Duration::from_secs(20),
        "took {:?}",
        started.elapsed()
    );
}

fn find(events: &[statecraft_types::Event], event_type: EventType) -> &statecraft_types::Event {
    events
        .iter()
        .find(|e| e.event_type == event_type)
        .unwrap_or_else(|| panic!("no {event_type} in {:?}", summary(events)))
}

#[test]
fn quoted_speakers_are_the_sources_of_what_they_say() {
    let events = code(
        "\"We are ready to impose sanctions on Minsk,\" Foreign Minister Anna Lind said on Tuesday. \
         \"Belarus is ruled by an illegitimate regime,\" she added.",
    );
    let threat = find(&events, EventType::SanctionThreaten);
    assert_eq!(threat.source.name, "Anna Lind");
    assert_eq!(threat.targets[0].name, "Belarus");
    assert_eq!(threat.date.unwrap().to_string(), "2021-03-09");
    let condemn = find(&events, EventType::Condemn);
    assert_eq!(
        (
            condemn.source.name.as_str(),
            condemn.targets[0].name.as_str()
        ),
        ("Anna Lind", "Belarus")
    );
    assert_eq!(condemn.rule, "condemn.quoted");
}

#[test]
fn a_quotation_over_two_sentences_takes_the_speaker_named_at_its_end() {
    let events = code(
        "\"Caracas must free the detainees. If it does not, Venezuela will face very real consequences, \
         including new sanctions,\" Treasury Secretary Janet Yellen said.",
    );
    let threat = find(&events, EventType::SanctionThreaten);
    assert_eq!(threat.source.name, "Janet Yellen");
    assert_eq!(threat.targets[0].country.as_deref(), Some("VEN"));
    assert_eq!(threat.rule, "sanction.threaten.face");
}

#[test]
fn coordinated_subjects_make_one_event_each_and_intransitive_meetings_pair_them() {
    let events = code(
        "France and Germany have proposed that the Security Council meet on the crisis. Vladimir Putin and Xi Jinping met in Beijing in May.",
    );
    let appeals: Vec<&str> = events
        .iter()
        .filter(|e| e.event_type == EventType::Appeal)
        .map(|e| e.source.name.as_str())
        .collect();
    assert_eq!(appeals, vec!["Germany", "France"]);
    let meeting = find(&events, EventType::Meet);
    assert_eq!(
        (
            meeting.source.name.as_str(),
            meeting.targets[0].name.as_str()
        ),
        ("Vladimir Putin", "Xi Jinping")
    );
    assert_eq!(meeting.date.unwrap().to_string(), "2020-05");
}

#[test]
fn an_appeal_to_stop_is_a_demand() {
    let events =
        code("Germany urged Iran to stop enriching uranium. Germany urged Iran to join the talks.");
    assert_eq!(
        summary(&events),
        vec!["DEMAND Germany -> Iran", "APPEAL Germany -> Iran"]
    );
    assert_eq!(events[0].cameo_code, "100");
    assert_eq!(events[0].rule, "demand.urge");
}

#[test]
fn undated_events_take_the_story_date_and_lead_and_body_reports_merge() {
    let events = code(
        "The Biden administration on Wednesday eased sanctions on Venezuela. \
         The Treasury Department lifted restrictions on Venezuela's oil sector. \
         Washington also accused Caracas of jailing opposition figures.",
    );
    let lifts: Vec<_> = events
        .iter()
        .filter(|e| e.event_type == EventType::SanctionLift)
        .collect();
    assert_eq!(
        lifts.len(),
        1,
        "one action reported twice: {:?}",
        summary(&events)
    );
    assert_eq!(
        lifts[0].source.name, "U.S. Department of the Treasury",
        "the more specific source is kept"
    );
    assert_eq!(lifts[0].date.unwrap().to_string(), "2021-03-10");
    let accusation = find(&events, EventType::Accuse);
    assert_eq!(
        accusation.date.unwrap().to_string(),
        "2021-03-10",
        "dated by the story's anchor"
    );
    assert!(
        accusation.confidence < 0.9,
        "an anchored date lowers confidence"
    );
}
