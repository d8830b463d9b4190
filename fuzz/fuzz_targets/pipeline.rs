//! Fuzz target: a spec file through the whole pipeline: parse, schema, model, every rule, every reporter.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| kpic::fuzzing::pipeline(data));
