//! Command-line interface: argument parsing and one module per subcommand.
//!
//! Exit codes: 0 success (warnings allowed), 1 errors in the input, 2 usage
//! errors (bad flags, unknown code, a path that does not exist).

mod attack;
mod build;
mod check;
mod coverage;
mod debug;
mod diff;
mod events;
mod explain;
mod files;
mod fmt;
mod import;
mod lock;
mod output;
mod report;
mod templates;
mod test;

use clap::{ArgMatches, CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};
use scalpel_compiler::lints::Level;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "scalpel",
    version,
    about = "Compile attack-flow detections for robotic-assisted surgery into SIEM rules",
    long_about = "Scalpel type-checks detections written per attack-flow step (`.det` files) against \
                  telemetry schemas and MITRE ATT&CK, and compiles them to SIEM rules.",
    after_help = "Exit status: 0 = no errors, 1 = errors in the detections, 2 = usage error.\n\
                  Explain a diagnostic with `scalpel explain E0102`."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check detections: syntax, names, types, ATT&CK ids, then every target and the event generator (writes nothing)
    Check(CheckArgs),
    /// Compile detections to SIEM rules, one file per rule per target
    Build(BuildArgs),
    /// Record rule versions in the tree's `scalpel.lock.json`: bump every rule that changed
    Lock(LockArgs),
    /// Compare two trees (or `--git` revisions) rule by rule: meaning, metadata, text
    Diff(DiffArgs),
    /// Report ATT&CK coverage: Navigator layers, an HTML report and a Markdown summary
    Coverage(CoverageArgs),
    /// Generate synthetic test events for every rule (JSONL with expectations, SIEM replay files)
    Events(EventsArgs),
    /// Run every rule's generated events through the reference evaluator and sigma-rust
    Test(TestArgs),
    /// Show an intermediate stage of the compiler
    #[command(subcommand)]
    Debug(DebugCommand),
    /// Explain a diagnostic code, e.g. `scalpel explain E0102`
    Explain {
        /// The code (`E0102`, `W0204`); omit to list all codes
        code: Option<String>,
    },
    /// Rewrite `.det` files in the canonical layout, keeping every comment; `--check` only shows a diff
    Fmt(FmtArgs),
    /// Run the language server (LSP over standard input and output) for editors
    Lsp,
    /// Manage the ATT&CK catalog
    #[command(subcommand)]
    Attack(AttackCommand),
    /// Turn other formats into `.det` skeletons
    #[command(subcommand)]
    Import(ImportCommand),
    /// The built-in packaging templates that `build --templates DIR` overrides
    #[command(subcommand)]
    Templates(TemplatesCommand),
}

#[derive(Subcommand)]
enum TemplatesCommand {
    /// List the built-in templates, the file each renders and the variables it gets
    List,
    /// Write the built-in templates into DIR, to edit and pass to `build --templates DIR`
    Export {
        /// The folder to write (`<name>.hbs` per template); Scalpel replaces only the files it wrote there
        dir: PathBuf,
        /// Write into a non-empty folder Scalpel did not create, and overwrite exported templates edited since
        #[arg(long)]
        force: bool,
    },
}

#[derive(Subcommand)]
enum ImportCommand {
    /// An Attack Flow Builder file (.afb, format 2.x) or STIX 2.1 attack-flow bundle
    AttackFlow {
        /// The Attack Flow Builder file (`.afb`) or STIX 2.1 bundle (`.json`) to convert
        file: PathBuf,
        /// Write the `.det` file here instead of standard output
        #[arg(long, short)]
        out: Option<PathBuf>,
    },
    /// Sigma rule files or folders of them: a detection tree and a fidelity report per rule
    Sigma(SigmaImportArgs),
}

#[derive(clap::Args)]
struct SigmaImportArgs {
    /// Sigma rule files (`.yml`, `.yaml`) or folders searched for them
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// The folder to write the detection tree and `sigma-import.md`/`.json` into
    #[arg(long, short)]
    out: PathBuf,
    /// Write into a non-empty folder Scalpel did not create, and replace its own files edited since
    #[arg(long)]
    force: bool,
    /// Treat warnings (unknown fields, approximations) as errors
    #[arg(long)]
    deny_warnings: bool,
    /// Print every warning in full (by default the first 3 of each code, then a count)
    #[arg(long)]
    all_warnings: bool,
}

