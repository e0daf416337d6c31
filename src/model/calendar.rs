//! Hours of the horizon: shape by hour of day and day of week, and calendar months.

use chrono::{Datelike, Duration, NaiveDate};

use crate::scenario::Scenario;

/// A calendar month (or the part of it inside the horizon).
#[derive(Debug, Clone, PartialEq)]
pub struct Month {
    /// First day of the month (or of the horizon, for a partial first month).
    pub start: NaiveDate,
    /// First hour index of the month.
    pub first_hour: usize,
    /// Hours of the month inside the horizon.
    pub hours: usize,
}

/// Precomputed per-hour facts, built once per scenario.
#[derive(Debug, Clone)]
pub struct Calendar {
    /// Mean-1 demand shape of each hour (diurnal × weekly, renormalised over the horizon).
    pub shape: Vec<f64>,
    /// Calendar months covering the horizon, in order.
    pub months: Vec<Month>,
}

impl Calendar {
    /// Build the calendar of a scenario.
    pub fn new(s: &Scenario) -> Self {
        let n = s.horizon_hours as usize;
        let mut shape = Vec::with_capacity(n);
        let mut months: Vec<Month> = Vec::new();
        for h in 0..n {
            let day = s.start + Duration::days((h / 24) as i64);
            let dow = day.weekday().num_days_from_monday() as usize;
            shape.push(s.demand.diurnal[h % 24] * s.demand.weekly[dow]);
            let new_month = match months.last() {
                None => true,
                Some(m) => m.start.month() != day.month() || m.start.year() != day.year(),
            };
            if new_month {
                months.push(Month {
                    start: day,
                    first_hour: h,
                    hours: 0,
                });
            }
            if let Some(m) = months.last_mut() {
                m.hours += 1;
            }
        }
        // The product of two mean-1 shapes has mean 1 only over whole weeks;
        // renormalise so the horizon's mean volume is exactly the one asked for.
        let mean = shape.iter().sum::<f64>() / n as f64;
        if mean > 0.0 {
            shape.iter_mut().for_each(|x| *x /= mean);
        }
        Calendar { shape, months }
    }
}
