//! The CAMEO event codes statecraft emits, with Goldstein values and PLOVER mappings
//! (ONTOLOGY.md §2 and §4: 163 follows the PLOVER manual, SANCTION/discontinue).

/// One CAMEO event code and what it maps to.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CameoCode {
    /// The code ("163").
    pub code: &'static str,
    /// CAMEO name.
    pub name: &'static str,
    /// Goldstein scale value.
    pub goldstein: f64,
    /// PLOVER type; `None` for CAMEO 01/02, which PLOVER dropped.
    pub plover_type: Option<&'static str>,
    /// PLOVER mode.
    pub plover_mode: Option<&'static str>,
}

const fn code(
    code: &'static str,
    name: &'static str,
    goldstein: f64,
    plover_type: Option<&'static str>,
    plover_mode: Option<&'static str>,
) -> CameoCode {
    CameoCode {
        code,
        name,
        goldstein,
        plover_type,
        plover_mode,
    }
}

const CODES: &[CameoCode] = &[
    code("010", "Make statement", 0.0, None, None),
    code("016", "Deny responsibility", -2.0, None, None),
    code("020", "Appeal", 3.0, None, None),
    code("022", "Appeal for diplomatic cooperation", 3.2, None, None),
    code(
        "0254",
        "Appeal for easing of economic sanctions",
        -0.3,
        None,
        None,
    ),
    code(
        "026",
        "Appeal to others to meet or negotiate",
        4.0,
        None,
        None,
    ),
    code(
        "030",
        "Express intent to cooperate",
        4.0,
        Some("AGREE"),
        None,
    ),
    code(
        "0354",
        "Express intent to ease economic sanctions",
        7.0,
        Some("AGREE"),
        None,
    ),
    code(
        "036",
        "Express intent to meet or negotiate",
        4.0,
        Some("AGREE"),
        None,
    ),
    code("040", "Consult", 1.0, Some("CONSULT"), None),
    code(
        "041",
        "Discuss by telephone",
        1.0,
        Some("CONSULT"),
        Some("phone"),
    ),
    code("042", "Make a visit", 1.9, Some("CONSULT"), Some("visit")),
    code("043", "Host a visit", 2.8, Some("CONSULT"), Some("visit")),
    code(
        "044",
        "Meet at a third location",
        2.5,
        Some("CONSULT"),
        Some("third-party"),
    ),
    code("046", "Engage in negotiation", 7.0, Some("CONSULT"), None),
    code("051", "Praise or endorse", 3.4, Some("SUPPORT"), None),
    code("057", "Sign formal agreement", 8.0, Some("SUPPORT"), None),
    code(
        "085",
        "Ease economic sanctions, boycott, embargo",
        7.0,
        Some("RETREAT"),
        None,
    ),
    code("100", "Demand", -5.0, Some("REQUEST"), None),
    code(
        "1054",
        "Demand easing of economic sanctions",
        -5.0,
        Some("REQUEST"),
        Some("yield"),
    ),
    code(
        "106",
        "Demand meeting, negotiation",
        -5.0,
        Some("REQUEST"),
        Some("meet"),
    ),
    code(
        "111",
        "Criticize or denounce",
        -2.0,
        Some("ACCUSE"),
        Some("disapprove"),
    ),
    code("112", "Accuse", -2.0, Some("ACCUSE"), Some("disapprove")),
    code(
        "1121",
        "Accuse of crime, corruption",
        -2.0,
        Some("ACCUSE"),
        Some("allege"),
    ),
    code(
        "1122",
        "Accuse of human rights abuses",
        -2.0,
        Some("ACCUSE"),
        Some("allege"),
    ),
    code(
        "1123",
        "Accuse of aggression",
        -2.0,
        Some("ACCUSE"),
        Some("allege"),
    ),
    code(
        "1125",
        "Accuse of espionage, treason",
        -2.0,
        Some("ACCUSE"),
        Some("allege"),
    ),
    code("130", "Threaten", -4.4, Some("THREATEN"), None),
    code(
        "1312",
        "Threaten to boycott, embargo, or sanction",
        -5.8,
        Some("THREATEN"),
        Some("restrict"),
    ),
    code(
        "1313",
        "Threaten to reduce or break relations",
        -5.8,
        Some("THREATEN"),
        Some("relations"),
    ),
    code(
        "138",
        "Threaten with military force",
        -7.0,
        Some("THREATEN"),
        Some("violence"),
    ),
    code("160", "Reduce relations", -4.0, Some("SANCTION"), None),
    code(
        "161",
        "Reduce or break diplomatic relations",
        -4.0,
        Some("SANCTION"),
        Some("withdraw"),
    ),
    code(
        "162",
        "Reduce or stop aid",
        -5.6,
        Some("SANCTION"),
        Some("discontinue"),
    ),
    code(
        "163",
        "Impose embargo, boycott, or sanctions",
        -8.0,
        Some("SANCTION"),
        Some("discontinue"),
    ),
    code(
        "164",
        "Halt negotiations",
        -7.0,
        Some("SANCTION"),
        Some("withdraw"),
    ),
    code(
        "166",
        "Expel or withdraw",
        -7.0,
        Some("SANCTION"),
        Some("expel"),
    ),
];

/// Looks up a CAMEO code statecraft emits.
pub fn cameo_code(code: &str) -> Option<&'static CameoCode> {
    CODES.iter().find(|c| c.code == code)
}

/// GDELT quad class of a CAMEO code from its root: 1 verbal cooperation (01-05), 2 material
/// cooperation (06-09), 3 verbal conflict (10-14), 4 material conflict (15-20).
pub fn quad_class_of(code: &str) -> u32 {
    let root: u32 = code.get(..2).and_then(|r| r.parse().ok()).unwrap_or(0);
    match root {
        1..=5 => 1,
        6..=9 => 2,
        10..=14 => 3,
        _ => 4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_follow_the_ontology() {
        let sanction = cameo_code("163").unwrap();
        assert_eq!(sanction.goldstein, -8.0);
        assert_eq!(sanction.plover_type, Some("SANCTION"));
        assert_eq!(sanction.plover_mode, Some("discontinue"));
        assert_eq!(cameo_code("016").unwrap().plover_type, None);
        assert_eq!(quad_class_of("044"), 1);
        assert_eq!(quad_class_of("085"), 2);
        assert_eq!(quad_class_of("1312"), 3);
        assert_eq!(quad_class_of("163"), 4);
        assert!(cameo_code("999").is_none());
        let mut seen = std::collections::HashSet::new();
        assert!(
            CODES.iter().all(|c| seen.insert(c.code)),
            "duplicate code in table"
        );
    }
}
