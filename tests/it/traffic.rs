//! Traffic profiles: a year generated from a fitted profile reproduces its
//! source trace; the shipped profiles are what `fit-traffic` writes; bad
//! traces get clear errors.

use crate::common::{capsim, stderr_of};
use capsim::engine::Engine;
use capsim::model::Scratch;
use capsim::scenario;
use capsim::traffic::{self, ReadOptions, series_stats};
use chrono::Datelike as _;

fn scenario_text(demand: &str) -> String {
    crate::common::small_scenario("profile = \"llama3-70b-fp8-4xh100\"", demand)
}

/// Mean over `trials` generated years of (peak-to-trough, lag-24
/// autocorrelation, mean demand). The statistics are taken on 14-day blocks,
/// the length of the ServeGen traces, so that they carry the same
/// short-series bias as the source's, and start on a Monday, as the
/// ServeGen traces are assumed to.
fn generated_stats(demand: &str, trials: u64) -> (f64, f64, f64, f64) {
    let s = scenario::parse(&scenario_text(demand), "test", None).unwrap();
    let engine = Engine::new(&s, 11);
    let mut scratch = Scratch::default();
    let (mut p2t, mut lag24, mut mean) = (0.0, 0.0, 0.0);
    let mut lags = Vec::new();
    // Blocks start on a Monday, like the ServeGen traces (assumed).
    let skip_days = (7 - s.start.weekday().num_days_from_monday() as usize) % 7;
    for t in 0..trials {
        engine.prepare(t, &mut scratch);
        let blocks: Vec<_> = scratch.demand[24 * skip_days..]
            .chunks_exact(14 * 24)
            .map(|b| series_stats(&b.iter().map(|x| Some(*x)).collect::<Vec<_>>()))
            .collect();
        let k = blocks.len() as f64;
        lags.extend(blocks.iter().map(|st| st.lag24_autocorrelation.unwrap()));
        p2t += blocks
            .iter()
            .map(|st| st.peak_to_trough.unwrap())
            .sum::<f64>()
            / k;
        lag24 += blocks
            .iter()
            .map(|st| st.lag24_autocorrelation.unwrap())
            .sum::<f64>()
            / k;
        mean += scratch.demand.iter().sum::<f64>() / scratch.demand.len() as f64;
    }
    let n = trials as f64;
    let m = lags.iter().sum::<f64>() / lags.len() as f64;
    let sd = (lags.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (lags.len() - 1) as f64).sqrt();
    (p2t / n, lag24 / n, mean / n, sd)
}

fn source_stats(file: &str) -> traffic::SeriesStats {
    let t = traffic::trace::read(
        std::path::Path::new(&format!("data/traffic/{file}")),
        &ReadOptions::default(),
    )
    .unwrap();
    series_stats(&t.hourly.values)
}

fn within(got: f64, want: f64, tol: f64, what: &str) {
    assert!(
        (got / want - 1.0).abs() <= tol,
        "{what}: generated {got:.4}, source {want:.4} (more than {:.0}% apart)",
        100.0 * tol
    );
}

/// The profile's `[check]` table: what `fit-traffic` says simulated traces
/// of the source's length give.
fn profile_check(profile: &str) -> toml::Table {
    let text = std::fs::read_to_string(format!("traffic/{profile}.toml")).unwrap();
    let t: toml::Table = text.parse().unwrap();
    t["check"].as_table().unwrap().clone()
}

