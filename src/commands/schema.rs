//! `kpic schema`.

use std::process::ExitCode;

use crate::cli::SchemaArgs;
use crate::config::CONFIG_SCHEMA;
use crate::error::Result;
use crate::workspace::schema::SPEC_SCHEMA;

/// Prints the spec schema, or the `kpic.yaml` schema with `--config`.
pub fn run(args: SchemaArgs) -> Result<ExitCode> {
    if args.config {
        print!("{CONFIG_SCHEMA}");
    } else {
        print!("{SPEC_SCHEMA}");
    }
    Ok(ExitCode::SUCCESS)
}
