//! Uncertain inputs: a plain number or a distribution.
//!
//! In a scenario file any uncertain input may be written as
//!
//! | form | meaning | point value |
//! |---|---|---|
//! | `2.5` or `{ value = 2.5 }` | fixed | the value |
//! | `{ low = 1, likely = 2, high = 4 }` | the interval form: beta-PERT between `low` and `high` with mode `likely` (Vose, *Risk Analysis*, 2008, §9.1.4) | `likely` |
//! | `{ dist = "uniform", low = 1, high = 2 }` | uniform | mean |
//! | `{ dist = "normal", mean = 2, sd = 0.3 }` | normal, clamped to the field's range | mean |
//! | `{ dist = "lognormal", median = 2, sigma = 0.2 }` | log-normal, `sigma` = sd of ln x | median |
//! | `{ dist = "lognormal", mean = 2, sd = 0.4 }` | log-normal by its mean and sd | mean |
//! | `{ dist = "triangular", low = 1, mode = 2, high = 4 }` | triangular | mode |
//! | `{ dist = "pert", low = 1, mode = 2, high = 4 }` | beta-PERT | mode |
//!
//! The *point value* is what deterministic mode (`capsim seed-table`,
//! `--deterministic`) uses in place of the distribution.

use rand::Rng as _;
use rand_distr::{Distribution, LogNormal, Normal, Pert, Triangular};
use serde::Serialize;

use crate::rng::Rng;

/// The range a field's values must lie in (checked at load, and samples of
/// unbounded distributions are clamped to it).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Range {
    /// Smallest allowed value.
    pub min: f64,
    /// Largest allowed value.
    pub max: f64,
    /// Whether `min` itself is allowed.
    pub min_inclusive: bool,
    /// The field's unit or form, added to error messages ("" for none).
    pub unit: &'static str,
}

impl Range {
    /// `x >= 0`.
    pub const NON_NEGATIVE: Range = Range {
        min: 0.0,
        max: f64::MAX,
        min_inclusive: true,
        unit: "",
    };
    /// `x > 0`.
    pub const POSITIVE: Range = Range {
        min: 0.0,
        max: f64::MAX,
        min_inclusive: false,
        unit: "",
    };
    /// A probability or fraction, `0 <= x <= 1`.
    pub const UNIT: Range = Range {
        min: 0.0,
        max: 1.0,
        min_inclusive: true,
        unit: "",
    };
    /// A growth rate or drift per year, `-1 < x <= 100` (100 = ×101 a year).
    pub const RATE: Range = Range {
        min: -1.0,
        max: 100.0,
        min_inclusive: false,
        unit: "",
    };

    /// `min <= x <= max`: for fields where a larger value can only be a
    /// mistake (wrong units, a typo in the exponent).
    pub const fn between(min: f64, max: f64) -> Range {
        Range {
            min,
            max,
            min_inclusive: true,
            unit: "",
        }
    }

    /// `min < x <= max`.
    pub const fn above(min: f64, max: f64) -> Range {
        Range {
            min,
            max,
            min_inclusive: false,
            unit: "",
        }
    }

    /// The same range, with its unit or form named in error messages.
    pub const fn with_unit(self, unit: &'static str) -> Range {
        Range { unit, ..self }
    }

    fn contains(&self, x: f64) -> bool {
        let above = if self.min_inclusive {
            x >= self.min
        } else {
            x > self.min
        };
        above && x <= self.max
    }

    /// The range in words, for error messages.
    fn describe(&self) -> String {
        let words = self.words();
        if self.unit.is_empty() {
            words
        } else {
            format!("{words} ({})", self.unit)
        }
    }

    fn words(&self) -> String {
        match (
            self.min == 0.0 && self.max == 1.0 && self.min_inclusive,
            self.min_inclusive,
            self.max == f64::MAX,
        ) {
            (true, _, _) => "between 0 and 1".into(),
            (_, true, true) if self.min == 0.0 => "zero or more".into(),
            (_, false, true) if self.min == 0.0 => "greater than zero".into(),
            (_, true, _) => format!("between {} and {}", num(self.min), num(self.max)),
            (_, false, _) => format!(
                "greater than {} and at most {}",
                num(self.min),
                num(self.max)
            ),
        }
    }