/// Peak-to-trough and lag-24 autocorrelation within 10% of the source's,
/// for both ServeGen profiles. On servegen-m-small this needs the
/// calibration's second stage (hourly noise scaled down, diurnal shape up:
/// without it the model reached 0.56 against 0.68), so the test would catch
/// that stage breaking as well as the generator and the fit's simulation
/// drifting apart.
#[test]
fn a_year_from_a_fitted_profile_reproduces_the_source() {
    let mut failures = Vec::new();
    for (profile, file) in [
        ("servegen-m-large", "servegen_m_large_10min.csv"),
        ("servegen-m-small", "servegen_m_small_10min.csv"),
    ] {
        let src = source_stats(file);
        let (p2t, lag24, _, sd) = generated_stats(&format!("traffic = \"{profile}\""), 300);
        let (want_p2t, want_lag) = (
            src.peak_to_trough.unwrap(),
            src.lag24_autocorrelation.unwrap(),
        );
        let promised = profile_check(profile)["simulated_lag24_autocorrelation"]
            .as_float()
            .unwrap();
        eprintln!(
            "{profile}: peak-to-trough {p2t:.4} vs source {want_p2t:.4}; lag-24 autocorrelation {lag24:.4} (sd over 14-day blocks {sd:.4}) vs source {want_lag:.4}, fit's simulation {promised:.4}"
        );
        for (what, got, want) in [
            ("peak-to-trough", p2t, want_p2t),
            ("lag-24", lag24, want_lag),
        ] {
            if (got / want - 1.0).abs() > 0.10 {
                failures.push(format!(
                    "{profile} {what}: generated {got:.4}, source {want:.4} (over 10%)"
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn replay_keeps_the_volume_and_the_days() {
    let src = source_stats("servegen_m_large_10min.csv");
    let (p2t, _, mean, _) = generated_stats("traffic = \"servegen-m-large\"\nreplay = true", 40);
    // Mean demand per hour is the volume / 730 (days are scaled to mean 1;
    // 40 years of days drawn from 14: within 2%).
    within(mean, 5e9 / 730.0, 0.02, "replay mean demand");
    within(
        p2t,
        src.peak_to_trough.unwrap(),
        0.10,
        "replay peak-to-trough",
    );
}

#[test]
fn shipped_profiles_are_what_fit_traffic_writes() {
    let dir = tempfile::tempdir().unwrap();
    let bin = assert_cmd::cargo::cargo_bin("capsim");
    let status = std::process::Command::new("traffic/refit.sh")
        .arg(&bin)
        .env("OUT", dir.path())
        .output()
        .unwrap();
    assert!(
        status.status.success(),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );
    for (name, text) in capsim::scenario::raw::BUILTIN_PROFILES {
        let fresh = std::fs::read_to_string(dir.path().join(format!("{name}.toml"))).unwrap();
        assert_eq!(
            &fresh, text,
            "traffic/{name}.toml is stale: run traffic/refit.sh"
        );
    }
}

#[test]
fn scenario_fields_override_the_profile() {
    let s = scenario::parse(
        &scenario_text("traffic = \"servegen-m-large\"\nnoise_sigma = 0.05\ninput_per_output = 3"),
        "t",
        None,
    )
    .unwrap();
    assert_eq!(s.demand.noise_sigma.point(), 0.05);
    assert_eq!(s.demand.input_per_output.point(), 3.0);
    // The profile's own diurnal shape (not flat) is used.
    assert!(s.demand.diurnal.iter().any(|x| (x - 1.0).abs() > 0.05));
    let azure =
        scenario::parse(&scenario_text("traffic = \"azure-conv-2023\""), "t", None).unwrap();
    // A request log's profile carries its mean lengths; the ratio follows them.
    assert_eq!(azure.demand.output_tokens.point(), 211.13);
    assert_eq!(
        azure.demand.prompt_tokens.as_ref().map(|p| p.point()),
        Some(1154.7)
    );
    assert!((azure.demand.input_per_output.point() - 1154.7 / 211.13).abs() < 1e-12);
}

fn fit_err(name: &str, body: &str, args: &[&str]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join(name);
    std::fs::write(&p, body).unwrap();
    let out = dir.path().join("profile.toml");
    let a = capsim()
        .arg("fit-traffic")
        .arg(&p)
        .args(args)
        .arg("--out")
        .arg(&out)
        .assert()
        .failure();
    assert!(!out.exists(), "no profile written on error");
    stderr_of(&a)
}

#[test]
fn bad_traces_are_refused_with_the_line_and_column() {
    let e = fit_err("empty.csv", "", &[]);
    assert!(e.contains("the file is empty"), "{e}");
    let e = fit_err(
        "t.csv",
        "window_start_s,requests_per_s\n0,1.5\n600,abc\n",
        &[],
    );
    assert!(
        e.contains("line 3, column `requests_per_s`: `abc` is not a number"),
        "{e}"
    );
    let e = fit_err(
        "t.csv",
        "window_start_s,requests_per_s\n0,1.5\n600,-2\n",
        &[],
    );
    assert!(e.contains("line 3") && e.contains("zero or more"), "{e}");
    let e = fit_err("t.csv", "window_start_s,requests_per_s\n0,1.5\n0,2\n", &[]);
    assert!(e.contains("the same window start twice"), "{e}");
    let e = fit_err("t.csv", "window_start_s,requests_per_s\n0,1.5\n", &[]);
    assert!(e.contains("at least two windows"), "{e}");
    let e = fit_err(
        "t.csv",
        "window_start_s,requests_per_s\n0,1\n7,1\n14,1\n",
        &[],
    );
    assert!(e.contains("divide an hour"), "{e}");
    let e = fit_err("t.csv", "time,rate\n0,1\n2023-11-16 18:00:00,1\n", &[]);
    assert!(e.contains("line 3") && e.contains("use one form"), "{e}");
    let e = fit_err(
        "log.csv",
        "TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:17:03.97,10,0\n",
        &[],
    );
    assert!(e.contains("zero generated tokens"), "{e}");
    let e = fit_err(
        "log.csv",
        "TIMESTAMP,ContextTokens,GeneratedTokens\nyesterday,10,3\n",
        &[],
    );
    assert!(
        e.contains("line 2, column `TIMESTAMP`: `yesterday` is not a time"),
        "{e}"
    );
    // Three columns none of which says rate or tokens: no guessing.
    let e = fit_err("t.csv", "ts,a,b\n0,1,2\n600,1,2\n", &[]);
    assert!(e.contains("cannot tell the trace's form"), "{e}");
}

/// Other public request-log headers are read as logs: BurstGPT's
/// (`Timestamp,Model,Request tokens,Response tokens,…`, bare seconds) and
/// Azure 2024's (time-zone offset, microseconds).
#[test]
fn other_request_log_headers_are_read() {
    let burst = "Timestamp,Model,Request tokens,Response tokens,Total tokens,Log Type\n\
                 0,ChatGPT,100,20,120,Conversation log\n5,GPT-4,300,40,340,API log\n";
    let t = traffic::trace::parse(burst.as_bytes(), "b", &ReadOptions::default()).unwrap();
    assert_eq!(t.format, traffic::Format::Log);
    assert_eq!(t.requests, Some(2));
    assert!((t.input_per_output.unwrap() - 400.0 / 60.0).abs() < 1e-12);
    let azure = "TIMESTAMP,ContextTokens,GeneratedTokens\n\
                 2024-05-13 00:00:00.153609+00:00,2000,100\n\
                 2024-05-13 00:20:02.155206+00:00,1000,300\n";
    let t = traffic::trace::parse(azure.as_bytes(), "a", &ReadOptions::default()).unwrap();
    assert_eq!(t.requests, Some(2));
    assert!(t.weekday_known);
    assert!((t.output_tokens_per_request.unwrap() - 200.0).abs() < 1e-12);
}

#[test]
fn fit_traffic_does_not_overwrite_without_force() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("p.toml");
    std::fs::write(&out, "mine").unwrap();
    let a = capsim()
        .args([
            "fit-traffic",
            "data/traffic/servegen_m_small_10min.csv",
            "--out",
        ])
        .arg(&out)
        .assert()
        .failure();
    assert!(stderr_of(&a).contains("--force"));
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "mine");
    capsim()
        .args([
            "fit-traffic",
            "data/traffic/servegen_m_small_10min.csv",
            "--force",
            "--out",
        ])
        .arg(&out)
        .assert()
        .success();
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(text.contains("masked_windows = 37"), "{text}");
}

#[test]
fn replay_needs_a_profile_and_excludes_shapes() {
    let e = scenario::parse(&scenario_text("replay = true"), "t", None)
        .unwrap_err()
        .to_string();
    assert!(e.contains("demand.replay: needs demand.traffic"), "{e}");
    let e = scenario::parse(
        &scenario_text("traffic = \"servegen-m-large\"\nreplay = true\nnoise_sigma = 0.1"),
        "t",
        None,
    )
    .unwrap_err()
    .to_string();
    assert!(
        e.contains("demand.noise_sigma: cannot be combined with replay"),
        "{e}"
    );
    let e = scenario::parse(
        &scenario_text("traffic = \"azure-code-2023\"\nreplay = true"),
        "t",
        None,
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("has no [replay] days"), "{e}");
    let e = scenario::parse(&scenario_text("traffic = \"servegen-large\""), "t", None)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("no traffic profile named `servegen-large`"),
        "{e}"
    );
}
