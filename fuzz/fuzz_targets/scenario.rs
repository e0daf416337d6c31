//! Scenario bytes → UTF-8 check → TOML parse → validation. Must never panic;
//! every input is either a valid scenario or a typed error with a message.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let result = capsim::scenario::utf8(data.to_vec(), "fuzz")
        .and_then(|text| capsim::scenario::parse(&text, "fuzz", None));
    if let Err(e) = result {
        assert!(!e.to_string().is_empty());
    }
});
