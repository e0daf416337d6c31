//! Reading traces: a request-rate series or a request log, into hourly means.
//!
//! Two CSV forms (a header row is required; columns are found by name, else
//! by position):
//! - **rate series** (ServeGen): window start, rate. The window start is
//!   seconds (t = 0 is local midnight of day 0, as in ServeGen) or a date and
//!   time; the window length is the most common step between starts.
//!   Columns: `window_start_s`/`time`/`timestamp` (else the first) and
//!   `requests_per_s`/`rate`/`rps` (else the second).
//! - **request log** (Azure LLM trace): one row per request: timestamp,
//!   prompt tokens, generated tokens (`TIMESTAMP,ContextTokens,GeneratedTokens`;
//!   also `prompt_tokens`/`input_tokens` and `completion_tokens`/
//!   `output_tokens`). Requests are counted into windows of `window_s`
//!   seconds; the series is generated (output) tokens per second, the unit
//!   capsim's demand is in.
//!
//! **Gaps.** A window that is missing, or whose rate is exactly zero, is a
//! collection gap and is masked (a live service does not go a whole window
//! without a request; `keep_zeros` turns this off). An hour is valid when at
//! least half of its windows are; its value is the mean of those windows.
//! Windows of a log only partly covered by the log (its first and last) are
//! rated over the covered part, and masked if that is under half a window.

use std::path::Path;

use chrono::{Datelike, NaiveDate, NaiveDateTime};

/// Windows a trace may span (10 M: over 100 days of 1-second windows).
const MAX_WINDOWS: f64 = 1e7;

/// Which form a trace file has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Decide from the header.
    Auto,
    /// Window start, rate.
    Rate,
    /// Timestamp, prompt tokens, generated tokens.
    Log,
}

/// How to read a trace.
#[derive(Debug, Clone)]
pub struct ReadOptions {
    /// Form of the file.
    pub format: Format,
    /// Window length for request logs, seconds.
    pub window_s: f64,
    /// Treat zero-rate windows as real rather than as gaps.
    pub keep_zeros: bool,
    /// Weekday of day 0 (0 = Monday) when the times are bare seconds.
    pub first_weekday: usize,
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            format: Format::Auto,
            window_s: 600.0,
            keep_zeros: false,
            first_weekday: 0,
        }
    }
}

/// A series of hourly means; hour 0 starts at midnight of day 0.
#[derive(Debug, Clone, PartialEq)]
pub struct Hourly {
    /// Mean rate of each hour; `None` where the hour is masked.
    pub values: Vec<Option<f64>>,
    /// Weekday of day 0, 0 = Monday.
    pub first_weekday: usize,
}

/// A trace read and reduced to hourly means.
#[derive(Debug, Clone)]
pub struct Trace {
    /// The form the file had.
    pub format: Format,
    /// Unit of the series.
    pub unit: &'static str,
    /// Window length, seconds.
    pub window_s: f64,
    /// Windows spanned by the trace.
    pub windows: usize,
    /// Of which masked as gaps.
    pub masked_windows: usize,
    /// Whether the weekday of day 0 came from the timestamps (else assumed).
    pub weekday_known: bool,
    /// The hourly series.
    pub hourly: Hourly,
    /// Request logs: input (prompt) tokens per output (generated) token, ratio of totals.
    pub input_per_output: Option<f64>,
    /// Request logs: requests read.
    pub requests: Option<usize>,
    /// Request logs: mean generated tokens per request.
    pub output_tokens_per_request: Option<f64>,
    /// Request logs: mean prompt tokens per request.
    pub prompt_tokens_per_request: Option<f64>,
}

/// Why a trace could not be read.
#[derive(Debug, thiserror::Error)]
#[error("{origin}: {message}")]
pub struct TraceError {
    /// The file.
    pub origin: String,
    /// What is wrong, with line and column where there is one.
    pub message: String,
}

impl TraceError {
    fn new(origin: &str, message: String) -> Self {
        TraceError {
            origin: origin.to_owned(),
            // A value echoed from a line of megabytes stays readable.
            message: crate::input::cut_long_lines(&message, 300),
        }
    }
}

/// Read `path`.
pub fn read(path: &Path, opts: &ReadOptions) -> Result<Trace, TraceError> {
    let origin = path.display().to_string();
    let bytes = crate::input::read_bounded(path, crate::input::MAX_TRACE_BYTES)
        .map_err(|e| TraceError::new(&origin, format!("cannot read: {e}")))?;
    parse(&bytes, &origin, opts)
}

/// A time as written: bare seconds, or a date and time.
#[derive(Debug, Clone, Copy)]
enum Time {
    Seconds(f64),
    Clock(NaiveDateTime),
}

