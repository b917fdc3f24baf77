//! `scalpel explain CODE`: the long form of a diagnostic.

use scalpel_compiler::diag::Code;
use std::process::ExitCode;

pub fn run(code: Option<&str>) -> ExitCode {
    let Some(text) = code else {
        for code in Code::ALL {
            println!("{}  {}", code, code.title());
        }
        return ExitCode::SUCCESS;
    };
    match Code::parse(text) {
        Some(code) => {
            println!("{code}: {}\n\n{}", code.title(), code.explanation());
            ExitCode::SUCCESS
        }
        None => {
            eprintln!("error: `{text}` is not a Scalpel diagnostic code; `scalpel explain` lists them");
            ExitCode::from(2)
        }
    }
}