    fn clamp(&self, x: f64) -> f64 {
        // An exclusive lower bound is approached, never reached.
        let lo = if self.min_inclusive {
            self.min
        } else {
            self.min + f64::EPSILON.max(self.min.abs() * 1e-12)
        };
        x.clamp(lo, self.max)
    }
}

/// Why a value is not a valid uncertain input for its field (the caller
/// adds the field's name).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{0}")]
pub struct DistError(String);

/// A validated distribution, ready to sample.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "dist", rename_all = "snake_case")]
pub enum Dist {
    /// Always the same value.
    Fixed {
        /// The value.
        value: f64,
    },
    /// Uniform on `[low, high]`.
    Uniform {
        /// Lower bound.
        low: f64,
        /// Upper bound.
        high: f64,
    },
    /// Normal, clamped to the field's range.
    Normal {
        /// Mean.
        mean: f64,
        /// Standard deviation.
        sd: f64,
        /// Range samples are clamped to.
        #[serde(skip)]
        range: Range,
    },
    /// Log-normal with `ln x ~ N(mu, sigma)`.
    LogNormal {
        /// Mean of ln x.
        mu: f64,
        /// Standard deviation of ln x.
        sigma: f64,
        /// The point value (median or mean, as the user wrote it).
        point: f64,
        /// Range samples are clamped to (a draw far in the tail never
        /// leaves the field's range).
        #[serde(skip)]
        range: Range,
    },
    /// Triangular on `[low, high]` with mode `mode`.
    Triangular {
        /// Lower bound.
        low: f64,
        /// Mode.
        mode: f64,
        /// Upper bound.
        high: f64,
    },
    /// Beta-PERT on `[low, high]` with mode `mode` (shape 4).
    Pert {
        /// Lower bound.
        low: f64,
        /// Mode.
        mode: f64,
        /// Upper bound.
        high: f64,
    },
}

impl Dist {
    /// A fixed value.
    pub fn fixed(value: f64) -> Self {
        Dist::Fixed { value }
    }

    /// The point value used in deterministic mode.
    pub fn point(&self) -> f64 {
        match *self {
            Dist::Fixed { value } => value,
            Dist::Uniform { low, high } => 0.5 * (low + high),
            Dist::Normal { mean, .. } => mean,
            Dist::LogNormal { point, .. } => point,
            Dist::Triangular { mode, .. } | Dist::Pert { mode, .. } => mode,
        }
    }

    /// The expectation (closed form), used by tests and reports.
    pub fn mean(&self) -> f64 {
        match *self {
            Dist::Fixed { value } => value,
            Dist::Uniform { low, high } => 0.5 * (low + high),
            Dist::Normal { mean, .. } => mean,
            Dist::LogNormal { mu, sigma, .. } => (mu + 0.5 * sigma * sigma).exp(),
            Dist::Triangular { low, mode, high } => (low + mode + high) / 3.0,
            Dist::Pert { low, mode, high } => (low + 4.0 * mode + high) / 6.0,
        }
    }

    /// (lowest, highest) value a draw is likely to take: the bounds of a
    /// bounded distribution, mean ± 3 sd of a normal, the point of a
    /// log-normal (whose tail is clamped to its field's range). For checks
    /// of plausibility, not for sampling.
    pub fn bounds(&self) -> (f64, f64) {
        match *self {
            Dist::Fixed { value } => (value, value),
            Dist::Uniform { low, high }
            | Dist::Triangular { low, high, .. }
            | Dist::Pert { low, high, .. } => (low, high),
            Dist::Normal { mean, sd, .. } => (mean - 3.0 * sd, mean + 3.0 * sd),
            Dist::LogNormal { point, .. } => (point, point),
        }
    }

