//! A LiteLLM-format catalog: the first line is the model key, the rest the
//! catalog text. Must never panic; a price that comes back is finite and
//! non-negative.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (key, catalog) = text.split_once('\n').unwrap_or((text, ""));
    if let Ok(p) = capsim::catalog::lookup(catalog, key) {
        assert!(p.output_usd_per_mtok.is_finite() && p.output_usd_per_mtok >= 0.0);
        assert!(p.input_usd_per_mtok.is_finite() && p.input_usd_per_mtok >= 0.0);
    }
});
