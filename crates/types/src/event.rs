use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::actor::Actor;

/// The event types statecraft codes (DESIGN.md §3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum EventType {
    /// Impose sanctions, an embargo, or cut aid (CAMEO 163, 162x).
    SanctionImpose,
    /// Ease or lift sanctions (CAMEO 085).
    SanctionLift,
    /// Threaten sanctions (CAMEO 1312).
    SanctionThreaten,
    /// Accuse (CAMEO 112x).
    Accuse,
    /// Criticise or denounce (CAMEO 111).
    Condemn,
    /// Deny responsibility or an allegation (CAMEO 016).
    Deny,
    /// Demand (CAMEO 10x).
    Demand,
    /// Appeal or request (CAMEO 02x).
    Appeal,
    /// Threaten, other than sanctions (CAMEO 13x).
    Threaten,
    /// Meet, visit, negotiate (CAMEO 040-046).
    Meet,
    /// Agree or sign (CAMEO 057, 03x).
    Agree,
    /// Praise or endorse (CAMEO 051).
    Praise,
    /// Expel diplomats (CAMEO 166).
    Expel,
    /// Recall an ambassador or break relations (CAMEO 161).
    RecallAmbassador,
    /// Reduce relations or halt negotiations (CAMEO 160, 164).
    ReduceRelations,
    /// Public statement (CAMEO 010).
    Statement,
}

impl EventType {
    /// Every type, in proto order.
    pub const ALL: [EventType; 16] = [
        EventType::SanctionImpose,
        EventType::SanctionLift,
        EventType::SanctionThreaten,
        EventType::Accuse,
        EventType::Condemn,
        EventType::Deny,
        EventType::Demand,
        EventType::Appeal,
        EventType::Threaten,
        EventType::Meet,
        EventType::Agree,
        EventType::Praise,
        EventType::Expel,
        EventType::RecallAmbassador,
        EventType::ReduceRelations,
        EventType::Statement,
    ];

    /// The JSON name ("SANCTION_IMPOSE").
    pub fn as_str(self) -> &'static str {
        match self {
            EventType::SanctionImpose => "SANCTION_IMPOSE",
            EventType::SanctionLift => "SANCTION_LIFT",
            EventType::SanctionThreaten => "SANCTION_THREATEN",
            EventType::Accuse => "ACCUSE",
            EventType::Condemn => "CONDEMN",
            EventType::Deny => "DENY",
            EventType::Demand => "DEMAND",
            EventType::Appeal => "APPEAL",
            EventType::Threaten => "THREATEN",
            EventType::Meet => "MEET",
            EventType::Agree => "AGREE",
            EventType::Praise => "PRAISE",
            EventType::Expel => "EXPEL",
            EventType::RecallAmbassador => "RECALL_AMBASSADOR",
            EventType::ReduceRelations => "REDUCE_RELATIONS",
            EventType::Statement => "STATEMENT",
        }
    }

    /// Whether this is one of the sanction types.
    pub fn is_sanction(self) -> bool {
        matches!(
            self,
            EventType::SanctionImpose | EventType::SanctionLift | EventType::SanctionThreaten
        )
    }

    /// Whether the two sides play symmetric roles (a meeting or an agreement).
    pub fn is_symmetric(self) -> bool {
        matches!(self, EventType::Meet | EventType::Agree)
    }
}

impl fmt::Display for EventType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for EventType {
    type Err = crate::ProtocolError;

    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        let wanted = raw.trim().to_ascii_uppercase().replace(['-', ' '], "_");
        let wanted = wanted.strip_prefix("EVENT_TYPE_").unwrap_or(&wanted);
        EventType::ALL
            .into_iter()
            .find(|t| t.as_str() == wanted)
            .ok_or_else(|| crate::ProtocolError::new("type", format!("unknown event type {raw:?}")))
    }
}

/// Whether the text asserts, denies, reports or expects the event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Polarity {
    /// The text states the event happened.
    Asserted,
    /// The text states the event did not happen, or was refused.
    Denied,
    /// The text reports someone's claim that it happened.
    ReportedClaim,
    /// The event is planned, promised or hypothetical.
    Future,
}

impl Polarity {
    /// The JSON name ("ASSERTED").
    pub fn as_str(self) -> &'static str {
        match self {
            Polarity::Asserted => "ASSERTED",
            Polarity::Denied => "DENIED",
            Polarity::ReportedClaim => "REPORTED_CLAIM",
            Polarity::Future => "FUTURE",
        }
    }
}

/// How precise an event date is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum DatePrecision {
    /// A calendar day.
    Day,
    /// A month.
    Month,
    /// A year.
    Year,
}

