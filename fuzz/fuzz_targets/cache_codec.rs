//! Fuzz target: an entry of the model cache, decoded against a spec text.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| kpic::fuzzing::cache_codec(data));
