//! Rule versions and dates, shared by every target: (flow id, step or sequence id)
//! → the [`Stamp`] the version lock records, which each back end writes in its own
//! form (Sigma `date`/`modified`, Splunk `detection_version` and ESCU dates, Sentinel
//! `version`, Kibana `version`).
//!
//! Invariant: a rule the lock does not know gets [`Stamp::first`] of the settings'
//! date, so a build without a lock is complete and reproducible; nothing here reads
//! the clock.

use std::collections::BTreeMap;
use std::fmt;

/// `major.minor.patch`: meaning, metadata, text (see `docs/lock-and-diff.md`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Version {
    pub major: u32,
    pub minor: u32,
    pub patch: u32,
}

impl Version {
    pub const FIRST: Version = Version { major: 1, minor: 0, patch: 0 };

    /// Reads `1.2.3`.
    pub fn parse(text: &str) -> Option<Version> {
        let mut parts = text.split('.').map(|p| {
            let digits = !p.is_empty() && p.len() <= 9 && p.bytes().all(|b| b.is_ascii_digit());
            digits.then(|| p.parse::<u32>().ok()).flatten()
        });
        let version = Version { major: parts.next()??, minor: parts.next()??, patch: parts.next()?? };
        parts.next().is_none().then_some(version)
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)
    }
}

/// What a rule carries about its history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stamp {
    pub version: Version,
    /// 1 for the first version, one more at every bump: the integer Kibana's
    /// `version` and Splunk's `detection_version` want.
    pub revision: u32,
    /// `YYYY-MM-DD` of the first version.
    pub created: String,
    /// `YYYY-MM-DD` of the latest bump (`created` until the first one).
    pub modified: String,
}

impl Stamp {
    /// Version 1.0.0, revision 1, created and modified on `date`.
    pub fn first(date: &str) -> Stamp {
        Stamp { version: Version::FIRST, revision: 1, created: date.to_string(), modified: date.to_string() }
    }

    /// `modified`, when it differs from `created` (Sigma writes `modified` only then).
    pub fn modified_since_created(&self) -> Option<&str> {
        (self.modified != self.created).then_some(self.modified.as_str())
    }
}

/// The stamps of a build, by (flow id, item id).
#[derive(Debug, Clone, Default)]
pub struct Versions {
    stamps: BTreeMap<(String, String), Stamp>,
}

impl Versions {
    /// No recorded versions: every rule is [`Stamp::first`].
    pub fn none() -> Versions {
        Versions::default()
    }

    pub fn new(stamps: BTreeMap<(String, String), Stamp>) -> Versions {
        Versions { stamps }
    }

    pub fn get(&self, flow: &str, item: &str) -> Option<&Stamp> {
        self.stamps.get(&(flow.to_string(), item.to_string()))
    }

    /// Whether every stamp is what a build without them would write on `date`.
    pub fn all_first(&self, date: &str) -> bool {
        self.stamps.values().all(|s| *s == Stamp::first(date))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_parse_and_print() {
        assert_eq!(Version::parse("2.10.0"), Some(Version { major: 2, minor: 10, patch: 0 }));
        assert_eq!(Version::parse("2.10.0").map(|v| v.to_string()).as_deref(), Some("2.10.0"));
        for bad in ["", "1", "1.0", "1.0.0.0", "1.x.0", "-1.0.0", "1..0", "+1.0.0", "9999999999.0.0"] {
            assert_eq!(Version::parse(bad), None, "{bad}");
        }
        assert!(Version::parse("1.10.0") > Version::parse("1.9.9"));
    }

    #[test]
    fn modified_is_written_only_after_a_bump() {
        let first = Stamp::first("2026-01-01");
        assert_eq!(first.modified_since_created(), None);
        let bumped = Stamp { modified: "2026-02-01".into(), ..first };
        assert_eq!(bumped.modified_since_created(), Some("2026-02-01"));
    }
}
