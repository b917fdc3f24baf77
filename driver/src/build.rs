//! The build: a checked [`Program`] × targets → every output file, in parallel.
//!
//! Each (target, step or sequence) is one unit of work; rayon runs them and
//! collects in input order, then each target packages its rules. Invariants: the
//! files and diagnostics are the same, byte for byte, whatever the thread count;
//! two rules never share a path (E0504); capability gaps become warnings
//! ([`scalpel_targets::backend::step_capability_warnings`]).

use rayon::prelude::*;
use scalpel_compiler::diag::{Code, Diagnostic, Diagnostics};
use scalpel_compiler::ir::{Flow, Program};
use scalpel_compiler::source::Span;
use scalpel_targets::backend::{sequence_capability_warnings, step_capability_warnings, Emitted};
use scalpel_targets::schedule::{self, Visibility};
use scalpel_targets::templates::Templates;
use scalpel_targets::{Context, RuleMeta, Settings, Target, Versions};
use std::collections::BTreeMap;

/// Files relative to the output folder (`<target>/…`, `/`-separated), in a fixed order.
#[derive(Debug, Default)]
pub struct BuildOutput {
    pub files: Vec<(String, String)>,
    pub diags: Diagnostics,
    /// What each (target, step or sequence) unit produced, in unit order; the
    /// coverage report reads which targets emitted a rule without error.
    pub units: Vec<UnitOutcome>,
}

/// The result of one unit: how many rules it emitted and its own diagnostics
/// (an output collision included).
#[derive(Debug, Clone)]
pub struct UnitOutcome {
    pub target: Target,
    pub flow_id: String,
    /// The step or sequence id.
    pub item_id: String,
    pub rules: usize,
    pub diags: Vec<Diagnostic>,
    /// The paths (as in [`BuildOutput::files`]) this unit wrote, and what packaging
    /// read of its rules: the version lock fingerprints each rule from them.
    pub paths: Vec<String>,
    pub metas: Vec<RuleMeta>,
    /// How the target's schedule sees the rule (coverage counts a rule it cannot see as not detected).
    pub visibility: Visibility,
}

impl UnitOutcome {
    /// A rule came out and nothing went wrong.
    pub fn emitted(&self) -> bool {
        self.rules > 0 && !self.diags.iter().any(Diagnostic::is_error)
    }
}

enum Item<'a> {
    Step(&'a scalpel_compiler::ir::Step),
    Sequence(&'a scalpel_compiler::ir::Sequence),
}

struct Unit<'a> {
    target: Target,
    flow: &'a Flow,
    item: Item<'a>,
}

impl Unit<'_> {
    fn span(&self) -> Span {
        match self.item {
            Item::Step(step) => step.span,
            Item::Sequence(sequence) => sequence.span,
        }
    }

    fn schedule_item(&self) -> schedule::Item<'_> {
        match self.item {
            Item::Step(step) => schedule::Item::Step(step),
            Item::Sequence(sequence) => schedule::Item::Sequence(sequence),
        }
    }

    fn item_id(&self) -> &str {
        match self.item {
            Item::Step(step) => &step.id,
            Item::Sequence(sequence) => &sequence.id,
        }
    }
}

/// Compiles every detectable step and every sequence of `program` to each target,
/// every rule at its first version ([`Versions::none`]). `tick` is called once per
/// unit done (for a progress bar).
pub fn build(
    program: &Program,
    tree: &str,
    settings: &Settings,
    targets: &[Target],
    templates: &Templates,
    tick: &(dyn Fn() + Sync),
) -> BuildOutput {
    let ctx = Context { program, tree, settings, versions: &Versions::none() };
    build_versioned(&ctx, targets, templates, tick)
}

/// [`build`] with the rules' versions and dates from the version lock (`ctx.versions`).
pub fn build_versioned(
    ctx: &Context,
    targets: &[Target],
    templates: &Templates,
    tick: &(dyn Fn() + Sync),
) -> BuildOutput {
    let program = ctx.program;
    let units = units(program, targets);
    let emitted: Vec<Emitted> = units
        .par_iter()
        .map(|unit| {
            let backend = unit.target.backend();
            let mut out = match unit.item {
                Item::Step(step) => backend.emit_step(ctx, unit.flow, step),
                Item::Sequence(sequence) => backend.emit_sequence(ctx, unit.flow, sequence),
            };
            out.diags.extend(match unit.item {
                Item::Step(step) => step_capability_warnings(backend, step),
                Item::Sequence(sequence) => sequence_capability_warnings(backend, sequence),
            });
            tick();
            out
        })
        .collect();

    let mut output = BuildOutput::default();
    schedule::unknown_rules(program, ctx.settings).into_iter().for_each(|d| output.diags.push(d));
    // Paths compared as file systems that ignore case see them (macOS, Windows).
    let mut owners: BTreeMap<String, Span> = BTreeMap::new();
    // Units come target by target (see `units`): each target takes its own, by value.
    let mut pending = units.iter().zip(emitted).peekable();
    for &target in targets {
        let mut rules = Vec::new();
        while let Some((unit, out)) = pending.next_if(|(u, _)| u.target == target) {
            let Emitted { files, rules: metas, mut diags } = out;
            let mut paths = Vec::new();
            for file in files {
                let path = format!("{target}/{}", file.path);
                if let Some(first) = owners.insert(collision_key(target, &path), unit.span()) {
                    diags.push(
                        Diagnostic::new(Code::OutputCollision, format!("two rules would be written to `{path}`"))
                            .primary(unit.span(), "this rule")
                            .secondary(first, "and this one"),
                    );
                    continue;
                }
                paths.push(path.clone());
                output.files.push((path, file.text));
            }
            rules.extend(metas.iter().cloned());
            diags.iter().cloned().for_each(|d| output.diags.push(d));
            output.units.push(UnitOutcome {
                target,
                flow_id: unit.flow.id.clone(),
                item_id: unit.item_id().to_string(),
                rules: metas.len(),
                diags,
                paths,
                metas,
                visibility: schedule::visibility(ctx.settings, target, unit.flow, unit.schedule_item()),
            });
        }
        match target.backend().package(ctx, &rules, templates) {
            Ok(files) => output.files.extend(files.into_iter().map(|f| (format!("{target}/{}", f.path), f.text))),
            Err(diag) => output.diags.push(diag),
        }
    }
    output
}

/// Units in a fixed order: target, then flow, then steps and sequences as declared.
fn units<'a>(program: &'a Program, targets: &[Target]) -> Vec<Unit<'a>> {
    let mut out = Vec::new();
    for &target in targets {
        for flow in &program.flows {
            for step in flow.steps.iter().filter(|s| s.detection.condition().is_some()) {
                out.push(Unit { target, flow, item: Item::Step(step) });
            }
            for sequence in &flow.sequences {
                out.push(Unit { target, flow, item: Item::Sequence(sequence) });
            }
        }
    }
    out
}

/// How many units [`build`] will run, for sizing a progress bar.
pub fn unit_count(program: &Program, targets: &[Target]) -> usize {
    units(program, targets).len()
}

/// What two output files must not share: their path with case folded, and for
/// Sigma their file name alone, which Sigma tooling wants unique in a collection
/// (pySigma's `duplicate_filename`), whatever folder holds it.
fn collision_key(target: Target, path: &str) -> String {
    let folded = path.to_lowercase();
    match (target, folded.rsplit_once('/')) {
        (Target::Sigma, Some((_, name))) => format!("sigma/*/{name}"),
        _ => folded,
    }
}