fn parse_time(s: &str) -> Option<Time> {
    if let Ok(x) = s.parse::<f64>() {
        return x.is_finite().then_some(Time::Seconds(x));
    }
    for f in [
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M",
    ] {
        if let Ok(t) = NaiveDateTime::parse_from_str(s, f) {
            return Some(Time::Clock(t));
        }
    }
    // An offset or Z: the local clock time as written.
    chrono::DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|t| Time::Clock(t.naive_local()))
}

fn find(headers: &[String], names: &[&str]) -> Option<usize> {
    headers.iter().position(|h| {
        let h = h.to_ascii_lowercase().replace([' ', '-'], "_");
        names.contains(&h.as_str())
    })
}

const TIME_NAMES: &[&str] = &[
    "window_start_s",
    "time",
    "timestamp",
    "t",
    "start",
    "time_s",
];
const RATE_NAMES: &[&str] = &[
    "requests_per_s",
    "requests_per_second",
    "rate",
    "rps",
    "qps",
    "req_per_s",
];
const PROMPT_NAMES: &[&str] = &[
    "contexttokens",
    "context_tokens",
    "prompt_tokens",
    "prompttokens",
    "input_tokens",
    "inputtokens",
    // BurstGPT (Wang et al., 2024): Timestamp,Model,Request tokens,Response tokens,…
    "request_tokens",
];
const GEN_NAMES: &[&str] = &[
    "generatedtokens",
    "generated_tokens",
    "completion_tokens",
    "output_tokens",
    "outputtokens",
    "response_tokens",
];

/// Parse trace bytes (`origin` names them in errors).
pub fn parse(bytes: &[u8], origin: &str, opts: &ReadOptions) -> Result<Trace, TraceError> {
    let err = |message: String| TraceError::new(origin, message);
    let mut rdr = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .comment(Some(b'#'))
        .from_reader(bytes);
    let headers: Vec<String> = rdr
        .headers()
        .map_err(|e| err(format!("cannot read the header row: {e}")))?
        .iter()
        .map(str::to_owned)
        .collect();
    if headers.iter().all(String::is_empty) {
        return Err(err(
            "the file is empty: expected a header row and data (rate series: window_start_s,requests_per_s; request log: TIMESTAMP,ContextTokens,GeneratedTokens)".into(),
        ));
    }
    let time_col = find(&headers, TIME_NAMES).unwrap_or(0);
    let prompt = find(&headers, PROMPT_NAMES);
    let gen_col = find(&headers, GEN_NAMES);
    let rate_col = find(&headers, RATE_NAMES);
    let format = match opts.format {
        Format::Auto if prompt.is_some() && gen_col.is_some() => Format::Log,
        // Two columns are a time and a rate whatever their names; with more,
        // guessing which one is the rate could fit the wrong numbers.
        Format::Auto if rate_col.is_some() || headers.len() <= 2 => Format::Rate,
        Format::Auto => {
            return Err(err(format!(
                "cannot tell the trace's form from its header ({}): name a rate column ({}) or the token columns of a request log ({} and {}), or pass --format rate|log",
                headers.join(","),
                RATE_NAMES.join("/"),
                PROMPT_NAMES[..3].join("/"),
                GEN_NAMES[..3].join("/"),
            )));
        }
        f => f,
    };
    let need = if format == Format::Log { 3 } else { 2 };
    if headers.len() < need {
        return Err(err(format!(
            "the header has {} column(s) ({}): a {} needs {need} ({})",
            headers.len(),
            headers.join(","),
            if format == Format::Log {
                "request log"
            } else {
                "rate series"
            },
            if format == Format::Log {
                "timestamp, prompt tokens, generated tokens"
            } else {
                "window start, requests per second"
            }
        )));
    }
    let cols: Vec<usize> = match format {
        Format::Log => vec![time_col, prompt.unwrap_or(1), gen_col.unwrap_or(2)],
        _ => vec![
            time_col,
            rate_col.unwrap_or(if time_col == 0 { 1 } else { 0 }),
        ],
    };

    // Rows: (time, values); every value finite and ≥ 0.
    let mut rows: Vec<(Time, Vec<f64>, u64)> = Vec::new();
    for rec in rdr.records() {
        let rec = rec.map_err(|e| err(format!("not valid CSV: {e}")))?;
        let line = rec.position().map_or(0, |p| p.line());
        let get = |c: usize| -> Result<&str, TraceError> {
            rec.get(c).ok_or_else(|| {
                err(format!(
                    "line {line}: has {} field(s); column `{}` is missing",
                    rec.len(),
                    headers[c]
                ))
            })
        };
        let t = get(cols[0])?;
        let time = parse_time(t).ok_or_else(|| {
            err(format!(
                "line {line}, column `{}`: `{t}` is not a time (seconds, or a date and time like 2023-11-16 18:17:03)",
                headers[cols[0]]
            ))
        })?;
        let mut vals = Vec::with_capacity(cols.len() - 1);
        for &c in &cols[1..] {
            let s = get(c)?;
            let v: f64 = s.parse().map_err(|_| {
                err(format!(
                    "line {line}, column `{}`: `{s}` is not a number",
                    headers[c]
                ))
            })?;
            if !v.is_finite() || v < 0.0 {
                return Err(err(format!(
                    "line {line}, column `{}`: {s} must be a finite number, zero or more",
                    headers[c]
                )));
            }
            vals.push(v);
        }
        rows.push((time, vals, line));
    }
    if rows.is_empty() {
        return Err(err("no data rows after the header".into()));
    }
    // One form of time for the whole file.
    let seconds = matches!(rows[0].0, Time::Seconds(_));
    if let Some((_, _, line)) = rows
        .iter()
        .find(|r| matches!(r.0, Time::Seconds(_)) != seconds)
    {
        return Err(err(format!(
            "line {line}: {}: use one form",
            if seconds {
                "a date and time, but earlier rows give seconds"
            } else {
                "bare seconds, but earlier rows give dates and times"
            }
        )));
    }
    // Seconds since midnight of day 0, and the weekday of day 0 if known.
    let (secs, first_weekday, weekday_known) = if seconds {
        let raw: Vec<f64> = rows
            .iter()
            .map(|r| match r.0 {
                Time::Seconds(s) => s,
                Time::Clock(_) => f64::NAN,
            })
            .collect();
        let min = raw.iter().copied().fold(f64::INFINITY, f64::min);
        let midnight = (min / 86400.0).floor() * 86400.0;
        let secs: Vec<f64> = raw.iter().map(|s| s - midnight).collect();
        (secs, opts.first_weekday % 7, false)
    } else {
        let clocks: Vec<NaiveDateTime> = rows
            .iter()
            .filter_map(|r| match r.0 {
                Time::Clock(c) => Some(c),
                Time::Seconds(_) => None,
            })
            .collect();
        let first: NaiveDate = clocks.iter().min().map(|c| c.date()).unwrap_or_default();
        let midnight = first.and_hms_opt(0, 0, 0).unwrap_or_default();
        let secs: Vec<f64> = clocks
            .iter()
            .map(|c| (*c - midnight).num_microseconds().unwrap_or(i64::MAX) as f64 / 1e6)
            .collect();
        (secs, first.weekday().num_days_from_monday() as usize, true)
    };

    match format {
        Format::Log => from_log(&rows, &secs, origin, opts, first_weekday, weekday_known),
        _ => from_rate(&rows, &secs, origin, opts, first_weekday, weekday_known),
    }
}

