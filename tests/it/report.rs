//! `report.html`: written by `--report` and by `capsim report`, with every
//! chart, numbers that match the closed form, and no partial page on failure.

use crate::common::{capsim, run_dir, stderr_of};

/// The chart ids of a page and, for each, whether its figure holds an SVG
/// with drawn shapes.
fn charts(page: &str) -> Vec<(String, bool)> {
    page.split("<figure class=\"chart\" id=\"chart-")
        .skip(1)
        .map(|rest| {
            let id = rest.split('"').next().unwrap().to_owned();
            let fig = rest.split("</figure>").next().unwrap();
            let drawn = fig.contains("<svg")
                && fig.matches("<rect").count()
                    + fig.matches("<polyline").count()
                    + fig.matches("<path").count()
                    >= 3;
            (id, drawn)
        })
        .collect()
}

#[test]
fn breakeven_report_has_every_chart_and_the_closed_form_cost() {
    let tmp = tempfile::tempdir().unwrap();
    capsim()
        .args([
            "breakeven",
            "--trials",
            "40",
            "--deterministic",
            "--quiet",
            "--report",
            "--volumes",
            "2e8,6e8,2e9",
        ])
        .arg("--out")
        .arg(tmp.path())
        .assert()
        .success();
    let dir = run_dir(tmp.path());
    let page = std::fs::read_to_string(dir.join("report.html")).unwrap();
    let ids: Vec<String> = charts(&page).iter().map(|c| c.0.clone()).collect();
    assert_eq!(
        ids,
        [
            "breakeven",
            "cost-distribution",
            "monthly-fan",
            "cost-per-mtok",
            "cost-breakdown",
            "capacity"
        ]
    );
    assert!(charts(&page).iter().all(|c| c.1), "every chart is drawn");
    // One reserved replica, seed point values: 4 GPUs × $1.60/h × 8,760 h =
    // $56,064, plus 30% overhead = $72,883.
    assert!(page.contains("<b>$72,883</b>"), "closed-form reserved cost");
    // The seed's break-even with overhead: $72,883 / 12 months / $10 per M.
    assert!(page.contains("607.4 M"), "closed-form break-even volume");
    // The seed table is shown for the seed scenario.
    assert!(page.contains("The seed calculation, checked"));
    // Self-contained: nothing is fetched.
    // (SVG's xmlns is a name, not a fetch.)
    for fetch in ["src=", "href=", "url(", "<link", "<script", "@import"] {
        assert!(!page.contains(fetch), "the page holds {fetch}");
    }
    // Each chart has a reading under it.
    assert_eq!(page.matches("<figcaption>").count(), 6);
}

#[test]
fn report_command_on_an_existing_run_folder() {
    let tmp = tempfile::tempdir().unwrap();
    capsim()
        .args(["run", "--trials", "30", "--quiet"])
        .arg("--out")
        .arg(tmp.path())
        .assert()
        .success();
    let dir = run_dir(tmp.path());
    assert!(
        !dir.join("report.html").exists(),
        "no report without --report"
    );
    capsim().arg("report").arg(&dir).assert().success();
    let page = std::fs::read_to_string(dir.join("report.html")).unwrap();
    let ids: Vec<String> = charts(&page).iter().map(|c| c.0.clone()).collect();
    assert_eq!(
        ids,
        [
            "cost-distribution",
            "monthly-fan",
            "cost-per-mtok",
            "cost-breakdown",
            "capacity"
        ],
        "no break-even chart without breakeven.parquet"
    );
    // No temporary file is left beside it.
    let left: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(left.is_empty(), "{left:?}");
}

#[test]
fn report_on_a_folder_that_is_not_a_run_fails_cleanly() {
    let tmp = tempfile::tempdir().unwrap();
    let a = capsim()
        .arg("report")
        .arg(tmp.path())
        .assert()
        .failure()
        .code(1);
    let err = stderr_of(&a);
    assert!(err.contains("not a capsim run folder"), "{err}");
    assert_eq!(
        std::fs::read_dir(tmp.path()).unwrap().count(),
        0,
        "nothing written"
    );

    // A run folder with a damaged Parquet file: error names the file, and an
    // earlier report.html is left as it was.
    capsim()
        .args(["run", "--trials", "10", "--quiet", "--report"])
        .arg("--out")
        .arg(tmp.path())
        .assert()
        .success();
    let dir = run_dir(tmp.path());
    let before = std::fs::read(dir.join("report.html")).unwrap();
    std::fs::write(dir.join("monthly.parquet"), b"not parquet").unwrap();
    let a = capsim().arg("report").arg(&dir).assert().failure().code(1);
    let err = stderr_of(&a);
    assert!(err.contains("monthly.parquet"), "{err}");
    assert_eq!(std::fs::read(dir.join("report.html")).unwrap(), before);
}

#[test]
fn an_empty_shard_gets_a_page_that_says_so() {
    let tmp = tempfile::tempdir().unwrap();
    // Two trials in four shards: shard 0 holds none.
    capsim()
        .args([
            "run", "--trials", "2", "--shard", "0/4", "--quiet", "--report", "--out",
        ])
        .arg(tmp.path())
        .assert()
        .success();
    let page = std::fs::read_to_string(run_dir(tmp.path()).join("report.html")).unwrap();
    assert!(page.contains("holds no trials"));
    assert!(charts(&page).is_empty());
}

/// Over a 2-year horizon the page names its cost a "2-year cost", and the
/// spill sentence's "a year on average" is the horizon's mean spill / 2.
#[test]
fn a_multi_year_report_states_yearly_figures_per_year() {
    use polars::prelude::*;
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/scenarios/realistic-2027.toml"
    ))
    .unwrap()
    .replace("horizon_hours = 8760", "horizon_hours = 17520");
    assert!(text.contains("horizon_hours = 17520"));
    let path = dir.path().join("two.toml");
    std::fs::write(&path, text).unwrap();
    capsim()
        .arg("run")
        .arg(&path)
        .args(["--trials", "40", "-q", "--report", "--out"])
        .arg(dir.path().join("out"))
        .assert()
        .success();
    let run = run_dir(&dir.path().join("out"));
    let page = std::fs::read_to_string(run.join("report.html")).unwrap();
    assert!(page.contains("2-year cost"), "no 2-year wording");
    let rest = page
        .split("sends the most to the API: ")
        .nth(1)
        .expect("a spill sentence");
    let stated = rest.split(" a year on average").next().unwrap();
    let name = page
        .split("Among strategies with GPUs, ")
        .nth(1)
        .unwrap()
        .split(" sends the most")
        .next()
        .unwrap();
    let df = ParquetReader::new(std::fs::File::open(run.join("trials.parquet")).unwrap())
        .finish()
        .unwrap();
    let names = df.column("strategy").unwrap().str().unwrap().clone();
    let spill = df
        .column("api_spill_cost_usd")
        .unwrap()
        .f64()
        .unwrap()
        .clone();
    let mine: Vec<f64> = names
        .iter()
        .zip(spill.iter())
        .filter(|(n, _)| *n == Some(name))
        .filter_map(|(_, s)| s)
        .collect();
    let mean = mine.iter().sum::<f64>() / mine.len() as f64;
    assert_eq!(stated, capsim::fmt::usd(mean / 2.0), "{name}");
}
