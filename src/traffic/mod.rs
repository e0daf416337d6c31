//! Traffic profiles fitted from production traces (`capsim fit-traffic`).
//!
//! [`trace`] reads a rate series or a request log into hourly means with gaps
//! masked; [`fit`] fits the demand model's shapes, noise and bursts; this
//! module writes the result as a profile file (TOML) that a scenario names in
//! `[demand] traffic = "…"` (read back by [`crate::scenario`], which owns the
//! profile's file format: [`crate::scenario::raw::RawProfile`]). A profile also keeps the
//! trace's complete days (each hour relative to the trace's mean), which
//! `[demand] replay = true` block-bootstraps instead of the fitted model.

pub mod fit;
pub mod trace;

use std::fmt::Write as _;

pub use fit::{Fit, SeriesStats, fit, series_stats};
pub use trace::{Format, Hourly, ReadOptions, Trace, TraceError};

/// What to write into a profile besides the fit.
#[derive(Debug, Clone)]
pub struct ProfileMeta {
    /// Profile name.
    pub name: String,
    /// Citation of the trace.
    pub source: String,
    /// The trace file as named on the command line.
    pub file: String,
}

/// Complete days of `h`, each hour divided by the mean over those days.
pub fn complete_days(h: &Hourly) -> Vec<[f64; 24]> {
    let days: Vec<[f64; 24]> = h
        .values
        .chunks_exact(24)
        .filter_map(|d| {
            let v: Option<Vec<f64>> = d.iter().copied().collect();
            v.and_then(|v| v.try_into().ok())
        })
        .collect();
    let n = (days.len() * 24) as f64;
    let mean = days.iter().flatten().sum::<f64>() / n;
    days.into_iter().map(|d| d.map(|x| x / mean)).collect()
}

fn list(v: &[f64], digits: usize) -> String {
    let items: Vec<String> = v.iter().map(|x| format!("{x:.digits$}")).collect();
    format!("[{}]", items.join(", "))
}

fn triangle(v: &[f64], digits: usize) -> String {
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    let (lo, hi) = (s[0], s[s.len() - 1]);
    let mid = s[s.len() / 2];
    if hi - lo < 1e-9 * hi.abs().max(1.0) || s.len() < 3 {
        let mean = s.iter().sum::<f64>() / s.len() as f64;
        format!("{mean:.digits$}")
    } else {
        format!("{{ low = {lo:.digits$}, likely = {mid:.digits$}, high = {hi:.digits$} }}")
    }
}

