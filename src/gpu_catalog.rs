//! GPU instance prices from a SkyPilot-format catalog CSV.
//!
//! The columns read (by name, in any order; others are ignored):
//! `InstanceType`, `AcceleratorName`, `AcceleratorCount`, `Region`, `Price`
//! (or `Price_usd_per_hr`), `SpotPrice` (or `SpotPrice_usd_per_hr`), and two
//! optional ones: `cloud` (else the catalog's cloud is the name the caller
//! gives) and `ReservedPrice` (our addition: a reserved price per
//! instance-hour), and `Source` and `Notes` (ours: where a row's prices come
//! from, and its caveats). Prices are USD per instance-hour. Rows without
//! accelerators (CPU VMs, GCP's host rows) are skipped; a row that names
//! accelerators but no instance type (GCP's GPU rows) is named
//! `ACCELERATOR:COUNT`. Of several rows for one cloud, instance and region
//! (availability zones), the first is kept.

use std::collections::HashSet;

/// The catalog shipped with capsim (`data/gpu_instances.csv`; prices quoted
/// from the snapshots named in `data/gpu_catalog/README.md`).
pub const BUILTIN: &str = include_str!("../data/gpu_instances.csv");

/// Most USD per instance-hour a row may hold (an 8×B200 rents for about $100).
const MAX_USD_PER_HOUR: f64 = 10_000.0;

/// One instance type in one region.
#[derive(Debug, Clone, PartialEq)]
pub struct Instance {
    /// Cloud, e.g. `aws`.
    pub cloud: String,
    /// Instance type, e.g. `p5.48xlarge`.
    pub instance_type: String,
    /// Accelerator name, e.g. `H100`.
    pub accelerator: String,
    /// Accelerators in one instance.
    pub gpus: u32,
    /// Region.
    pub region: String,
    /// USD per instance-hour, on demand.
    pub on_demand_usd_per_hour: Option<f64>,
    /// USD per instance-hour, spot.
    pub spot_usd_per_hour: Option<f64>,
    /// USD per instance-hour, reserved (where the catalog has the column).
    pub reserved_usd_per_hour: Option<f64>,
    /// Where the row's prices come from (the `Source` column), if given.
    pub source: Option<String>,
    /// The row's caveats (the `Notes` column), if given.
    pub notes: Option<String>,
}

impl Instance {
    /// `cloud/instance_type`, the name a pool gives.
    pub fn key(&self) -> String {
        format!("{}/{}", self.cloud, self.instance_type)
    }

    /// The price of a pool kind (`on_demand`, `spot` or `reserved`).
    pub fn price(&self, kind: &str) -> Option<f64> {
        match kind {
            "on_demand" => self.on_demand_usd_per_hour,
            "spot" => self.spot_usd_per_hour,
            "reserved" => self.reserved_usd_per_hour,
            _ => None,
        }
    }
}

/// Why a catalog cannot be read, or an instance is not in it.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{0}")]
pub struct GpuCatalogError(String);

/// The instances of catalog `text`; `cloud` names the cloud of a catalog
/// without a `cloud` column (a SkyPilot `vms.csv` is one cloud's).
pub fn parse(text: &str, cloud: &str) -> Result<Vec<Instance>, GpuCatalogError> {
    parse_text(text, cloud).map_err(GpuCatalogError)
}