/// An event date of day, month or year precision. Serialises as "YYYY-MM-DD", "YYYY-MM" or
/// "YYYY"; orders by its first day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EventDate {
    year: i32,
    month: Option<u32>,
    day: Option<u32>,
}

impl EventDate {
    /// A day; `None` when the date does not exist.
    pub fn day(year: i32, month: u32, day: u32) -> Option<Self> {
        chrono::NaiveDate::from_ymd_opt(year, month, day)?;
        Some(Self {
            year,
            month: Some(month),
            day: Some(day),
        })
    }

    /// A month; `None` when `month` is not 1..=12.
    pub fn month(year: i32, month: u32) -> Option<Self> {
        (1..=12).contains(&month).then_some(Self {
            year,
            month: Some(month),
            day: None,
        })
    }

    /// A year.
    pub fn year(year: i32) -> Self {
        Self {
            year,
            month: None,
            day: None,
        }
    }

    /// A day date from a chrono date.
    pub fn from_naive(date: chrono::NaiveDate) -> Self {
        use chrono::Datelike;
        Self {
            year: date.year(),
            month: Some(date.month()),
            day: Some(date.day()),
        }
    }

    /// The precision of this date.
    pub fn precision(&self) -> DatePrecision {
        match (self.month, self.day) {
            (Some(_), Some(_)) => DatePrecision::Day,
            (Some(_), None) => DatePrecision::Month,
            _ => DatePrecision::Year,
        }
    }

    /// First day covered by this date.
    pub fn first_day(&self) -> chrono::NaiveDate {
        chrono::NaiveDate::from_ymd_opt(self.year, self.month.unwrap_or(1), self.day.unwrap_or(1))
            .expect("constructors only build valid dates")
    }

    /// Last day covered by this date.
    pub fn last_day(&self) -> chrono::NaiveDate {
        match (self.month, self.day) {
            (Some(_), Some(_)) => self.first_day(),
            (Some(month), None) => {
                let (next_year, next_month) = if month == 12 {
                    (self.year + 1, 1)
                } else {
                    (self.year, month + 1)
                };
                chrono::NaiveDate::from_ymd_opt(next_year, next_month, 1)
                    .and_then(|d| d.pred_opt())
                    .expect("valid month")
            }
            _ => chrono::NaiveDate::from_ymd_opt(self.year, 12, 31).expect("valid year"),
        }
    }

    /// Whether `other` is at least as precise as `self` and falls within it
    /// ("2018-09-13" agrees with "2018-09" and with itself, not with "2018-09-14").
    pub fn is_agreed_by(&self, other: &EventDate) -> bool {
        let precise_enough = match self.precision() {
            DatePrecision::Day => other.precision() == DatePrecision::Day,
            DatePrecision::Month => other.precision() != DatePrecision::Year,
            DatePrecision::Year => true,
        };
        precise_enough
            && other.first_day() >= self.first_day()
            && other.last_day() <= self.last_day()
    }
}

impl fmt::Display for EventDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.month, self.day) {
            (Some(m), Some(d)) => write!(f, "{:04}-{m:02}-{d:02}", self.year),
            (Some(m), None) => write!(f, "{:04}-{m:02}", self.year),
            _ => write!(f, "{:04}", self.year),
        }
    }
}

impl FromStr for EventDate {
    type Err = crate::ProtocolError;

    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        let invalid = || {
            crate::ProtocolError::new(
                "date",
                format!("expected YYYY, YYYY-MM or YYYY-MM-DD, got {raw:?}"),
            )
        };
        let parts: Vec<&str> = raw.trim().split('-').collect();
        let number = |s: &str, len: usize| -> Result<u32, crate::ProtocolError> {
            if s.len() != len || !s.bytes().all(|b| b.is_ascii_digit()) {
                return Err(invalid());
            }
            s.parse().map_err(|_| invalid())
        };
        match parts.as_slice() {
            [y] => Ok(EventDate::year(number(y, 4)? as i32)),
            [y, m] => EventDate::month(number(y, 4)? as i32, number(m, 2)?).ok_or_else(invalid),
            [y, m, d] => EventDate::day(number(y, 4)? as i32, number(m, 2)?, number(d, 2)?)
                .ok_or_else(invalid),
            _ => Err(invalid()),
        }
    }
}

impl Serialize for EventDate {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for EventDate {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(deserializer)?;
        raw.parse().map_err(serde::de::Error::custom)
    }
}

/// PLOVER event type and mode.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Plover {
    /// PLOVER type; `None` where PLOVER has no equivalent.
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// PLOVER mode.
    pub mode: Option<String>,
}

