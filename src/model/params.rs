//! Trial-level parameters: one draw per trial of every uncertain input.

use crate::dist::Dist;
use crate::rng::StreamKey;
use crate::scenario::{HOURS_PER_MONTH, Model, Scenario, Throughput, Volume};
use crate::serving::{LatencyTarget, Mix};

/// A distribution and the stream it draws from.
#[derive(Debug, Clone)]
struct Drawn {
    dist: Dist,
    key: StreamKey,
}

impl Drawn {
    fn new(seed: u64, name: &str, dist: &Dist) -> Self {
        Drawn {
            dist: dist.clone(),
            key: StreamKey::new(seed, &format!("param.{name}")),
        }
    }
    fn draw(&self, trial: u64) -> f64 {
        if self.dist.is_fixed() {
            return self.dist.point();
        }
        self.dist.sample(&mut self.key.for_trial(trial))
    }
}

/// The draws that set one model profile's capacity. Every profile draws
/// from the same streams (common random numbers: an H100 and an H200 pool
/// see the same throughput error and ceiling quantiles in a trial).
#[derive(Debug, Clone)]
struct ModelDraws {
    model: Model,
    /// The measured tok/s per GPU (measured profiles only).
    measured: Option<Drawn>,
    /// The serving model's error (serving profiles only).
    error: Option<Drawn>,
    ceiling: Drawn,
}

impl ModelDraws {
    fn new(seed: u64, m: &Model) -> Self {
        let d = |name: &str, dist: &Dist| Drawn::new(seed, name, dist);
        let (measured, error) = match &m.throughput {
            // The stream names of the seed's time, so measured figures draw as they did.
            Throughput::Measured { tok_s_per_gpu } => {
                (Some(d("model.tok_s_per_gpu", tok_s_per_gpu)), None)
            }
            Throughput::Serving { error, .. } => (None, Some(d("model.throughput_error", error))),
        };
        ModelDraws {
            model: m.clone(),
            measured,
            error,
            ceiling: d("model.utilization_ceiling", &m.utilization_ceiling),
        }
    }

    /// (tok/s per GPU after the model's error, throughput error, ceiling).
    fn draw(&self, trial: u64, mix: Mix, slo: LatencyTarget) -> (f64, f64, f64) {
        let measured = self.measured.as_ref().map_or(f64::NAN, |d| d.draw(trial));
        let error = self.error.as_ref().map_or(0.0, |d| d.draw(trial));
        let tok = self.model.tok_s_per_gpu(measured, mix, slo) * (1.0 + error);
        (tok, error, self.ceiling.draw(trial))
    }
}

/// Everything needed to draw [`TrialParams`], built once per run.
#[derive(Debug, Clone)]
pub struct ParamSet {
    volume: Drawn,
    /// `Some(basis replicas)` when the volume is a utilization.
    utilization_basis: Option<u32>,
    /// `[model]` first, then the pools' other profiles.
    models: Vec<ModelDraws>,
    slo: LatencyTarget,
    input_per_output: Drawn,
    prompt_tokens: Option<Drawn>,
    output_tokens: Drawn,
    growth: Drawn,
    noise_sigma: Drawn,
    noise_rho: Drawn,
    daily_sigma: Drawn,
    daily_rho: Drawn,
    bursts_per_month: Option<Drawn>,
    api_out: Drawn,
    api_in: Drawn,
    api_drift: Drawn,
    gpu_prices: Vec<Drawn>,
    failures: Drawn,
    region_rate: Drawn,
    overhead_pct: Drawn,
    overhead_items: Vec<(Drawn, Drawn)>,
    /// Per strategy, per pool: (price drift, spot interruptions per month).
    pools: Vec<Vec<(Drawn, Drawn)>>,
}