/// The profile file for `trace` and its `fit`.
pub fn render(meta: &ProfileMeta, trace: &Trace, f: &Fit) -> String {
    let mut o = String::new();
    let days = complete_days(&trace.hourly);
    let hours_valid = trace.hourly.values.iter().flatten().count();
    // Writing to a String cannot fail.
    let _ = writeln!(
        o,
        "# Traffic profile written by `capsim fit-traffic` (capsim {}).\n\
         # Use it from a scenario: [demand] traffic = \"<this file>\" (fields given in\n\
         # [demand] take precedence), or replay = true to block-bootstrap the days below.",
        env!("CARGO_PKG_VERSION")
    );
    let _ = writeln!(o, "name = {}", toml_str(&meta.name));
    let _ = writeln!(o, "source = {}", toml_str(&meta.source));
    let _ = writeln!(o, "\n[fit]");
    let _ = writeln!(o, "file = {}", toml_str(&meta.file));
    let _ = writeln!(
        o,
        "format = \"{}\"",
        match trace.format {
            Format::Log => "request log",
            _ => "rate series",
        }
    );
    let _ = writeln!(o, "unit = \"{}\"", trace.unit);
    let _ = writeln!(o, "window_seconds = {}", trace.window_s);
    let _ = writeln!(o, "windows = {}", trace.windows);
    let _ = writeln!(o, "masked_windows = {}", trace.masked_windows);
    let _ = writeln!(o, "hours = {}", trace.hourly.values.len());
    let _ = writeln!(o, "valid_hours = {hours_valid}");
    let _ = writeln!(o, "complete_days = {}", days.len());
    let _ = writeln!(
        o,
        "first_weekday = \"{}\"{}",
        WEEKDAYS[trace.hourly.first_weekday],
        if trace.weekday_known {
            ""
        } else {
            "  # ASSUMPTION: the trace gives bare seconds; set with --first-weekday"
        }
    );
    let _ = writeln!(o, "bursts_found = {}", f.bursts.len());
    if let Some(r) = trace.requests {
        let _ = writeln!(o, "requests = {r}");
    }
    if let Some(t) = trace.output_tokens_per_request {
        let _ = writeln!(o, "output_tokens_per_request = {t:.2}");
    }

    let _ = writeln!(o, "\n[check]\n# Statistics of the source's hourly series.");
    let st = &f.stats;
    if let Some(x) = st.peak_to_trough {
        let _ = writeln!(o, "daily_peak_to_trough = {x:.4}");
    }
    if let Some(x) = st.lag1_autocorrelation {
        let _ = writeln!(o, "lag1_autocorrelation = {x:.4}");
    }
    if let Some(x) = st.lag24_autocorrelation {
        let _ = writeln!(o, "lag24_autocorrelation = {x:.4}");
    }
    if let Some(x) = st.cv {
        let _ = writeln!(o, "hourly_cv = {x:.4}");
    }

    if let Some(c) = &f.calibrated {
        let _ = writeln!(
            o,
            "# Generated traces of the source's length have on average (simulated):\n\
             simulated_daily_peak_to_trough = {:.4}\n\
             simulated_hourly_cv = {:.4}\nsimulated_lag24_autocorrelation = {:.4}",
            c.peak_to_trough, c.cv, c.lag24
        );
        if c.shape_scale != 1.0 || c.noise_scale != 1.0 {
            let _ = writeln!(
                o,
                "# The calibration scaled the fitted diurnal log-shape by {:.3}\n\
                 # and the hourly noise sigma by {:.3} (README, *Traffic from traces*).",
                c.shape_scale, c.noise_scale
            );
        }
        let off = |sim: f64, src: Option<f64>| src.map_or(0.0, |x| sim / x - 1.0);
        let (cv_off, lag_off) = (off(c.cv, st.cv), off(c.lag24, st.lag24_autocorrelation));
        if cv_off.abs() > MISS_NOTED || lag_off.abs() > MISS_NOTED {
            let _ = writeln!(
                o,
                "# Out of the model's reach together: simulated hourly CV {:+.1}%, lag-24\n\
                 # autocorrelation {:+.1}% against the source's. The trace carries more\n\
                 # day-to-day persistence (e.g. a trend) than the stationary model gives\n\
                 # at its CV, in a trace this long.",
                100.0 * cv_off,
                100.0 * lag_off
            );
        }
    }

    let _ = writeln!(o, "\n[traffic]");
    if let Some(d) = &f.diurnal {
        let _ = writeln!(o, "diurnal = {}", list(d, 4));
    } else {
        let _ = writeln!(
            o,
            "# diurnal, weekly, noise: not fitted (the trace has under {} days of valid hours)",
            fit::MIN_DAYS_DIURNAL
        );
    }
    if let Some(w) = &f.weekly {
        let _ = writeln!(o, "weekly = {}", list(w, 4));
    } else if f.diurnal.is_some() {
        let _ = writeln!(
            o,
            "# weekly: not fitted (under {} days)",
            fit::MIN_DAYS_WEEKLY
        );
    }
    if let (Some(s), Some(r)) = (f.noise_sigma, f.noise_autocorrelation) {
        let _ = writeln!(o, "noise_sigma = {s:.4}");
        let _ = writeln!(o, "noise_autocorrelation = {r:.4}");
    }
    if let (Some(s), Some(r)) = (f.daily_noise_sigma, f.daily_noise_autocorrelation) {
        let _ = writeln!(o, "daily_noise_sigma = {s:.4}");
        let _ = writeln!(o, "daily_noise_autocorrelation = {r:.4}");
    }
    if !f.bursts.is_empty() {
        // Bursts per 730-hour month of valid trace.
        let per_month =
            f.bursts.len() as f64 / hours_valid.max(1) as f64 * crate::scenario::HOURS_PER_MONTH;
        let sizes: Vec<f64> = f.bursts.iter().map(|b| b.size).collect();
        let hours: Vec<f64> = f.bursts.iter().map(|b| b.hours as f64).collect();
        let _ = writeln!(
            o,
            "bursts = {{ per_month = {per_month:.3}, size = {}, duration_hours = {} }}",
            triangle(&sizes, 3),
            triangle(&hours, 1)
        );
    }
    if let Some(r) = trace.input_per_output {
        let _ = writeln!(o, "input_per_output = {r:.4}");
    }
    // Mean lengths per request: what the serving model's capacity follows.
    if let (Some(i), Some(g)) = (
        trace.prompt_tokens_per_request,
        trace.output_tokens_per_request,
    ) {
        let _ = writeln!(o, "prompt_tokens = {i:.1}");
        let _ = writeln!(o, "output_tokens = {g:.2}");
    }
    if !days.is_empty() {
        let _ = writeln!(
            o,
            "\n[replay]\n# Each complete day of the trace, hour by hour, relative to the mean of these days."
        );
        let _ = writeln!(o, "days = [");
        for d in &days {
            let _ = writeln!(o, "  {},", list(d, 4));
        }
        let _ = writeln!(o, "]");
    }
    o
}

