//! Lock × fingerprints → what changed since the lock, rule by rule, and the lock
//! that records it (`scalpel lock`).
//!
//! Semantics (`docs/lock-and-diff.md`): a change of meaning bumps the major version,
//! a change of metadata only the minor, a change of emitted text only the patch;
//! every bump adds one to the revision and sets `modified` to the lock date. A new
//! rule starts at 1.0.0, revision 1, created and modified that day. A rule that
//! leaves the tree keeps its entry, marked `removed`; if it comes back it goes on
//! from its last version (bumped as usual if it changed while away).

use super::date::Date;
use super::file::{Entry, Lock, RuleKey};
use super::fingerprint::{Fingerprints, RuleFingerprint};
use scalpel_targets::{Stamp, Target, Version, Versions};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Bump {
    Patch,
    Minor,
    Major,
}

impl Bump {
    pub fn apply(self, v: Version) -> Version {
        match self {
            Bump::Major => Version { major: v.major + 1, minor: 0, patch: 0 },
            Bump::Minor => Version { minor: v.minor + 1, patch: 0, ..v },
            Bump::Patch => Version { patch: v.patch + 1, ..v },
        }
    }
}

/// How one rule differs from its entry in the lock.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// In the tree, not in the lock.
    New,
    /// In the lock, no longer in the tree.
    Removed,
    /// In the tree and in the lock (where it may be marked removed).
    Changed {
        /// Back after being removed.
        readded: bool,
        bump: Option<Bump>,
        /// Targets whose emitted text differs (or was never recorded).
        targets: Vec<Target>,
        /// Its rule ids differ (the tree was renamed).
        ids: bool,
    },
}

impl Change {
    /// What a reader needs in one phrase: `meaning changed`, `new`, …
    pub fn describe(&self) -> String {
        match self {
            Change::New => "new, not in the lock".into(),
            Change::Removed => "no longer in the tree".into(),
            Change::Changed { readded, bump, targets, ids } => {
                let mut parts = Vec::new();
                if *readded {
                    parts.push("back in the tree".to_string());
                }
                match bump {
                    Some(Bump::Major) => parts.push("meaning changed".into()),
                    Some(Bump::Minor) => parts.push("metadata changed".into()),
                    Some(Bump::Patch) => {
                        let names: Vec<&str> = targets.iter().map(|t| t.name()).collect();
                        parts.push(format!("emitted text changed ({})", names.join(", ")));
                    }
                    None => {}
                }
                if *ids {
                    parts.push("rule ids changed".into());
                }
                parts.join(", ")
            }
        }
    }
}

/// Every rule whose lock entry is not what the tree gives. `emitted` lists the
/// targets whose emitted fingerprints are compared (the rest are not known).
pub fn stale(lock: &Lock, fingerprints: &Fingerprints, emitted: &[Target]) -> Vec<(RuleKey, Change)> {
    let mut out = Vec::new();
    for (key, fp) in fingerprints {
        let change = match lock.rules.get(key) {
            None => Change::New,
            Some(entry) => compare(entry, fp, emitted),
        };
        if change != (Change::Changed { readded: false, bump: None, targets: Vec::new(), ids: false }) {
            out.push((key.clone(), change));
        }
    }
    for (key, entry) in &lock.rules {
        if entry.removed.is_none() && !fingerprints.contains_key(key) {
            out.push((key.clone(), Change::Removed));
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

fn compare(entry: &Entry, fp: &RuleFingerprint, emitted: &[Target]) -> Change {
    let targets: Vec<Target> = emitted
        .iter()
        .copied()
        .filter(|t| entry.emitted.get(t) != fp.emitted.get(t) && fp.emitted.contains_key(t))
        .collect();
    let bump = if entry.meaning != fp.meaning || entry.kind != fp.kind {
        Some(Bump::Major)
    } else if entry.metadata != fp.metadata {
        Some(Bump::Minor)
    } else if !targets.is_empty() {
        Some(Bump::Patch)
    } else {
        None
    };
    Change::Changed { readded: entry.removed.is_some(), bump, targets, ids: entry.ids != fp.ids }
}

/// One line of what `scalpel lock` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recorded {
    pub key: RuleKey,
    pub change: Change,
    /// The version before (none for a new rule) and after.
    pub from: Option<Version>,
    pub to: Version,
}

/// A rule bumped on `date` was last changed later: dates would go backwards.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DateTooEarly {
    pub key: RuleKey,
    pub modified: Date,
}

/// The lock that records `fingerprints` (built for every target) on `date`.
pub fn update(
    lock: &Lock,
    tree: &str,
    fingerprints: &Fingerprints,
    date: &Date,
) -> Result<(Lock, Vec<Recorded>), Vec<DateTooEarly>> {
    let mut rules = lock.rules.clone();
    let mut recorded = Vec::new();
    let mut too_early = Vec::new();
    for (key, change) in stale(lock, fingerprints, Target::ALL) {
        let old = rules.get(&key);
        let dated = matches!(change, Change::Removed | Change::Changed { bump: Some(_), .. });
        if let Some(old) =
            old.filter(|old| dated && (old.modified > *date || old.removed.as_ref().is_some_and(|r| r > date)))
        {
            too_early.push(DateTooEarly {
                key: key.clone(),
                modified: old.removed.clone().unwrap_or_else(|| old.modified.clone()),
            });
            continue;
        }
        let entry = match (old, fingerprints.get(&key)) {
            (None, Some(fp)) => new_entry(fp, date),
            (Some(old), None) => Entry { removed: Some(date.clone()), ..old.clone() },
            (Some(old), Some(fp)) => {
                let mut entry = recorded_entry(old, fp);
                if let Change::Changed { bump: Some(bump), .. } = change {
                    entry.version = bump.apply(old.version);
                    entry.revision = old.revision + 1;
                    entry.modified = date.clone();
                }
                entry
            }
            (None, None) => continue,
        };
        let from = old.map(|e| e.version);
        recorded.push(Recorded { key: key.clone(), change, from, to: entry.version });
        rules.insert(key, entry);
    }
    if !too_early.is_empty() {
        return Err(too_early);
    }
    Ok((Lock { tree: tree.to_string(), rules }, recorded))
}

fn new_entry(fp: &RuleFingerprint, date: &Date) -> Entry {
    Entry {
        kind: fp.kind,
        version: Version::FIRST,
        revision: 1,
        created: date.clone(),
        modified: date.clone(),
        removed: None,
        meaning: fp.meaning.clone(),
        metadata: fp.metadata.clone(),
        emitted: fp.emitted.clone(),
        ids: fp.ids.clone(),
    }
}

/// `old` with the tree's fingerprints and ids, present again; version unchanged.
fn recorded_entry(old: &Entry, fp: &RuleFingerprint) -> Entry {
    Entry {
        kind: fp.kind,
        removed: None,
        meaning: fp.meaning.clone(),
        metadata: fp.metadata.clone(),
        emitted: fp.emitted.clone(),
        ids: fp.ids.clone(),
        ..old.clone()
    }
}

/// The stamps a build writes: every rule the lock holds (removed ones cannot be built).
pub fn versions(lock: &Lock) -> Versions {
    let stamps: BTreeMap<(String, String), Stamp> = lock
        .rules
        .iter()
        .filter(|(_, e)| e.removed.is_none())
        .map(|(key, e)| {
            let stamp = Stamp {
                version: e.version,
                revision: e.revision,
                created: e.created.to_string(),
                modified: e.modified.to_string(),
            };
            ((key.flow.clone(), key.item.clone()), stamp)
        })
        .collect();
    Versions::new(stamps)
}
