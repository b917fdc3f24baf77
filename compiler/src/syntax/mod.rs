//! Stage 1, syntax: text → [`ast::File`].
//!
//! All contact with pest is in this module. A lexical pre-scan ([`prescan`]) first
//! reports what pest explains badly (unterminated strings, runaway nesting); pest
//! then parses with `grammar/scalpel.pest`, its errors are reworded by [`errors`],
//! and [`build`] turns the parse tree into the AST, decoding literals on the way.
//! After a syntax error, [`recover`] parses the file item by item so that every
//! broken item is reported and the others are still checked.

pub mod ast;
mod build;
mod dump;
mod errors;
pub mod format;
pub mod literal;
mod prescan;
mod recover;

use crate::diag::Diagnostics;
use crate::source::FileId;
use pest::Parser;

#[derive(pest_derive::Parser)]
#[grammar = "../grammar/scalpel.pest"]
struct ScalpelParser;

/// Deepest parenthesis nesting accepted in one file.
pub const MAX_NESTING: usize = 128;

/// Parses one file. On a syntax error every broken item reports its error and is
/// left out of the AST; the other items are kept ([`recover`]). Literal errors (bad
/// escapes, overflowing numbers) are reported and the rest of the file is returned.
pub fn parse(file: FileId, text: &str) -> (ast::File, Diagnostics) {
    let mut diags = Diagnostics::new();
    if let Some(problem) = prescan::scan(file, text) {
        diags.push(problem);
        return (ast::File::default(), diags);
    }
    match ScalpelParser::parse(Rule::file, text) {
        Ok(mut pairs) => {
            let root = pairs.next();
            let ast = root.map(|p| build::file(file, 0, p, &mut diags)).unwrap_or_default();
            (ast, diags)
        }
        Err(err) => recover::recover(file, text, &err),
    }
}

#[cfg(test)]
mod tests;