/// A simulated CV or lag-24 further than this from the source's is noted in
/// the profile.
const MISS_NOTED: f64 = 0.02;

/// Weekday names, Monday first.
pub const WEEKDAYS: [&str; 7] = [
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
];

fn toml_str(s: &str) -> String {
    toml::Value::String(s.to_owned()).to_string()
}

/// What was read and fitted, for a person (several lines).
pub fn summary(trace: &Trace, f: &Fit) -> String {
    let mut o = String::new();
    let valid = trace.hourly.values.iter().flatten().count();
    let _ = writeln!(
        o,
        "read {} windows of {} s ({} masked as gaps): {} hours, {} valid, {} complete days; series in {}",
        trace.windows,
        trace.window_s,
        trace.masked_windows,
        trace.hourly.values.len(),
        valid,
        f.stats.complete_days,
        trace.unit
    );
    if let (Some(r), Some(t)) = (trace.requests, trace.output_tokens_per_request) {
        let _ = writeln!(
            o,
            "{r} requests, {t:.1} generated tokens per request, input/output tokens {:.3}",
            trace.input_per_output.unwrap_or(f64::NAN)
        );
    }
    match (&f.diurnal, f.noise_sigma, f.noise_autocorrelation) {
        (Some(d), Some(s), Some(r)) => {
            let max = d.iter().copied().fold(f64::MIN, f64::max);
            let min = d.iter().copied().fold(f64::MAX, f64::min);
            let _ = writeln!(
                o,
                "diurnal peak/trough {:.2}; weekly {}; noise σ {s:.3}, lag-1 ρ {r:.3}; {} burst(s)",
                max / min,
                if f.weekly.is_some() {
                    "fitted"
                } else {
                    "not fitted (under 14 days)"
                },
                f.bursts.len()
            );
        }
        _ => {
            let _ = writeln!(
                o,
                "under {} days of valid hours: no daily/weekly shape or noise fitted",
                fit::MIN_DAYS_DIURNAL
            );
        }
    }
    if !trace.weekday_known && f.weekly.is_some() {
        let _ = writeln!(
            o,
            "the trace gives bare seconds: day 0 taken as a {} (--first-weekday)",
            WEEKDAYS[trace.hourly.first_weekday]
        );
    }
    o
}
