//! The trigger table: which words start which event frame. Each rule names the event type,
//! its CAMEO code and how arguments are found around the trigger.

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
    /// SOURCE recalled its ambassador to/from TARGET.
    Recall,
    /// SOURCE's summit with TARGET.
    WithPossessor,
    /// "The brutal regime of X ...," SPEAKER said: a judgement inside a quotation.
    QuotedJudgement,
    /// TARGET will face sanctions (said by the speaker or sayer).
    Faces,
}

/// One trigger rule.
#[derive(Debug, Clone)]
pub(crate) struct Rule {
    pub(crate) name: &'static str,
    pub(crate) event_type: EventType,
    pub(crate) cameo: &'static str,
    pub(crate) shape: Shape,
    /// Whether a generic group ("two tech firms") may stand as the target.
    pub(crate) generic_targets: bool,
    pub(crate) confidence: f64,
    /// Words of which one must follow the trigger in the same clause ("sanctions" after
    /// "lifted"); empty for none.
    pub(crate) requires: &'static [&'static str],
}

/// What a "will face" threat must mention to be a sanctions threat.
const THREAT_CONSEQUENCES: &[&str] = &["sanction", "consequences", "penalties", "measures"];

/// Nouns that make a lifting verb a sanctions event.
const SANCTION_NOUNS: &[&str] = &[
    "sanction",
    "embargo",
    "blacklist",
    "designated nationals",
    "entity list",
    "asset freeze",
    "restrictions",
];

const fn rule(
    name: &'static str,
    event_type: EventType,
    cameo: &'static str,
    shape: Shape,
    generic_targets: bool,
    confidence: f64,
) -> Rule {
    Rule {
        name,
        event_type,
        cameo,
        shape,
        generic_targets,
        confidence,
        requires: &[],
    }
}

