//! Lint levels: which warnings are shown, which are silenced and which fail a run.
//!
//! `[lints]` in `scalpel.toml` sets levels for a tree (`W0501 = "allow"`), and
//! `-A/-W/-D CODE` on the command line (`-D warnings`, `--deny-warnings`) override
//! it, like Cargo's `[lints]` and rustc's flags. A code's own level is the last one
//! set for it, command line after file, else `warn`; a code left at `warn` then
//! takes the level of the `warnings` group, if one is set. Errors have no level:
//! they cannot be silenced. [`Lints::apply`] drops allowed warnings and turns
//! denied ones into errors that say which setting denied them.

use crate::config_spans;
use crate::diag::{suggest, Code, Diagnostic, Severity};
use crate::project::Project;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Allow,
    Warn,
    Deny,
}

impl Level {
    pub const NAMES: [&'static str; 3] = ["allow", "warn", "deny"];

    pub fn parse(text: &str) -> Option<Level> {
        match text {
            "allow" => Some(Level::Allow),
            "warn" => Some(Level::Warn),
            "deny" => Some(Level::Deny),
            _ => None,
        }
    }
}

/// The name of the group of every warning.
pub const WARNINGS: &str = "warnings";

/// A level and the words that set it, for the note on a denied warning.
type Setting = (Level, String);

/// Why a `[lints]` entry or a `-A/-W/-D` value is refused: a label and a hint.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    pub label: String,
    pub help: Option<String>,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.help {
            Some(help) => write!(f, "{}; {help}", self.label),
            None => f.write_str(&self.label),
        }
    }
}

const LEVELS_HELP: &str = "levels are \"allow\", \"warn\" and \"deny\"";

#[derive(Debug, Clone, Default)]
pub struct Lints {
    codes: BTreeMap<Code, Setting>,
    warnings: Option<Setting>,
}

impl Lints {
    /// The `[lints]` table of the project's `scalpel.toml` (none without one); a
    /// wrong entry is reported (E0030) and ignored.
    pub fn from_project(project: &Project) -> (Lints, Vec<Diagnostic>) {
        let mut lints = Lints::default();
        let mut problems = Vec::new();
        let Some((_, config)) = &project.config else { return (lints, problems) };
        for (name, value) in &config.lints {
            let origin = format!("`{name} = {value}` in `[lints]` of `scalpel.toml`");
            let result = match value.as_str().map(|l| (l, Level::parse(l))) {
                Some((_, Some(level))) => lints.set(name, level, origin),
                Some((level, None)) => Err(unknown_level(level)),
                None => Err(Problem { label: "not a level".into(), help: Some(LEVELS_HELP.into()) }),
            };
            if let Err(problem) = result {
                let diag = Diagnostic::new(Code::InvalidLints, format!("invalid `[lints]` entry `{name}`"));
                let diag = match config_spans::key_span(project, &["lints", name]) {
                    Some(span) => diag.primary(span, problem.label),
                    None => diag.note(problem.label),
                };
                problems.push(problem.help.into_iter().fold(diag, Diagnostic::help));
            }
        }
        (lints, problems)
    }

    /// Sets the level of a warning code or of `warnings`; later settings win.
    /// `origin` says where it was set (`` `-D W0204` ``).
    pub fn set(&mut self, name: &str, level: Level, origin: String) -> Result<(), Problem> {
        if name == WARNINGS {
            self.warnings = Some((level, origin));
            return Ok(());
        }
        let code = check_name(name)?;
        self.codes.insert(code, (level, origin));
        Ok(())
    }

    /// The level `code` ends up at, and what set it (`None` for the default).
    fn resolve(&self, code: Code) -> (Level, Option<&str>) {
        if code.severity() == Severity::Error {
            return (Level::Deny, None);
        }
        match self.codes.get(&code) {
            Some((Level::Warn, _)) | None => match &self.warnings {
                Some((level, origin)) => (*level, Some(origin)),
                None => (Level::Warn, self.codes.get(&code).map(|(_, o)| o.as_str())),
            },
            Some((level, origin)) => (*level, Some(origin)),
        }
    }

