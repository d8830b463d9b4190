//! Fuzz target: a `kpic.yaml`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| kpic::fuzzing::config(data));