/// Every rule with its lower-case trigger phrases.
#[rustfmt::skip]
pub(crate) fn rules() -> Vec<(Rule, Vec<String>)> {
    use EventType::*;
    use Shape::*;
    let words = |list: &[&str]| list.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
    vec![
        (rule("sanction.impose.verb", SanctionImpose, "163", ActiveList, true, 0.9), sanction_phrases()),
        (
            rule("sanction.impose.designate", SanctionImpose, "163", ActiveList, false, 0.8),
            words(&["sanctioned", "sanctions", "blacklisted", "designated", "has sanctioned", "have sanctioned", "also sanctioned", "recently designated"]),
        ),
        (
            rule("sanction.impose.nominal", SanctionImpose, "163", Nominal, false, 0.85),
            words(&[
                "the new sanctions target", "new sanctions target", "the sanctions target", "the new sanctions targeted",
                "the sanctions targeted", "the measures target", "the new measures target", "the move took aim at",
                "took aim at", "the move blacklisted", "the sanctions are aimed at", "the sanctions were aimed at",
            ]),
        ),
        (
            rule("sanction.impose.passive", SanctionImpose, "163", Passive, false, 0.85),
            words(&[
                "was sanctioned by", "were sanctioned by", "was blacklisted by", "were blacklisted by",
                "was designated by", "were designated by", "have been sanctioned by", "has been sanctioned by",
            ]),
        ),
        (
            Rule { requires: SANCTION_NOUNS, ..rule("sanction.lift", SanctionLift, "085", ActiveList, false, 0.8) },
            lift_phrases(),
        ),
        (
            rule("sanction.threaten", SanctionThreaten, "1312", Active, true, 0.75),
            words(&[
                "threatened sanctions against", "threatened sanctions on", "threatened to impose sanctions on",
                "threatened to impose sanctions against", "threatens sanctions against", "threatens to impose sanctions on",
                "threatened to sanction", "threatens to sanction", "threatened new sanctions against",
                "threatened further sanctions against", "warned of sanctions against", "warned of further sanctions against",
                "will not hesitate to take further action against", "will not hesitate to take additional action against",
                "will not hesitate to impose", "prepared to impose sanctions on", "ready to impose sanctions on",
                "will impose sanctions on", "would impose sanctions on", "prepared to take additional action",
                "prepared to take further action", "threatened to reimpose sanctions on", "could reimpose sanctions on",
                "would reimpose sanctions on", "will not hesitate to take further action", "prepared to amend or revoke",
                "prepared to revoke", "will reverse these steps", "would reverse these steps",
            ]),
        ),
        (
            rule("sanction.lift.license", SanctionLift, "085", ActiveList, false, 0.75),
            words(&[
                "issued general licenses authorizing transactions involving", "issued a general license authorizing transactions involving",
                "issued general licenses authorizing", "issued a general license authorizing",
            ]),
        ),
        (
            Rule { requires: THREAT_CONSEQUENCES, ..rule("sanction.threaten.face", SanctionThreaten, "1312", Faces, false, 0.65) },
            words(&["will face", "would face", "could face", "faces", "will find that"]),
        ),
        (
            rule("accuse.verb", Accuse, "112", Active, true, 0.9),
            words(&["accused", "accuses", "accusing", "accuse", "blamed", "blames", "blaming", "charged"]),
        ),
        (
            rule("accuse.reported_wrongdoing", Accuse, "112", ReportedWrongdoing, false, 0.7),
            words(&[
                "was seeking to cover up", "were seeking to cover up", "is seeking to cover up", "covered up", "was covering up",
                "were covering up", "is covering up", "had violated", "has violated", "violated", "was violating", "is violating",
                "had breached", "breached", "pressured", "had pressured", "obstructed", "meddled in", "interfered in",
                "was responsible for", "were responsible for", "was behind", "was culpable", "were culpable", "was complicit",
                "was seeking to hide", "was hiding", "had hidden", "concealed", "was concealing", "had supplied weapons to",
                "was funding", "had funded", "was smuggling", "had smuggled",
            ]),
        ),
        (
            rule("condemn.verb", Condemn, "111", Active, false, 0.85),
            words(&[
                "condemned", "condemns", "condemning", "criticized", "criticised", "criticizes", "criticises", "denounced",
                "denounces", "slammed", "slams", "blasted", "rebuked", "deplored", "lambasted",
            ]),
        ),
        (
            rule("condemn.declare", Condemn, "111", Declare, false, 0.75),
            words(&["declared", "declares", "called", "calls", "labelled", "labeled", "branded", "brands", "described"]),
        ),
        (
            rule("condemn.quoted", Condemn, "111", QuotedJudgement, false, 0.65),
            words(&[
                "shameful", "illegitimate", "brutal", "direct assault", "outrageous", "unacceptable", "deplorable", "reckless",
                "despicable", "barbaric", "heinous", "criminal regime", "murderous",
            ]),
        ),
        (
            rule("deny.verb", Deny, "016", Denial, false, 0.8),
            words(&[
                "denied", "denies", "has denied", "have denied", "rejected the allegations", "rejected the accusations",
                "rejected the accusation", "dismissed the allegations", "dismissed the accusations", "the allegations were",
                "the accusations were", "the accusation was", "the charges were", "the claims were",
            ]),
        ),
        (
            rule("demand.verb", Demand, "100", Active, true, 0.8),
            words(&["demanded", "demands", "demanding", "demand that", "insisted that"]),
        ),
        // Reached only by reclassifying an appeal to stop or undo something ("urged X to stop").
        (rule("demand.urge", Demand, "100", Active, true, 0.75), Vec::new()),
        (
            rule("appeal.verb", Appeal, "020", Active, true, 0.75),
            words(&[
                "called on", "calls on", "calling on", "urged", "urges", "urging", "appealed to", "appeals to", "warned",
                "warns", "suggested", "proposed", "asked", "requested",
            ]),
        ),
        (rule("threaten.verb", Threaten, "130", Active, false, 0.7), words(&["threatened", "threatens", "threatening"])),
        (
            rule("meet.verb", Meet, "040", Active, false, 0.85),
            words(&[
                "met with", "met", "meets with", "meets", "held talks with", "holds talks with", "hold talks with",
                "will meet", "is meeting", "spoke by phone with", "spoke by telephone with", "visited", "hosted",
            ]),
        ),
        (
            rule("meet.between", Meet, "040", Between, false, 0.8),
            words(&["summit between", "meeting between", "talks between", "negotiations between", "meetings between"]),
        ),
        (rule("meet.with", Meet, "040", WithPossessor, false, 0.75), words(&["summit with", "meeting with", "talks with"])),
        (rule("meet.hyphen", Meet, "040", HyphenPair, false, 0.75), words(&["summit", "meeting", "talks"])),
        (rule("agree.signed", Agree, "057", Signed, false, 0.8), words(&["signed", "signs"])),
        (
            rule("praise.verb", Praise, "051", Active, false, 0.75),
            words(&["praised", "praises", "thanked", "thanks", "welcomed", "hailed", "commended", "lauded"]),
        ),
        (
            rule("expel.verb", Expel, "166", Active, true, 0.85),
            words(&["expelled", "expels", "expelling", "is expelling", "will expel", "ordered the expulsion of"]),
        ),
        (
            rule("recall.ambassador", RecallAmbassador, "161", Recall, false, 0.85),
            words(&[
                "recalled its ambassador", "recalling its ambassador", "recalls its ambassador", "recall its ambassador",
                "recalled their ambassador", "withdrew its ambassador", "recalled its envoy",
            ]),
        ),
        (
            rule("relations.reduce", ReduceRelations, "160", Active, false, 0.75),
            words(&[
                "cut off all high-level contacts with", "cut off contacts with", "cut off all contacts with", "cut ties with",
                "severed ties with", "severed diplomatic relations with", "broke off diplomatic relations with",
                "suspended talks with", "halted talks with", "downgraded relations with", "suspended relations with",
                "froze relations with", "froze contacts with", "expelled the ambassador of",
            ]),
        ),
    ]
}

fn sanction_phrases() -> Vec<String> {
    let verbs = [
        "imposed",
        "imposes",
        "imposing",
        "impose",
        "slapped",
        "slaps",
        "slapping",
        "placed",
        "places",
        "levied",
        "announced",
        "announces",
        "approved",
        "approves",
        "adopted",
        "ramped up",
        "tightened",
        "expanded",
        "unveiled",
    ];
    let adjectives = [
        "",
        "new ",
        "fresh ",
        "further ",
        "additional ",
        "more ",
        "economic ",
        "financial ",
        "tough ",
        "tougher ",
        "new economic ",
        "targeted ",
    ];
    let nouns = [
        "sanctions",
        "an embargo",
        "a trade embargo",
        "an arms embargo",
        "an asset freeze",
        "a travel ban",
    ];
    let preps = [
        " on",
        " against",
        " targeting",
        " that target",
        " that targeted",
        " aimed at",
    ];
    let mut out = Vec::new();
    for verb in verbs {
        for adjective in adjectives {
            for noun in nouns {
                if !adjective.is_empty() && noun != "sanctions" {
                    continue;
                }
                for prep in preps {
                    out.push(format!("{verb} {adjective}{noun}{prep}"));
                }
            }
        }
    }
    out
}

fn lift_phrases() -> Vec<String> {
    [
        "lifted",
        "lifts",
        "lifting",
        "lift",
        "eased",
        "eases",
        "easing",
        "relaxed",
        "waived",
        "revoked",
        "rolled back",
        "suspended",
        "removed",
        "removes",
        "remove",
        "delisted",
        "unfroze",
        "unblocked",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect()
}