fn check_window(w: f64, origin: &str, what: &str) -> Result<(), TraceError> {
    let per_hour = 3600.0 / w;
    if !((1.0..=3600.0).contains(&w) && (per_hour - per_hour.round()).abs() < 1e-6) {
        return Err(TraceError::new(
            origin,
            format!(
                "{what} {w} s: windows must divide an hour evenly (1 s to 3,600 s, e.g. 60, 300, 600)"
            ),
        ));
    }
    Ok(())
}

fn from_rate(
    rows: &[(Time, Vec<f64>, u64)],
    secs: &[f64],
    origin: &str,
    opts: &ReadOptions,
    first_weekday: usize,
    weekday_known: bool,
) -> Result<Trace, TraceError> {
    let err = |message: String| TraceError::new(origin, message);
    let mut order: Vec<usize> = (0..rows.len()).collect();
    order.sort_by(|a, b| secs[*a].total_cmp(&secs[*b]));
    let mut steps: Vec<f64> = Vec::new();
    for w in order.windows(2) {
        let d = secs[w[1]] - secs[w[0]];
        if d.abs() < 1e-9 {
            return Err(err(format!(
                "lines {} and {}: the same window start twice",
                rows[w[0]].2, rows[w[1]].2
            )));
        }
        steps.push(d);
    }
    if steps.is_empty() {
        return Err(err(
            "one row: a rate series needs at least two windows to know their length".into(),
        ));
    }
    // The most common step is the window length (gaps make some steps longer).
    let mut sorted = steps.clone();
    sorted.sort_by(f64::total_cmp);
    let window_s = sorted[sorted.len() / 4].round().max(1.0);
    check_window(
        window_s,
        origin,
        "the window length (most common step between starts) is",
    )?;
    let last = secs[order[order.len() - 1]];
    let span_windows = (last - secs[order[0]]) / window_s + 1.0;
    if span_windows > MAX_WINDOWS {
        return Err(err(format!(
            "spans {span_windows:.0} windows of {window_s} s: at most {MAX_WINDOWS:.0}"
        )));
    }
    let windows: Vec<(f64, Option<f64>)> = order
        .iter()
        .map(|&i| {
            let v = rows[i].1[0];
            (secs[i], (v > 0.0 || opts.keep_zeros).then_some(v))
        })
        .collect();
    let present = windows.iter().filter(|w| w.1.is_some()).count();
    let span = span_windows.round() as usize;
    let hourly = to_hourly(&windows, window_s, first_weekday, origin)?;
    Ok(Trace {
        format: Format::Rate,
        unit: "requests per second",
        window_s,
        windows: span,
        masked_windows: span.saturating_sub(present),
        weekday_known,
        hourly,
        input_per_output: None,
        requests: None,
        output_tokens_per_request: None,
        prompt_tokens_per_request: None,
    })
}

