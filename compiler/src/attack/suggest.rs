//! "Did you mean" for ATT&CK ids: a mistyped, outdated or invented id → the
//! techniques the author most likely meant, or nothing.
//!
//! Ids carry no meaning (T0809 and T0819 are unrelated), so edit distance alone
//! suggests random techniques. A suggestion is made only when it is likely right:
//! - the same id once normalized (case, `/` for `.`), or the replacement of a
//!   revoked technique;
//! - a sub-technique number written too short (`T1565.3` → `T1565.003`);
//! - an unknown sub-technique of a known technique: its sub-techniques, ranked by
//!   the step's context, or the parent when it has too many to list;
//! - otherwise one typo away (one digit changed, added, dropped, or two swapped),
//!   in the same domain (ICS ids start `T0`), preferring techniques that share a
//!   tactic with the step's other techniques or words with its title. When the
//!   context does not single one out and several are one typo away, nothing.

use super::{Catalog, Technique};
use std::collections::BTreeSet;

/// What the step around an id says, to rank candidates.
#[derive(Debug, Clone, Default)]
pub struct SuggestionContext {
    /// Tactic ids (`TA0040`) of the step's other, valid techniques.
    pub tactics: BTreeSet<String>,
    /// The step's title and description.
    pub text: String,
}

/// Most sub-techniques listed as alternatives; a parent with more is suggested itself.
const MAX_LISTED: usize = 4;

impl Catalog {
    /// The one technique `id` most likely meant, without context (`scalpel attack show`).
    pub fn similar_technique(&self, id: &str) -> Option<&Technique> {
        match self.similar_techniques(id, &SuggestionContext::default()).as_slice() {
            [one] => Some(one),
            _ => None,
        }
    }

    /// The usable techniques `id` may have meant, best first: one when the
    /// evidence singles it out, a few sub-techniques of one parent, or none.
    pub fn similar_techniques(&self, id: &str, context: &SuggestionContext) -> Vec<&Technique> {
        let wanted = id.trim().to_ascii_uppercase().replace('/', ".");
        if wanted.is_empty() {
            return Vec::new();
        }
        if let Some(t) = self.exact_or_replacement(&wanted).or_else(|| self.padded_subtechnique(&wanted)) {
            return vec![t];
        }
        if let Some(siblings) = self.sibling_subtechniques(&wanted, context) {
            return siblings;
        }
        self.one_typo_away(&wanted, context).into_iter().collect()
    }

    /// The usable techniques named `name` (case, spaces and punctuation ignored), one
    /// per domain at most, Enterprise first: for an author who wrote a name where an id
    /// belongs (`technique Phishing`).
    pub fn techniques_by_name(&self, name: &str) -> Vec<&Technique> {
        let squash = |s: &str| s.chars().filter(|c| c.is_alphanumeric()).collect::<String>().to_lowercase();
        let wanted = squash(name);
        let mut found: Vec<&Technique> = self
            .techniques
            .values()
            .filter(|t| t.is_active() && !wanted.is_empty() && squash(&t.name) == wanted)
            .collect();
        found.sort_by_key(|t| t.domains.first().copied());
        found
    }

    fn usable(&self, id: &str) -> Option<&Technique> {
        self.technique(id).filter(|t| t.is_active())
    }

    fn exact_or_replacement(&self, wanted: &str) -> Option<&Technique> {
        self.usable(wanted).or_else(|| self.replacement(wanted).filter(|t| t.is_active()))
    }

    /// `T1565.3` and `T1565.03` → `T1565.003`; `T1499.00` → the first of `T1499.00x`.
    fn padded_subtechnique(&self, wanted: &str) -> Option<&Technique> {
        let (parent, digits) = wanted.split_once('.')?;
        if digits.is_empty() || digits.len() >= 3 || !digits.chars().all(|c| c.is_ascii_digit()) {
            return None;
        }
        if let Ok(n) = digits.parse::<u32>() {
            if let Some(t) = self.usable(&format!("{parent}.{n:03}")) {
                return Some(t);
            }
        }
        let prefix = format!("{parent}.{digits}");
        self.techniques
            .range(prefix.clone()..)
            .take_while(|(k, _)| k.starts_with(&prefix))
            .map(|(_, t)| t)
            .find(|t| t.is_active())
    }

    /// For `T1565.004`, the sub-techniques of `T1565`: the one the context points
    /// at, else all of them when few, else the parent itself.
    fn sibling_subtechniques(&self, wanted: &str, context: &SuggestionContext) -> Option<Vec<&Technique>> {
        let (parent_id, _) = wanted.split_once('.')?;
        let parent = self.usable(parent_id)?;
        let prefix = format!("{parent_id}.");
        let children: Vec<&Technique> = self
            .techniques
            .range(prefix.clone()..)
            .take_while(|(k, _)| k.starts_with(&prefix))
            .map(|(_, t)| t)
            .filter(|t| t.is_active())
            .collect();
        if let Some(best) = best_by_context(&children, context) {
            return Some(vec![best]);
        }
        Some(if children.is_empty() || children.len() > MAX_LISTED { vec![parent] } else { children })
    }

