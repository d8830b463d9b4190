//! `kpic schema`.

use std::process::ExitCode;

use crate::cli::SchemaArgs;
use crate::commands::print;
use crate::config::CONFIG_SCHEMA;
use crate::error::Result;
use crate::workspace::schema::SPEC_SCHEMA;

/// Prints the spec schema, or the `kpic.yaml` schema with `--config`.
pub fn run(args: SchemaArgs) -> Result<ExitCode> {
    print(if args.config {
        CONFIG_SCHEMA
    } else {
        SPEC_SCHEMA
    })?;
    Ok(ExitCode::SUCCESS)
}
