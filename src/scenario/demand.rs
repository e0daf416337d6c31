//! `[demand]`: volume, request lengths, shapes, noise, bursts, and the
//! traffic profile the fields default to.

use super::*;

impl Validator<'_> {
    pub(super) fn shape<const N: usize>(
        &mut self,
        field: &str,
        raw: &Option<Spanned<Vec<f64>>>,
    ) -> [f64; N] {
        let mut out = [1.0; N];
        let Some(s) = raw else { return out };
        let line = Some(self.line_of(s.span().start));
        let v = s.get_ref();
        if v.len() != N {
            self.push(
                field,
                line,
                format!("has {} values: must have {N}", v.len()),
            );
            return out;
        }
        if let Some(x) = v.iter().find(|x| !x.is_finite() || **x < 0.0) {
            self.push(
                field,
                line,
                format!("value {x} must be a finite number, zero or more"),
            );
            return out;
        }
        let mean = v.iter().sum::<f64>() / N as f64;
        if mean <= 0.0 {
            self.push(
                field,
                line,
                "all values are zero: the shape needs a positive mean",
            );
            return out;
        }
        // Shapes are normalised to mean 1 (docs/model.md), so any scale may be written.
        for (o, x) in out.iter_mut().zip(v) {
            *o = x / mean;
        }
        out
    }

    pub(super) fn demand(&mut self, r: &RawDemand, dir: Option<&Path>) -> Demand {
        // 1e15 output tokens a month is ~100,000 replicas: beyond any plan.
        let volume_range = Range {
            min: 0.0,
            max: 1e15,
            min_inclusive: true,
            unit: "",
        };
        let volume = match (&r.monthly_tokens, &r.utilization) {
            (Some(m), None) => {
                if r.utilization_basis_replicas.is_some() {
                    self.push(
                        "demand.utilization_basis_replicas",
                        None,
                        "only applies with demand.utilization",
                    );
                }
                let d = self.dist("demand.monthly_tokens", m, volume_range);
                // Volumes are whole tokens: 1.5 meant as 1.5 billion reads as 1.5 tokens.
                let (lo, hi) = d.bounds();
                let small = [lo, d.point(), hi]
                    .into_iter()
                    .find(|x| *x > 0.0 && *x < 1e4);
                if let Some(x) = small {
                    self.push(
                        "demand.monthly_tokens",
                        None,
                        format!(
                            "{} reads as {} output tokens a month: volumes are whole tokens (1.5e9 is 1.5 billion); a month of under 10,000 tokens is no service",
                            crate::dist::num(x),
                            crate::dist::num(x)
                        ),
                    );
                }
                Volume::MonthlyTokens(d)
            }
            (None, Some(u)) => Volume::Utilization {
                // A fraction of the basis replicas' capacity (0.3 = 30%);
                // more than 10× is a units mistake: raise the basis instead.
                utilization: self.dist(
                    "demand.utilization",
                    u,
                    Range::between(0.0, 10.0)
                        .with_unit("a fraction of the basis replicas' capacity: 0.3 means 30%"),
                ),
                basis_replicas: self.count(
                    "demand.utilization_basis_replicas",
                    r.utilization_basis_replicas,
                    1,
                    1,
                    100_000,
                ),
            },
            (Some(_), Some(_)) => {
                self.push(
                    "demand",
                    None,
                    "give either monthly_tokens or utilization, not both",
                );
                Volume::MonthlyTokens(Dist::fixed(0.0))
            }
            (None, None) => {
                self.push(
                    "demand",
                    None,
                    "missing volume: give monthly_tokens or utilization",
                );
                Volume::MonthlyTokens(Dist::fixed(0.0))
            }
        };
        let profile = r
            .traffic
            .as_ref()
            .and_then(|t| self.traffic_profile(t, dir));
        let (porigin, ptext, praw) = match &profile {
            Some((o, t, p)) => (o.as_str(), t.as_str(), Some(p)),
            None => ("", "", None),
        };
        // Lines in the profile are not lines of the scenario: check with its own text.
        let mut pv = Validator {
            text: ptext,
            issues: Vec::new(),
            warnings: Vec::new(),
        };
        let pf = |f: &str| format!("{porigin}: traffic.{f}");
        let replay = r.replay.unwrap_or(false);
        if replay {
            for (given, f) in [
                (r.diurnal.is_some(), "diurnal"),
                (r.weekly.is_some(), "weekly"),
                (r.noise_sigma.is_some(), "noise_sigma"),
                (r.noise_autocorrelation.is_some(), "noise_autocorrelation"),
                (r.daily_noise_sigma.is_some(), "daily_noise_sigma"),
                (
                    r.daily_noise_autocorrelation.is_some(),
                    "daily_noise_autocorrelation",
                ),
            ] {
                if given {
                    self.push(
                        format!("demand.{f}"),
                        None,
                        "cannot be combined with replay = true: replayed days carry their own shape and noise",
                    );
                }
            }
        }
        let replay_days = match (replay, &r.traffic, praw) {
            (false, _, _) => Vec::new(),
            (true, None, _) => {
                self.push(
                    "demand.replay",
                    None,
                    "needs demand.traffic: a profile (from capsim fit-traffic) whose [replay] holds the trace's days",
                );
                Vec::new()
            }
            (true, Some(_), None) => Vec::new(),
            (true, Some(_), Some(p)) => pv.replay_days(porigin, p),
        };
        let bursts = match (&r.bursts, praw) {
            (Some(b), _) => Some(self.bursts("demand.", b)),
            // Replayed days already hold the trace's bursts.
            (None, Some(p)) if !replay => p
                .traffic
                .bursts
                .as_ref()
                .map(|b| pv.bursts(&format!("{porigin}: traffic."), b)),
            _ => None,
        };
        const IPO: Range = Range {
            min: 0.0,
            max: 1e4,
            min_inclusive: true,
            unit: "",
        };
        const SIGMA: Range = Range {
            min: 0.0,
            max: 3.0,
            min_inclusive: true,
            unit: "",
        };
        const RHO: Range = Range {
            min: 0.0,
            max: 0.999,
            min_inclusive: true,
            unit: "",
        };
        // A field given in [demand] wins; else the profile's; else the default.
        // With replay, the shapes and noise are the replayed days'.
        let prof = praw.map(|p| &p.traffic);
        let shaped = prof.filter(|_| !replay);
        // Request lengths: [demand] wins over the profile; prompt tokens and
        // input_per_output say the same thing, so only one may be given.
        const LEN: Range = Range::between(0.0, 1e7).with_unit("tokens per request");
        const OUT_LEN: Range = Range::between(1.0, 1e7).with_unit("tokens per request, at least 1");
        if r.prompt_tokens.is_some() && r.input_per_output.is_some() {
            self.push(
                "demand.input_per_output",
                None,
                "give either input_per_output or prompt_tokens (with output_tokens), not both: input_per_output is prompt_tokens / output_tokens",
            );
        }
        if r.prompt_tokens.is_some()
            && r.output_tokens.is_none()
            && prof.is_none_or(|t| t.output_tokens.is_none())
        {
            self.push(
                "demand.output_tokens",
                None,
                "missing: prompt_tokens needs output_tokens, the mean output tokens per request",
            );
        }
        let output_tokens = match (prof, &r.output_tokens) {
            (_, Some(o)) => self.dist("demand.output_tokens", o, OUT_LEN),
            (Some(t), None) if t.output_tokens.is_some() => pv.opt_dist(
                &pf("output_tokens"),
                &t.output_tokens,
                OUT_LEN,
                DEFAULT_OUTPUT_TOKENS,
            ),
            _ => Dist::fixed(DEFAULT_OUTPUT_TOKENS),
        };
        let prompt_tokens = match (prof, &r.prompt_tokens, &r.input_per_output) {
            (_, Some(p), _) => Some(self.dist("demand.prompt_tokens", p, LEN)),
            // The scenario's own ratio wins over the profile's lengths.
            (_, None, Some(_)) => None,
            (Some(t), None, None) => t
                .prompt_tokens
                .as_ref()
                .map(|p| pv.dist(&pf("prompt_tokens"), p, LEN)),
            _ => None,
        };
        let input_per_output = match (&prompt_tokens, prof, &r.input_per_output) {
            (Some(p), _, _) => Dist::fixed(p.point() / output_tokens.point()),
            (None, Some(t), None) if t.input_per_output.is_some() => {
                pv.opt_dist(&pf("input_per_output"), &t.input_per_output, IPO, 0.0)
            }
            _ => self.opt_dist("demand.input_per_output", &r.input_per_output, IPO, 0.0),
        };
        let diurnal = match (shaped, &r.diurnal) {
            (Some(t), None) => pv.shape(&pf("diurnal"), &t.diurnal),
            _ => self.shape("demand.diurnal", &r.diurnal),
        };
        let weekly = match (shaped, &r.weekly) {
            (Some(t), None) => pv.shape(&pf("weekly"), &t.weekly),
            _ => self.shape("demand.weekly", &r.weekly),
        };
        let mut pick = |name: &str,
                        given: &Option<RawDist>,
                        from_profile: fn(&RawTraffic) -> &Option<RawDist>,
                        range: Range| match (shaped, given) {
            (Some(t), None) => pv.opt_dist(&pf(name), from_profile(t), range, 0.0),
            _ => self.opt_dist(&format!("demand.{name}"), given, range, 0.0),
        };
        let noise_sigma = pick("noise_sigma", &r.noise_sigma, |t| &t.noise_sigma, SIGMA);
        let noise_autocorrelation = pick(
            "noise_autocorrelation",
            &r.noise_autocorrelation,
            |t| &t.noise_autocorrelation,
            RHO,
        );
        let daily_noise_sigma = pick(
            "daily_noise_sigma",
            &r.daily_noise_sigma,
            |t| &t.daily_noise_sigma,
            SIGMA,
        );
        let daily_noise_autocorrelation = pick(
            "daily_noise_autocorrelation",
            &r.daily_noise_autocorrelation,
            |t| &t.daily_noise_autocorrelation,
            RHO,
        );
        self.issues.append(&mut pv.issues);
        let annual_growth = self.opt_dist("demand.annual_growth", &r.annual_growth, GROWTH, 0.0);
        let hi = annual_growth.bounds().1;
        if hi > 1.0 && hi.is_finite() {
            self.warnings.push(format!(
                "demand.annual_growth: up to {} is +{}% a year; if {} per cent was meant, write {}",
                crate::dist::num(hi),
                crate::dist::num(hi * 100.0),
                crate::dist::num(hi),
                crate::dist::num(hi / 100.0)
            ));
        }
        let cached_prompt_fraction = self.opt_dist(
            "demand.cached_prompt_fraction",
            &r.cached_prompt_fraction,
            Range::UNIT.with_unit("a fraction of prompt tokens: 0.6 means 60%"),
            0.0,
        );
        // One input for both sides unless the API-only share is given apart.
        let api_cache_is_prompt_cache =
            r.cached_input_fraction.is_none() && r.cached_prompt_fraction.is_some();
        let cached_input_fraction = if api_cache_is_prompt_cache {
            cached_prompt_fraction.clone()
        } else {
            self.opt_dist(
                "demand.cached_input_fraction",
                &r.cached_input_fraction,
                Range::UNIT.with_unit("a fraction of prompt tokens: 0.4 means 40%"),
                0.0,
            )
        };
        Demand {
            cached_input_fraction,
            cached_prompt_fraction,
            api_cache_is_prompt_cache,
            volume,
            input_per_output,
            prompt_tokens,
            output_tokens,
            annual_growth,
            diurnal,
            weekly,
            noise_sigma,
            noise_autocorrelation,
            daily_noise_sigma,
            daily_noise_autocorrelation,
            bursts,
            traffic: praw.map(|p| p.name.clone()),
            replay_days,
        }
    }

    /// Read the traffic profile `name` (built-in, or a path ending in .toml):
    /// `(origin, text, parsed)`.
    pub(super) fn traffic_profile(
        &mut self,
        name: &str,
        dir: Option<&Path>,
    ) -> Option<(String, String, RawProfile)> {
        let (text, origin, _) = match super::profile::read_named(
            "traffic profile",
            name,
            dir,
            (BUILTIN_PROFILES, "traffic"),
            ", written by capsim fit-traffic",
        ) {
            Ok(x) => x,
            Err(e) => {
                self.push("demand.traffic", None, e);
                return None;
            }
        };
        match toml::from_str(&text) {
            Ok(p) => Some((origin, text, p)),
            Err(e) => {
                self.push(
                    "demand.traffic",
                    None,
                    format!(
                        "traffic profile {origin}: {}",
                        crate::input::cut_long_lines(e.to_string().trim_end(), 200)
                    ),
                );
                None
            }
        }
    }

    /// The profile's replay days, each 24 finite values ≥ 0, rescaled to mean 1.
    pub(super) fn replay_days(&mut self, origin: &str, p: &RawProfile) -> Vec<[f64; 24]> {
        let field = format!("{origin}: replay.days");
        let Some(r) = &p.replay else {
            self.push(
                "demand.replay",
                None,
                format!(
                    "traffic profile {origin} has no [replay] days (the trace has no complete day)"
                ),
            );
            return Vec::new();
        };
        let line = Some(self.line_of(r.days.span().start));
        let mut days = Vec::new();
        for (i, d) in r.days.get_ref().iter().enumerate() {
            let ok = d.iter().all(|x| x.is_finite() && *x >= 0.0);
            match <[f64; 24]>::try_from(d.as_slice()) {
                Ok(a) if ok => days.push(a),
                _ => {
                    self.push(
                        field.clone(),
                        line,
                        format!("day {i}: must be 24 finite values, zero or more"),
                    );
                    return Vec::new();
                }
            }
        }
        let mean = days.iter().flatten().sum::<f64>() / (24 * days.len()).max(1) as f64;
        if mean.is_nan() || mean <= 0.0 {
            self.push(field, line, "needs at least one day with traffic");
            return Vec::new();
        }
        days.iter().map(|d| d.map(|x| x / mean)).collect()
    }

    pub(super) fn bursts(&mut self, prefix: &str, b: &RawBursts) -> Bursts {
        Bursts {
            per_month: self.dist(
                &format!("{prefix}bursts.per_month"),
                &b.per_month,
                Range {
                    min: 0.0,
                    max: 730.0,
                    min_inclusive: true,
                    unit: "",
                },
            ),
            size: self.dist(
                &format!("{prefix}bursts.size"),
                &b.size,
                Range {
                    min: 0.0,
                    max: 1000.0,
                    min_inclusive: true,
                    unit: "",
                },
            ),
            duration_hours: self.dist(
                &format!("{prefix}bursts.duration_hours"),
                &b.duration_hours,
                Range {
                    min: 0.0,
                    max: 8760.0,
                    min_inclusive: true,
                    unit: "",
                },
            ),
        }
    }
}
