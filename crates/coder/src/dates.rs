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
        r"\b(?:(?P<m1>{MONTH})\s+(?P<d1>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<y1>(?:19|20)\d\d)|(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<m2>{MONTH}),?\s+(?P<y2>(?:19|20)\d\d)|(?P<y3>(?:19|20)\d\d)-(?P<mo3>\d\d)-(?P<d3>\d\d)|(?P<d4>\d\d)-(?P<mo4>\d\d)-(?P<y4>(?:19|20)\d\d)|(?P<a5>\d{{1,2}})/(?P<b5>\d{{1,2}})/(?P<y5>(?:19|20)\d\d|\d\d))(?:[^0-9/]|$)"
    ))
    .expect("valid full date regex")
});

/// Words that announce a dateline or byline date ("Updated: ...", "Posted ...").
const DATELINE_MARKERS: &[&str] = &[
    "published",
    "updated",
    "last updated",
    "first published",
    "posted",
    "modified",
    "date",
    "dated",
    "released",
    "issued",
];

const WEEKDAYS: &[&str] = &[
    "mon",
    "monday",
    "tue",
    "tues",
    "tuesday",
    "wed",
    "wednesday",
    "thu",
    "thur",
    "thurs",
    "thursday",
    "fri",
    "friday",
    "sat",
    "saturday",
    "sun",
    "sunday",
];

/// Separators that set a dateline's date off from what precedes it on the line: an agency
/// ("(Agency - 3 March 2020)"), a byline ("By A. Writer | ..."), a source ("Source: X| ...").
const DATELINE_SEPARATORS: &[char] = &['|', '•', '·', '-', '–', '—', '(', '[', '/'];

/// Most words before a separator that still read as a byline or agency, not a sentence.
const MAX_BYLINE_WORDS: usize = 8;

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

/// The date of a dateline or byline: a complete calendar date that opens the line, or
/// follows only a marker ("Updated:", "Posted"), a weekday ("Fri"), a place in capitals
/// ("WASHINGTON,") or a short byline or agency set off by a separator ("By A. Writer |",
/// "(Agency - "). A date the line merely mentions ("talks set for March 5, 2019") is none.
pub(crate) fn dateline_date(line: &str) -> Option<NaiveDate> {
    FULL_DATE.captures_iter(line).find_map(|caps| {
        let whole = caps.get(0).expect("match has group 0");
        if !opens_dateline(&line[..whole.start()]) {
            return None;
        }
        calendar_date(&caps)
    })
}

/// Whether what precedes a date on its line leaves it in dateline position.
fn opens_dateline(prefix: &str) -> bool {
    let mut rest = prefix.trim_end_matches(|c: char| c.is_whitespace() || c == ',');
    // A weekday just before the date ("Fri Sep 14", "Friday, 14 September").
    if let Some(last_word) = rest.rsplit(|c: char| !c.is_alphabetic()).next()
        && WEEKDAYS.contains(&last_word.to_lowercase().as_str())
    {
        rest = rest[..rest.len() - last_word.len()]
            .trim_end_matches(|c: char| c.is_whitespace() || c == ',');
    }
    let rest = rest.trim_end_matches(|c: char| c.is_whitespace() || c == ':');
    if rest.is_empty() {
        return true;
    }
    let lower = rest.to_lowercase();
    if DATELINE_MARKERS.iter().any(|marker| {
        lower == *marker || lower.ends_with(&format!(" {marker}")) && is_short(&lower)
    }) {
        return true;
    }
    // A place in capitals: "WASHINGTON", "NYON, Switzerland" is not needed here.
    let is_place = rest.chars().any(char::is_alphabetic)
        && rest
            .chars()
            .all(|c| c.is_uppercase() || matches!(c, ' ' | '.' | '\'' | '/' | '-' | ','))
        && rest.split_whitespace().count() <= 4;
    if is_place {
        return true;
    }
    if let Some(before) = rest.strip_suffix(DATELINE_SEPARATORS) {
        return is_short(before);
    }
    let starts_byline = lower.starts_with("by ") || lower.starts_with("source:");
    starts_byline && is_short(&lower)
}

fn is_short(text: &str) -> bool {
    text.split_whitespace().count() <= MAX_BYLINE_WORDS
}

fn calendar_date(caps: &regex::Captures<'_>) -> Option<NaiveDate> {
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
    if let (Some(a), Some(b), Some(y)) = (number("a5"), number("b5"), caps.name("y5")) {
        // Two-digit years are this century's; the month comes first (US style) unless the
        // first number cannot be a month.
        let year = match y.as_str().len() {
            2 => 2000 + y.as_str().parse::<i32>().ok()?,
            _ => y.as_str().parse::<i32>().ok()?,
        };
        let (month, day) = if a > 12 { (b, a) } else { (a, b) };
        return NaiveDate::from_ymd_opt(year, month, day);
    }
    None
}

static URL_DATE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"(?i)(?:^|[/_-])(?:(?P<y1>(?:19|20)\d\d)[/-](?P<m1>\d\d?)[/-](?P<d1>\d\d?)|(?P<y2>(?:19|20)\d\d)(?P<m2>\d\d)(?P<d2>\d\d)|(?P<y3>(?:19|20)\d\d)[/-]?(?P<mn3>{MONTH})[/-]?(?P<d3>\d\d?)|(?P<d4>\d\d?)-(?P<mn4>{MONTH})-(?P<y4>(?:19|20)\d\d))(?:[/_.-]|$)"
    ))
    .expect("valid URL date regex")
});