/// One trial's draws. Units in the names.
#[derive(Debug, Clone, PartialEq)]
pub struct TrialParams {
    /// Output tokens per month at the start of the horizon.
    pub monthly_tokens: f64,
    /// Output tokens per second per GPU at full load (`[model]`'s profile,
    /// on this trial's mix, with its throughput error).
    pub tok_s_per_gpu: f64,
    /// Fraction of peak throughput usable.
    pub utilization_ceiling: f64,
    /// Output tokens one replica of `[model]` serves per hour (GPUs × tok/s × 3600 × ceiling).
    pub replica_tokens_per_hour: f64,
    /// The same for every model profile: `[model]`, then
    /// [`Scenario::pool_models`] (indexed by [`crate::scenario::Pool::model`]).
    pub model_tokens_per_hour: Vec<f64>,
    /// The serving model's relative error drawn for this trial (0 for a measured figure).
    pub throughput_error: f64,
    /// Mean prompt tokens per request.
    pub prompt_tokens: f64,
    /// Mean output tokens per request.
    pub output_tokens: f64,
    /// Input tokens per output token (= prompt / output tokens).
    pub input_per_output: f64,
    /// Compound demand growth per year.
    pub annual_growth: f64,
    /// Hourly log-noise standard deviation.
    pub noise_sigma: f64,
    /// Hourly log-noise lag-1 autocorrelation.
    pub noise_rho: f64,
    /// Day-level log-noise standard deviation.
    pub daily_noise_sigma: f64,
    /// Day-level log-noise day-to-day autocorrelation.
    pub daily_noise_rho: f64,
    /// Bursts per month.
    pub bursts_per_month: f64,
    /// API price, USD per million output tokens.
    pub api_output_usd_per_mtok: f64,
    /// API price, USD per million input tokens.
    pub api_input_usd_per_mtok: f64,
    /// API price change per year.
    pub api_price_drift_per_year: f64,
    /// USD per GPU-hour, by index of `Scenario::gpu_prices`.
    pub gpu_usd_per_hour: Vec<f64>,
    /// Hardware failures per GPU-year.
    pub gpu_failures_per_year: f64,
    /// Region outages per year.
    pub region_outages_per_year: f64,
    /// Overhead as a fraction of GPU cost.
    pub overhead_fraction: f64,
    /// Sum of itemised overhead lines, USD per year.
    pub overhead_items_usd_per_year: f64,
    /// Per strategy, per pool: (price drift per year, spot interruptions per month).
    pub pools: Vec<Vec<(f64, f64)>>,
}

impl TrialParams {
    /// API cost of one output token (with its input tokens), USD.
    pub fn api_usd_per_output_token(&self) -> f64 {
        (self.api_output_usd_per_mtok + self.input_per_output * self.api_input_usd_per_mtok) / 1e6
    }

    /// The API price per output token in a month starting at hour `first`
    /// and `hours` long: [`Self::api_usd_per_output_token`] moved by the
    /// drift to the month's midpoint. Exactly the undrifted price without drift.
    pub fn api_usd_per_output_token_in(&self, first: usize, hours: usize) -> f64 {
        let base = self.api_usd_per_output_token();
        if self.api_price_drift_per_year == 0.0 {
            return base;
        }
        let t = (first as f64 + 0.5 * hours as f64) / 8760.0;
        base * (1.0 + self.api_price_drift_per_year).powf(t)
    }
}

impl ParamSet {
    /// Build the parameter streams of a scenario run with `seed`.
    pub fn new(s: &Scenario, seed: u64) -> Self {
        let d = |name: &str, dist: &Dist| Drawn::new(seed, name, dist);
        let (volume, utilization_basis) = match &s.demand.volume {
            Volume::MonthlyTokens(v) => (d("demand.monthly_tokens", v), None),
            Volume::Utilization {
                utilization,
                basis_replicas,
            } => (d("demand.utilization", utilization), Some(*basis_replicas)),
        };
        ParamSet {
            volume,
            utilization_basis,
            models: std::iter::once(&s.model)
                .chain(&s.pool_models)
                .map(|m| ModelDraws::new(seed, m))
                .collect(),
            slo: s.slo,
            input_per_output: d("demand.input_per_output", &s.demand.input_per_output),
            prompt_tokens: s
                .demand
                .prompt_tokens
                .as_ref()
                .map(|p| d("demand.prompt_tokens", p)),
            output_tokens: d("demand.output_tokens", &s.demand.output_tokens),
            growth: d("demand.annual_growth", &s.demand.annual_growth),
            noise_sigma: d("demand.noise_sigma", &s.demand.noise_sigma),
            noise_rho: d(
                "demand.noise_autocorrelation",
                &s.demand.noise_autocorrelation,
            ),
            daily_sigma: d("demand.daily_noise_sigma", &s.demand.daily_noise_sigma),
            daily_rho: d(
                "demand.daily_noise_autocorrelation",
                &s.demand.daily_noise_autocorrelation,
            ),
            bursts_per_month: s
                .demand
                .bursts
                .as_ref()
                .map(|b| d("demand.bursts.per_month", &b.per_month)),
            api_out: d("api.output_usd_per_mtok", &s.api.output_usd_per_mtok),
            api_in: d("api.input_usd_per_mtok", &s.api.input_usd_per_mtok),
            api_drift: d("api.price_drift_per_year", &s.api.price_drift_per_year),
            gpu_prices: s
                .gpu_prices
                .iter()
                .map(|(n, p)| d(&format!("gpu_prices.{n}"), p))
                .collect(),
            failures: d(
                "outages.gpu_failures_per_year",
                &s.outages.gpu_failures_per_year,
            ),
            region_rate: d(
                "outages.region_outages_per_year",
                &s.outages.region_outages_per_year,
            ),
            overhead_pct: d("overhead.percent_of_gpu", &s.overhead.percent_of_gpu),
            overhead_items: s
                .overhead
                .items
                .iter()
                .map(|it| {
                    (
                        d(&format!("overhead.{}.usd", it.name), &it.usd_per_unit_year),
                        d(&format!("overhead.{}.units", it.name), &it.units),
                    )
                })
                .collect(),
            pools: s
                .strategies
                .iter()
                .map(|st| {
                    st.pools
                        .iter()
                        .map(|p| {
                            // Named by price and kind, not by strategy, so that pools of
                            // different strategies that buy the same thing share the draw.
                            let price =
                                &s.gpu_prices[p.price.min(s.gpu_prices.len().saturating_sub(1))].0;
                            (
                                d(&format!("drift.{price}"), &p.price_drift_per_year),
                                d(&format!("spot_rate.{price}"), &p.interruptions_per_month),
                            )
                        })
                        .collect()
                })
                .collect(),
        }
    }

