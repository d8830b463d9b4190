//! The `kpic` binary: parse arguments, run the command, map the result to an exit code.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = match kpic::cli::Cli::try_parse() {
        Ok(cli) => cli,
        // Help, version and argument errors: printed by clap, and like any output, a closed
        // pipe ends them quietly while a failed write is an error.
        Err(e) => {
            return match e.print() {
                Err(io) if !e.use_stderr() && io.kind() != std::io::ErrorKind::BrokenPipe => {
                    fail(&kpic::commands::stdout_error(io))
                }
                _ => ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(2)),
            };
        }
    };
    match kpic::commands::run(cli) {
        Ok(code) => code,
        Err(e) => fail(&e),
    }
}

/// Prints `e` and returns exit code 2.
fn fail(e: &kpic::error::Error) -> ExitCode {
    kpic::commands::say(&format!("kpic: error: {e}\n"));
    if let Some(detail) = &e.detail {
        kpic::commands::say(&format!("{detail}\n"));
    }
    ExitCode::from(kpic::commands::EXIT_ERROR)
}
