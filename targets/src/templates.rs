//! Packaging templates: handlebars files (data, next to the code in
//! `targets/templates/`) → the registry that renders packaged files.
//!
//! Invariants: strict mode (a missing variable is an error, not an empty string)
//! and no HTML escaping (it would corrupt queries); templates do layout only, every
//! value is escaped for its file format by the code that builds the data. A user
//! overrides a template by putting a file of the same name in `--templates DIR`.

use handlebars::Handlebars;
use scalpel_compiler::diag::{Code, Diagnostic};
use scalpel_compiler::input;
use serde::Serialize;
use std::path::Path;

/// The templates Scalpel ships: (name, text).
const DEFAULTS: &[(&str, &str)] = &[("savedsearches.conf", include_str!("../templates/savedsearches.conf.hbs"))];

/// Largest template read.
pub const MAX_TEMPLATE_BYTES: u64 = input::MIB;

pub struct Templates {
    registry: Handlebars<'static>,
}

impl Templates {
    /// The shipped templates, each replaced by `DIR/<name>.hbs` when that exists.
    pub fn load(dir: Option<&Path>) -> Result<Templates, Diagnostic> {
        let mut registry = Handlebars::new();
        registry.set_strict_mode(true);
        registry.register_escape_fn(handlebars::no_escape);
        if let Some(dir) = dir.filter(|d| !d.is_dir()) {
            let shown = scalpel_compiler::visible::visible(&dir.display().to_string()).into_owned();
            return Err(Diagnostic::new(Code::Io, format!("templates folder `{shown}` is not a folder")));
        }
        for (name, default) in DEFAULTS {
            // A template the folder does not have stays the built-in one; anything else
            // named like a template (a FIFO, a device, a folder) is an error, not a fallback.
            let file = dir.map(|d| d.join(format!("{name}.hbs"))).filter(|f| std::fs::symlink_metadata(f).is_ok());
            let text = match &file {
                Some(path) => {
                    input::read_text(path, MAX_TEMPLATE_BYTES).map_err(|err| err.diagnostic(path, "template"))?
                }
                None => (*default).to_string(),
            };
            let origin = file.map_or_else(|| format!("built-in `{name}`"), |p| format!("`{}`", p.display()));
            registry.register_template_string(name, text).map_err(|err| {
                Diagnostic::new(Code::Template, format!("template {origin} does not parse")).note(err.to_string())
            })?;
        }
        Ok(Templates { registry })
    }

    pub fn render<T: Serialize>(&self, name: &str, data: &T) -> Result<String, Diagnostic> {
        self.registry.render(name, data).map_err(|err| {
            Diagnostic::new(Code::Template, format!("template `{name}` cannot be rendered")).note(err.to_string())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strict_mode_reports_missing_variables() {
        let templates = Templates::load(None).expect("built-in templates parse");
        let err = templates.render("savedsearches.conf", &serde_json::json!({})).expect_err("strict");
        assert_eq!(err.code, Code::Template);
    }

    #[test]
    fn a_folder_overrides_a_template() {
        let dir = std::env::temp_dir().join(format!("scalpel-templates-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        std::fs::write(dir.join("savedsearches.conf.hbs"), "{{tree}} <&>\n").expect("write");
        let templates = Templates::load(Some(&dir)).expect("override parses");
        let text = templates.render("savedsearches.conf", &serde_json::json!({"tree": "a&b"})).expect("renders");
        assert_eq!(text, "a&b <&>\n");
        std::fs::remove_dir_all(&dir).ok();
    }
}