/// Details that only sanction events carry.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct SanctionDetails {
    /// Measures ("asset_freeze", "visa_ban", "export_control", "embargo", "unspecified").
    pub measures: Vec<String>,
    /// Sanctions program ("DPRK").
    pub program: Option<String>,
    /// Deciding body ("OFAC").
    pub authority: Option<String>,
    /// Stated reason.
    pub reason: Option<String>,
}

/// The sentence an event was read from, with character offsets into the document text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evidence {
    /// The sentence text.
    pub sentence: String,
    /// Start offset in characters.
    pub start: u32,
    /// End offset in characters (exclusive).
    pub end: u32,
}

/// One coded event (DESIGN.md §3). Serialises to the event JSON.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// Deterministic id, see [`event_id`].
    pub event_id: String,
    /// The document it was read from.
    pub doc_id: String,
    /// Event type.
    #[serde(rename = "type")]
    pub event_type: EventType,
    /// CAMEO event code.
    pub cameo_code: String,
    /// PLOVER type and mode.
    pub plover: Plover,
    /// Goldstein value.
    pub goldstein: f64,
    /// GDELT quad class (1-4).
    pub quad_class: u32,
    /// Who acts.
    pub source: Actor,
    /// Who is acted upon.
    pub targets: Vec<Actor>,
    /// Event date, when known.
    pub date: Option<EventDate>,
    /// Precision of `date`; always `date.map(EventDate::precision)`.
    pub date_precision: Option<DatePrecision>,
    /// Where it happened.
    pub location: Option<String>,
    /// Asserted, denied, reported or future.
    pub polarity: Polarity,
    /// Who said it, for reported speech.
    pub attribution: Option<Actor>,
    /// Sanction details, for sanction types.
    pub details: Option<SanctionDetails>,
    /// Evidence sentence.
    pub evidence: Evidence,
    /// Confidence in [0, 1].
    pub confidence: f64,
    /// Coder version.
    pub coder_version: String,
    /// Rule that produced it.
    pub rule: String,
}

/// The deterministic id of the `ordinal`-th event the coder `coder_version` read from `doc_id`:
/// 32 hex characters of BLAKE3 over the three parts.
pub fn event_id(doc_id: &str, coder_version: &str, ordinal: usize) -> String {
    let mut hasher = blake3::Hasher::new();
    hasher.update(doc_id.as_bytes());
    hasher.update(&[0]);
    hasher.update(coder_version.as_bytes());
    hasher.update(&[0]);
    hasher.update(&(ordinal as u64).to_le_bytes());
    hasher.finalize().to_hex()[..32].to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_dates_parse_print_and_compare_by_precision() {
        let day: EventDate = "2018-09-13".parse().unwrap();
        let month: EventDate = "2018-09".parse().unwrap();
        let year: EventDate = "2018".parse().unwrap();
        assert_eq!(day.to_string(), "2018-09-13");
        assert_eq!(month.to_string(), "2018-09");
        assert_eq!(year.precision(), DatePrecision::Year);
        assert!(month.is_agreed_by(&day));
        assert!(
            !day.is_agreed_by(&month),
            "a month is not as precise as a day"
        );
        assert!(year.is_agreed_by(&month));
        assert!(!month.is_agreed_by(&"2018-10-01".parse().unwrap()));
        assert_eq!(month.last_day().to_string(), "2018-09-30");
        for bad in [
            "",
            "2018-13",
            "2018-02-30",
            "18-01-01",
            "2018-1-01",
            "2018-01-01-01",
        ] {
            assert!(
                bad.parse::<EventDate>().is_err(),
                "{bad:?} should be rejected"
            );
        }
    }

    #[test]
    fn event_type_names_round_trip() {
        for t in EventType::ALL {
            assert_eq!(t.as_str().parse::<EventType>().unwrap(), t);
            assert_eq!(serde_json_name(t), t.as_str());
        }
        assert_eq!(
            "event_type_meet".parse::<EventType>().unwrap(),
            EventType::Meet
        );
        assert!("SANCTION".parse::<EventType>().is_err());
    }

    fn serde_json_name(t: EventType) -> String {
        serde_json::to_value(t)
            .unwrap()
            .as_str()
            .unwrap()
            .to_owned()
    }

    #[test]
    fn event_ids_are_deterministic_and_distinct() {
        assert_eq!(event_id("d", "v1", 0), event_id("d", "v1", 0));
        assert_ne!(event_id("d", "v1", 0), event_id("d", "v1", 1));
        assert_ne!(event_id("d", "v1", 0), event_id("d", "v2", 0));
    }
}
