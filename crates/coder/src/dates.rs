//! Date expressions and their resolution against the publication date: "on Thursday" in a
//! Friday 2018-09-14 story is 2018-09-13; "in June" is the most recent June; "last month" is
//! the month before publication.

use std::sync::LazyLock;

use chrono::{Datelike, Duration, NaiveDate, Weekday};
use regex::Regex;
use statecraft_types::EventDate;

/// A date expression in a sentence, resolved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct DateMention {
    pub(crate) start: usize,
    pub(crate) end: usize,
    pub(crate) date: EventDate,
}

const MONTH: &str = r"(?:January|February|March|April|May|June|July|August|September|October|November|December|Jan\.?|Feb\.?|Mar\.?|Apr\.?|Jun\.?|Jul\.?|Aug\.?|Sept\.?|Sep\.?|Oct\.?|Nov\.?|Dec\.?)";

static FULL_DATE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"\b(?:(?P<m1>{MONTH})\s+(?P<d1>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<y1>(?:19|20)\d\d)|(?P<d2>\d{{1,2}})\s+(?P<m2>{MONTH})\s+(?P<y2>(?:19|20)\d\d)|(?P<y3>(?:19|20)\d\d)-(?P<mo3>\d\d)-(?P<d3>\d\d)|(?P<d4>\d\d)-(?P<mo4>\d\d)-(?P<y4>(?:19|20)\d\d))(?:[^0-9]|$)"
    ))
    .expect("valid full date regex")
});

static RELATIVE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"(?x)
        \b(?:
            (?:on\s+)?(?P<weekday>Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)\b
          | (?P<md_m>{MONTH})\s+(?P<md_d>\d{{1,2}})(?:st|nd|rd|th)?(?:,?\s+(?P<md_y>(?:19|20)\d\d))?\b
          | (?P<dm_d>\d{{1,2}})\s+(?P<dm_m>{MONTH})(?:\s+(?P<dm_y>(?:19|20)\d\d))?\b
          | (?:in|since|by|until|from|during|of|earlier\s+in|late\s+in|early\s+in|mid-)\s*(?P<m_m>{MONTH})(?:\s+(?P<m_y>(?:19|20)\d\d))?\b
          | (?:in|since|by|until|during)\s+(?P<y_only>(?:19|20)\d\d)\b
          | (?P<yesterday>yesterday)\b
          | (?P<today>today|this\s+morning|this\s+afternoon|this\s+evening|tonight)\b
          | (?P<last_unit>last|this|earlier\s+this|later\s+this)\s+(?P<unit>week|month|year)\b
        )"
    ))
    .expect("valid relative date regex")
});

fn month_number(raw: &str) -> Option<u32> {
    let key: String = raw
        .trim_end_matches('.')
        .chars()
        .take(3)
        .collect::<String>()
        .to_ascii_lowercase();
    let months = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ];
    months.iter().position(|m| *m == key).map(|i| i as u32 + 1)
}

/// Finds a complete calendar date (with year) in a dateline or header line.
pub(crate) fn publication_date(line: &str) -> Option<NaiveDate> {
    let caps = FULL_DATE.captures(line)?;
    let number = |name: &str| caps.name(name).and_then(|m| m.as_str().parse::<u32>().ok());
    if let (Some(m), Some(d), Some(y)) = (caps.name("m1"), number("d1"), number("y1")) {
        return NaiveDate::from_ymd_opt(y as i32, month_number(m.as_str())?, d);
    }
    if let (Some(d), Some(m), Some(y)) = (number("d2"), caps.name("m2"), number("y2")) {
        return NaiveDate::from_ymd_opt(y as i32, month_number(m.as_str())?, d);
    }
    if let (Some(y), Some(mo), Some(d)) = (number("y3"), number("mo3"), number("d3")) {
        return NaiveDate::from_ymd_opt(y as i32, mo, d);
    }
    if let (Some(d), Some(mo), Some(y)) = (number("d4"), number("mo4"), number("y4")) {
        return NaiveDate::from_ymd_opt(y as i32, mo, d);
    }
    None
}