/// Options shared by the commands that read detections.
#[derive(clap::Args)]
struct InputArgs {
    /// `.det` files or folders (a folder with `scalpel.toml` is a detection tree)
    #[arg(default_value = ".")]
    paths: Vec<PathBuf>,
    /// Check ATT&CK ids against these STIX 2.1 bundles instead of the embedded catalog
    #[arg(long = "attack-bundle", value_name = "FILE")]
    attack_bundles: Vec<PathBuf>,
}

/// Lint levels and how many warnings to print, for every command that reports
/// diagnostics. Levels from the command line override `[lints]` of `scalpel.toml`.
#[derive(clap::Args)]
struct LintArgs {
    /// Silence a warning code (`-A W0501`), or every warning (`-A warnings`); repeatable
    #[arg(short = 'A', long = "allow", value_name = "CODE", value_parser = parse_lint_name)]
    allow: Vec<String>,
    /// Report a warning code as a warning even when `[lints]` sets it otherwise; repeatable
    #[arg(short = 'W', long = "warn", value_name = "CODE", value_parser = parse_lint_name)]
    warn: Vec<String>,
    /// Make a warning code an error (`-D W0204`), or every warning (`-D warnings`); repeatable
    #[arg(short = 'D', long = "deny", value_name = "CODE", value_parser = parse_lint_name)]
    deny: Vec<String>,
    /// Treat warnings as errors (the same as `-D warnings`)
    #[arg(long)]
    deny_warnings: bool,
    /// Print every warning in full (by default the first 3 of each code, then a count)
    #[arg(long)]
    all_warnings: bool,
    /// `-A`, `-W` and `-D` in command-line order, later ones winning (filled after parsing).
    #[arg(skip)]
    ordered: Vec<(Level, String)>,
}

fn parse_lint_name(text: &str) -> Result<String, String> {
    if text == scalpel_compiler::lints::WARNINGS {
        return Ok(text.to_string());
    }
    scalpel_compiler::lints::check_name(text).map(|code| code.as_str().to_string()).map_err(|p| p.to_string())
}

/// `--target`: the targets to compile to, all of them when absent.
#[derive(clap::Args)]
struct TargetArgs {
    /// Targets to compile to, comma-separated (all targets when absent)
    #[arg(long = "target", value_name = "TARGET", value_delimiter = ',')]
    targets: Vec<TargetArg>,
}

impl TargetArgs {
    /// The requested targets, sorted and unique; every target when none is given.
    fn resolve(&self) -> Vec<scalpel_targets::Target> {
        let mut targets: Vec<_> = self.targets.iter().map(|t| t.0).collect();
        if targets.is_empty() {
            targets = scalpel_targets::Target::ALL.to_vec();
        }
        targets.sort();
        targets.dedup();
        targets
    }
}

/// A target as a command-line value, so that `--help` lists the targets.
#[derive(Clone, Copy)]
struct TargetArg(scalpel_targets::Target);

impl ValueEnum for TargetArg {
    fn value_variants<'a>() -> &'a [Self] {
        static ALL: std::sync::OnceLock<Vec<TargetArg>> = std::sync::OnceLock::new();
        ALL.get_or_init(|| scalpel_targets::Target::ALL.iter().map(|t| TargetArg(*t)).collect())
    }

    fn to_possible_value(&self) -> Option<clap::builder::PossibleValue> {
        use scalpel_targets::Target;
        let help = match self.0 {
            Target::Sigma => "Sigma rules and correlation rules",
            Target::Splunk => "Splunk SPL searches and a Splunk app of ES correlation searches",
            Target::Kql => "Microsoft Sentinel KQL analytic rules and table schemas",
            Target::Elastic => "Elastic EQL, ES|QL or Lucene rules as Kibana NDJSON, and index templates",
        };
        Some(clap::builder::PossibleValue::new(self.0.name()).help(help))
    }
}

