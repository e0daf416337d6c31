//! The horizon's years: how a trial's calendar months fall into years of
//! 8,760 hours from the horizon's start, so each year's cost can be held
//! against a budget per year (`plan --budget-per-year`) and reported.

use super::Calendar;
use super::calendar::Month;
use super::serve::Tally;
use crate::scenario::Scenario;

/// The horizon cut into years of 8,760 hours from its start (the last one
/// shorter when the horizon is not whole years), and how calendar months
/// fall into them: a month that straddles a year's end is split by its
/// hours on each side.
#[derive(Debug, Clone, PartialEq)]
pub struct Years {
    /// Hours of each year inside the horizon.
    pub hours: Vec<u32>,
    /// Hours of a whole period: [`Years::HOURS`], or a stage's for
    /// [`Years::periods`].
    pub period: u32,
    /// Per calendar month: the years it falls into, with the share of its hours in each.
    parts: Vec<Vec<(usize, f64)>>,
}

impl Years {
    /// Hours in a year.
    pub const HOURS: u32 = 8760;

    /// The years of `s`'s horizon, against its calendar months.
    pub fn of(s: &Scenario) -> Self {
        Years::new(&Calendar::new(s).months, s.horizon_hours)
    }

    /// The years of a `horizon`-hour horizon with calendar months `months`.
    pub fn new(months: &[Month], horizon: u32) -> Self {
        Years::periods(months, horizon, Years::HOURS)
    }

    /// The horizon cut into periods of `period` hours instead of years (the
    /// stages of a staged fleet), months split between them the same way.
    pub fn periods(months: &[Month], horizon: u32, period: u32) -> Self {
        let y = period.max(1) as usize;
        let n = (horizon as usize).div_ceil(y).max(1);
        let hours = (0..n)
            .map(|i| (horizon as usize - i * y).min(y) as u32)
            .collect();
        let parts = months
            .iter()
            .map(|m| {
                let (a, b) = (m.first_hour, m.first_hour + m.hours);
                (a / y..=(b.max(a + 1) - 1) / y)
                    .map(|i| {
                        let inside = b.min((i + 1) * y) - a.max(i * y);
                        (i, inside as f64 / m.hours.max(1) as f64)
                    })
                    .collect()
            })
            .collect();
        Years {
            hours,
            period: y as u32,
            parts,
        }
    }

    /// Number of years (a partial last year counts).
    pub fn count(&self) -> usize {
        self.hours.len()
    }

    /// Append each year's cost of a trial's `months` to `out`.
    pub fn push_costs(&self, months: &[Tally], out: &mut Vec<f64>) {
        self.push_by(months, Tally::total_cost, out);
    }

    /// Append each year's sum of `figure` over a trial's `months` to `out`
    /// (a month across a year's end shared by its hours on each side).
    pub fn push_by(&self, months: &[Tally], figure: impl Fn(&Tally) -> f64, out: &mut Vec<f64>) {
        let at = out.len();
        out.resize(at + self.count(), 0.0);
        for (m, parts) in months.iter().zip(&self.parts) {
            let x = figure(m);
            for &(y, share) in parts {
                out[at + y] += share * x;
            }
        }
    }

    /// Year `y`'s budget under `per_year`: pro rata for a partial year.
    pub fn budget(&self, y: usize, per_year: f64) -> f64 {
        per_year * f64::from(self.hours[y]) / f64::from(Years::HOURS)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn month(first_hour: usize, hours: usize) -> Month {
        Month {
            start: NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
            first_hour,
            hours,
        }
    }

    /// A month across a year's end is split by its hours on each side; a
    /// partial last year keeps its hours and a pro-rata budget.
    #[test]
    fn years_split_months_by_hours() {
        // 8,000 hours, then 1,000 straddling the end of year 1 (760 + 240),
        // then 100 in year 2, which ends the horizon early.
        let y = Years::new(&[month(0, 8000), month(8000, 1000), month(9000, 100)], 9100);
        assert_eq!(y.hours, [8760, 340]);
        let tally = |c: f64| Tally {
            gpu_cost: c,
            ..Tally::default()
        };
        let mut out = vec![7.0];
        y.push_costs(&[tally(8000.0), tally(1000.0), tally(100.0)], &mut out);
        assert_eq!(out, [7.0, 8760.0, 340.0]);
        assert_eq!(y.budget(1, 8760.0), 340.0);
    }
}
