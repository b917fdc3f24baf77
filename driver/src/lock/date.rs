//! Lock dates: `YYYY-MM-DD` text, from `--date` or `SOURCE_DATE_EPOCH`, never the clock.
//!
//! Invariant: a [`Date`] is a real calendar day (no February 30th) between years
//! 1970 and 9999, so its text sorts as the days do.

use scalpel_compiler::ir::time::{format_rfc3339, parse_rfc3339};
use std::fmt;

/// The environment variable of reproducible builds: seconds since 1970, UTC.
pub const SOURCE_DATE_EPOCH: &str = "SOURCE_DATE_EPOCH";

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Date(String);

impl Date {
    /// Reads `YYYY-MM-DD`; `None` for anything else.
    pub fn parse(text: &str) -> Option<Date> {
        let shaped = text.len() == 10 && text.bytes().enumerate().all(|(i, b)| matches!(i, 4 | 7) == (b == b'-'));
        let digits = text.bytes().enumerate().all(|(i, b)| matches!(i, 4 | 7) || b.is_ascii_digit());
        if !shaped || !digits || text < "1970-01-01" {
            return None;
        }
        // Parsing accepts the 31st of every month; formatting back rejects the days that do not exist.
        let millis = parse_rfc3339(&format!("{text}T00:00:00Z"))?;
        (format_rfc3339(millis)[..10] == *text).then(|| Date(text.to_string()))
    }

    /// The UTC day of a `SOURCE_DATE_EPOCH` value (whole seconds since 1970).
    pub fn from_epoch_seconds(text: &str) -> Option<Date> {
        let seconds: i64 = text.trim().parse().ok().filter(|s| (0..253_402_300_800).contains(s))?;
        Date::parse(&format_rfc3339(seconds * 1000)[..10])
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Where the date of a `scalpel lock` run came from, for its report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DateSource {
    Flag(Date),
    SourceDateEpoch(Date),
}

impl DateSource {
    pub fn date(&self) -> &Date {
        match self {
            DateSource::Flag(d) | DateSource::SourceDateEpoch(d) => d,
        }
    }

    pub fn describe(&self) -> String {
        match self {
            DateSource::Flag(d) => format!("{d} (--date)"),
            DateSource::SourceDateEpoch(d) => format!("{d} ({SOURCE_DATE_EPOCH})"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_real_days_parse() {
        assert_eq!(Date::parse("2026-03-14").map(|d| d.to_string()).as_deref(), Some("2026-03-14"));
        assert!(Date::parse("2024-02-29").is_some(), "leap day");
        for bad in
            ["2026-02-30", "2025-02-29", "2026-13-01", "2026-3-14", "14/03/2026", "1969-12-31", "2026-03-14T00:00", ""]
        {
            assert_eq!(Date::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn source_date_epoch_is_a_utc_day() {
        assert_eq!(Date::from_epoch_seconds("1767225600").map(|d| d.to_string()).as_deref(), Some("2026-01-01"));
        assert_eq!(Date::from_epoch_seconds("1767311999\n").map(|d| d.to_string()).as_deref(), Some("2026-01-01"));
        for bad in ["", "-1", "soon", "1e9", "99999999999999"] {
            assert_eq!(Date::from_epoch_seconds(bad), None, "{bad}");
        }
    }
}
