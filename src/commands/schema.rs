//! `kpic schema`.

use std::process::ExitCode;

use crate::cli::SchemaArgs;
use crate::error::{Error, Result};
use crate::workspace::schema::SPEC_SCHEMA;

/// Prints the spec schema (or the config schema).
pub fn run(args: SchemaArgs) -> Result<ExitCode> {
    if args.config {
        return Err(Error::new("the kpic.yaml schema is not available yet"));
    }
    print!("{SPEC_SCHEMA}");
    Ok(ExitCode::SUCCESS)
}
