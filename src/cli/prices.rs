//! `capsim prices`: what the GPU and API price catalogs hold, filtered.

use std::path::Path;

use anyhow::{Context, Result};
use comfy_table::{Cell, CellAlignment, Table, presets::UTF8_FULL_CONDENSED};

use capsim::{catalog, gpu_catalog};

/// `capsim prices [--gpu NAME] [--api TEXT] [--catalog FILE]`. With neither
/// filter both catalogs are listed; with one, only that catalog. A catalog
/// file replaces the built-in one of its kind (JSON: API, else GPU).
pub(super) fn prices(
    gpu: Option<&str>,
    api: Option<&str>,
    catalog_file: Option<&Path>,
) -> Result<()> {
    let (mut gpu_text, mut api_text) =
        (gpu_catalog::BUILTIN.to_owned(), catalog::BUILTIN.to_owned());
    let (mut gpu_origin, mut api_origin) = (
        "built-in GPU catalog (data/gpu_instances.csv)".to_owned(),
        "built-in API catalog (data/litellm_prices_subset.json)".to_owned(),
    );
    let mut cloud = "catalog".to_owned();
    if let Some(path) = catalog_file {
        let text = capsim::input::read_text_bounded(path, capsim::input::MAX_JSON_BYTES)
            .with_context(|| format!("--catalog: cannot read {}", path.display()))?;
        if text.trim_start().starts_with('{') {
            api_text = text;
            api_origin = path.display().to_string();
        } else {
            gpu_text = text;
            gpu_origin = path.display().to_string();
            cloud = gpu_catalog::cloud_of(path);
        }
    }
    let show_gpu = gpu.is_some() || api.is_none();
    let show_api = api.is_some() || gpu.is_none();
    // Both catalogs read (and refused) before anything is printed.
    let api_rows = if show_api {
        Some(catalog::entries(&api_text, api.unwrap_or("")).with_context(|| api_origin.clone())?)
    } else {
        None
    };
    if show_gpu {
        let all = gpu_catalog::parse(&gpu_text, &cloud).with_context(|| gpu_origin.clone())?;
        let want = gpu.unwrap_or("").to_lowercase();
        // A GPU's own name picks its rows only (`H200` is not `GH200`,
        // `B200` not `GB200`); anything else matches the start of a GPU's
        // name or part of an instance type.
        let exact = all.iter().any(|i| i.accelerator.to_lowercase() == want);
        let rows: Vec<&gpu_catalog::Instance> = all
            .iter()
            .filter(|i| {
                let acc = i.accelerator.to_lowercase();
                want.is_empty()
                    || acc == want
                    || (!exact
                        && (acc.starts_with(&want)
                            || i.instance_type.to_lowercase().contains(&want)))
            })
            .collect();
        anyhow::ensure!(
            !rows.is_empty(),
            "--gpu {}: no instance in the {gpu_origin} has it (GPUs listed: {})",
            gpu.unwrap_or(""),
            accelerators(&all)
        );
        let usd = |x: Option<f64>| x.map(|v| format!("{v:.2}")).unwrap_or_else(|| "—".into());
        let mut t = Table::new();
        t.load_preset(UTF8_FULL_CONDENSED);
        t.set_header(vec![
            "instance",
            "GPU",
            "GPUs per node",
            "region",
            "on-demand $/h",
            "spot $/h",
            "reserved $/h",
            "on-demand $/GPU-h",
            "source",
        ]);
        for i in &rows {
            t.add_row(vec![
                Cell::new(i.key()),
                Cell::new(&i.accelerator),
                Cell::new(i.gpus).set_alignment(CellAlignment::Right),
                Cell::new(&i.region),
                Cell::new(usd(i.on_demand_usd_per_hour)).set_alignment(CellAlignment::Right),
                Cell::new(usd(i.spot_usd_per_hour)).set_alignment(CellAlignment::Right),
                Cell::new(usd(i.reserved_usd_per_hour)).set_alignment(CellAlignment::Right),
                Cell::new(usd(i.on_demand_usd_per_hour.map(|p| p / f64::from(i.gpus))))
                    .set_alignment(CellAlignment::Right),
                Cell::new(source_and_notes(i)),
            ]);
        }
        println!("GPU instances, USD per instance-hour ({gpu_origin}):\n{t}");
        let unreserved = rows
            .iter()
            .filter(|i| i.reserved_usd_per_hour.is_none())
            .count();
        if unreserved > 0 {
            println!(
                "{unreserved} of these {} rows have no reserved price (no public source gives one). A reserved pool on one is priced off its on-demand price: by `discount = {{ low = 0.3, likely = 0.4, high = 0.5 }}` (a fraction off), by `price` (a [gpu_prices] entry, USD per GPU-hour), or else by capsim's built-in discount for its term (1-year: likely 37%, from AWS's published reserved prices; 3-year: likely 55%, an assumption), said in a warning.",
                rows.len()
            );
        }
        println!(
            "A pool names one with instance = \"{}\" (and region = \"…\"); see docs/scenario.md.",
            rows.iter()
                .find(|i| i.on_demand_usd_per_hour.is_some())
                .unwrap_or(&rows[0])
                .key()
        );
    }
    if let Some(mut rows) = api_rows {
        anyhow::ensure!(
            !rows.is_empty(),
            "--api {}: no model key in the {api_origin} contains it",
            api.unwrap_or("")
        );
        sort_by_price(&mut rows);
        if show_gpu {
            println!();
        }
        println!(
            "API models, USD per million tokens, cheapest output first ({api_origin}):\n{}",
            api_table(&rows)
        );
        for line in cache_notes(&rows) {
            println!("{line}");
        }
        println!(
            "A scenario names one with [[api]] model = \"{}\".",
            rows[0].key
        );
    }
    Ok(())
}

