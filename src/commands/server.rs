//! `kpic server`.

use std::process::ExitCode;

use crate::check;
use crate::cli::ServerArgs;
use crate::config::Config;
use crate::error::Result;
use crate::server::{self, Settings};

/// Runs the language server on stdin and stdout.
pub fn run(args: ServerArgs) -> Result<ExitCode> {
    // Unknown rules in `--select` or `--ignore` stop kpic before it serves (exit 2), as they
    // stop `kpic check`.
    drop(check::levels(
        &Config::default_in(std::path::Path::new(".")),
        &args.select,
        &args.ignore,
    )?);
    Ok(server::run(Settings {
        config: args.config,
        select: args.select,
        ignore: args.ignore,
    }))
}