/// Finds date expressions in a sentence and resolves them against `published`. Relative
/// expressions need a publication date; without one only absolute dates are returned.
pub(crate) fn find_dates(sentence: &str, published: Option<NaiveDate>) -> Vec<DateMention> {
    let mut found = Vec::new();
    for caps in RELATIVE.captures_iter(sentence) {
        let whole = caps.get(0).expect("match has group 0");
        let number = |name: &str| caps.name(name).and_then(|m| m.as_str().parse::<u32>().ok());
        let date = if let Some(weekday) = caps.name("weekday") {
            published
                .and_then(|p| previous_weekday(p, weekday.as_str()))
                .map(EventDate::from_naive)
        } else if let Some(month) = caps.name("md_m").or(caps.name("dm_m")) {
            let day = number("md_d").or(number("dm_d"));
            let year = number("md_y").or(number("dm_y"));
            month_number(month.as_str()).and_then(|m| day_in_context(m, day?, year, published))
        } else if let Some(month) = caps.name("m_m") {
            let month = month_number(month.as_str());
            match (month, number("m_y")) {
                (Some(m), Some(y)) => EventDate::month(y as i32, m),
                (Some(m), None) => published.and_then(|p| {
                    let year = if m <= p.month() {
                        p.year()
                    } else {
                        p.year() - 1
                    };
                    EventDate::month(year, m)
                }),
                _ => None,
            }
        } else if let Some(year) = number("y_only") {
            Some(EventDate::year(year as i32))
        } else if caps.name("yesterday").is_some() {
            published
                .and_then(|p| p.pred_opt())
                .map(EventDate::from_naive)
        } else if caps.name("today").is_some() {
            published.map(EventDate::from_naive)
        } else if let (Some(which), Some(unit)) = (caps.name("last_unit"), caps.name("unit")) {
            published.and_then(|p| relative_unit(p, which.as_str(), unit.as_str()))
        } else {
            None
        };
        if let Some(date) = date {
            found.push(DateMention {
                start: whole.start(),
                end: whole.end(),
                date,
            });
        }
    }
    found
}

fn previous_weekday(published: NaiveDate, name: &str) -> Option<NaiveDate> {
    let target: Weekday = name.parse().ok()?;
    let back = (7 + published.weekday().num_days_from_monday() - target.num_days_from_monday()) % 7;
    published.checked_sub_signed(Duration::days(i64::from(back)))
}

fn day_in_context(
    month: u32,
    day: u32,
    year: Option<u32>,
    published: Option<NaiveDate>,
) -> Option<EventDate> {
    if let Some(year) = year {
        return EventDate::day(year as i32, month, day);
    }
    let published = published?;
    let same_year = NaiveDate::from_ymd_opt(published.year(), month, day)?;
    // A day-month without a year more than a week after publication is last year's.
    if same_year > published + Duration::days(7) {
        EventDate::day(published.year() - 1, month, day)
    } else {
        Some(EventDate::from_naive(same_year))
    }
}

fn relative_unit(published: NaiveDate, which: &str, unit: &str) -> Option<EventDate> {
    let last = which.starts_with("last");
    match unit {
        "week" if last => Some(EventDate::from_naive(published - Duration::days(7))).map(|d| {
            let first = d.first_day();
            EventDate::month(first.year(), first.month()).unwrap_or(d)
        }),
        "week" => EventDate::month(published.year(), published.month()),
        "month" if last => {
            let (year, month) = if published.month() == 1 {
                (published.year() - 1, 12)
            } else {
                (published.year(), published.month() - 1)
            };
            EventDate::month(year, month)
        }
        "month" => EventDate::month(published.year(), published.month()),
        "year" if last => Some(EventDate::year(published.year() - 1)),
        "year" => Some(EventDate::year(published.year())),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn friday() -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(2018, 9, 14)
    }

    fn resolved(sentence: &str) -> Vec<String> {
        find_dates(sentence, friday())
            .iter()
            .map(|d| d.date.to_string())
            .collect()
    }

    #[test]
    fn relative_dates_resolve_against_publication() {
        assert_eq!(
            resolved("The ministry said on Thursday that it would act."),
            vec!["2018-09-13"]
        );
        assert_eq!(resolved("They met on Friday."), vec!["2018-09-14"]);
        assert_eq!(
            resolved("The envoys met in June in Vienna."),
            vec!["2018-06"]
        );
        assert_eq!(resolved("Talks collapsed in November."), vec!["2017-11"]);
        assert_eq!(resolved("A report was filed last month."), vec!["2018-08"]);
        assert_eq!(
            resolved("Sanctions were first imposed in 1997."),
            vec!["1997"]
        );
        assert_eq!(
            resolved("It happened on Sept. 3 and on 2 February 2016."),
            vec!["2018-09-03", "2016-02-02"]
        );
        assert_eq!(
            resolved("The deal signed in March 2015 collapsed yesterday."),
            vec!["2015-03", "2018-09-13"]
        );
        assert_eq!(resolved("Nothing dated here."), Vec::<String>::new());
        assert!(find_dates("They met on Thursday.", None).is_empty());
    }

    #[test]
    fn publication_dates_come_from_datelines() {
        let expect = NaiveDate::from_ymd_opt(2018, 9, 14);
        assert_eq!(publication_date("Fri Sep 14, 2018 06:50AM"), expect);
        assert_eq!(publication_date("Published 14 September 2018"), expect);
        assert_eq!(publication_date("2018-09-14T06:50:00Z"), expect);
        assert_eq!(publication_date("Updated: 14-09-2018 20:31 IST"), expect);
        assert_eq!(publication_date("Iran Press TV"), None);
        assert_eq!(publication_date("Sep 31, 2018"), None);
    }
}