#[derive(clap::Args)]
struct CheckArgs {
    #[command(flatten)]
    input: InputArgs,
    #[command(flatten)]
    targets: TargetArgs,
    /// How to print diagnostics
    #[arg(long, value_enum, default_value_t = MessageFormat::Human)]
    message_format: MessageFormat,
    #[command(flatten)]
    lints: LintArgs,
}

#[derive(clap::Args)]
struct BuildArgs {
    #[command(flatten)]
    input: InputArgs,
    #[command(flatten)]
    targets: TargetArgs,
    /// Output folder. Scalpel replaces or deletes only the files it wrote there (listed in
    /// `.scalpel-manifest.json`), each target's apart; it refuses a folder that is, holds or
    /// lies inside an input, and a non-empty folder it did not create (see `--force`)
    #[arg(long, short, default_value = "build")]
    out: PathBuf,
    /// Write into a non-empty `--out` Scalpel did not create, and overwrite files it wrote
    /// that were edited since; a file Scalpel did not write is never deleted or overwritten
    #[arg(long)]
    force: bool,
    /// Write nothing; show a diff and fail when the output folder is not what this build makes
    #[arg(long)]
    check: bool,
    /// Also write every rule's synthetic test events into `events/` (what `scalpel events`
    /// writes), in the same run; without it the build writes rules and packages only
    #[arg(long)]
    events: bool,
    /// Folder of handlebars templates replacing the built-in ones by name
    /// (`savedsearches.conf.hbs`). The built-in ones are compiled into scalpel (their
    /// source is targets/templates/): `scalpel templates export DIR` writes them to start
    /// from, `scalpel templates list` names the variables each one gets
    #[arg(long, value_name = "DIR", verbatim_doc_comment)]
    templates: Option<PathBuf>,
    /// Language of Elastic rules for single steps, overriding `[targets.elastic] language`
    #[arg(long, value_name = "eql|lucene", value_parser = parse_elastic_language)]
    elastic_language: Option<scalpel_targets::settings::ElasticLanguage>,
    /// How to print diagnostics
    #[arg(long, value_enum, default_value_t = MessageFormat::Human)]
    message_format: MessageFormat,
    #[command(flatten)]
    lints: LintArgs,
}

#[derive(clap::Args)]
#[command(after_help = "Exit status: 0 = every file is formatted (or was rewritten), 1 = with `--check` a file \
                         is not formatted, or a file has syntax errors (it is left as it is), 2 = usage error.")]
struct FmtArgs {
    /// `.det` files or folders (a folder with `scalpel.toml` is a detection tree)
    #[arg(default_value = ".")]
    paths: Vec<PathBuf>,
    /// Write nothing; print a unified diff of every file that is not formatted and fail
    #[arg(long)]
    check: bool,
}

#[derive(clap::Args)]
struct LockArgs {
    #[command(flatten)]
    input: InputArgs,
    /// The day of the new versions (`YYYY-MM-DD`); default: `SOURCE_DATE_EPOCH`. Needed only when a version changes
    #[arg(long, value_name = "YYYY-MM-DD")]
    date: Option<String>,
    #[command(flatten)]
    lints: LintArgs,
}

#[derive(clap::Args)]
#[command(after_help = "Exit status: 0 = no rule changed meaning (none added or removed), 1 = some did, \
                         2 = the diff could not be made.")]
struct DiffArgs {
    /// The old tree (a folder or `.det` file), or with `--git` a revision (`HEAD~1`, `main`)
    old: String,
    /// The new tree, or with `--git` a revision
    new: String,
    /// With `--git`: the tree's folder in the working copy (default `.`)
    #[arg(requires = "git")]
    tree: Option<PathBuf>,
    /// Read OLD and NEW as git revisions of TREE
    #[arg(long)]
    git: bool,
    /// Markdown for a pull-request comment, or JSON
    #[arg(long, value_enum, default_value_t = DiffFormat::Markdown)]
    format: DiffFormat,
}

#[derive(Clone, Copy, ValueEnum)]
enum DiffFormat {
    /// a summary, a table of changed rules and, per change of meaning, events that tell the versions apart
    Markdown,
    /// one JSON document with every rule
    Json,
}