    /// The distribution of `offset + scale × x`, exactly, for a family that
    /// is closed under it (every one but the log-normal, unless `offset` is
    /// 0 and `scale` positive): a price `p × (1 − d)` from a discount `d`.
    /// `range` is the range the result's unbounded tails are clamped to.
    pub fn affine(&self, offset: f64, scale: f64, range: Range) -> Option<Dist> {
        let y = |x: f64| offset + scale * x;
        let ordered = |a: f64, b: f64| if scale >= 0.0 { (a, b) } else { (b, a) };
        Some(match *self {
            Dist::Fixed { value } => Dist::fixed(y(value)),
            Dist::Uniform { low, high } => {
                let (low, high) = ordered(y(low), y(high));
                Dist::Uniform { low, high }
            }
            Dist::Normal { mean, sd, .. } => Dist::Normal {
                mean: y(mean),
                sd: sd * scale.abs(),
                range,
            },
            Dist::LogNormal {
                mu, sigma, point, ..
            } if offset == 0.0 && scale > 0.0 => Dist::LogNormal {
                mu: mu + scale.ln(),
                sigma,
                point: y(point),
                range,
            },
            Dist::LogNormal { .. } => return None,
            Dist::Triangular { low, mode, high } => {
                let (low, high) = ordered(y(low), y(high));
                Dist::Triangular {
                    low,
                    mode: y(mode),
                    high,
                }
            }
            Dist::Pert { low, mode, high } => {
                let (low, high) = ordered(y(low), y(high));
                Dist::Pert {
                    low,
                    mode: y(mode),
                    high,
                }
            }
        })
    }

    /// Whether the distribution is a single value.
    pub fn is_fixed(&self) -> bool {
        matches!(self, Dist::Fixed { .. })
    }

    /// One draw. Builds the `rand_distr` sampler on the fly: these are
    /// trial-level draws (a handful per trial), never in the hourly loop.
    pub fn sample(&self, rng: &mut Rng) -> f64 {
        match *self {
            Dist::Fixed { value } => value,
            Dist::Uniform { low, high } => low + (high - low) * rng.random::<f64>(),
            Dist::Normal { mean, sd, range } => {
                // Valid by construction: sd >= 0 and finite, checked at load.
                let n = Normal::new(mean, sd).map(|d| d.sample(rng)).unwrap_or(mean);
                range.clamp(n)
            }
            Dist::LogNormal {
                mu,
                sigma,
                point,
                range,
            } => range.clamp(
                LogNormal::new(mu, sigma)
                    .map(|d| d.sample(rng))
                    .unwrap_or(point),
            ),
            Dist::Triangular { low, mode, high } => Triangular::new(low, high, mode)
                .map(|d| d.sample(rng))
                .unwrap_or(mode),
            Dist::Pert { low, mode, high } => Pert::new(low, high)
                .with_mode(mode)
                .map(|d| d.sample(rng))
                .unwrap_or(mode),
        }
    }

    /// Parse a scenario value (a number or a table, see the module docs),
    /// checking it against `range`. The error says what is wrong, without the
    /// field name (the caller adds it).
    pub fn from_toml(value: &toml::Value, range: Range) -> Result<Dist, DistError> {
        Self::from_toml_text(value, range).map_err(DistError)
    }

    fn from_toml_text(value: &toml::Value, range: Range) -> Result<Dist, String> {
        let dist = match value {
            toml::Value::Integer(i) => Dist::Fixed { value: *i as f64 },
            toml::Value::Float(f) => Dist::Fixed { value: *f },
            toml::Value::Table(t) => from_table(t)?,
            other => {
                return Err(format!(
                    "expected a number or a distribution table, found {}",
                    other.type_str()
                ));
            }
        };
        dist.check(range)?;
        Ok(dist)
    }

    fn check(&self, range: Range) -> Result<(), String> {
        let describe = range.describe();
        let out_of = |what: &str, x: f64| -> Result<(), String> {
            if range.contains(x) {
                Ok(())
            } else {
                Err(format!(
                    "{what} {} is out of range: must be {describe}",
                    num(x)
                ))
            }
        };
        match *self {
            Dist::Fixed { value } => out_of("value", value),
            Dist::Uniform { low, high } => {
                out_of("low", low)?;
                out_of("high", high)
            }
            Dist::Triangular { low, high, .. } | Dist::Pert { low, high, .. } => {
                out_of("low", low)?;
                out_of("high", high)
            }
            Dist::Normal { mean, .. } => out_of("mean", mean),
            Dist::LogNormal { point, .. } => {
                if range.min <= 0.0 {
                    out_of("point", point)
                } else {
                    Err(format!(
                        "a log-normal can take values near 0; this field must be {describe}"
                    ))
                }
            }
        }
    }
}

