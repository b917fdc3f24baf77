//! Stage 2, check: ASTs → [`ir::Program`] and diagnostics.
//!
//! Resolves names (schemas, fields, steps), type-checks every condition against
//! its step's schema, validates ATT&CK ids against the catalog, and lowers what is
//! valid to the IR. A mistake is reported once, where it was made: an unknown
//! field drops only the test that names it, so no error cascades from it.

mod cond;
mod flows;
pub(crate) mod ids;
mod occurrence;
mod relations;
mod satisfiable;
mod schemas;
mod techniques;
mod tuning;

pub use tuning::{is_day, TuningDate};

use crate::attack::Catalog;
use crate::diag::Diagnostics;
use crate::ir::Program;
use crate::source::{FileId, SourceMap};
use crate::syntax::ast;
use rayon::prelude::*;

/// Checks every parsed file together (names are global across a tree).
/// Flows are checked in parallel; the result does not depend on thread count.
pub fn check(files: &[(FileId, ast::File)], sources: &SourceMap, catalog: &Catalog) -> (Program, Diagnostics) {
    check_tuned(files, sources, catalog, None)
}

/// [`check`], with the tuning files' exclusions applied and their expiry judged
/// against `date` (the build's tuning date; `None` when it has none).
pub fn check_tuned(
    files: &[(FileId, ast::File)],
    sources: &SourceMap,
    catalog: &Catalog,
    date: Option<&TuningDate>,
) -> (Program, Diagnostics) {
    let mut diags = Diagnostics::new();
    let schemas = schemas::collect(files, &mut diags);
    let all_flows: Vec<(FileId, &ast::Flow)> =
        files.iter().flat_map(|(id, f)| f.flows.iter().map(move |flow| (*id, flow))).collect();
    flows::check_unique_ids(&all_flows, &mut diags);
    let checked: Vec<_> = all_flows
        .par_iter()
        .map(|(file, flow)| {
            let mut local = Diagnostics::new();
            let path = crate::source::display_path(sources.path(*file));
            let lowered = flows::lower(flow, &path, &schemas, catalog, &mut local);
            (lowered, local)
        })
        .collect();
    let mut program_flows = Vec::with_capacity(checked.len());
    for (flow, local) in checked {
        diags.extend(local);
        program_flows.extend(flow);
    }
    tuning::apply(files, sources, &schemas, &mut program_flows, date, &mut diags);
    let program =
        Program { schemas: schemas.into_list(), flows: program_flows, attack_version: catalog.version.clone() };
    (program, diags)
}
