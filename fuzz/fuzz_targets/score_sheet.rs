//! Fuzz target: a filled-in scorecard, as `kpic score --actuals` reads it.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| kpic::fuzzing::score_sheet(data));
