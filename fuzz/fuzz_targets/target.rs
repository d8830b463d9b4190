//! Fuzz target: a target as written in a spec (`>= 2 reports`, `不少于2份`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| kpic::fuzzing::target(data));
