//! `capsim calibrate`: the serving model against published figures — the
//! error per row, per GPU family and per model — and, with `--fit`, the
//! family efficiencies refitted on them.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{Context, Result};
use serde::Deserialize;

use capsim::scenario::compose::{Composition, compose};
use capsim::serving::calibration::{self, EFFICIENCY_TOML, FAMILIES, Row, error_summary};
use capsim::serving::{LatencyTarget, Mix};

/// The shipped rows (models/calibration/rows.csv, derived by derive_rows.py).
const ROWS_CSV: &str = include_str!("../../models/calibration/rows.csv");

/// One line of a rows file.
#[derive(Debug, Deserialize)]
struct RawRow {
    source: String,
    gpu: String,
    model: String,
    weights: String,
    kv_cache: String,
    system_gpus: u32,
    replica_gpus: u32,
    parallel: String,
    input_tokens: f64,
    output_tokens: f64,
    tpot_ms: Option<f64>,
    ttft_ms: Option<f64>,
    output_tokens_per_s: f64,
    note: String,
    fit: String,
}

/// `capsim calibrate`.
pub(super) fn calibrate(rows_file: Option<&Path>, fit: bool, write: Option<&Path>) -> Result<()> {
    let text = match rows_file {
        Some(p) => capsim::input::read_text_bounded(p, capsim::input::MAX_TOML_BYTES)
            .with_context(|| format!("cannot read {}", p.display()))?,
        None => ROWS_CSV.to_owned(),
    };
    let mut rows = Vec::new();
    let mut labels = Vec::new();
    let mut fitted = Vec::new();
    let mut rdr = csv::Reader::from_reader(text.as_bytes());
    for (k, rec) in rdr.deserialize::<RawRow>().enumerate() {
        let r = rec.with_context(|| format!("rows file, line {}", k + 2))?;
        let c = Composition {
            hardware: r.gpu.clone(),
            architecture: r.model.clone(),
            precision: Some(r.weights.clone()),
            kv_cache: Some(r.kv_cache.clone()),
            gpus: Some(r.replica_gpus),
            parallel: Some(r.parallel.clone()),
        };
        let field = format!("rows file, line {}", k + 2);
        let model = compose(&c, &field, None)?;
        let replica = model
            .replica()
            .context("a composed model always has a replica")?
            .clone();
        labels.push(format!(
            "{} {} {} {}×{} {} {:.0}/{:.0} ({})",
            r.source,
            r.gpu,
            r.model,
            r.replica_gpus,
            r.parallel,
            r.weights,
            r.input_tokens,
            r.output_tokens,
            if r.fit.trim() == "no" {
                format!("{}; not fitted", r.note)
            } else {
                r.note.clone()
            }
        ));
        fitted.push(r.fit.trim() != "no");
        rows.push(Row {
            replica,
            system_gpus: r.system_gpus,
            mix: Mix::new(r.input_tokens, r.output_tokens),
            target: LatencyTarget {
                tpot_ms: r.tpot_ms,
                ttft_ms: r.ttft_ms,
            },
            published: r.output_tokens_per_s,
        });
    }
    if fit {
        let shipped = calibration::parse_table(EFFICIENCY_TOML)?;
        let mut table: BTreeMap<String, capsim::serving::Efficiency> = BTreeMap::new();
        let mut prior = shipped["hopper"].clone();
        for fam in FAMILIES {
            // Hopper has the most rows and anchors the rest. Its dense figures
            // set the chip's efficiencies (bandwidth held at the copy ceiling
            // measured on an H100, 0.89), then its MoE figures the
            // grouped-expert one alone, so that dense Hopper keeps its accuracy.
            // Every other family fits all six on all its rows, pulled towards
            // Hopper's values, moving only what its rows say.
            let pick = |moe: Option<bool>| -> Vec<Row> {
                rows.iter()
                    .zip(&fitted)
                    .filter(|(r, f)| {
                        **f && r.replica.gpu.family == fam
                            && moe.is_none_or(|m| r.replica.architecture.moe.is_some() == m)
                    })
                    .map(|(r, _)| r.clone())
                    .collect()
            };
            let e = if fam == "hopper" {
                let start = shipped["hopper"].clone();
                let free = [false, true, true, true, true, false];
                let dense = calibration::fit(&mut pick(Some(false)), &start, 0.01, free);
                let moe_only = [false, false, false, false, false, true];
                calibration::fit(&mut pick(Some(true)), &dense, 0.01, moe_only)
            } else {
                calibration::fit(&mut pick(None), &prior, 0.1, [true; 6])
            };
            if fam == "hopper" {
                prior = e.clone();
            }
            table.insert(fam.to_owned(), e.clone());
            for r in rows.iter_mut().filter(|r| r.replica.gpu.family == fam) {
                r.replica.gpu.efficiency = e.clone();
            }
        }
        let header = EFFICIENCY_TOML
            .lines()
            .take_while(|l| l.starts_with('#') || l.is_empty())
            .collect::<Vec<_>>()
            .join("\n");
        let toml = calibration::table_toml(&format!("{header}\n"), &table);
        match write {
            Some(p) => capsim::report::write_atomic(p, toml.as_bytes())
                .with_context(|| format!("cannot write {}", p.display()))?,
            None => println!("{toml}"),
        }
    }
    print_errors(&rows, &labels);
    Ok(())
}

fn print_errors(rows: &[Row], labels: &[String]) {
    let mut t = comfy_table::Table::new();
    t.load_preset(comfy_table::presets::UTF8_FULL_CONDENSED);
    t.set_header(vec!["row", "published tok/s", "model tok/s", "error"]);
    for (r, l) in rows.iter().zip(labels) {
        let p = r.predicted();
        t.add_row(vec![
            l.clone(),
            format!("{:.0}", r.published),
            p.map_or("cannot serve".into(), |p| format!("{p:.0}")),
            p.map_or("—".into(), |_| format!("{:+.1}%", 100.0 * r.error())),
        ]);
    }
    println!("{t}");
    let mut groups: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    for r in rows {
        let a = &r.replica.architecture;
        let kind = if a.moe.is_some() { "MoE" } else { "dense" };
        for key in [
            format!("family {}", r.replica.gpu.family),
            format!("family {} {kind}", r.replica.gpu.family),
            format!("model {}", a.name),
            format!("all {kind}"),
        ] {
            groups.entry(key).or_default().push(r.error());
        }
    }
    let mut s = comfy_table::Table::new();
    s.load_preset(comfy_table::presets::UTF8_FULL_CONDENSED);
    s.set_header(vec!["group", "rows", "median |error|", "p90 |error|"]);
    for (k, e) in &groups {
        let (m, p90, n) = error_summary(e);
        s.add_row(vec![
            k.clone(),
            n.to_string(),
            format!("{:.1}%", 100.0 * m),
            format!("{:.1}%", 100.0 * p90),
        ]);
    }
    println!("{s}");
}
