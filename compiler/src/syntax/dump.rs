//! How an [`Expr`] reads in `scalpel debug ast`: as serde would derive it
//! (`{"And": [[...], "lo..hi"]}`, `{"Not": [expr, "lo..hi"]}`, `{"Predicate": {...}}`),
//! except that two or more `not`s in a row are one node,
//! `{"Nots": {"spans": ["lo..hi", ...], "expr": ...}}` (outermost span first).
//!
//! Why: a chain is one node of the source (the grammar reads it without recursion),
//! and a flat chain keeps the dump's depth that of the parentheses. Conditions are
//! bounded ([`super::MAX_NESTING`] levels) before anything recurses over them.

use super::ast::Expr;
use crate::source::Span;
use serde::ser::{SerializeStructVariant, SerializeTupleVariant};
use serde::{Serialize, Serializer};

impl Serialize for Expr {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Expr::And(items, span) => tuple(serializer, 0, "And", items, span),
            Expr::Or(items, span) => tuple(serializer, 1, "Or", items, span),
            Expr::Not(inner, span) => {
                let mut spans = vec![*span];
                let mut innermost: &Expr = inner;
                while let Expr::Not(next, span) = innermost {
                    spans.push(*span);
                    innermost = next;
                }
                if spans.len() == 1 {
                    return tuple(serializer, 2, "Not", innermost, span);
                }
                let mut chain = serializer.serialize_struct_variant("Expr", 4, "Nots", 2)?;
                chain.serialize_field("spans", &spans)?;
                chain.serialize_field("expr", innermost)?;
                chain.end()
            }
            Expr::Predicate(predicate) => serializer.serialize_newtype_variant("Expr", 3, "Predicate", predicate),
        }
    }
}

fn tuple<S: Serializer, T: Serialize + ?Sized>(
    serializer: S,
    index: u32,
    name: &'static str,
    value: &T,
    span: &Span,
) -> Result<S::Ok, S::Error> {
    let mut variant = serializer.serialize_tuple_variant("Expr", index, name, 2)?;
    variant.serialize_field(value)?;
    variant.serialize_field(span)?;
    variant.end()
}

#[cfg(test)]
mod tests {
    use crate::source::FileId;

    fn detect(condition: &str) -> serde_json::Value {
        let text = format!(
            "flow \"F\" \"f\" {{ category \"c\" origin theoretical\n step s \"s\" {{ technique T1078 source x severity low detect {condition} }} }}"
        );
        let (ast, diags) = super::super::parse(FileId(0), &text);
        assert!(diags.is_empty(), "{diags:?}");
        let json = serde_json::to_value(&ast).expect("serialises");
        let step = json["flows"][0]["items"].as_array().and_then(|items| items.iter().find_map(|i| i.get("Step")));
        let items = step.and_then(|s| s["items"].as_array()).expect("a step");
        items.iter().find_map(|i| i.get("Detect")).expect("a detect clause")[0].clone()
    }

    #[test]
    fn expressions_dump_as_derived_and_not_chains_flat() {
        let one = detect("not a == \"x\"");
        assert!(one["Not"][0]["Predicate"].is_object(), "{one}");
        let chain = detect("not not not a == \"x\"");
        assert_eq!(chain["Nots"]["spans"].as_array().map(Vec::len), Some(3), "{chain}");
        assert!(chain["Nots"]["expr"]["Predicate"].is_object(), "{chain}");
        let or = detect("a == \"x\" or not (b == \"y\" and c == \"z\")");
        assert!(or["Or"][0][1]["Not"][0]["And"][0].is_array(), "{or}");
    }

    #[test]
    fn the_longest_not_chain_dumps_as_one_node() {
        let longest = super::super::MAX_NESTING;
        let chain = detect(&format!("{}a == \"x\"", "not ".repeat(longest)));
        assert_eq!(chain["Nots"]["spans"].as_array().map(Vec::len), Some(longest));
    }
}
