//! `capsim seed-table`: the seed calculation reproduced, with the corrected
//! figures beside it.

use std::path::PathBuf;

use anyhow::Result;

use capsim::seed_table::seed_table;

/// Print the table for `scenario` (the built-in seed if `None`).
pub(super) fn print(scenario: Option<&PathBuf>) -> Result<()> {
    let s = super::load(scenario)?;
    let rows = seed_table(&s)?;
    let mut t = comfy_table::Table::new();
    t.load_preset(comfy_table::presets::UTF8_FULL_CONDENSED);
    t.set_header(vec![
        "figure",
        "seed says",
        "capsim (seed's arithmetic)",
        "corrected",
        "why",
    ]);
    for r in rows {
        t.add_row(vec![
            r.label,
            r.seed,
            r.reproduced_text,
            r.corrected_text,
            r.reason.unwrap_or_default(),
        ]);
    }
    println!("{t}");
    println!(
        "Run `capsim run` to see what these point values hide: the same scenario with its uncertainty."
    );
    Ok(())
}
