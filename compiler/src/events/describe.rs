//! Tests and literals as `.det` text, for the labels of generated cases.

use super::dnf::Literal;
use crate::ir::TestOp;

pub use crate::ir::text::test;

pub fn literal(lit: &Literal) -> String {
    if lit.positive {
        test(&lit.test)
    } else if lit.test.op == TestOp::Exists {
        format!("{} missing", lit.test.field)
    } else {
        format!("not {}", test(&lit.test))
    }
}

pub fn term(lits: &[Literal]) -> String {
    lits.iter().map(literal).collect::<Vec<_>>().join(" and ")
}
