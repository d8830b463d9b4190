//! The `kpic` binary: parse arguments, run the command, map the result to an exit code.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = kpic::cli::Cli::parse();
    match kpic::commands::run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("kpic: error: {e}");
            if let Some(detail) = &e.detail {
                eprintln!("{detail}");
            }
            ExitCode::from(kpic::commands::EXIT_ERROR)
        }
    }
}