/// A row's source and caveats, for the table's last column.
fn source_and_notes(i: &gpu_catalog::Instance) -> String {
    match (&i.source, &i.notes) {
        (Some(s), Some(n)) => format!("{s}; {n}"),
        (Some(s), None) => s.clone(),
        (None, Some(n)) => n.clone(),
        (None, None) => "—".into(),
    }
}

fn accelerators(all: &[gpu_catalog::Instance]) -> String {
    let mut a: Vec<&str> = all.iter().map(|i| i.accelerator.as_str()).collect();
    a.sort_unstable();
    a.dedup();
    a.join(", ")
}

/// Cheapest output first, then cheapest input, then by key: what a buyer
/// comparing providers of one model reads down.
fn sort_by_price(rows: &mut [catalog::CatalogEntry]) {
    rows.sort_by(|a, b| {
        a.price
            .output_usd_per_mtok
            .total_cmp(&b.price.output_usd_per_mtok)
            .then(
                a.price
                    .input_usd_per_mtok
                    .total_cmp(&b.price.input_usd_per_mtok),
            )
            .then_with(|| a.key.cmp(&b.key))
    });
}

/// The API models' table: key, provider, input, cached input ("—" without a
/// cached price) and output, USD per million tokens.
fn api_table(rows: &[catalog::CatalogEntry]) -> Table {
    let usd = |x: f64| Cell::new(format!("{x:.3}")).set_alignment(CellAlignment::Right);
    let mut t = Table::new();
    t.load_preset(UTF8_FULL_CONDENSED);
    t.set_header(vec![
        "API model",
        "provider",
        "input $/M",
        "cached input $/M",
        "output $/M",
    ]);
    for e in rows {
        let p = &e.price;
        t.add_row(vec![
            Cell::new(&e.key),
            Cell::new(if e.provider.is_empty() {
                "—"
            } else {
                &e.provider
            }),
            usd(p.input_usd_per_mtok),
            p.cached_input_usd_per_mtok
                .map_or_else(|| Cell::new("—").set_alignment(CellAlignment::Right), usd),
            usd(p.output_usd_per_mtok),
        ]);
    }
    t
}

/// The lines under the table for rows whose cache share is not discounted:
/// no cached price ("—"), or one equal to the input price.
fn cache_notes(rows: &[catalog::CatalogEntry]) -> Vec<String> {
    let mut notes = Vec::new();
    if rows
        .iter()
        .any(|e| e.price.cached_input_usd_per_mtok.is_none())
    {
        notes.push("Cached input \"—\": the catalog has no cached price; a scenario prices that model's cache share (cached_input_fraction) at the full input price unless [api] cached_input_usd_per_mtok gives one.".to_owned());
    }
    if rows
        .iter()
        .any(|e| e.price.cached_input_usd_per_mtok.is_some() && !e.price.discounts_cache())
    {
        notes.push("A cached price equal to the input price is no discount: the cache share costs the full input price.".to_owned());
    }
    notes
}