#[derive(clap::Args)]
struct CoverageArgs {
    #[command(flatten)]
    input: InputArgs,
    #[command(flatten)]
    targets: TargetArgs,
    /// Output folder (`navigator/<domain>.json`, `coverage.html`, `coverage.md`). Scalpel
    /// replaces or deletes only the files it wrote there, as `scalpel build --help` says
    #[arg(long, short, default_value = "coverage")]
    out: PathBuf,
    /// Write into a non-empty `--out` Scalpel did not create, and overwrite files it wrote
    /// that were edited since; a file Scalpel did not write is never deleted or overwritten
    #[arg(long)]
    force: bool,
    /// Exit with status 1 when the overall coverage is below this percentage
    #[arg(long, value_name = "PERCENT", value_parser = parse_percent)]
    fail_under: Option<f64>,
    /// How to print diagnostics
    #[arg(long, value_enum, default_value_t = MessageFormat::Human)]
    message_format: MessageFormat,
    #[command(flatten)]
    lints: LintArgs,
}

fn parse_percent(text: &str) -> Result<f64, String> {
    match text.trim().trim_end_matches('%').parse::<f64>() {
        Ok(p) if (0.0..=100.0).contains(&p) => Ok(p),
        _ => Err(format!("`{text}` is not a percentage between 0 and 100")),
    }
}

#[derive(clap::Args)]
struct EventsArgs {
    #[command(flatten)]
    input: InputArgs,
    /// Output folder. Scalpel replaces or deletes only the files it wrote there, as
    /// `scalpel build --help` says
    #[arg(long, short, default_value = "events")]
    out: PathBuf,
    /// Write into a non-empty `--out` Scalpel did not create, and overwrite files it wrote
    /// that were edited since; a file Scalpel did not write is never deleted or overwritten
    #[arg(long)]
    force: bool,
    /// Seed of the generator: the same seed gives the same events
    #[arg(long, default_value_t = scalpel_compiler::events::DEFAULT_SEED)]
    seed: u64,
    /// How to print diagnostics
    #[arg(long, value_enum, default_value_t = MessageFormat::Human)]
    message_format: MessageFormat,
    #[command(flatten)]
    lints: LintArgs,
}

#[derive(clap::Args)]
struct TestArgs {
    #[command(flatten)]
    input: InputArgs,
    /// Seed of the event generator
    #[arg(long, default_value_t = scalpel_compiler::events::DEFAULT_SEED)]
    seed: u64,
    /// Report format: a table, JSON, or JUnit XML for CI (diagnostics go to stderr)
    #[arg(long, value_enum, default_value_t = TestFormat::Human)]
    format: TestFormat,
    #[command(flatten)]
    lints: LintArgs,
}

#[derive(Clone, Copy, ValueEnum)]
enum TestFormat {
    /// a rule × engine table, then the failing events
    Human,
    /// one JSON document
    Json,
    /// JUnit XML, one test suite per engine
    Junit,
}

fn parse_elastic_language(text: &str) -> Result<scalpel_targets::settings::ElasticLanguage, String> {
    use scalpel_targets::settings::ElasticLanguage;
    ElasticLanguage::parse(text).ok_or_else(|| {
        format!("unknown language `{text}`; Elastic languages are {}", ElasticLanguage::NAMES.join(", "))
    })
}

#[derive(Clone, Copy, ValueEnum)]
enum MessageFormat {
    /// rustc-style text on stderr
    Human,
    /// one JSON object per diagnostic on stdout
    Json,
    /// a SARIF 2.1.0 log on stdout, for code-scanning services
    Sarif,
}

#[derive(Subcommand)]
enum DebugCommand {
    /// Print the syntax tree of a file, as JSON
    Ast {
        /// The `.det` file to parse
        file: PathBuf,
    },
    /// Print the checked IR of a file's flows, as JSON (schemas come from its tree)
    Ir {
        /// The `.det` file whose flows to show; the tree around it is loaded too
        file: PathBuf,
        /// Check ATT&CK ids against these STIX 2.1 bundles instead of the embedded catalog
        #[arg(long = "attack-bundle", value_name = "FILE")]
        attack_bundles: Vec<PathBuf>,
    },
}

