//! Trial-level parameters: one draw per trial of every uncertain input.

use crate::dist::Dist;
use crate::rng::StreamKey;
use crate::scenario::{
    HOURS_PER_MONTH, Model, OwnedCost, Pool, PoolKind, Scenario, Throughput, Volume,
};
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

/// One API alternative's draws.
#[derive(Debug, Clone)]
struct ApiDraws {
    out: Drawn,
    inp: Drawn,
    cached: Option<Drawn>,
    /// This API's own cached share (`None`: the demand's).
    cached_fraction: Option<Drawn>,
    drift: Drawn,
}

/// One API alternative's prices in a trial.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ApiPrices {
    /// USD per million output tokens.
    pub output_usd_per_mtok: f64,
    /// USD per million input tokens.
    pub input_usd_per_mtok: f64,
    /// USD per million cached input tokens (the input price without a discount).
    pub cached_input_usd_per_mtok: f64,
    /// Change of the prices per year.
    pub price_drift_per_year: f64,
    /// Share of input tokens billed at the cached price.
    pub cached_fraction: f64,
}

/// An owned pool's draws (per node).
#[derive(Debug, Clone)]
struct OwnedDraws {
    cost: OwnedCost,
    purchase: Drawn,
    load: Drawn,
    idle: Drawn,
    pue: Drawn,
    kwh: Drawn,
    colo: Drawn,
}

/// What one engine slot of a pool costs per hour in a trial, before price
/// drift: the pool's price per GPU-hour (× the market level) × the GPUs a
/// slot pays for; an owned node's amortisation, colocation and idle power
/// shared among its replicas.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct PoolPrice {
    /// USD per slot-hour during the first term (all hours without a term).
    pub usd_per_unit_hour: f64,
    /// USD per slot-hour after the first term: a reserved pool's renewal
    /// price, an owned pool's costs once amortised (colocation and idle power).
    pub renewed_usd_per_unit_hour: f64,
    /// Owned: USD per slot-hour of power above idle at full load, paid in
    /// proportion to the month's utilization.
    pub load_usd_per_unit_hour: f64,
    /// Owned: the amortisation part of `usd_per_unit_hour`.
    pub amortisation_usd_per_unit_hour: f64,
}

impl PoolPrice {
    /// The price per slot-hour in hour `hour` after the pool's start
    /// (0 = the hour it starts) of a pool whose first term lasts `term_hours`.
    #[inline]
    pub fn at(&self, term_hours: Option<u32>, hour: usize) -> f64 {
        match term_hours {
            Some(t) if hour >= t as usize => self.renewed_usd_per_unit_hour,
            _ => self.usd_per_unit_hour,
        }
    }

