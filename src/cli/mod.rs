//! Command-line interface: argument parsing and one module per subcommand.
//!
//! Exit codes: 0 success (warnings allowed), 1 errors in the input, 2 usage
//! errors (bad flags, unknown code).

mod attack;
mod build;
mod check;
mod coverage;
mod debug;
mod events;
mod explain;
mod files;
mod import;
mod output;
mod report;
mod test;

use clap::{Parser, Subcommand, ValueEnum};
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
    /// Check detections: syntax, names, types, ATT&CK ids
    Check(CheckArgs),
    /// Compile detections to SIEM rules, one file per rule per target
    Build(BuildArgs),
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
    /// Manage the ATT&CK catalog
    #[command(subcommand)]
    Attack(AttackCommand),
    /// Turn other formats into `.det` skeletons
    #[command(subcommand)]
    Import(ImportCommand),
}

#[derive(Subcommand)]
enum ImportCommand {
    /// An Attack Flow Builder file (.afb, format 2.x) or STIX 2.1 attack-flow bundle
    AttackFlow {
        file: PathBuf,
        /// Write the `.det` file here instead of standard output
        #[arg(long, short)]
        out: Option<PathBuf>,
    },
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

#[derive(clap::Args)]
struct CheckArgs {
    #[command(flatten)]
    input: InputArgs,
    /// How to print diagnostics
    #[arg(long, value_enum, default_value_t = MessageFormat::Human)]
    message_format: MessageFormat,
    /// Treat warnings as errors
    #[arg(long)]
    deny_warnings: bool,
}

#[derive(clap::Args)]
struct BuildArgs {
    #[command(flatten)]
    input: InputArgs,
    /// Targets to compile to, comma-separated (all targets when absent)
    #[arg(long = "target", value_delimiter = ',', value_parser = parse_target)]
    targets: Vec<scalpel_targets::Target>,
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
    /// Folder of handlebars templates overriding the built-in ones (`savedsearches.conf.hbs`)
    #[arg(long, value_name = "DIR")]
    templates: Option<PathBuf>,
    /// Language of Elastic rules for single steps, overriding `[targets.elastic] language`
    #[arg(long, value_name = "eql|lucene", value_parser = parse_elastic_language)]
    elastic_language: Option<scalpel_targets::settings::ElasticLanguage>,
    /// How to print diagnostics
    #[arg(long, value_enum, default_value_t = MessageFormat::Human)]
    message_format: MessageFormat,
    /// Treat warnings as errors
    #[arg(long)]
    deny_warnings: bool,
}

#[derive(clap::Args)]
struct CoverageArgs {
    #[command(flatten)]
    input: InputArgs,
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
}

#[derive(clap::Args)]
struct TestArgs {
    #[command(flatten)]
    input: InputArgs,
    /// Seed of the event generator
    #[arg(long, default_value_t = scalpel_compiler::events::DEFAULT_SEED)]
    seed: u64,
    /// Report format: a table, JSON, or JUnit XML for CI
    #[arg(long, value_enum, default_value_t = TestFormat::Human)]
    format: TestFormat,
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

fn parse_target(text: &str) -> Result<scalpel_targets::Target, String> {
    scalpel_targets::Target::parse(text).ok_or_else(|| {
        let names: Vec<&str> = scalpel_targets::Target::ALL.iter().map(|t| t.name()).collect();
        format!("unknown target `{text}`; targets are {}", names.join(", "))
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
    Ast { file: PathBuf },
    /// Print the checked IR of a file's flows, as JSON (schemas come from its tree)
    Ir {
        file: PathBuf,
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
    /// Show a technique as the catalog knows it
    Show { id: String },
}

pub fn run() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Check(args) => check::run(args),
        Command::Build(args) => build::run(args),
        Command::Coverage(args) => coverage::run(args),
        Command::Events(args) => events::run(args),
        Command::Test(args) => test::run(args),
        Command::Debug(DebugCommand::Ast { file }) => debug::ast(&file),
        Command::Debug(DebugCommand::Ir { file, attack_bundles }) => debug::ir(&file, &attack_bundles),
        Command::Explain { code } => explain::run(code.as_deref()),
        Command::Attack(AttackCommand::Build { out, bundles }) => attack::build(&out, &bundles),
        Command::Attack(AttackCommand::Show { id }) => attack::show(&id),
        Command::Import(ImportCommand::AttackFlow { file, out }) => import::attack_flow(&file, out.as_ref()),
    }
}