#[derive(Subcommand)]
enum AttackCommand {
    /// Build the catalog JSON from ATT&CK STIX 2.1 bundles (Enterprise, Mobile, ICS)
    Build {
        /// Where to write the catalog (the embedded one is compiler/data/attack-catalog.json)
        #[arg(long, short)]
        out: PathBuf,
        /// The bundles, e.g. enterprise-attack-18.1.json
        #[arg(required = true)]
        bundles: Vec<PathBuf>,
    },
    /// Show a technique as the catalog knows it, with the names of its tactics and mitigations
    Show {
        /// A technique id in any case (`T1565.002`, `t1565.002`), or words of its name (`data manipulation`)
        #[arg(required = true, num_args = 1..)]
        query: Vec<String>,
    },
}

pub fn run() -> ExitCode {
    let matches = Cli::command().get_matches();
    let mut cli = match Cli::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(err) => err.exit(),
    };
    if let Some(lints) = lint_args(&mut cli.command) {
        lints.ordered = ordered_lint_flags(&matches);
    }
    match cli.command {
        Command::Check(args) => check::run(args),
        Command::Build(args) => build::run(args),
        Command::Lock(args) => lock::run(args),
        Command::Diff(args) => diff::run(args),
        Command::Coverage(args) => coverage::run(args),
        Command::Events(args) => events::run(args),
        Command::Test(args) => test::run(args),
        Command::Debug(DebugCommand::Ast { file }) => debug::ast(&file),
        Command::Debug(DebugCommand::Ir { file, attack_bundles }) => debug::ir(&file, &attack_bundles),
        Command::Fmt(args) => fmt::run(args),
        Command::Lsp => lsp(),
        Command::Explain { code } => explain::run(code.as_deref()),
        Command::Attack(AttackCommand::Build { out, bundles }) => attack::build(&out, &bundles),
        Command::Attack(AttackCommand::Show { query }) => attack::show(&query.join(" ")),
        Command::Import(ImportCommand::AttackFlow { file, out }) => import::attack_flow(&file, out.as_ref()),
        Command::Import(ImportCommand::Sigma(args)) => import::sigma(&args),
        Command::Templates(TemplatesCommand::List) => templates::list(),
        Command::Templates(TemplatesCommand::Export { dir, force }) => templates::export(&dir, force),
    }
}

fn lint_args(command: &mut Command) -> Option<&mut LintArgs> {
    match command {
        Command::Check(a) => Some(&mut a.lints),
        Command::Build(a) => Some(&mut a.lints),
        Command::Coverage(a) => Some(&mut a.lints),
        Command::Events(a) => Some(&mut a.lints),
        Command::Test(a) => Some(&mut a.lints),
        Command::Lock(a) => Some(&mut a.lints),
        _ => None,
    }
}

/// The `-A`, `-W` and `-D` flags of the subcommand, in the order they were given.
fn ordered_lint_flags(matches: &ArgMatches) -> Vec<(Level, String)> {
    let Some((_, sub)) = matches.subcommand() else { return Vec::new() };
    let mut flags: Vec<(usize, Level, String)> = Vec::new();
    for (id, level) in [("allow", Level::Allow), ("warn", Level::Warn), ("deny", Level::Deny)] {
        let (Some(indices), Some(values)) = (sub.indices_of(id), sub.get_many::<String>(id)) else { continue };
        flags.extend(indices.zip(values).map(|(i, v)| (i, level, v.clone())));
    }
    flags.sort_by_key(|(i, _, _)| *i);
    flags.into_iter().map(|(_, level, name)| (level, name)).collect()
}

/// `scalpel lsp`: the language server ([`scalpel_lsp`]); the editor owns standard
/// input and output, so only a broken connection is reported, on standard error.
fn lsp() -> ExitCode {
    match scalpel_lsp::run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            output::errln!("error: scalpel lsp: {err}");
            ExitCode::FAILURE
        }
    }
}