fn parse_text(text: &str, default_cloud: &str) -> Result<Vec<Instance>, String> {
    let mut r = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.as_bytes());
    let headers = r
        .headers()
        .map_err(|e| format!("not a CSV catalog: {e}"))?
        .clone();
    let col = |names: &[&str]| headers.iter().position(|h| names.contains(&h.trim()));
    let need = |names: &[&str]| {
        col(names).ok_or_else(|| {
            format!(
                "not a SkyPilot-format GPU catalog: no column {} (columns: {})",
                names[0],
                crate::input::cut_long_lines(&headers.iter().collect::<Vec<_>>().join(", "), 200)
            )
        })
    };
    let c_type = need(&["InstanceType"])?;
    let c_acc = need(&["AcceleratorName"])?;
    let c_count = need(&["AcceleratorCount"])?;
    let c_region = need(&["Region"])?;
    let c_price = need(&["Price", "Price_usd_per_hr"])?;
    let c_spot = col(&["SpotPrice", "SpotPrice_usd_per_hr"]);
    let c_reserved = col(&["ReservedPrice", "ReservedPrice_usd_per_hr"]);
    let c_cloud = col(&["cloud", "Cloud"]);
    let c_zone = col(&["AvailabilityZone", "Zone"]);
    let c_source = col(&["Source", "source"]);
    let c_notes = col(&["Notes", "notes"]);
    let mut out: Vec<Instance> = Vec::new();
    let mut seen = HashSet::new();
    // (cloud, type, region, zone) → (line, its prices): a second row for the
    // same place must say the same (zones of one region may differ).
    let mut places: std::collections::HashMap<(String, String, String, String), (usize, String)> =
        std::collections::HashMap::new();
    for (i, rec) in r.records().enumerate() {
        let line = i + 2;
        let rec = rec.map_err(|e| format!("line {line}: {e}"))?;
        if rec.len() < headers.len() && !rec.iter().all(|c| c.trim().is_empty()) {
            return Err(format!(
                "line {line}: {} fields where the header has {} (a truncated row?)",
                rec.len(),
                headers.len()
            ));
        }
        let cell = |c: usize| rec.get(c).unwrap_or("").trim();
        let acc = cell(c_acc);
        let count = cell(c_count);
        if acc.is_empty() || count.is_empty() {
            continue;
        }
        let gpus: f64 = count
            .parse()
            .map_err(|_| format!("line {line}: AcceleratorCount `{count}` is not a number"))?;
        // Fractional GPUs (shared instances) cannot hold a replica.
        if !((1.0..=1024.0).contains(&gpus) && gpus.fract() == 0.0) {
            continue;
        }
        let price = |c: Option<usize>, name: &str| -> Result<Option<f64>, String> {
            let Some(c) = c else { return Ok(None) };
            let v = cell(c);
            if v.is_empty() {
                return Ok(None);
            }
            let x: f64 = v
                .parse()
                .map_err(|_| format!("line {line}: {name} `{v}` is not a number"))?;
            // Some catalogs write 0 for "not offered".
            if x == 0.0 {
                return Ok(None);
            }
            if !(x > 0.0 && x <= MAX_USD_PER_HOUR) {
                return Err(format!(
                    "line {line}: {name} {v} is not a price per instance-hour between 0 and {MAX_USD_PER_HOUR} USD"
                ));
            }
            Ok(Some(x))
        };
        let text = |c: Option<usize>| {
            c.map(|c| cell(c).to_owned())
                .filter(|t: &String| !t.is_empty())
        };
        let instance_type = match cell(c_type) {
            "" => format!("{acc}:{gpus}"),
            t => t.to_owned(),
        };
        let cloud = c_cloud
            .map(|c| cell(c).to_owned())
            .filter(|c| !c.is_empty())
            .unwrap_or_else(|| default_cloud.to_owned());
        let region = cell(c_region).to_owned();
        let zone = c_zone.map(|c| cell(c).to_owned()).unwrap_or_default();
        let prices = [
            ("Price", Some(c_price)),
            ("SpotPrice", c_spot),
            ("ReservedPrice", c_reserved),
        ]
        .iter()
        .filter_map(|(name, c)| c.map(|c| format!("{name} {}", or_dash(cell(c)))))
        .collect::<Vec<_>>()
        .join(", ");
        let place = (cloud.clone(), instance_type.clone(), region.clone(), zone);
        if let Some((first, before)) = places.get(&place) {
            if *before != prices {
                return Err(format!(
                    "line {line}: {} in {} is listed again at other prices ({prices}; line {first}: {before}): keep one row",
                    instance_type,
                    if region.is_empty() {
                        "no region"
                    } else {
                        &region
                    }
                ));
            }
        } else {
            places.insert(place, (line, prices));
        }
        if !seen.insert((cloud.clone(), instance_type.clone(), region.clone())) {
            continue;
        }
        out.push(Instance {
            cloud,
            instance_type,
            accelerator: acc.to_owned(),
            gpus: gpus as u32,
            region,
            on_demand_usd_per_hour: price(Some(c_price), "Price")?,
            spot_usd_per_hour: price(c_spot, "SpotPrice")?,
            reserved_usd_per_hour: price(c_reserved, "ReservedPrice")?,
            source: text(c_source),
            notes: text(c_notes),
        });
    }
    if out.is_empty() {
        return Err("the catalog lists no instance with whole GPUs".into());
    }
    Ok(out)
}