fn from_table(t: &toml::map::Map<String, toml::Value>) -> Result<Dist, String> {
    const KNOWN: [&str; 10] = [
        "dist", "value", "low", "likely", "high", "mode", "mean", "sd", "median", "sigma",
    ];
    if let Some(k) = t.keys().find(|k| !KNOWN.contains(&k.as_str())) {
        return Err(format!(
            "unknown key `{k}` in distribution (known keys: {})",
            KNOWN.join(", ")
        ));
    }
    if t.is_empty() {
        return Err(
            "empty distribution: give a number, { low, likely, high } or dist = \"…\"".into(),
        );
    }
    let num = |k: &str| -> Result<Option<f64>, String> {
        match t.get(k) {
            None => Ok(None),
            Some(toml::Value::Integer(i)) => Ok(Some(*i as f64)),
            Some(toml::Value::Float(f)) if f.is_finite() => Ok(Some(*f)),
            Some(toml::Value::Float(f)) => Err(format!("`{k}` is {f}: must be a finite number")),
            Some(v) => Err(format!("`{k}` must be a number, found {}", v.type_str())),
        }
    };
    let need = |k: &str, kind: &str| -> Result<f64, String> {
        num(k)?.ok_or_else(|| format!("a {kind} distribution needs `{k}`"))
    };
    let only = |allowed: &[&str], kind: &str| -> Result<(), String> {
        match t
            .keys()
            .find(|k| k.as_str() != "dist" && !allowed.contains(&k.as_str()))
        {
            Some(k) => Err(format!(
                "`{k}` does not belong in a {kind} distribution (it takes {})",
                allowed.join(", ")
            )),
            None => Ok(()),
        }
    };
    let kind = match t.get("dist") {
        None => None,
        Some(toml::Value::String(s)) => Some(s.as_str()),
        Some(v) => return Err(format!("`dist` must be a string, found {}", v.type_str())),
    };
    let ordered = |low: f64, mid: f64, high: f64, mid_name: &str| -> Result<(), String> {
        if low > high {
            Err(format!("low ({low}) is greater than high ({high})"))
        } else if mid < low || mid > high {
            Err(format!(
                "{mid_name} ({mid}) is outside [low, high] = [{low}, {high}]"
            ))
        } else {
            Ok(())
        }
    };
    // A degenerate interval is a fixed value (rand_distr rejects low == high).
    let three = |low: f64, mid: f64, high: f64, make: fn(f64, f64, f64) -> Dist| -> Dist {
        if low == high {
            Dist::Fixed { value: low }
        } else {
            make(low, mid, high)
        }
    };
    match kind {
        None if t.contains_key("value") => {
            only(&["value"], "fixed")?;
            Ok(Dist::Fixed {
                value: need("value", "fixed")?,
            })
        }
        None => {
            only(&["low", "likely", "high"], "low/likely/high")?;
            let (low, likely, high) = (
                need("low", "low/likely/high")?,
                need("likely", "low/likely/high")?,
                need("high", "low/likely/high")?,
            );
            ordered(low, likely, high, "likely")?;
            Ok(three(low, likely, high, |low, mode, high| Dist::Pert {
                low,
                mode,
                high,
            }))
        }
        Some("fixed") => {
            only(&["value"], "fixed")?;
            Ok(Dist::Fixed {
                value: need("value", "fixed")?,
            })
        }
        Some("uniform") => {
            only(&["low", "high"], "uniform")?;
            let (low, high) = (need("low", "uniform")?, need("high", "uniform")?);
            ordered(low, low, high, "low")?;
            Ok(Dist::Uniform { low, high })
        }
        Some("normal") => {
            only(&["mean", "sd"], "normal")?;
            let (mean, sd) = (need("mean", "normal")?, need("sd", "normal")?);
            if sd < 0.0 {
                return Err(format!("sd ({sd}) must be zero or more"));
            }
            Ok(Dist::Normal {
                mean,
                sd,
                range: Range::NON_NEGATIVE,
            })
        }
        Some("lognormal") => {
            if t.contains_key("median") || t.contains_key("sigma") {
                only(&["median", "sigma"], "lognormal (median, sigma)")?;
                let (median, sigma) = (need("median", "lognormal")?, need("sigma", "lognormal")?);
                if median <= 0.0 {
                    return Err(format!("median ({median}) must be greater than zero"));
                }
                if sigma < 0.0 {
                    return Err(format!("sigma ({sigma}) must be zero or more"));
                }
                check_sigma(sigma, "sigma")?;
                Ok(Dist::LogNormal {
                    mu: median.ln(),
                    sigma,
                    point: median,
                    range: Range::NON_NEGATIVE,
                })
            } else {
                only(&["mean", "sd"], "lognormal (mean, sd)")?;
                let (mean, sd) = (need("mean", "lognormal")?, need("sd", "lognormal")?);
                if mean <= 0.0 {
                    return Err(format!("mean ({mean}) must be greater than zero"));
                }
                if sd < 0.0 {
                    return Err(format!("sd ({sd}) must be zero or more"));
                }
                let s2 = (1.0 + (sd / mean).powi(2)).ln();
                check_sigma(s2.sqrt(), "sd")?;
                Ok(Dist::LogNormal {
                    mu: mean.ln() - 0.5 * s2,
                    sigma: s2.sqrt(),
                    point: mean,
                    range: Range::NON_NEGATIVE,
                })
            }
        }
        Some(k @ ("triangular" | "pert")) => {
            only(&["low", "mode", "high"], k)?;
            let (low, mode, high) = (need("low", k)?, need("mode", k)?, need("high", k)?);
            ordered(low, mode, high, "mode")?;
            Ok(if k == "pert" {
                three(low, mode, high, |low, mode, high| Dist::Pert {
                    low,
                    mode,
                    high,
                })
            } else {
                three(low, mode, high, |low, mode, high| Dist::Triangular {
                    low,
                    mode,
                    high,
                })
            })
        }
        Some(other) => Err(format!(
            "unknown dist \"{other}\" (known: fixed, uniform, normal, lognormal, triangular, pert)"
        )),
    }
}

