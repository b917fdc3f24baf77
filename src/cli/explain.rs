//! `scalpel explain CODE`: the long form of a diagnostic.

use super::output::{self, errln};
use scalpel_compiler::diag::Code;
use std::io::Write;
use std::process::ExitCode;

pub fn run(code: Option<&str>) -> ExitCode {
    let Some(text) = code else {
        let mut out = output::stdout();
        for code in Code::ALL {
            let _ = writeln!(out, "{}  {}", code, code.title());
        }
        let _ = out.flush();
        return ExitCode::SUCCESS;
    };
    match Code::parse(text) {
        Some(code) => {
            output::write_stdout(format_args!("{code}: {}\n\n{}\n", code.title(), code.explanation()));
            ExitCode::SUCCESS
        }
        None => {
            errln!(
                "error: `{}` is not a Scalpel diagnostic code; `scalpel explain` lists them",
                scalpel_compiler::visible::visible(text)
            );
            ExitCode::from(2)
        }
    }
}
