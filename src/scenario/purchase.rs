//! What a pool buys that the catalog does not price: a reserved term as a
//! discount on the catalog's on-demand price, and owned servers named by
//! preset (`data/owned_servers.toml`).

use super::compose::{normalize, resolve_builtin};
use super::profile::BUILTIN_HARDWARE;
use super::*;
use crate::gpu_catalog::Instance;

/// The owned-server presets, with their sources (compiled in).
pub const SERVERS: &str = include_str!("../../data/owned_servers.toml");

/// A reserved discount: a fraction off the on-demand price, at most 95%.
const DISCOUNT: Range =
    Range::between(0.0, 0.95).with_unit("a fraction off the on-demand price: 0.37 for 37%");

/// The built-in discount of a reserved term on the catalog's on-demand price,
/// for a catalog row without a reserved price, and where it comes from.
pub fn default_discount(term_years: Option<i64>) -> Option<(Dist, &'static str)> {
    match term_years {
        // ../shared/data/prices/aws_gpu_instances.csv (tsaol/aws-gpu, from
        // ec2instances.info): 803 instance × region rows of 15 GPU families
        // with both prices have reserved = 0.615 .. 0.704 × on-demand,
        // median 0.630 (p4d A100: 0.634). The term is not stated; likely
        // 1-year, no upfront.
        None | Some(1) => Some((
            Dist::Pert {
                low: 0.30,
                mode: 0.37,
                high: 0.385,
            },
            "1-year: 30-38.5%, likely 37%, from AWS's published reserved prices of 15 GPU instance families (aws_gpu_instances.csv; term not stated, likely 1-year no-upfront)",
        )),
        // ASSUMPTION: no 3-year price for any GPU instance in the shared
        // data; a 3-year term is taken to save about as much again as a
        // 1-year one.
        Some(3) => Some((
            Dist::Pert {
                low: 0.45,
                mode: 0.55,
                high: 0.65,
            },
            "3-year: 45-65%, likely 55%, an ASSUMPTION (no 3-year GPU price in the data capsim ships)",
        )),
        Some(_) => None,
    }
}

/// Whether a reserved pool on catalog instance `name` is priced from the
/// on-demand price: it gives a discount, or the catalog has no reserved price
/// for it (in `region`, if given).
pub(super) fn reserved_from_on_demand(
    p: &RawPool,
    all: &[Instance],
    name: &str,
    region: Option<&str>,
) -> bool {
    p.discount.is_some() || crate::gpu_catalog::find(all, name, region, Some("reserved")).is_err()
}

/// An owned-server preset, as read from [`SERVERS`].
#[derive(Debug, Clone)]
pub(super) struct Server {
    /// Preset name, e.g. `hgx-b200`.
    pub(super) name: String,
    /// GPU type the server holds.
    pub(super) gpu: String,
    /// GPUs per server.
    pub(super) gpus: u32,
    /// Purchase price per server, USD.
    pub(super) purchase_usd: Dist,
    /// Power at load, kW.
    pub(super) power_kw_load: Dist,
    /// Power idle, kW.
    pub(super) power_kw_idle: Dist,
}

/// Every preset: (name, description).
pub fn servers() -> Vec<(String, String)> {
    let table: toml::Table = toml::from_str(SERVERS).unwrap_or_default();
    table
        .iter()
        .map(|(k, v)| {
            let d = v.get("description").and_then(toml::Value::as_str);
            (k.clone(), d.unwrap_or("").to_owned())
        })
        .collect()
}

/// Preset `name` (letters and digits compared, case ignored).
fn server(name: &str) -> Result<Server, String> {
    let table: toml::Table = toml::from_str(SERVERS).map_err(|e| e.to_string())?;
    let named = |k: &str, t: &toml::Value| {
        normalize(k) == normalize(name)
            || t.get("aliases")
                .and_then(toml::Value::as_array)
                .is_some_and(|a| {
                    a.iter()
                        .any(|x| x.as_str().is_some_and(|x| normalize(x) == normalize(name)))
                })
    };
    let Some((key, t)) = table.iter().find(|(k, t)| named(k, t)) else {
        let known: Vec<String> = servers().into_iter().map(|(k, _)| k).collect();
        return Err(format!(
            "no server preset `{name}` (presets: {}); or give gpus_per_instance, purchase_usd and power_kw_load",
            known.join(", ")
        ));
    };
    let field = |k: &str| t.get(k).ok_or(format!("preset {key} has no {k}"));
    let dist = |k: &str, range: Range| -> Result<Dist, String> {
        Dist::from_toml(field(k)?, range).map_err(|e| format!("preset {key}.{k}: {e}"))
    };
    Ok(Server {
        name: key.clone(),
        gpu: field("gpu")?.as_str().unwrap_or("").to_owned(),
        gpus: field("gpus")?
            .as_integer()
            .and_then(|g| u32::try_from(g).ok())
            .unwrap_or(0),
        purchase_usd: dist("purchase_usd", Range::between(1e3, 1e8))?,
        power_kw_load: dist("power_kw_load", Range::between(0.0, 200.0))?,
        power_kw_idle: dist("power_kw_idle", Range::between(0.0, 200.0))?,
    })
}

