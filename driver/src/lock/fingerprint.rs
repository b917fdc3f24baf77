//! What the lock compares: a checked program (and a build of it at first versions)
//! → per rule its meaning and metadata fingerprints, its ids, and what each target
//! emits for it.
//!
//! A rule's emitted fingerprint covers its own files and its entry in the packaged
//! files (its `savedsearches.conf` stanza, its `rules.ndjson` line): the target's
//! package of that rule alone, less the files an empty package also holds (index
//! templates, table schemas), which belong to no rule. The build must be made with
//! [`Versions::none`](scalpel_targets::Versions::none), so that the versions it
//! records are not part of what they version.

use super::file::{Kind, RuleKey};
use crate::BuildOutput;
use scalpel_compiler::ir::fingerprint::{self, digest};
use scalpel_compiler::ir::Program;
use scalpel_compiler::source::Span;
use scalpel_targets::ids::rule_id;
use scalpel_targets::templates::Templates;
use scalpel_targets::{Context, OutFile, Target};
use std::collections::{BTreeMap, HashMap};

#[derive(Debug, Clone)]
pub struct RuleFingerprint {
    pub kind: Kind,
    pub meaning: String,
    pub metadata: String,
    /// For the targets that were built.
    pub emitted: BTreeMap<Target, String>,
    pub ids: BTreeMap<Target, String>,
    /// The step or sequence in its `.det` file.
    pub span: Span,
}

pub type Fingerprints = BTreeMap<RuleKey, RuleFingerprint>;

/// Meaning, metadata and ids of every rule: detectable steps and sequences, as the
/// build makes rules of them. Nothing is emitted yet.
pub fn of_program(program: &Program, tree: &str) -> Fingerprints {
    let mut out = Fingerprints::new();
    for flow in &program.flows {
        let ids = |item: &str| Target::ALL.iter().map(|&t| (t, rule_id(tree, &flow.id, item, t).to_string())).collect();
        for step in flow.steps.iter().filter(|s| s.detection.condition().is_some()) {
            let fingerprint = RuleFingerprint {
                kind: Kind::Step,
                meaning: fingerprint::step_meaning(program, step),
                metadata: fingerprint::step_metadata(flow, step),
                emitted: BTreeMap::new(),
                ids: ids(&step.id),
                span: step.span,
            };
            out.insert(RuleKey::new(&flow.id, &step.id), fingerprint);
        }
        for sequence in &flow.sequences {
            let fingerprint = RuleFingerprint {
                kind: Kind::Sequence,
                meaning: fingerprint::sequence_meaning(program, flow, sequence),
                metadata: fingerprint::sequence_metadata(flow, sequence),
                emitted: BTreeMap::new(),
                ids: ids(&sequence.id),
                span: sequence.span,
            };
            out.insert(RuleKey::new(&flow.id, &sequence.id), fingerprint);
        }
    }
    out
}

/// Adds what each target emitted for each rule in `output`, a build made with `ctx`
/// (whose versions must be none).
pub fn add_emitted(fingerprints: &mut Fingerprints, ctx: &Context, output: &BuildOutput, templates: &Templates) {
    let texts: HashMap<&str, &str> = output.files.iter().map(|(p, t)| (p.as_str(), t.as_str())).collect();
    let mut empty_packages: BTreeMap<Target, Vec<OutFile>> = BTreeMap::new();
    for unit in &output.units {
        let Some(fingerprint) = fingerprints.get_mut(&RuleKey::new(&unit.flow_id, &unit.item_id)) else { continue };
        let backend = unit.target.backend();
        let empty = empty_packages
            .entry(unit.target)
            .or_insert_with(|| backend.package(ctx, &[], templates).unwrap_or_default());
        let mut text = String::new();
        for path in &unit.paths {
            push_file(&mut text, path, texts.get(path.as_str()).copied().unwrap_or_default());
        }
        // A template error is the build's own diagnostic; the rule's files still count.
        for file in backend.package(ctx, &unit.metas, templates).unwrap_or_default() {
            if !empty.contains(&file) {
                push_file(&mut text, &format!("{}/{}", unit.target, file.path), &file.text);
            }
        }
        fingerprint.emitted.insert(unit.target, digest(&text));
    }
}

/// Length-prefixed, so that no two lists of files give the same text.
fn push_file(out: &mut String, path: &str, text: &str) {
    out.push_str(&format!("{} {path}\n{} ", path.len(), text.len()));
    out.push_str(text);
    out.push('\n');
}
