//! Stable rule ids: (tree, flow id, step or sequence id, target) → UUIDv5.
//!
//! Invariant: the same names always give the same id, so re-importing a new build
//! into a SIEM updates rules instead of duplicating them. Titles are not part of the
//! id; renaming a step's title keeps its rules.

use crate::Target;
use uuid::Uuid;

/// The namespace of every Scalpel rule id. Never change it: every deployed rule id
/// would change with it.
const NAMESPACE: Uuid = Uuid::from_u128(0x5ca1_9e10_7a26_4e7b_9d3f_2c8b_41a6_e0d5);

/// The id of the rule `target` emits for one step or sequence of a flow.
pub fn rule_id(tree: &str, flow: &str, item: &str, target: Target) -> Uuid {
    // NUL cannot occur in ids, so distinct tuples give distinct names.
    let name = [tree, flow, item, target.name()].join("\0");
    Uuid::new_v5(&NAMESPACE, name.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_stable_and_distinct() {
        let a = rule_id("ras", "AF2-10", "tamper", Target::Sigma);
        assert_eq!(a, rule_id("ras", "AF2-10", "tamper", Target::Sigma));
        assert_eq!(a.get_version_num(), 5);
        assert_ne!(a, rule_id("ras", "AF2-10", "tamper", Target::Splunk));
        assert_ne!(a, rule_id("ras", "AF2-1", "0tamper", Target::Sigma));
        assert_ne!(a, rule_id("other", "AF2-10", "tamper", Target::Sigma));
    }
}