/// Whether GPU names `a` and `b` are one chip: by the hardware profiles'
/// names and aliases when both are built-in chips, else by the chip's name
/// (letters, digits and a trailing `x`: `H100-SXM5-80GB` is an `h100`,
/// `MI300X` an `mi300x`); `None` when either names no chip.
pub(super) fn same_gpu(a: &str, b: &str) -> Option<bool> {
    let builtin = |x: &str| {
        let r = resolve_builtin(x, BUILTIN_HARDWARE);
        BUILTIN_HARDWARE
            .iter()
            .any(|(stem, _)| *stem == r)
            .then_some(r)
    };
    if let (Some(x), Some(y)) = (builtin(a), builtin(b)) {
        return Some(x == y);
    }
    let chip = |x: &str| {
        let n = normalize(x);
        let letters = n.chars().take_while(char::is_ascii_alphabetic).count();
        let digits = n[letters..]
            .chars()
            .take_while(char::is_ascii_digit)
            .count();
        let x_suffix = usize::from(n[letters + digits..].starts_with('x'));
        (letters > 0 && digits > 0).then(|| n[..letters + digits + x_suffix].to_owned())
    };
    let chip_of = |x: &str| builtin(x).and_then(|r| chip(&r)).or_else(|| chip(x));
    Some(chip_of(a)? == chip_of(b)?)
}