    /// The mean price per slot-hour over hours `first .. first + hours` of a
    /// pool that starts at hour `start` and whose first term lasts
    /// `term_hours` from then, each hour at the term in force in it (a pool
    /// with a term pays every slot every hour from its start, so its paid
    /// hours are spread evenly over the part of the span after the start).
    #[inline]
    pub fn over(&self, term_hours: Option<u32>, start: usize, first: usize, hours: usize) -> f64 {
        let end = first + hours;
        if end <= start {
            // Nothing is paid before the start.
            return self.usd_per_unit_hour;
        }
        let (a, b) = (first.max(start) - start, end - start);
        match term_hours {
            Some(t) if a < t as usize && b > t as usize => {
                let before = (t as usize - a) as f64 / (b - a) as f64;
                before * self.usd_per_unit_hour + (1.0 - before) * self.renewed_usd_per_unit_hour
            }
            _ => self.at(term_hours, a),
        }
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
    apis: Vec<ApiDraws>,
    cached_fraction: Drawn,
    /// The self-hosted prefix-cache share (`None`: the APIs' draw, one input).
    prompt_cached: Option<Drawn>,
    gpu_prices: Vec<Drawn>,
    market: Option<Drawn>,
    /// Per strategy, per pool: the owned pool's draws.
    owned: Vec<Vec<Option<OwnedDraws>>>,
    /// Per strategy, the pools (for their prices).
    strategy_pools: Vec<Vec<Pool>>,
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
    /// Every API alternative's prices, `[[api]]` order.
    pub apis: Vec<ApiPrices>,
    /// Fraction of prompt tokens read from the API's prompt cache.
    pub cached_input_fraction: f64,
    /// Share of prompt tokens self-hosted replicas serve from their prefix cache.
    pub cached_prompt_fraction: f64,
    /// The GPU market level (1 without `[gpu_market]`).
    pub gpu_market_level: f64,
    /// Per strategy, per pool: what a slot costs per hour.
    pub pool_prices: Vec<Vec<PoolPrice>>,
    /// USD per GPU-hour, by index of `Scenario::gpu_prices` (× the market level).
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
    /// The first API's cost of one output token (with its input tokens), USD.
    pub fn api_usd_per_output_token(&self) -> f64 {
        self.api_usd_per_output_token_of(0)
    }

    /// API `k`'s cost of one output token with its input tokens, the cached
    /// share of them at the cached price, USD.
    pub fn api_usd_per_output_token_of(&self, k: usize) -> f64 {
        let a = &self.apis[k];
        let c = a.cached_fraction;
        let input = if c == 0.0 {
            a.input_usd_per_mtok
        } else {
            (1.0 - c) * a.input_usd_per_mtok + c * a.cached_input_usd_per_mtok
        };
        (a.output_usd_per_mtok + self.input_per_output * input) / 1e6
    }

    /// API `k`'s price per output token in a month starting at hour `first`
    /// and `hours` long: [`Self::api_usd_per_output_token_of`] moved by the
    /// drift to the month's midpoint. Exactly the undrifted price without drift.
    pub fn api_usd_per_output_token_in(&self, k: usize, first: usize, hours: usize) -> f64 {
        let base = self.api_usd_per_output_token_of(k);
        let drift = self.apis[k].price_drift_per_year;
        if drift == 0.0 {
            return base;
        }
        let t = (first as f64 + 0.5 * hours as f64) / 8760.0;
        base * (1.0 + drift).powf(t)
    }
}

/// A rented pool's slot-hour: its GPUs per slot × the price per GPU-hour,
/// the renewal's after a reserved term.
fn rental_price(pool: &Pool, gpu_usd_per_hour: &[f64]) -> PoolPrice {
    let usd = |i: usize| pool.unit_paid_gpus * gpu_usd_per_hour.get(i).copied().unwrap_or(0.0);
    let first = usd(pool.price);
    PoolPrice {
        usd_per_unit_hour: first,
        renewed_usd_per_unit_hour: pool.renewal_price.map_or(first, usd),
        ..PoolPrice::default()
    }
}

impl OwnedDraws {
    /// An owned slot-hour: the node's costs per hour, shared by the
    /// replicas it holds (× the nodes of a replica spanning several). Amortisation is straight-line to the residual
    /// value; power is idle power all the time plus load power above idle in
    /// proportion to utilization, both × PUE × the electricity price.
    fn price(&self, pool: &Pool, trial: u64, level: f64) -> PoolPrice {
        debug_assert_eq!(pool.kind, PoolKind::Owned);
        // Replicas per node: a replica over two nodes pays two nodes' costs.
        let per_node = pool
            .instance
            .as_ref()
            .map_or(1.0, |s| s.replicas_per_instance());
        let c = &self.cost;
        let energy = self.pue.draw(trial) * self.kwh.draw(trial);
        let (load, idle) = (self.load.draw(trial), self.idle.draw(trial));
        // Over the whole hours of the period (`term_hours`), so that the hours
        // charged and the hours owed after the horizon add up to the
        // depreciable cost exactly.
        let period_hours = pool
            .term_hours
            .map_or(c.amortisation_years * 8760.0, f64::from);
        let amortisation =
            self.purchase.draw(trial) * level * (1.0 - c.residual_fraction) / period_hours;
        let running = self.colo.draw(trial) * 12.0 / 8760.0 + idle * energy;
        PoolPrice {
            usd_per_unit_hour: (amortisation + running) / per_node,
            renewed_usd_per_unit_hour: running / per_node,
            load_usd_per_unit_hour: (load - idle).max(0.0) * energy / per_node,
            amortisation_usd_per_unit_hour: amortisation / per_node,
        }
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
            apis: s
                .apis
                .iter()
                .enumerate()
                .map(|(k, a)| {
                    // The first API keeps the stream names of a single [api].
                    let f = if k == 0 {
                        "api".to_owned()
                    } else {
                        format!("api[{k}]")
                    };
                    ApiDraws {
                        out: d(&format!("{f}.output_usd_per_mtok"), &a.output_usd_per_mtok),
                        inp: d(&format!("{f}.input_usd_per_mtok"), &a.input_usd_per_mtok),
                        cached: a
                            .cached_input_usd_per_mtok
                            .as_ref()
                            .map(|c| d(&format!("{f}.cached_input_usd_per_mtok"), c)),
                        cached_fraction: a
                            .cached_input_fraction
                            .as_ref()
                            .map(|c| d(&format!("{f}.cached_input_fraction"), c)),
                        drift: d(
                            &format!("{f}.price_drift_per_year"),
                            &a.price_drift_per_year,
                        ),
                    }
                })
                .collect(),
            cached_fraction: d(
                "demand.cached_input_fraction",
                &s.demand.cached_input_fraction,
            ),
            prompt_cached: (!s.demand.api_cache_is_prompt_cache).then(|| {
                d(
                    "demand.cached_prompt_fraction",
                    &s.demand.cached_prompt_fraction,
                )
            }),
            market: s.gpu_market.as_ref().map(|m| d("gpu_market.level", m)),
            owned: s
                .strategies
                .iter()
                .map(|st| {
                    st.pools
                        .iter()
                        .map(|p| {
                            p.owned.as_ref().map(|o| {
                                let n = |x: &str| format!("{}.{x}", p.stream);
                                OwnedDraws {
                                    cost: o.clone(),
                                    purchase: d(&n("purchase_usd"), &o.purchase_usd),
                                    load: d(&n("power_kw_load"), &o.power_kw_load),
                                    idle: d(&n("power_kw_idle"), &o.power_kw_idle),
                                    pue: d(&n("pue"), &o.pue),
                                    kwh: d(&n("usd_per_kwh"), &o.usd_per_kwh),
                                    colo: d(&n("colo_usd_per_month"), &o.colo_usd_per_month),
                                }
                            })
                        })
                        .collect()
                })
                .collect(),
            strategy_pools: s.strategies.iter().map(|st| st.pools.clone()).collect(),
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
                            let price = &p.stream;
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
        let cached_input_fraction = self.cached_fraction.draw(trial);
        let cached_prompt_fraction = self
            .prompt_cached
            .as_ref()
            .map_or(cached_input_fraction, |d| d.draw(trial));
        let mix = Mix {
            cached_prompt_fraction,
            ..Mix::new(prompt_tokens, output_tokens)
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
        let apis: Vec<ApiPrices> = self
            .apis
            .iter()
            .map(|a| {
                let input = a.inp.draw(trial);
                ApiPrices {
                    output_usd_per_mtok: a.out.draw(trial),
                    input_usd_per_mtok: input,
                    cached_input_usd_per_mtok: a.cached.as_ref().map_or(input, |c| c.draw(trial)),
                    cached_fraction: a
                        .cached_fraction
                        .as_ref()
                        .map_or(cached_input_fraction, |c| c.draw(trial)),
                    price_drift_per_year: a.drift.draw(trial),
                }
            })
            .collect();
        let level = self.market.as_ref().map_or(1.0, |m| m.draw(trial));
        let gpu_usd_per_hour: Vec<f64> = self
            .gpu_prices
            .iter()
            // × 1 is exact: without [gpu_market] the draws are as before.
            .map(|p| p.draw(trial) * level)
            .collect();
        let pool_prices = self
            .strategy_pools
            .iter()
            .zip(&self.owned)
            .map(|(pools, owned)| {
                pools
                    .iter()
                    .zip(owned)
                    .map(|(pool, o)| match o {
                        Some(o) => o.price(pool, trial, level),
                        None => rental_price(pool, &gpu_usd_per_hour),
                    })
                    .collect()
            })
            .collect();
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
            apis,
            cached_input_fraction,
            cached_prompt_fraction,
            gpu_market_level: level,
            pool_prices,
            gpu_usd_per_hour,
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