/// A cell for a message: `—` when empty.
fn or_dash(cell: &str) -> &str {
    if cell.is_empty() { "—" } else { cell }
}

/// The cloud of a catalog file without a `cloud` column: SkyPilot keeps one
/// cloud's catalog as `…/aws/vms.csv`, so the folder's name; else the file's.
pub fn cloud_of(path: &std::path::Path) -> String {
    let stem = path
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("catalog");
    if stem == "vms" {
        if let Some(dir) = path
            .parent()
            .and_then(|d| d.file_name())
            .and_then(|d| d.to_str())
        {
            return dir.to_owned();
        }
    }
    stem.to_owned()
}

/// The row a pool names: `name` is `cloud/type` or a type alone (when one
/// cloud has it), `region` picks a row, and `kind` (`on_demand`, `spot`,
/// `reserved`) is the price the pool needs, or `None` when the pool prices
/// itself and only the instance's GPUs are needed. Without a region, the
/// cheapest region that has the price is taken, and the second value says so.
pub fn find<'a>(
    all: &'a [Instance],
    name: &str,
    region: Option<&str>,
    kind: Option<&str>,
) -> Result<(&'a Instance, Option<String>), GpuCatalogError> {
    let rows: Vec<&Instance> = all
        .iter()
        .filter(|i| i.key() == name || i.instance_type == name)
        .collect();
    if rows.is_empty() {
        let keys: Vec<String> = {
            let mut k: Vec<String> = all.iter().map(Instance::key).collect();
            k.dedup();
            k
        };
        let near = crate::catalog::near_matches(keys.iter().map(String::as_str), name, 5);
        return Err(GpuCatalogError(if near.is_empty() {
            format!("no instance `{name}` in the GPU catalog")
        } else {
            format!(
                "no instance `{name}` in the GPU catalog; nearest: {}",
                near.join(", ")
            )
        }));
    }
    let clouds: HashSet<&str> = rows.iter().map(|i| i.cloud.as_str()).collect();
    if clouds.len() > 1 {
        let mut c: Vec<&str> = clouds.into_iter().collect();
        c.sort_unstable();
        return Err(GpuCatalogError(format!(
            "`{name}` is sold by {}: name one, e.g. `{}/{name}`",
            c.join(", "),
            c[0]
        )));
    }
    let in_region: Vec<&Instance> = match region {
        Some(r) => {
            let v: Vec<&Instance> = rows.iter().copied().filter(|i| i.region == r).collect();
            if v.is_empty() {
                let mut regions: Vec<&str> = rows.iter().map(|i| i.region.as_str()).collect();
                regions.sort_unstable();
                return Err(GpuCatalogError(format!(
                    "`{}` is not listed in region `{r}` (listed: {})",
                    rows[0].key(),
                    regions.join(", ")
                )));
            }
            v
        }
        None => rows.clone(),
    };
    let Some(kind) = kind else {
        return Ok((in_region[0], None));
    };
    let priced: Vec<&Instance> = in_region
        .iter()
        .copied()
        .filter(|i| i.price(kind).is_some())
        .collect();
    let Some(best) = priced.iter().copied().min_by(|a, b| {
        a.price(kind)
            .unwrap_or(f64::MAX)
            .total_cmp(&b.price(kind).unwrap_or(f64::MAX))
    }) else {
        let what = kind.replace('_', "-");
        return Err(GpuCatalogError(format!(
            "the GPU catalog has no {what} price for `{}`{}: name a [gpu_prices] entry with `price`",
            rows[0].key(),
            region.map(|r| format!(" in {r}")).unwrap_or_default()
        )));
    };
    let note = (region.is_none() && priced.len() > 1).then(|| {
        format!(
            "{} is listed in {} regions; using {}, the cheapest {} (${}/h): set `region` to choose",
            best.key(),
            priced.len(),
            best.region,
            kind.replace('_', "-"),
            crate::dist::num(best.price(kind).unwrap_or(0.0))
        )
    });
    Ok((best, note))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The built-in catalog holds AWS's 8-GPU H100 instance at its quoted
    /// us-east-1 price, and GCP's a3 instance as host + GPUs.
    #[test]
    fn builtin_catalog_reads() {
        let all = parse(BUILTIN, "builtin").unwrap();
        let (p5, _) = find(
            &all,
            "aws/p5.48xlarge",
            Some("us-east-1"),
            Some("on_demand"),
        )
        .unwrap();
        assert_eq!(p5.gpus, 8);
        assert_eq!(p5.accelerator, "H100");
        assert_eq!(p5.on_demand_usd_per_hour, Some(55.04));
        let (a3, _) = find(&all, "a3-highgpu-8g", Some("us-central1"), None).unwrap();
        assert_eq!((a3.cloud.as_str(), a3.gpus), ("gcp", 8));
        // The next generation, each row with its source (prices/nextgen/).
        for (name, region, gpus, price) in [
            ("aws/p6-b200.48xlarge", "us-east-1", 8, 113.9328),
            ("oci/BM.GPU.GB200.4", "us-chicago-1", 4, 64.0),
            ("oci/BM.GPU.MI300X.8", "us-phoenix-1", 8, 48.0),
            ("oci/BM.GPU.MI355X.8", "us-chicago-1", 8, 68.8),
            ("aws/p6-b300.48xlarge", "us-west-2", 8, 142.416),
        ] {
            let (row, _) = find(&all, name, Some(region), Some("on_demand")).unwrap();
            assert_eq!(row.gpus, gpus, "{name}");
            assert_eq!(row.on_demand_usd_per_hour, Some(price), "{name}");
            assert!(row.source.is_some(), "{name} names its source");
        }
        for gpu in ["B200", "GB200", "B300", "GB300", "H200", "MI300X", "MI355X"] {
            assert!(all.iter().any(|i| i.accelerator == gpu), "{gpu}");
        }
        // AWS's spot price per region: the zones' median (two zones in us-east-1).
        let (b200, _) = find(&all, "aws/p6-b200.48xlarge", Some("us-east-1"), None).unwrap();
        assert_eq!(b200.spot_usd_per_hour, Some(17.0243));
    }

    /// SkyPilot's own columns read without `cloud`; bad cells name their line;
    /// unknown instances list near matches; a missing price says which.
    #[test]
    fn skypilot_columns_and_errors() {
        let text = "InstanceType,AcceleratorName,AcceleratorCount,vCPUs,MemoryGiB,Price,Region,AvailabilityZone,SpotPrice\n\
                    m5.large,,,2,8,0.1,us-east-1,us-east-1a,0.05\n\
                    p5.48xlarge,H100,8,192,2048,55.04,us-east-1,us-east-1a,\n\
                    p5.48xlarge,H100,8,192,2048,60.0,eu-west-1,eu-west-1a,30\n";
        let all = parse(text, "aws").unwrap();
        assert_eq!(all.len(), 2, "the CPU VM is skipped");
        let (cheap, note) = find(&all, "aws/p5.48xlarge", None, Some("on_demand")).unwrap();
        assert_eq!(cheap.region, "us-east-1");
        assert!(note.unwrap().contains("cheapest"));
        let (spot, _) = find(&all, "p5.48xlarge", None, Some("spot")).unwrap();
        assert_eq!(
            spot.region, "eu-west-1",
            "the only region with a spot price"
        );
        let e = find(&all, "p5.48xlarge", None, Some("reserved")).unwrap_err();
        assert!(e.to_string().contains("no reserved price"), "{e}");
        let e = find(&all, "aws/p5.48xlarg", None, None).unwrap_err();
        assert!(e.to_string().contains("nearest: aws/p5.48xlarge"), "{e}");
        let e = find(&all, "p5.48xlarge", Some("mars-1"), None).unwrap_err();
        assert!(
            e.to_string().contains("listed: eu-west-1, us-east-1"),
            "{e}"
        );
        let bad =
            "InstanceType,AcceleratorName,AcceleratorCount,Price,Region\np5,H100,8,cheap,us\n";
        let e = parse(bad, "aws").unwrap_err();
        assert!(e.to_string().contains("line 2: Price `cheap`"), "{e}");
        let e = parse("a,b\n1,2\n", "x").unwrap_err();
        assert!(e.to_string().contains("no column InstanceType"), "{e}");
    }
}
