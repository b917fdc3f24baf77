//! `scalpel`: the detection-rule compiler's command line.

mod cli;

use std::process::ExitCode;

fn main() -> ExitCode {
    cli::run()
}
