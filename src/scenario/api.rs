//! `[api]`: explicit prices or a catalog key, and the price drift.

use super::*;

/// Name of the API price-drift preset.
const API_DRIFT_PRESET: &str = "litellm-2023-2026";

/// `[api] price_drift_per_year = "litellm-2023-2026"`: a year's relative
/// change of API prices, from `litellm_price_changes_2023-2026.csv` (MIT):
/// of the 167 catalog entries whose output price changed between versions
/// 2023-12 and 2026-11, the median new/old ratio is 0.75 (quartiles 0.33
/// and 1.06), and most entries did not change at all between versions. So:
/// likely no change; a fall as deep as a typical cut (−25%) at the low end;
/// a rise at the upper quartile (+6%) at the high end. Package dates are not
/// effective dates, so the per-year scale is approximate.
fn api_drift_litellm() -> Dist {
    // What `{ low = -0.25, likely = 0.0, high = 0.06 }` reads as.
    Dist::Pert {
        low: -0.25,
        mode: 0.0,
        high: 0.06,
    }
}

impl Validator<'_> {
    /// `[api]`: explicit prices, or a model key in a LiteLLM-format catalog
    /// (the built-in subset unless `catalog` names a file, relative to the scenario).
    /// `f` is the table's field path (`api`, or `api[i]` among several).
    pub(super) fn api(&mut self, f: &str, r: &raw::RawApi, dir: Option<&Path>) -> Api {
        let field = |name: &str| format!("{f}.{name}");
        let drift = match r
            .price_drift_per_year
            .as_ref()
            .map(|v| (v, v.get_ref().as_str()))
        {
            Some((_, Some(API_DRIFT_PRESET))) => api_drift_litellm(),
            Some((v, Some(other))) => {
                let line = self.line_of(v.span().start);
                self.push(
                    field("price_drift_per_year"),
                    Some(line),
                    format!(
                        "no price-drift preset named `{other}` (known: {API_DRIFT_PRESET}); or give a number or a distribution"
                    ),
                );
                Dist::fixed(f64::NAN)
            }
            _ => self.opt_dist(
                &field("price_drift_per_year"),
                &r.price_drift_per_year,
                DRIFT,
                0.0,
            ),
        };
        let explicit_input = self.opt_dist(
            &field("input_usd_per_mtok"),
            &r.input_usd_per_mtok,
            API_PRICE,
            0.0,
        );
        let explicit_cached = r
            .cached_input_usd_per_mtok
            .as_ref()
            .map(|d| self.dist(&field("cached_input_usd_per_mtok"), d, API_PRICE));
        let cached_fraction = r.cached_input_fraction.as_ref().map(|d| {
            self.dist(
                &field("cached_input_fraction"),
                d,
                Range::UNIT.with_unit("a fraction of prompt tokens: 0.4 means 40%"),
            )
        });
        let Some(key) = &r.model else {
            if r.catalog.is_some() {
                self.push(
                    field("catalog"),
                    None,
                    format!("a catalog needs {f}.model, the key to look up"),
                );
            }
            let output = match &r.output_usd_per_mtok {
                Some(d) => self.dist(&field("output_usd_per_mtok"), d, API_PRICE),
                None => {
                    self.push(
                        field("output_usd_per_mtok"),
                        None,
                        format!("missing: give the API's price per million output tokens, or {f}.model (a catalog key)"),
                    );
                    Dist::fixed(f64::NAN)
                }
            };
            self.per_token_slip(&field("output_usd_per_mtok"), &output);
            self.per_token_slip(&field("input_usd_per_mtok"), &explicit_input);
            if let Some(c) = &explicit_cached {
                if c.point() > explicit_input.point() {
                    self.push(
                        field("cached_input_usd_per_mtok"),
                        None,
                        format!(
                            "{} is above input_usd_per_mtok ({}): a cached input token cannot cost more than an uncached one",
                            crate::dist::num(c.point()),
                            crate::dist::num(explicit_input.point())
                        ),
                    );
                }
            }
            return Api {
                name: r.name.clone().unwrap_or_else(|| "api".into()),
                output_usd_per_mtok: output,
                input_usd_per_mtok: explicit_input,
                cached_input_usd_per_mtok: explicit_cached,
                cached_input_fraction: cached_fraction,
                price_drift_per_year: drift,
            };
        };
        for (field, given) in [
            (
                field("output_usd_per_mtok"),
                r.output_usd_per_mtok.is_some(),
            ),
            (field("input_usd_per_mtok"), r.input_usd_per_mtok.is_some()),
        ] {
            if given {
                self.push(
                    field,
                    None,
                    format!("give either {f}.model (prices from the catalog) or explicit prices, not both"),
                );
            }
        }
        let (text, origin) = match &r.catalog {
            None => (
                Some(crate::catalog::BUILTIN.to_owned()),
                "the built-in catalog, data/litellm_prices_subset.json".to_owned(),
            ),
            Some(c) => {
                let path = dir.map(|d| d.join(c)).unwrap_or_else(|| PathBuf::from(c));
                match crate::input::read_text_bounded(&path, crate::input::MAX_JSON_BYTES) {
                    Ok(t) => (Some(t), path.display().to_string()),
                    Err(e) => {
                        self.push(
                            field("catalog"),
                            None,
                            format!("cannot read {}: {e}", path.display()),
                        );
                        (None, String::new())
                    }
                }
            }
        };
        let price = text.and_then(|t| match crate::catalog::lookup(&t, key) {
            Ok(p) => Some(p),
            Err(e) => {
                self.push(field("model"), None, format!("{e} ({origin})"));
                None
            }
        });
        if let (Some(c), Some(p)) = (&explicit_cached, price) {
            if c.point() > p.input_usd_per_mtok {
                self.push(
                    field("cached_input_usd_per_mtok"),
                    None,
                    format!(
                        "{} is above `{key}`'s input price ({} USD per million): a cached input token cannot cost more than an uncached one",
                        crate::dist::num(c.point()),
                        crate::dist::num(p.input_usd_per_mtok)
                    ),
                );
            }
        }
        Api {
            name: r.name.clone().unwrap_or_else(|| key.clone()),
            output_usd_per_mtok: Dist::fixed(price.map_or(f64::NAN, |p| p.output_usd_per_mtok)),
            input_usd_per_mtok: Dist::fixed(price.map_or(f64::NAN, |p| p.input_usd_per_mtok)),
            // An explicit cached price overrides the catalog's.
            cached_input_usd_per_mtok: explicit_cached.or_else(|| {
                price
                    .and_then(|p| p.cached_input_usd_per_mtok)
                    .map(Dist::fixed)
            }),
            cached_input_fraction: cached_fraction,
            price_drift_per_year: drift,
        }
    }

    /// Say when an API bills its cache share at the full input price: its
    /// share of prompt tokens read from the cache (its own
    /// `cached_input_fraction`, else the demand's) may be above 0, and it has
    /// no discount for them — no cached price given or in its catalog entry,
    /// or the catalog's equal to the input price (Databricks lists them so).
    /// Allowed (some providers do not discount), but a buyer who set a cache
    /// share expects one; an explicit `cached_input_usd_per_mtok` is taken
    /// as meant. `raws` are the tables `apis` were validated from.
    pub(super) fn undiscounted_cache(
        &mut self,
        demand: &Demand,
        apis: &[Api],
        raws: &[raw::RawApi],
    ) {
        let many = apis.len() > 1;
        for (i, (a, r)) in apis.iter().zip(raws).enumerate() {
            let f = if many {
                format!("api[{i}]")
            } else {
                "api".to_owned()
            };
            let (share, share_field) = match &a.cached_input_fraction {
                Some(d) => (d, format!("{f}.cached_input_fraction")),
                None if demand.api_cache_is_prompt_cache => (
                    &demand.cached_input_fraction,
                    "demand.cached_prompt_fraction".to_owned(),
                ),
                None => (
                    &demand.cached_input_fraction,
                    "demand.cached_input_fraction".to_owned(),
                ),
            };
            let hi = share.bounds().1;
            // NaN (an invalid share, already an issue) is not above 0.
            let has_share = hi > 0.0;
            if !has_share || r.cached_input_usd_per_mtok.is_some() {
                continue;
            }
            let why = match &a.cached_input_usd_per_mtok {
                None if r.model.is_some() => {
                    format!("`{}` has no cached-input price in its catalog", a.name)
                }
                None => format!("`{}` has no cached-input price", a.name),
                // From the catalog, so a fixed value.
                Some(c) if c.point() >= a.input_usd_per_mtok.point() => format!(
                    "`{}`'s cached-input price in its catalog equals its input price ({} USD per million tokens)",
                    a.name,
                    crate::dist::num(c.point())
                ),
                Some(_) => continue,
            };
            let share = if share.is_fixed() {
                format!("{share_field} = {}", crate::dist::num(hi))
            } else {
                format!("{share_field} up to {}", crate::dist::num(hi))
            };
            self.warnings.push(format!(
                "{f}: {why}, so its cache share ({share}) is priced at the full input price; give the provider's cached price with {f}.cached_input_usd_per_mtok"
            ));
        }
    }

    /// A price per million tokens below $0.001 is almost surely a price per
    /// token (the catalog's unit) written where millions are meant.
    fn per_token_slip(&mut self, field: &str, d: &Dist) {
        let hi = d.bounds().1;
        if hi > 0.0 && hi < 1e-3 {
            self.push(
                field,
                None,
                format!(
                    "{} USD per million tokens looks like a price per token: write USD per million tokens ({} per token = {} per million)",
                    crate::dist::num(hi),
                    crate::dist::num(hi),
                    crate::dist::num(hi * 1e6)
                ),
            );
        }
    }
}