    fn one_typo_away(&self, wanted: &str, context: &SuggestionContext) -> Option<&Technique> {
        let ics = wanted.starts_with("T0");
        let near: Vec<&Technique> = self
            .techniques
            .values()
            .filter(|t| t.is_active() && t.id.starts_with("T0") == ics)
            .filter(|t| strsim::damerau_levenshtein(wanted, &t.id) == 1)
            .collect();
        match near.as_slice() {
            [only] => Some(only),
            _ => best_by_context(&near, context),
        }
    }
}

/// The candidate the context singles out: the highest positive score, unshared.
fn best_by_context<'a>(candidates: &[&'a Technique], context: &SuggestionContext) -> Option<&'a Technique> {
    let words = significant_words(&context.text);
    let mut scored: Vec<(usize, &Technique)> = candidates
        .iter()
        .map(|t| {
            let tactic = t.tactics.iter().any(|id| context.tactics.contains(id));
            let shared = significant_words(&t.name).iter().filter(|w| words.iter().any(|c| same_word(w, c))).count();
            (usize::from(tactic) * 2 + shared, *t)
        })
        .filter(|(score, _)| *score > 0)
        .collect();
    scored.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.id.cmp(&b.1.id)));
    match scored.as_slice() {
        [(best, t), rest @ ..] if rest.first().is_none_or(|(next, _)| next < best) => Some(t),
        _ => None,
    }
}

fn significant_words(text: &str) -> Vec<String> {
    const COMMON: &[&str] = &["with", "from", "into", "that", "this", "over", "their", "when", "then", "than"];
    text.split(|c: char| !c.is_alphanumeric())
        .map(str::to_lowercase)
        .filter(|w| w.chars().count() >= 4 && !COMMON.contains(&w.as_str()))
        .collect()
}

/// Words that share their first six letters (or are equal): "phishing" and
/// "phished", "manipulation" and "manipulated".
fn same_word(a: &str, b: &str) -> bool {
    let stem = |w: &str| w.chars().take(6).collect::<String>();
    a == b || (a.chars().count() >= 6 && b.chars().count() >= 6 && stem(a) == stem(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn catalog() -> &'static Catalog {
        Catalog::embedded()
    }

    fn ids(found: Vec<&Technique>) -> Vec<&str> {
        found.into_iter().map(|t| t.id.as_str()).collect()
    }

    fn suggest(id: &str) -> Option<&'static str> {
        catalog().similar_technique(id).map(|t| t.id.as_str())
    }

    #[test]
    fn normalised_padded_and_replaced_ids() {
        assert_eq!(suggest("T1565.03"), Some("T1565.003"));
        assert_eq!(suggest("T1499.00"), Some("T1499.001"));
        assert_eq!(suggest("t1565/003"), Some("T1565.003"));
        assert_eq!(suggest("T1035"), Some("T1569.002"));
        assert_eq!(suggest("X9"), None);
        assert_eq!(suggest(""), None);
    }

    #[test]
    fn unknown_subtechnique_lists_its_siblings() {
        let none = SuggestionContext::default();
        assert_eq!(ids(catalog().similar_techniques("T1565.004", &none)), ["T1565.001", "T1565.002", "T1565.003"]);
        let runtime = SuggestionContext { text: "Runtime memory patched".into(), ..Default::default() };
        assert_eq!(ids(catalog().similar_techniques("T1565.004", &runtime)), ["T1565.003"]);
        // T1059 has more sub-techniques than are worth listing: the parent.
        assert_eq!(ids(catalog().similar_techniques("T1059.099", &none)), ["T1059"]);
    }

    #[test]
    fn far_ids_get_nothing_rather_than_a_random_technique() {
        // T0999 is two edits from T0809 (Data Destruction): unrelated, not offered.
        assert_eq!(suggest("T0999"), None);
        for id in ["T0999", "T1999", "T9999"] {
            assert!(catalog().similar_techniques(id, &SuggestionContext::default()).is_empty(), "{id}");
        }
    }

    #[test]
    fn context_picks_among_near_ids() {
        // T1266 does not exist; T1216, T1566, T1626 and T1666 are one typo away.
        assert!(catalog().technique("T1266").is_none());
        assert_eq!(catalog().similar_technique("T1266"), None, "ambiguous without context");
        let phishing = SuggestionContext { text: "Spear-phishing mail to the surgeon".into(), ..Default::default() };
        assert_eq!(ids(catalog().similar_techniques("T1266", &phishing)), ["T1566"]);
        let tactics = catalog().technique("T1566").map(|t| t.tactics.iter().cloned().collect()).unwrap_or_default();
        let initial_access = SuggestionContext { tactics, ..Default::default() };
        assert_eq!(ids(catalog().similar_techniques("T1266", &initial_access)), ["T1566"]);
    }

    #[test]
    fn names_find_their_techniques_in_every_domain() {
        assert_eq!(ids(catalog().techniques_by_name("Phishing")), ["T1566", "T1660"]);
        assert_eq!(ids(catalog().techniques_by_name("datadestruction")), ["T1485", "T1662", "T0809"]);
        assert!(catalog().techniques_by_name("T1566").is_empty());
    }
}
