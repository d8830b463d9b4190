//! kpic: a linter and compiler for KPI specs written as YAML.
//!
//! Data flows one way: files → YAML with spans → typed spec → resolved workspace → rules →
//! diagnostics → reporters; and workspace → emitters.
//!
//! The public surface is what another program needs: [`check`] (lint), [`emit`] (build),
//! [`score`], [`diff`], [`server`], the [`diagnostic`], [`meta`] and [`rules`] catalogue
//! types, the model ([`workspace`], [`source`], [`target`], [`date`]) and [`config`]; the
//! binary's [`cli`] and [`commands`]. The rest is `pub(crate)`.

pub(crate) mod baseline;
pub mod check;
pub mod cli;
pub mod commands;
pub mod config;
mod crossfile;
pub mod date;
pub mod diagnostic;
pub mod diff;
pub mod emit;
pub mod error;
pub mod fix;
pub(crate) mod fsutil;
#[cfg(any(test, feature = "fuzzing"))]
pub mod fuzzing;
pub mod meta;
pub mod report;
pub mod rules;
pub mod score;
pub mod server;
pub mod source;
pub mod suppress;
pub mod target;
pub mod workspace;