    /// Drops allowed warnings; denied ones become errors with a note saying why.
    pub fn apply(&self, diags: Vec<Diagnostic>) -> Vec<Diagnostic> {
        diags
            .into_iter()
            .filter_map(|mut d| {
                if d.severity == Severity::Error {
                    return Some(d);
                }
                match self.resolve(d.code) {
                    (Level::Allow, _) => None,
                    (Level::Warn, _) => Some(d),
                    (Level::Deny, origin) => {
                        d.severity = Severity::Error;
                        let origin = origin.unwrap_or("a lint setting");
                        Some(d.note(format!("this warning is an error because of {origin}")))
                    }
                }
            })
            .collect()
    }
}

/// A warning code (any case), or why the name cannot take a level.
pub fn check_name(name: &str) -> Result<Code, Problem> {
    match Code::parse(name) {
        Some(code) if code.severity() == Severity::Warning => Ok(code),
        Some(code) => Err(Problem {
            label: format!("`{code}` is an error, and errors cannot be silenced"),
            help: Some("only warnings (`W` codes) and `warnings` take a level".into()),
        }),
        None => {
            let warnings = Code::ALL.iter().filter(|c| c.severity() == Severity::Warning).map(|c| c.as_str());
            let hint = suggest::closest(name, warnings.chain([WARNINGS])).map(|s| format!("did you mean `{s}`?"));
            Err(Problem {
                label: format!("`{name}` is not a warning code"),
                help: hint.or_else(|| Some("`scalpel explain` lists the codes".into())),
            })
        }
    }
}

fn unknown_level(level: &str) -> Problem {
    let help = match level {
        "forbid" => "`deny` already makes it an error".to_string(),
        _ => match suggest::closest(level, Level::NAMES) {
            Some(s) => format!("did you mean `{s}`?"),
            None => LEVELS_HELP.to_string(),
        },
    };
    Problem { label: format!("`{level}` is not a level"), help: Some(help) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn warning(code: Code) -> Diagnostic {
        Diagnostic::new(code, "w")
    }

    fn outcome(lints: &Lints, code: Code) -> Option<Severity> {
        lints.apply(vec![warning(code)]).first().map(|d| d.severity)
    }

    #[test]
    fn codes_and_the_warnings_group() {
        let mut lints = Lints::default();
        assert_eq!(outcome(&lints, Code::ApproximateWindow), Some(Severity::Warning));
        lints.set("W0501", Level::Allow, "`-A W0501`".into()).unwrap();
        lints.set("w0204", Level::Deny, "`-D w0204`".into()).unwrap();
        assert_eq!(outcome(&lints, Code::ApproximateWindow), None);
        assert_eq!(outcome(&lints, Code::OutOfRange), Some(Severity::Error));
        lints.set(WARNINGS, Level::Deny, "`--deny-warnings`".into()).unwrap();
        assert_eq!(outcome(&lints, Code::ApproximateWindow), None, "an allowed code stays allowed");
        assert_eq!(outcome(&lints, Code::ApproximateSequence), Some(Severity::Error));
        lints.set("W0501", Level::Warn, "`-W W0501`".into()).unwrap();
        assert_eq!(outcome(&lints, Code::ApproximateWindow), Some(Severity::Error), "back at warn, then denied");
        let denied = lints.apply(vec![warning(Code::ApproximateSequence)]);
        assert!(denied[0].notes.iter().any(|n| n.contains("`--deny-warnings`")), "{:?}", denied[0].notes);
    }

    #[test]
    fn errors_have_no_level() {
        let mut lints = Lints::default();
        let refused = |name: &str| Lints::default().set(name, Level::Allow, String::new()).unwrap_err().to_string();
        assert!(refused("E0102").contains("errors cannot be silenced"));
        assert!(refused("W0599").contains("not a warning code"));
        assert!(refused("warning").contains("did you mean `warnings`"));
        lints.set(WARNINGS, Level::Allow, String::new()).unwrap();
        assert_eq!(lints.apply(vec![Diagnostic::new(Code::UnknownField, "e")]).len(), 1);
        assert!(unknown_level("alow").to_string().contains("did you mean `allow`"));
        assert!(unknown_level("forbid").to_string().contains("`deny`"));
    }
}
