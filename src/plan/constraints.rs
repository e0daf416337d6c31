//! What a recommended fleet must meet ([`Constraints`]), the figures over
//! trials they are checked on ([`Tails`]) and why a fleet fails them.

use crate::model::years::Years;
use crate::stats;

/// What a recommended fleet must meet.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Constraints {
    /// Most hours a year over the target: hours in which demand was not
    /// served within its hour by anything the strategy has (its fleet short,
    /// and the overflow dropped or queued, not sent to an API), held to the
    /// figure `hours_short_at` names. A strategy that spills to an API is
    /// never over it (every plan candidate spills).
    pub max_hours_short: Option<f64>,
    /// Most hours a year in which the fleet's own capacity was short and
    /// its overflow went to the API (buying nothing: every hour with
    /// demand), held to the same figure.
    pub max_hours_on_api: Option<f64>,
    /// Which figure of hours short per year over trials `max_hours_short`
    /// holds (default: the 95th percentile).
    pub hours_short_at: HoursShortAt,
    /// Budget for the horizon's total cost, USD.
    pub budget: Option<f64>,
    /// Budget for each year's cost, USD (a partial last year: pro rata),
    /// met when every year of a trial is within it.
    pub budget_per_year: Option<f64>,
    /// Largest allowed P(total cost > budget), and P(some year's cost >
    /// budget per year).
    pub max_prob_over_budget: f64,
    /// Largest allowed commitment (its 95th percentile), USD.
    pub max_commitment: Option<f64>,
}

/// Which figure over trials of a fleet's hours short per year is held to
/// [`Constraints::max_hours_short`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum HoursShortAt {
    /// The mean over trials (the only figure before `--hours-short-quantile`:
    /// a fleet short 0 hours in most years and 600 in a few passes a limit
    /// of 50).
    Mean,
    /// The q-quantile over trials (0 < q ≤ 1): in a share q of trials the
    /// fleet is short at most the limit.
    Quantile(f64),
}

impl Default for HoursShortAt {
    /// The 95th percentile: "at most 50 hours a year" read as in 19 years of 20.
    fn default() -> Self {
        HoursShortAt::Quantile(0.95)
    }
}

impl HoursShortAt {
    /// `mean`, or the quantile as a percentile: `P95`, `P99.5`.
    pub fn words(self) -> String {
        match self {
            HoursShortAt::Mean => "mean".into(),
            HoursShortAt::Quantile(q) => {
                let p = format!("{:.1}", 100.0 * q);
                format!("P{}", p.trim_end_matches(".0"))
            }
        }
    }

    /// Parse `--hours-short-quantile`: `mean`, or a number in (0, 1].
    pub fn parse(text: &str) -> Result<Self, String> {
        if text.trim().eq_ignore_ascii_case("mean") {
            return Ok(HoursShortAt::Mean);
        }
        match text.trim().parse::<f64>() {
            Ok(q) if q > 0.0 && q <= 1.0 => Ok(HoursShortAt::Quantile(q)),
            _ => Err(format!(
                "{text} is neither `mean` nor a quantile above 0 and at most 1 (0.95 is the 95th percentile)"
            )),
        }
    }
}

/// One strategy's figures trial by trial, as the constraints read them.
#[derive(Debug, Clone, Copy)]
pub struct TrialFigures<'a> {
    /// Hours the strategy's own capacity was short over the horizon (a
    /// strategy without GPUs: every hour with demand).
    pub hours_short: &'a [f64],
    /// Whether the strategy runs GPUs of its own.
    pub has_gpus: bool,
    /// Whether its overflow goes to an API (which serves it: those hours
    /// are not over the target).
    pub spills: bool,
    /// Total cost, USD.
    pub cost: &'a [f64],
    /// Each year's cost, trial after trial ([`Years::count`] a trial), USD.
    pub year_costs: &'a [f64],
    /// Commitment, USD.
    pub commitment: &'a [f64],
}

/// The figures over trials the constraints are checked on.
#[derive(Debug, Clone, PartialEq)]
pub struct Tails {
    /// Hours short of the fleet's own capacity per year, mean (`None`
    /// without GPUs).
    pub hours_short_mean: Option<f64>,
    /// The same at the constraint's quantile (`None` without GPUs or with
    /// [`HoursShortAt::Mean`]).
    pub hours_short_quantile: Option<f64>,
    /// Hours over the target per year at the constraint's figure (see
    /// [`Constraints::max_hours_short`]; 0 for a strategy that spills).
    pub hours_over: f64,
    /// Hours on the API per year at the constraint's figure (see
    /// [`Constraints::max_hours_on_api`]; 0 for one that does not spill).
    pub hours_on_api: f64,
    /// P(total cost > budget) (`None` without a budget).
    pub prob_over_budget: Option<f64>,
    /// With a yearly budget: P(some year over it), and per year P(that year over it).
    pub years_over: Option<(f64, Vec<f64>)>,
    /// Commitment, 95th percentile, USD.
    pub commitment_p95: f64,
}

