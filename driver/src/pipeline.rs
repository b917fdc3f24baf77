//! After the front end, the work `scalpel check`, `scalpel build` and the language
//! server share: the settings of `scalpel.toml` and every requested target's rules and
//! packages at the versions of the tree's lock ([`crate::lock`]), in memory. `check`
//! and the editor report what this finds and `build` also writes it, so a tree that
//! `check` accepts is one that `build` builds, and the editor shows what `check` says.
//! Synthetic events are not part of it: `scalpel events` writes them (and `build
//! --events`, after the rules built clean).

use crate::{lock, UnitOutcome};
use scalpel_compiler::diag::Diagnostics;
use scalpel_compiler::ir::Program;
use scalpel_compiler::project::Project;
use scalpel_targets::settings::ElasticLanguage;
use scalpel_targets::templates::Templates;
use scalpel_targets::{Settings, Target};
use std::path::Path;

pub struct Options<'a> {
    pub targets: &'a [Target],
    pub templates: Option<&'a Path>,
    pub elastic_language: Option<ElasticLanguage>,
    /// Called once per (target, rule) done, of [`crate::build::unit_count`].
    pub tick: &'a (dyn Fn() + Sync),
    /// How a lock that does not match the tree is reported.
    pub stale_lock: lock::Severity,
}

/// What the back ends produced.
pub struct Output {
    /// Every output file (`<target>/…`).
    pub files: Vec<(String, String)>,
    /// What each (target, step or sequence) wrote, in unit order (the editor's hover
    /// shows a rule's files).
    pub units: Vec<UnitOutcome>,
    pub lock: lock::Status,
    /// The date rules carry when the tree has no lock (`[targets.sigma] date`).
    pub unlocked_date: String,
    /// The settings the rules were built with (`build --events` names fields as they do).
    pub settings: Settings,
}

/// The output and the settings it was built with, with the diagnostics of each back
/// end and of the lock pushed into `diags`; `None` when a setting or template is
/// wrong (also reported).
pub fn back_ends(
    project: &mut Project,
    program: &Program,
    options: &Options,
    diags: &mut Diagnostics,
) -> Option<Output> {
    let (tree, settings) = Settings::for_project(project, program);
    let templates = Templates::load(options.templates);
    let (mut settings, templates) = match (settings, templates) {
        (Ok(settings), Ok(templates)) => (settings, templates),
        (settings, templates) => {
            settings.err().into_iter().chain(templates.err()).for_each(|d| diags.push(d));
            return None;
        }
    };
    // The lock records the tree's own build: emitted text is compared only for the
    // targets the command line leaves as the tree sets them.
    let mut compare_emitted = if options.templates.is_some() { Vec::new() } else { options.targets.to_vec() };
    if let Some(language) = options.elastic_language {
        if language != settings.elastic.language {
            compare_emitted.retain(|t| *t != Target::Elastic);
        }
        settings.elastic.language = language;
    }
    let lock_options =
        lock::Options { targets: options.targets, compare_emitted: &compare_emitted, severity: options.stale_lock };
    let locked = lock::build(project, program, &tree, &settings, &templates, &lock_options, options.tick);
    let output = locked.output;
    diags.extend(output.diags);
    Some(Output {
        files: output.files,
        units: output.units,
        lock: locked.status,
        unlocked_date: settings.sigma.date.clone(),
        settings,
    })
}