    /// The draws of trial `trial`.
    pub fn draw(&self, trial: u64) -> TrialParams {
        let output_tokens = self.output_tokens.draw(trial);
        let (prompt_tokens, input_per_output) = match &self.prompt_tokens {
            Some(p) => {
                let p = p.draw(trial);
                (p, p / output_tokens)
            }
            None => {
                let r = self.input_per_output.draw(trial);
                (r * output_tokens, r)
            }
        };
        let mix = Mix {
            prompt_tokens,
            output_tokens,
        };
        let mut model_tokens_per_hour = Vec::with_capacity(self.models.len());
        let mut first = (0.0, 0.0, 0.0);
        for (k, m) in self.models.iter().enumerate() {
            let (tok, error, ceiling) = m.draw(trial, mix, self.slo);
            if k == 0 {
                first = (tok, error, ceiling);
            }
            model_tokens_per_hour
                .push(f64::from(m.model.gpus_per_replica) * tok * 3600.0 * ceiling);
        }
        let (tok_s_per_gpu, throughput_error, utilization_ceiling) = first;
        let replica_tokens_per_hour = model_tokens_per_hour[0];
        let v = self.volume.draw(trial);
        // A utilization is of the basis fleet's capacity in this trial (its
        // throughput draw and ceiling), over a 730-hour month.
        let monthly_tokens = match self.utilization_basis {
            None => v,
            Some(n) => v * f64::from(n) * replica_tokens_per_hour * HOURS_PER_MONTH,
        };
        TrialParams {
            monthly_tokens,
            tok_s_per_gpu,
            utilization_ceiling,
            replica_tokens_per_hour,
            model_tokens_per_hour,
            throughput_error,
            prompt_tokens,
            output_tokens,
            input_per_output,
            annual_growth: self.growth.draw(trial),
            noise_sigma: self.noise_sigma.draw(trial),
            noise_rho: self.noise_rho.draw(trial),
            daily_noise_sigma: self.daily_sigma.draw(trial),
            daily_noise_rho: self.daily_rho.draw(trial),
            bursts_per_month: self
                .bursts_per_month
                .as_ref()
                .map_or(0.0, |b| b.draw(trial)),
            api_output_usd_per_mtok: self.api_out.draw(trial),
            api_input_usd_per_mtok: self.api_in.draw(trial),
            api_price_drift_per_year: self.api_drift.draw(trial),
            gpu_usd_per_hour: self.gpu_prices.iter().map(|p| p.draw(trial)).collect(),
            gpu_failures_per_year: self.failures.draw(trial),
            region_outages_per_year: self.region_rate.draw(trial),
            overhead_fraction: self.overhead_pct.draw(trial),
            overhead_items_usd_per_year: self
                .overhead_items
                .iter()
                .map(|(u, n)| u.draw(trial) * n.draw(trial))
                .sum(),
            pools: self
                .pools
                .iter()
                .map(|st| {
                    st.iter()
                        .map(|(a, b)| (a.draw(trial), b.draw(trial)))
                        .collect()
                })
                .collect(),
        }
    }
}