impl Tails {
    /// The figures of `f` under `c`, with `years` the horizon's years.
    pub fn of(c: &Constraints, years: &Years, f: &TrialFigures) -> Self {
        let n = f.cost.len().max(1) as f64;
        let horizon = f64::from(years.hours.iter().sum::<u32>());
        // Raw hours first, then scaled: mean(short) × 8760 / horizon, in that order.
        let per_year = |h: f64| h * f64::from(Years::HOURS) / horizon;
        let figure = |h: &[f64], at: HoursShortAt| match at {
            HoursShortAt::Mean => per_year(stats::mean(h)),
            HoursShortAt::Quantile(q) => {
                let mut v = h.to_vec();
                v.sort_by(f64::total_cmp);
                per_year(stats::quantile_sorted(&v, q))
            }
        };
        let own = f.has_gpus.then_some(f.hours_short);
        let hours_short_mean = own.map(|h| per_year(stats::mean(h)));
        let hours_short_quantile = match c.hours_short_at {
            HoursShortAt::Quantile(_) => own.map(|h| figure(h, c.hours_short_at)),
            HoursShortAt::Mean => None,
        };
        // Served by the API, or not served within the hour: one figure is
        // the hours short, the other none.
        let short = figure(f.hours_short, c.hours_short_at);
        let (hours_over, hours_on_api) = if f.spills { (0.0, short) } else { (short, 0.0) };
        let prob_over_budget = c
            .budget
            .map(|b| f.cost.iter().filter(|&&x| x > b).count() as f64 / n);
        let years_over = c.budget_per_year.map(|b| {
            let k = years.count();
            let mut any = 0usize;
            let mut per = vec![0usize; k];
            for trial in f.year_costs.chunks_exact(k) {
                let mut over = false;
                for (y, cost) in trial.iter().enumerate() {
                    if *cost > years.budget(y, b) {
                        per[y] += 1;
                        over = true;
                    }
                }
                any += usize::from(over);
            }
            (
                any as f64 / n,
                per.into_iter().map(|x| x as f64 / n).collect(),
            )
        });
        let mut v = f.commitment.to_vec();
        v.sort_by(f64::total_cmp);
        let commitment_p95 = if v.is_empty() {
            0.0
        } else {
            stats::quantile_sorted(&v, 0.95)
        };
        Tails {
            hours_short_mean,
            hours_short_quantile,
            hours_over,
            hours_on_api,
            prob_over_budget,
            years_over,
            commitment_p95,
        }
    }

    /// Why these figures fail `c`, each with its figure and limit (empty: they meet it).
    pub fn violations(&self, c: &Constraints, years: &Years) -> Vec<String> {
        let mut out = Vec::new();
        if let Some(max) = c.max_hours_short.filter(|max| self.hours_over > *max) {
            out.push(format!(
                "hours over the target (not served by the fleet or an API) {} {:.0} h a year > {max:.0} h",
                c.hours_short_at.words(),
                self.hours_over
            ));
        }
        if let Some(max) = c.max_hours_on_api.filter(|max| self.hours_on_api > *max) {
            out.push(format!(
                "hours on the API {} {:.0} h a year > {max:.0} h",
                c.hours_short_at.words(),
                self.hours_on_api
            ));
        }
        if let (Some(b), Some(p)) = (c.budget, self.prob_over_budget) {
            if p > c.max_prob_over_budget {
                out.push(format!(
                    "P(cost > {}) {:.1}% (at most {:.1}%)",
                    crate::fmt::usd(b),
                    100.0 * p,
                    100.0 * c.max_prob_over_budget
                ));
            }
        }
        if let (Some(b), Some((any, per))) = (c.budget_per_year, &self.years_over) {
            if *any > c.max_prob_over_budget {
                // Every year over in more trials than allowed is named; when
                // none is on its own, the year most often over.
                let mut named: Vec<usize> = (0..per.len())
                    .filter(|&y| per[y] > c.max_prob_over_budget)
                    .collect();
                if named.is_empty() {
                    let worst = (0..per.len()).fold(0, |a, y| if per[y] > per[a] { y } else { a });
                    named.push(worst);
                }
                let year = |y: usize| {
                    let partial = if years.hours[y] < Years::HOURS {
                        format!(" ({} h, pro rata)", years.hours[y])
                    } else {
                        String::new()
                    };
                    format!(
                        "year {} over {}{partial} in {:.0}% of trials",
                        y + 1,
                        crate::fmt::usd(years.budget(y, b)),
                        100.0 * per[y]
                    )
                };
                out.push(format!(
                    "{} (some year over in {:.0}%, at most {:.0}%)",
                    named.into_iter().map(year).collect::<Vec<_>>().join(", "),
                    100.0 * any,
                    100.0 * c.max_prob_over_budget
                ));
            }
        }
        if let Some(cap) = c.max_commitment {
            if self.commitment_p95 > cap {
                out.push(format!(
                    "commitment {} at P95 (at most {})",
                    crate::fmt::usd(self.commitment_p95),
                    crate::fmt::usd(cap)
                ));
            }
        }
        out
    }
}

/// The flag behind a reason of [`Tails::violations`] (`--budget-per-year`
/// for `year 3 over $1.50 M in 44% of trials …`).
pub fn flag_of(reason: &str) -> &'static str {
    if reason.starts_with("hours over the target") {
        "--max-hours-short"
    } else if reason.starts_with("hours on the API") {
        "--max-hours-on-api"
    } else if reason.starts_with("P(cost") {
        "--budget"
    } else if reason.starts_with("year ") {
        "--budget-per-year"
    } else {
        "--max-commitment"
    }
}

/// Why a strategy's figures fail `c` (empty: it meets them); see
/// [`Tails::violations`].
pub fn violations(c: &Constraints, years: &Years, f: &TrialFigures) -> Vec<String> {
    Tails::of(c, years, f).violations(c, years)
}