/// Fix the clamp range of a normal to the field's range.
pub(crate) fn with_range(d: Dist, range: Range) -> Dist {
    match d {
        Dist::Normal { mean, sd, .. } => Dist::Normal { mean, sd, range },
        Dist::LogNormal {
            mu, sigma, point, ..
        } => Dist::LogNormal {
            mu,
            sigma,
            point,
            range,
        },
        other => other,
    }
}

/// Largest log-normal sigma (sd of ln x): at 4, one sd is ×55 and the 99th
/// percentile ×11,000 the median; more describes no forecast, and its draws
/// overflow the sums.
const MAX_SIGMA: f64 = 4.0;

fn check_sigma(sigma: f64, name: &str) -> Result<(), String> {
    if sigma.is_finite() && sigma <= MAX_SIGMA {
        return Ok(());
    }
    Err(if name == "sigma" {
        format!(
            "sigma ({}) is too large: at most {MAX_SIGMA} (sigma is the standard deviation of ln x: 0.5 means about ±65%, 1 about ×2.7)",
            num(sigma)
        )
    } else {
        format!(
            "sd is too large for the mean: the log-normal's sigma would be {}, at most {MAX_SIGMA} (sd is in the field's own units)",
            num(sigma)
        )
    })
}

/// A number as a person reads it in an error: plain when moderate, else in
/// scientific notation (`1e300`, not three hundred digits).
pub fn num(x: f64) -> String {
    if x != 0.0 && x.is_finite() && !(1e-4..1e9).contains(&x.abs()) {
        format!("{x:e}")
    } else {
        format!("{x}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::StreamKey;

    fn parse(s: &str) -> Result<Dist, String> {
        let v: toml::Table = toml::from_str(&format!("x = {s}")).unwrap();
        Dist::from_toml(&v["x"], Range::NON_NEGATIVE).map_err(|e| e.to_string())
    }

    /// `offset + scale × x` has the quantiles of `x` mapped through it
    /// (mirrored when `scale` is negative), family by family; a log-normal
    /// cannot be mirrored.
    #[test]
    fn affine_maps_quantiles() {
        let q = |mut v: Vec<f64>, p: f64| {
            v.sort_by(f64::total_cmp);
            v[((v.len() - 1) as f64 * p) as usize]
        };
        let (offset, scale) = (10.0, -8.0); // a price 10 × (1 − 0.8 d)
        for text in [
            "{ low = 0.3, likely = 0.37, high = 0.385 }",
            "{ dist = \"triangular\", low = 0.1, mode = 0.2, high = 0.6 }",
            "{ dist = \"uniform\", low = 0.2, high = 0.5 }",
            "{ dist = \"normal\", mean = 0.4, sd = 0.05 }",
        ] {
            let d = parse(text).unwrap();
            let a = d.affine(offset, scale, Range::NON_NEGATIVE).unwrap();
            let mut r1 = StreamKey::new(1, "x").for_trial(0);
            let mut r2 = StreamKey::new(2, "y").for_trial(0);
            let xs: Vec<f64> = (0..40_000)
                .map(|_| offset + scale * d.sample(&mut r1))
                .collect();
            let ys: Vec<f64> = (0..40_000).map(|_| a.sample(&mut r2)).collect();
            for p in [0.05, 0.25, 0.5, 0.75, 0.95] {
                let (x, y) = (q(xs.clone(), p), q(ys.clone(), p));
                assert!((x - y).abs() < 0.02, "{text} at {p}: {x} vs {y}");
            }
            assert!(
                (a.mean() - (offset + scale * d.mean())).abs() < 1e-9,
                "{text}"
            );
            assert!(
                (a.point() - (offset + scale * d.point())).abs() < 1e-9,
                "{text}"
            );
        }
        let ln = parse("{ dist = \"lognormal\", median = 0.3, sigma = 0.2 }").unwrap();
        assert!(ln.affine(1.0, -1.0, Range::NON_NEGATIVE).is_none());
        let scaled = ln.affine(0.0, 2.0, Range::NON_NEGATIVE).unwrap();
        assert!((scaled.point() - 0.6).abs() < 1e-12);
    }

    #[test]
    fn forms_and_point_values() {
        assert_eq!(parse("2.5").unwrap().point(), 2.5);
        assert_eq!(
            parse("{ low = 1, likely = 2, high = 4 }").unwrap().point(),
            2.0
        );
        assert_eq!(
            parse("{ dist = \"uniform\", low = 1, high = 3 }")
                .unwrap()
                .point(),
            2.0
        );
        assert!(
            (parse("{ dist = \"lognormal\", mean = 2, sd = 0.5 }")
                .unwrap()
                .mean()
                - 2.0)
                .abs()
                < 1e-12
        );
        assert_eq!(
            parse("{ low = 3, likely = 3, high = 3 }").unwrap().point(),
            3.0
        );
    }

    #[test]
    fn errors_say_why() {
        assert!(
            parse("{ low = 5, likely = 2, high = 1 }")
                .unwrap_err()
                .contains("greater than high")
        );
        assert!(parse("-1").unwrap_err().contains("out of range"));
        assert!(parse("nan").unwrap_err().contains("out of range"));
        assert!(
            parse("{ dist = \"normal\", mean = 1, sd = -1 }")
                .unwrap_err()
                .contains("sd")
        );
        assert!(
            parse("{ dist = \"gamma\", low = 1 }")
                .unwrap_err()
                .contains("unknown dist")
        );
        assert!(
            parse("{ lo = 1 }")
                .unwrap_err()
                .contains("unknown key `lo`")
        );
        assert!(parse("{}").unwrap_err().contains("empty"));
        assert!(parse("\"3\"").unwrap_err().contains("found string"));
        assert!(
            parse("{ low = 1, likely = inf, high = 4 }")
                .unwrap_err()
                .contains("finite")
        );
    }

    #[test]
    fn sample_means_match_closed_form() {
        for s in [
            "{ low = 1, likely = 2, high = 6 }",
            "{ dist = \"triangular\", low = 1, mode = 2, high = 6 }",
            "{ dist = \"uniform\", low = 1, high = 6 }",
            "{ dist = \"lognormal\", median = 2, sigma = 0.3 }",
            "{ dist = \"normal\", mean = 5, sd = 1 }",
        ] {
            let d = parse(s).unwrap();
            let key = StreamKey::new(9, s);
            let n = 20_000;
            let xs: Vec<f64> = (0..n).map(|i| d.sample(&mut key.for_trial(i))).collect();
            let m = xs.iter().sum::<f64>() / n as f64;
            let sd = (xs.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (n - 1) as f64).sqrt();
            let se = sd / (n as f64).sqrt();
            assert!(
                (m - d.mean()).abs() < 4.0 * se,
                "{s}: sample mean {m} vs {}",
                d.mean()
            );
        }
    }
}