/// A publication date in a URL's path: `/2017/06/12/`, `/2018/7/9/`, `/20190521/`,
/// `/2019-05/21/`, `/2018/Sep/14/`, `-2011-sep-02-`, `-2009jul04-`, `/14-Jul-2015/` and the
/// like. A year and month alone are no date; the host, query and fragment are not read.
pub fn date_in_url(url: &str) -> Option<NaiveDate> {
    let after_scheme = url.split_once("://").map_or(url, |(_, rest)| rest);
    let path = after_scheme.find('/').map_or("", |at| &after_scheme[at..]);
    let path = path.split(['?', '#']).next().unwrap_or_default();
    URL_DATE.captures_iter(path).find_map(|caps| {
        let number = |name: &str| caps.name(name).and_then(|m| m.as_str().parse::<u32>().ok());
        let month_name = |name: &str| caps.name(name).and_then(|m| month_number(m.as_str()));
        let (year, month, day) = if let Some(year) = number("y1") {
            (year, number("m1")?, number("d1")?)
        } else if let Some(year) = number("y2") {
            (year, number("m2")?, number("d2")?)
        } else if let Some(year) = number("y3") {
            (year, month_name("mn3")?, number("d3")?)
        } else {
            (number("y4")?, month_name("mn4")?, number("d4")?)
        };
        NaiveDate::from_ymd_opt(year as i32, month, day)
    })
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
        assert_eq!(dateline_date("Fri Sep 14, 2018 06:50AM"), expect);
        assert_eq!(dateline_date("Published 14 September 2018"), expect);
        assert_eq!(dateline_date("2018-09-14T06:50:00Z"), expect);
        assert_eq!(dateline_date("Updated: 14-09-2018 20:31 IST"), expect);
        assert_eq!(dateline_date("Iran Press TV"), None);
        assert_eq!(dateline_date("Sep 31, 2018"), None);
    }

    fn day(y: i32, m: u32, d: u32) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(y, m, d)
    }

    #[test]
    fn datelines_in_the_formats_news_uses() {
        assert_eq!(dateline_date("Updated: 2019-03-12 14:05"), day(2019, 3, 12));
        assert_eq!(dateline_date("Posted 9/2/22"), day(2022, 9, 2));
        assert_eq!(dateline_date("Posted 25/12/2021 08:00"), day(2021, 12, 25));
        assert_eq!(dateline_date("March 5, 2019 10:42 ET"), day(2019, 3, 5));
        assert_eq!(dateline_date("(Agency - 3rd March, 2020)"), day(2020, 3, 3));
        assert_eq!(dateline_date("Fri Sep 14, 2018 06:50AM"), day(2018, 9, 14));
        assert_eq!(dateline_date("2019-10-07T12:00:00Z"), day(2019, 10, 7));
        assert_eq!(dateline_date("7 October 2019"), day(2019, 10, 7));
        assert_eq!(dateline_date("Sunday, 6 October 2019"), day(2019, 10, 6));
        assert_eq!(dateline_date("[April 2, 2016]"), day(2016, 4, 2));
        assert_eq!(
            dateline_date("KATHMANDU, Nov. 30, 2017 - The talks ended."),
            day(2017, 11, 30)
        );
        assert_eq!(
            dateline_date("By Ada Reporter and Bo Writer | June 3, 2021"),
            day(2021, 6, 3)
        );
        assert_eq!(
            dateline_date("Wire desk| 2020-02-29 11:12:13|Editor: Someone"),
            day(2020, 2, 29)
        );
    }

    #[test]
    fn dates_a_story_merely_mentions_are_no_datelines() {
        assert_eq!(
            dateline_date("Talks are set for March 5, 2019 in Oslo"),
            None
        );
        assert_eq!(
            dateline_date("On 7 October 2019 the two ministers met in Rome."),
            None
        );
        assert_eq!(
            dateline_date("The embargo, first imposed on 2 May 2008 - and never lifted - stays"),
            None
        );
        assert_eq!(dateline_date("Posted 2/30/22"), None);
        assert_eq!(dateline_date("nothing here"), None);
    }

    #[test]
    fn dates_in_url_paths() {
        let dated = [
            ("https://example.com/news/2017/06/12/a-story", (2017, 6, 12)),
            (
                "https://example.com/world/20190521/story.html",
                (2019, 5, 21),
            ),
            ("http://example.com//en/2019-05/21/c_1.htm", (2019, 5, 21)),
            ("https://example.com/news/2019-02-07/a-story", (2019, 2, 7)),
            (
                "https://example.com/2018/Sep/14/NEWS/x.shtml",
                (2018, 9, 14),
            ),
            ("https://example.com/x/la-2011-sep-02-story", (2011, 9, 2)),
            ("https://example.com/en/20220806_N01/", (2022, 8, 6)),
            (
                "https://example.com/33-2022-12-21-01-55.html",
                (2022, 12, 21),
            ),
            (
                "https://example.com/archives/2019/05/03/2003714493",
                (2019, 5, 3),
            ),
            ("https://example.com/news/2018/7/9/a-story", (2018, 7, 9)),
            ("https://example.com/16-Apr-2018/a-story", (2018, 4, 16)),
            ("https://example.com/x-070409-2009jul04-story", (2009, 7, 4)),
        ];
        for (url, (y, m, d)) in dated {
            assert_eq!(date_in_url(url), day(y, m, d), "{url}");
        }
        let undated = [
            "https://example.com/post/1696/2018/2/a-story",
            "https://example.com/world/2017/08/month-only",
            "https://example.com/story/1039454",
            "https://example.com/a/2019/13/45/bad",
            "https://example.com/search?from=2019-05-21",
            "https://2019-05-21.example.com/",
            "not a url",
            "",
        ];
        for url in undated {
            assert_eq!(date_in_url(url), None, "{url}");
        }
    }
}