fn from_log(
    rows: &[(Time, Vec<f64>, u64)],
    secs: &[f64],
    origin: &str,
    opts: &ReadOptions,
    first_weekday: usize,
    weekday_known: bool,
) -> Result<Trace, TraceError> {
    let w = opts.window_s;
    check_window(w, origin, "--window is")?;
    let first = secs.iter().copied().fold(f64::INFINITY, f64::min);
    let last = secs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let k0 = (first / w).floor() as i64;
    let k1 = (last / w).floor() as i64;
    let n = (k1 - k0 + 1) as f64;
    if n > MAX_WINDOWS {
        return Err(TraceError::new(
            origin,
            format!("spans {n:.0} windows of {w} s: at most {MAX_WINDOWS:.0}"),
        ));
    }
    let n = n as usize;
    let mut tokens = vec![0.0; n];
    let (mut prompt, mut generated) = (0.0, 0.0);
    for ((_, v, _), s) in rows.iter().zip(secs) {
        tokens[((s / w).floor() as i64 - k0) as usize] += v[1];
        prompt += v[0];
        generated += v[1];
    }
    if generated <= 0.0 {
        return Err(TraceError::new(
            origin,
            "every request has zero generated tokens: nothing to fit".into(),
        ));
    }
    let windows: Vec<(f64, Option<f64>)> = tokens
        .iter()
        .enumerate()
        .map(|(j, &tok)| {
            let start = (k0 + j as i64) as f64 * w;
            let covered = (start + w).min(last) - start.max(first);
            let v = if n == 1 {
                // One window: rate over the log's own span.
                (last > first).then(|| tok / (last - first))
            } else if covered < 0.5 * w {
                None
            } else {
                Some(tok / covered)
            };
            (start, v.filter(|v| *v > 0.0 || opts.keep_zeros))
        })
        .collect();
    let present = windows.iter().filter(|w| w.1.is_some()).count();
    let hourly = to_hourly(&windows, w, first_weekday, origin)?;
    Ok(Trace {
        format: Format::Log,
        unit: "output tokens per second",
        window_s: w,
        windows: n,
        masked_windows: n - present,
        weekday_known,
        hourly,
        input_per_output: Some(prompt / generated),
        requests: Some(rows.len()),
        output_tokens_per_request: Some(generated / rows.len() as f64),
        prompt_tokens_per_request: Some(prompt / rows.len() as f64),
    })
}

/// Hourly means of windows (start seconds since midnight of day 0, value or gap).
fn to_hourly(
    windows: &[(f64, Option<f64>)],
    window_s: f64,
    first_weekday: usize,
    origin: &str,
) -> Result<Hourly, TraceError> {
    let per_hour = (3600.0 / window_s).round() as usize;
    let last = windows.iter().map(|w| w.0).fold(0.0, f64::max);
    let hours = (last / 3600.0).floor() as usize + 1;
    if hours > 24 * 3660 {
        return Err(TraceError::new(
            origin,
            format!("spans {hours} hours: at most ten years"),
        ));
    }
    let mut sum = vec![0.0; hours];
    let mut count = vec![0usize; hours];
    for (t, v) in windows {
        if let Some(v) = v {
            let h = (t / 3600.0).floor() as usize;
            sum[h] += v;
            count[h] += 1;
        }
    }
    let values = sum
        .iter()
        .zip(&count)
        .map(|(s, &c)| (c > 0 && 2 * c >= per_hour).then(|| s / c as f64))
        .collect();
    Ok(Hourly {
        values,
        first_weekday,
    })
}