impl Validator<'_> {
    /// The [`Scenario::gpu_prices`] index a rented pool pays: its named
    /// `price`; else its catalog row's price of its kind (a reserved row
    /// without one, or with a `discount`, priced off on-demand); 0 when its
    /// instance did not resolve (already reported).
    pub(super) fn rented_price(
        &mut self,
        f: &str,
        p: &RawPool,
        kind: PoolKind,
        kind_name: &str,
        row: Option<&Instance>,
        prices: &mut Vec<(String, Dist)>,
    ) -> usize {
        match (row, &p.price) {
            (Some(r), None)
                if kind == PoolKind::Reserved
                    && (p.discount.is_some() || r.reserved_usd_per_hour.is_none()) =>
            {
                self.discounted_price(f, p, r, prices)
            }
            (Some(r), None) => {
                let usd = r.price(kind_name).unwrap_or(f64::NAN);
                let name = format!("{} {} {}", r.key(), r.region, kind_name.replace('_', "-"));
                prices
                    .iter()
                    .position(|(n, _)| *n == name)
                    .unwrap_or_else(|| {
                        prices.push((name, Dist::fixed(usd / f64::from(r.gpus))));
                        prices.len() - 1
                    })
            }
            (None, None) if p.instance.is_some() => 0,
            _ => {
                let price_name = p.price.clone().unwrap_or_else(|| kind_name.to_owned());
                self.named_price(&format!("{f}.price"), &price_name, prices)
            }
        }
    }

    /// A reserved pool's price from its catalog row's on-demand price and a
    /// discount (the pool's `discount`, or the built-in one for its term,
    /// with a warning saying so): the index of the price in `prices`.
    pub(super) fn discounted_price(
        &mut self,
        f: &str,
        p: &RawPool,
        row: &Instance,
        prices: &mut Vec<(String, Dist)>,
    ) -> usize {
        let Some(od) = row.on_demand_usd_per_hour else {
            self.push(
                format!("{f}.instance"),
                None,
                format!(
                    "`{}` has neither a reserved nor an on-demand price in the GPU catalog: give price (a [gpu_prices] entry, USD per GPU-hour)",
                    row.key()
                ),
            );
            return 0;
        };
        let discount = match &p.discount {
            Some(d) => self.dist(&format!("{f}.discount"), d, DISCOUNT),
            None => match default_discount(p.term_years) {
                Some((d, source)) => {
                    self.warnings.push(format!(
                        "{f}: the GPU catalog has no reserved price for {} ({}); using the built-in discount on its on-demand ${}/h: {source}. Set discount (e.g. {{ low = 0.3, likely = 0.4, high = 0.5 }}) or price to give your own",
                        row.key(),
                        row.region,
                        crate::dist::num(od),
                    ));
                    d
                }
                None => {
                    self.push(
                        format!("{f}.discount"),
                        None,
                        format!(
                            "missing: the GPU catalog has no reserved price for {} and capsim has a built-in discount for 1- and 3-year terms only; give discount (a fraction off the on-demand price) or price",
                            row.key()
                        ),
                    );
                    return 0;
                }
            },
        };
        let per_gpu = od / f64::from(row.gpus);
        let price = discount
            .affine(per_gpu, -per_gpu, Range::between(0.0, per_gpu))
            .unwrap_or_else(|| {
                self.push(
                    format!("{f}.discount"),
                    None,
                    "a log-normal discount has no exact price distribution: give low/likely/high, uniform, triangular or normal",
                );
                Dist::fixed(f64::NAN)
            });
        let base = format!(
            "{} {} reserved at {}% off on-demand",
            row.key(),
            row.region,
            crate::dist::num(100.0 * discount.point())
        );
        // Pools that buy the same thing at the same discount share a price
        // (and its random stream); another spread gets its own name.
        let mut name = base.clone();
        for k in 2.. {
            match prices.iter().position(|(n, _)| *n == name) {
                Some(i) if prices[i].1 == price => return i,
                Some(_) => name = format!("{base} #{k}"),
                None => break,
            }
        }
        prices.push((name, price));
        prices.len() - 1
    }

    /// A pool's `discount`, `server` and catalog GPU checked against its kind,
    /// its other fields and the GPU its profile runs on (`pool_gpu`); the
    /// server preset it names, if any.
    pub(super) fn purchase_checks(
        &mut self,
        f: &str,
        p: &RawPool,
        kind: PoolKind,
        row: Option<&Instance>,
        pool_gpu: Option<&str>,
    ) -> Option<Server> {
        if p.discount.is_some() {
            let why = if kind != PoolKind::Reserved {
                Some(
                    "only applies to reserved pools (a fraction off the catalog's on-demand price)",
                )
            } else if p.price.is_some() {
                Some("give price or discount, not both")
            } else if p.instance.is_none() {
                Some(
                    "needs instance: the discount is taken off that catalog row's on-demand price (without one, give price)",
                )
            } else {
                None
            };
            if let Some(why) = why {
                self.push(format!("{f}.discount"), None, why);
            }
        }
        if let (Some(r), Some(g)) = (row, pool_gpu) {
            if same_gpu(&r.accelerator, g) == Some(false) && p.allow_other_gpu != Some(true) {
                self.push(
                    format!("{f}.instance"),
                    None,
                    format!(
                        "{} holds {} GPUs but the pool's model profile runs on {g}: name a profile for {} (pool field profile), another instance, or set allow_other_gpu = true to price this instance with the profile's {g} throughput",
                        r.key(),
                        r.accelerator,
                        r.accelerator
                    ),
                );
            }
        }
        if p.allow_other_gpu.is_some() && p.instance.is_none() {
            self.push(
                format!("{f}.allow_other_gpu"),
                None,
                "only applies with instance (a catalog row whose GPU differs from the profile's)",
            );
        }
        let name = p.server.as_deref()?;
        let field = format!("{f}.server");
        if kind != PoolKind::Owned {
            self.push(
                field,
                None,
                "only applies to owned pools (kind = \"owned\")",
            );
            return None;
        }
        if p.instance.is_some() {
            self.push(field, None, "give server (a preset) or instance, not both");
            return None;
        }
        let s = match server(name) {
            Ok(s) => s,
            Err(e) => {
                self.push(field, None, e);
                return None;
            }
        };
        if let Some(g) = p.gpus_per_instance {
            if g != i64::from(s.gpus) {
                self.push(
                    format!("{f}.gpus_per_instance"),
                    None,
                    format!("{g}, but server `{}` holds {} GPUs", s.name, s.gpus),
                );
            }
        }
        if let Some(g) = pool_gpu {
            if same_gpu(&s.gpu, g) == Some(false) {
                self.push(
                    field,
                    None,
                    format!(
                        "`{}` holds {} GPUs but the pool's model profile runs on {g}: name a profile for {} (models/README.md lists the built-in ones; `capsim capacity --gpu {} --model MODEL` composes one)",
                        s.name, s.gpu, s.gpu, s.gpu
                    ),
                );
            }
        }
        Some(s)
    }
}
