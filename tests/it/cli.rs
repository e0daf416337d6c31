//! The command line as a user meets it: files written, their schema read back,
//! exit codes, and no partial output on bad input.

use std::fs::File;
use std::path::{Path, PathBuf};

use crate::common::{capsim, run_dir, stderr_of};
use polars::prelude::*;

use capsim::report::columns::{
    MONTH_KEYS, SUMMARY_COLUMNS, TRIAL_KEYS, month_columns, schema_markdown, trial_columns,
};

fn dtype(name: &str) -> DataType {
    match name {
        "UInt64" => DataType::UInt64,
        "UInt32" => DataType::UInt32,
        "String" => DataType::String,
        "Boolean" => DataType::Boolean,
        "Float64" => DataType::Float64,
        other => panic!("schema names an unknown type {other}"),
    }
}

fn check_file(path: &Path, expected: &[(String, DataType)], trials: u64) -> DataFrame {
    let mut reader = ParquetReader::new(File::open(path).unwrap());
    let meta = reader.get_metadata().unwrap().clone();
    let kv: Vec<(String, String)> = meta
        .key_value_metadata
        .clone()
        .unwrap_or_default()
        .into_iter()
        .map(|k| (k.key, k.value.unwrap_or_default()))
        .collect();
    let get = |key: &str| {
        kv.iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
            .unwrap_or_else(|| panic!("{path:?} lacks metadata {key}"))
    };
    assert_eq!(get("capsim.scenario"), "seed");
    assert_eq!(get("capsim.seed"), "7");
    assert_eq!(get("capsim.trials"), trials.to_string());
    assert_eq!(get("capsim.horizon_hours"), "8760");
    assert_eq!(get("capsim.version"), env!("CARGO_PKG_VERSION"));
    let run: serde_json::Value = serde_json::from_str(&get("capsim.run_json")).unwrap();
    assert_eq!(run["seed"], 7);

    let df = reader.finish().unwrap();
    let got: Vec<(String, DataType)> = df
        .columns()
        .iter()
        .map(|c| (c.name().to_string(), c.dtype().clone()))
        .collect();
    assert_eq!(
        &got, expected,
        "{path:?} columns differ from the documented schema"
    );
    df
}

#[test]
fn run_writes_the_documented_schema_and_metadata() {
    let out = tempfile::tempdir().unwrap();
    let trials = 40;
    capsim()
        .args(["run", "--trials", "40", "--seed", "7", "--out"])
        .arg(out.path())
        .assert()
        .success();
    let dir = run_dir(out.path());
    let mut names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "monthly.parquet",
            "run.json",
            "summary.parquet",
            "trials.parquet"
        ]
    );

    let keys = |k: &[(&str, &str, &str)]| -> Vec<(String, DataType)> {
        k.iter()
            .map(|(n, t, _)| (n.to_string(), dtype(t)))
            .collect()
    };
    let mut trial_schema = keys(TRIAL_KEYS);
    trial_schema.extend(
        trial_columns()
            .iter()
            .map(|c| (c.name.to_string(), DataType::Float64)),
    );
    let strategies = 3; // reserved, on-demand, api-only in the built-in seed scenario
    let df = check_file(&dir.join("trials.parquet"), &trial_schema, trials);
    assert_eq!(df.height() as u64, trials * strategies);

    let mut month_schema = keys(MONTH_KEYS);
    month_schema.extend(
        month_columns()
            .iter()
            .map(|c| (c.name.to_string(), DataType::Float64)),
    );
    let df = check_file(&dir.join("monthly.parquet"), &month_schema, trials);
    assert_eq!(df.height() as u64, trials * strategies * 12);

    let df = check_file(&dir.join("summary.parquet"), &keys(SUMMARY_COLUMNS), trials);
    assert!(df.height() > 0);
    let n = df.column("n").unwrap().u64().unwrap();
    assert!(n.max().unwrap() <= trials && n.null_count() == 0);
}

#[test]
fn schema_document_matches_the_code() {
    let doc =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/schema.md")).unwrap();
    assert_eq!(
        doc,
        schema_markdown(),
        "docs/schema.md is stale: regenerate with `capsim schema > docs/schema.md`"
    );
}

#[test]
fn bad_scenario_exits_non_zero_names_the_field_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = dir.path().join("bad.toml");
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/seed.toml"))
        .unwrap()
        .replace("reserved = 1.60", "reserved = -1.60");
    std::fs::write(&scenario, text).unwrap();
    let out = dir.path().join("out");
    std::fs::create_dir(&out).unwrap();
    let assert = capsim()
        .args(["run"])
        .arg(&scenario)
        .arg("--out")
        .arg(&out)
        .assert()
        .failure()
        .code(1);
    let stderr = stderr_of(&assert);
    assert!(stderr.contains("gpu_prices.reserved"), "{stderr}");
    assert!(stderr.contains("line"), "the line is given: {stderr}");
    assert_eq!(
        std::fs::read_dir(&out).unwrap().count(),
        0,
        "no partial output"
    );

    capsim()
        .arg("validate")
        .arg(&scenario)
        .assert()
        .failure()
        .code(1);
}

#[test]
fn zero_trials_and_missing_files_are_refused() {
    let out = tempfile::tempdir().unwrap();
    let a = capsim()
        .args(["run", "--trials", "0", "--out"])
        .arg(out.path())
        .assert()
        .failure();
    let stderr = stderr_of(&a);
    assert!(stderr.contains("trials"), "{stderr}");
    assert_eq!(std::fs::read_dir(out.path()).unwrap().count(), 0);

    let a = capsim()
        .args(["validate", "no/such/scenario.toml"])
        .assert()
        .failure();
    let stderr = stderr_of(&a);
    assert!(stderr.contains("no/such/scenario.toml"), "{stderr}");
}

#[test]
fn unwritable_output_folder_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    // A regular file where the output folder should be.
    let blocker = dir.path().join("reports");
    std::fs::write(&blocker, "not a folder").unwrap();
    let a = capsim()
        .args(["run", "--trials", "10", "--out"])
        .arg(&blocker)
        .assert()
        .failure()
        .code(1);
    let stderr = stderr_of(&a);
    assert!(stderr.contains("reports"), "the path is named: {stderr}");
    assert_eq!(std::fs::read_to_string(&blocker).unwrap(), "not a folder");
}

fn read(path: &Path) -> DataFrame {
    ParquetReader::new(File::open(path).unwrap())
        .finish()
        .unwrap()
}

#[test]
fn shards_merged_equal_the_single_run() {
    let tmp = tempfile::tempdir().unwrap();
    let scenario = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/realistic-2027.toml");
    let whole = tmp.path().join("whole");
    capsim()
        .args(["run", scenario, "--trials", "25", "--quiet", "--out"])
        .arg(&whole)
        .assert()
        .success();
    let shards = tmp.path().join("shards");
    for i in 0..3 {
        capsim()
            .args([
                "run",
                scenario,
                "--trials",
                "25",
                "--shard",
                &format!("{i}/3"),
                "--out",
            ])
            .arg(&shards)
            .assert()
            .success();
    }
    let dirs: Vec<PathBuf> = std::fs::read_dir(&shards)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(dirs.len(), 3);
    // Two shards only: the gap is named and nothing is written.
    let merged = tmp.path().join("merged");
    let a = capsim()
        .arg("merge")
        .args(&dirs[..2])
        .arg("--out")
        .arg(&merged)
        .assert()
        .failure();
    let stderr = stderr_of(&a);
    assert!(stderr.contains("missing"), "{stderr}");
    assert!(!merged.exists() || std::fs::read_dir(&merged).unwrap().count() == 0);

    capsim()
        .arg("merge")
        .args(&dirs)
        .arg("--out")
        .arg(&merged)
        .assert()
        .success();
    let (w, m) = (run_dir(&whole), run_dir(&merged));
    for file in ["trials.parquet", "monthly.parquet", "summary.parquet"] {
        let (a, b) = (read(&w.join(file)), read(&m.join(file)));
        assert!(
            a.equals_missing(&b),
            "{file} differs between the single run and the merge"
        );
    }
}

/// Run by `.ci/slurm-shards` after a Slurm job array: the data files of two
/// run folders (env CAPSIM_COMPARE_A and CAPSIM_COMPARE_B) are equal.
#[test]
#[ignore = "needs two run folders; run by .ci/slurm-shards"]
fn same_data_files() {
    let a = PathBuf::from(std::env::var("CAPSIM_COMPARE_A").expect("CAPSIM_COMPARE_A"));
    let b = PathBuf::from(std::env::var("CAPSIM_COMPARE_B").expect("CAPSIM_COMPARE_B"));
    for file in ["trials.parquet", "monthly.parquet", "summary.parquet"] {
        assert!(
            read(&a.join(file)).equals_missing(&read(&b.join(file))),
            "{file} differs between {a:?} and {b:?}"
        );
    }
}

/// SIGKILL at several moments of a run: the output folder only ever holds
/// complete runs (every visible folder reads back whole); an unfinished run
/// leaves at most a hidden `.…partial-<pid>` folder.
#[test]
fn killed_runs_leave_no_visible_partial_output() {
    let out = tempfile::tempdir().unwrap();
    let bin = assert_cmd::cargo::cargo_bin("capsim");
    // 400 trials take about 1 s in a debug build here: the kills fall during
    // the simulation and around the write phase.
    let mut complete = 0;
    for delay_ms in [300u64, 800, 900, 950, 1000, 1050, 1100, 1200] {
        let mut child = std::process::Command::new(&bin)
            .args(["run", "--trials", "400", "--quiet", "--out"])
            .arg(out.path())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(delay_ms));
        let _ = child.kill(); // SIGKILL on Unix
        let _ = child.wait();
    }
    // And one run left to finish.
    capsim()
        .args(["run", "--trials", "400", "--quiet", "--out"])
        .arg(out.path())
        .assert()
        .success();
    for entry in std::fs::read_dir(out.path()).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if name.starts_with('.') {
            continue;
        }
        for file in ["trials.parquet", "summary.parquet", "monthly.parquet"] {
            let df = read(&path.join(file));
            assert!(df.height() > 0, "{name}/{file} is empty");
        }
        let run: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(path.join("run.json")).unwrap()).unwrap();
        assert_eq!(run["trials"], 400);
        complete += 1;
    }
    assert!(complete >= 1, "the run left to finish is there");
}

#[test]
fn api_model_replaces_an_incomplete_api_table() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = dir.path().join("no-api-price.toml");
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/seed.toml"))
        .unwrap()
        .replace("output_usd_per_mtok = 10.0", "");
    std::fs::write(&scenario, text).unwrap();
    let a = capsim().arg("validate").arg(&scenario).assert().failure();
    assert!(stderr_of(&a).contains("api.output_usd_per_mtok"));
    capsim()
        .args([
            "run",
            "--trials",
            "5",
            "--quiet",
            "--api-model",
            "gpt-4o",
            "--out",
        ])
        .arg(dir.path().join("out"))
        .arg(&scenario)
        .assert()
        .success();
}

#[test]
fn a_named_run_folder_is_replaced_only_with_force_and_only_whole() {
    let tmp = tempfile::tempdir().unwrap();
    let run = |seed: &str, force: bool| {
        let mut c = capsim();
        c.args([
            "run", "--trials", "20", "--quiet", "--name", "mine", "--seed", seed,
        ])
        .arg("--out")
        .arg(tmp.path());
        if force {
            c.arg("--force");
        }
        c.assert()
    };
    run("1", false).success();
    let dir = tmp.path().join("mine");
    let before = std::fs::read(dir.join("trials.parquet")).unwrap();

    // Without --force: refused, exit 1, the earlier run untouched.
    let a = run("2", false).failure().code(1);
    let err = stderr_of(&a);
    assert!(
        err.contains("already holds a run") && err.contains("--force"),
        "{err}"
    );
    assert_eq!(std::fs::read(dir.join("trials.parquet")).unwrap(), before);

    // With --force: replaced by the new run, nothing else left beside it.
    run("2", true).success();
    let json = std::fs::read_to_string(dir.join("run.json")).unwrap();
    assert!(json.contains("\"seed\": 2"), "{json}");
    assert_ne!(std::fs::read(dir.join("trials.parquet")).unwrap(), before);
    let names: Vec<String> = std::fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["mine"]);

    // A bad scenario with --force leaves the earlier run as it was.
    let bad = tmp.path().join("bad.toml");
    std::fs::write(&bad, "name = \"x\"\n").unwrap();
    let now = std::fs::read(dir.join("trials.parquet")).unwrap();
    capsim()
        .arg("run")
        .arg(&bad)
        .args(["--quiet", "--name", "mine", "--force", "--out"])
        .arg(tmp.path())
        .assert()
        .failure()
        .code(1);
    assert_eq!(std::fs::read(dir.join("trials.parquet")).unwrap(), now);

    // A folder that is not a run is never replaced, even with --force.
    std::fs::create_dir(tmp.path().join("notes")).unwrap();
    std::fs::write(tmp.path().join("notes/todo.txt"), "keep").unwrap();
    let a = capsim()
        .args([
            "run", "--trials", "5", "--quiet", "--name", "notes", "--force", "--out",
        ])
        .arg(tmp.path())
        .assert()
        .failure()
        .code(1);
    assert!(stderr_of(&a).contains("not a capsim run folder"));
    assert_eq!(
        std::fs::read_to_string(tmp.path().join("notes/todo.txt")).unwrap(),
        "keep"
    );
}

#[test]
fn temporary_folders_of_dead_runs_are_cleaned_up() {
    use capsim::report::folder::{LOCK_FILE, lock};
    let tmp = tempfile::tempdir().unwrap();
    // A dead run's folder: its lock file is held by nobody.
    let stale = tmp.path().join(".seed-seed1-x.partial-4194305");
    std::fs::create_dir(&stale).unwrap();
    std::fs::write(stale.join("trials.parquet"), b"half").unwrap();
    std::fs::write(stale.join(LOCK_FILE), b"").unwrap();
    // A live run's folder (this process holds its lock), whatever its name says.
    let live = tmp.path().join(".other.partial-4194306");
    std::fs::create_dir(&live).unwrap();
    let held = lock(&live).unwrap();
    // A folder just created, before its lock: kept (stale only after an hour).
    let young = tmp.path().join(".young.partial-1");
    std::fs::create_dir(&young).unwrap();
    capsim()
        .args(["run", "--trials", "5", "--quiet", "--out"])
        .arg(tmp.path())
        .assert()
        .success();
    assert!(!stale.exists(), "stale temporary folder removed");
    assert!(live.exists(), "a live process's folder is kept");
    assert!(young.exists(), "a folder without a lock yet is kept");
    drop(held);
    // Another program's folder named like ours, hours old, without capsim's
    // lock file: never removed, and named on stderr.
    let foreign = tmp.path().join(".notes.partial-backup");
    std::fs::create_dir(&foreign).unwrap();
    std::fs::write(foreign.join("draft.txt"), b"mine").unwrap();
    let old = std::time::SystemTime::now() - std::time::Duration::from_secs(3 * 3600);
    std::fs::File::open(&foreign)
        .unwrap()
        .set_modified(old)
        .unwrap();
    let a = capsim()
        .args(["run", "--trials", "5", "--quiet", "--out"])
        .arg(tmp.path())
        .assert()
        .success();
    assert!(
        foreign.join("draft.txt").exists(),
        "a folder not provably capsim's is kept"
    );
    assert!(
        stderr_of(&a).contains(".notes.partial-backup")
            && stderr_of(&a).contains("may not be capsim's"),
        "{}",
        stderr_of(&a)
    );
}

/// A folder is a run only if capsim wrote its run.json and nothing else is
/// in it: --force never removes a user's files.
#[test]
fn a_foreign_folder_is_never_replaced() {
    let out = tempfile::tempdir().unwrap();
    let mine = out.path().join("mine");
    std::fs::create_dir(&mine).unwrap();
    std::fs::write(mine.join("run.json"), r#"{"capsim_version": "1.0"}"#).unwrap();
    std::fs::write(mine.join("thesis.txt"), b"years of work").unwrap();
    let a = capsim()
        .args([
            "run", "--trials", "5", "--quiet", "--name", "mine", "--force", "--out",
        ])
        .arg(out.path())
        .assert()
        .code(1);
    assert!(
        stderr_of(&a).contains("not a capsim run folder"),
        "{}",
        stderr_of(&a)
    );
    assert_eq!(
        std::fs::read(mine.join("thesis.txt")).unwrap(),
        b"years of work"
    );
    // A real run with a stranger's file added is not replaced either.
    capsim()
        .args(["run", "--trials", "5", "--quiet", "--name", "real", "--out"])
        .arg(out.path())
        .assert()
        .success();
    std::fs::write(out.path().join("real/notes.md"), b"mine").unwrap();
    let a = capsim()
        .args([
            "run", "--trials", "5", "--quiet", "--name", "real", "--force", "--out",
        ])
        .arg(out.path())
        .assert()
        .code(1);
    assert!(stderr_of(&a).contains("notes.md"), "{}", stderr_of(&a));
    assert!(out.path().join("real/notes.md").exists());
    // Without the stranger it is replaced.
    std::fs::remove_file(out.path().join("real/notes.md")).unwrap();
    capsim()
        .args([
            "run", "--trials", "5", "--quiet", "--name", "real", "--force", "--out",
        ])
        .arg(out.path())
        .assert()
        .success();
}

/// Two runs racing for one --name: one succeeds, the other says why, and
/// the folder holds one whole run. Unnamed runs in the same second both land.
#[test]
fn runs_racing_for_one_name() {
    let out = tempfile::tempdir().unwrap();
    let bin = assert_cmd::cargo::cargo_bin("capsim");
    let spawn = |args: &[&str]| {
        std::process::Command::new(&bin)
            .args(args)
            .arg("--out")
            .arg(out.path())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap()
    };
    let kids: Vec<_> = (0..2)
        .map(|_| spawn(&["run", "--trials", "200", "--quiet", "--name", "race"]))
        .collect();
    let outs: Vec<_> = kids
        .into_iter()
        .map(|k| k.wait_with_output().unwrap())
        .collect();
    let ok = outs.iter().filter(|o| o.status.success()).count();
    assert_eq!(ok, 1, "exactly one run wins");
    let lost = outs.iter().find(|o| !o.status.success()).unwrap();
    assert!(String::from_utf8_lossy(&lost.stderr).contains("appeared while this run was going"));
    assert!(read(&out.path().join("race/trials.parquet")).height() > 0);
    let kids: Vec<_> = (0..3)
        .map(|_| spawn(&["run", "--trials", "20", "--quiet"]))
        .collect();
    for k in kids {
        assert!(k.wait_with_output().unwrap().status.success());
    }
    let runs = std::fs::read_dir(out.path())
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with("seed-"))
        .count();
    assert_eq!(runs, 3, "three unnamed runs, three folders");
}

/// SIGTERM and SIGINT at several moments: the partial folder goes, a
/// finished run stays, and the exit status is 128 + the signal.
#[test]
fn signals_stop_cleanly() {
    let out = tempfile::tempdir().unwrap();
    capsim()
        .args(["run", "--trials", "5", "--quiet", "--name", "kept", "--out"])
        .arg(out.path())
        .assert()
        .success();
    let before = std::fs::read(out.path().join("kept/trials.parquet")).unwrap();
    let bin = assert_cmd::cargo::cargo_bin("capsim");
    for (sig, code) in [(libc::SIGTERM, 143), (libc::SIGINT, 130)] {
        for delay_ms in [50u64, 400, 900] {
            let child = std::process::Command::new(&bin)
                .args(["run", "--trials", "2000", "--quiet", "--out"])
                .arg(out.path())
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap();
            std::thread::sleep(std::time::Duration::from_millis(delay_ms));
            // SAFETY: sending a signal to our own child process.
            unsafe { libc::kill(child.id() as i32, sig) };
            let o = child.wait_with_output().unwrap();
            let err = String::from_utf8_lossy(&o.stderr);
            use std::os::unix::process::ExitStatusExt as _;
            // Finished before the signal, or signalled before the handler was
            // installed (then nothing was written yet).
            if o.status.success() || o.status.signal().is_some() {
                continue;
            }
            assert_eq!(o.status.code(), Some(code), "{err}");
            assert!(err.contains("stopped by"), "{err}");
            assert_eq!(err.lines().count(), 1, "one line: {err}");
        }
    }
    let left: Vec<String> = std::fs::read_dir(out.path())
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(left.is_empty(), "partial folders left: {left:?}");
    assert_eq!(
        std::fs::read(out.path().join("kept/trials.parquet")).unwrap(),
        before
    );
}

/// Two PID namespaces sharing one --out (as two containers or Slurm nodes
/// would): a run in one never removes the live partial folder of the other.
#[test]
fn two_pid_namespaces_share_one_out() {
    let probe = std::process::Command::new("unshare")
        .args(["-p", "-f", "--mount-proc", "true"])
        .status();
    if !probe.is_ok_and(|s| s.success()) {
        eprintln!("skipped: unshare -p needs root and util-linux");
        return;
    }
    let out = tempfile::tempdir().unwrap();
    let bin = assert_cmd::cargo::cargo_bin("capsim");
    let long = std::process::Command::new("unshare")
        .args(["-p", "-f", "--mount-proc"])
        .arg(&bin)
        .args([
            "run", "--trials", "3000", "--quiet", "--name", "inner", "--out",
        ])
        .arg(out.path())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Wait for its partial folder, then run beside it from this namespace.
    let t0 = std::time::Instant::now();
    while !std::fs::read_dir(out.path()).unwrap().flatten().any(|e| {
        e.file_name()
            .to_string_lossy()
            .starts_with(".inner.partial-")
    }) {
        assert!(t0.elapsed().as_secs() < 30, "the inner run never started");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    for _ in 0..3 {
        capsim()
            .args(["run", "--trials", "5", "--quiet", "--out"])
            .arg(out.path())
            .assert()
            .success();
    }
    let o = long.wait_with_output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let run: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.path().join("inner/run.json")).unwrap())
            .unwrap();
    assert_eq!(run["trials"], 3000);
    assert!(read(&out.path().join("inner/trials.parquet")).height() > 0);
}

/// The caps of the scenario file apply on the command line too, and inputs
/// that are not regular files or are too large are refused.
#[test]
fn command_line_caps_and_input_bounds() {
    for (args, want) in [
        (
            vec!["run", "--trials", "100000001"],
            "--trials 100000001: must be at most 100000000",
        ),
        (
            vec!["run", "--threads", "100000"],
            "--threads 100000: must be at most 1024",
        ),
        (vec!["validate", "/dev/zero"], "not a regular file"),
    ] {
        let a = capsim()
            .args(&args)
            .args(["--quiet"].iter().filter(|_| args[0] == "run"))
            .assert()
            .code(1);
        assert!(stderr_of(&a).contains(want), "{args:?}: {}", stderr_of(&a));
    }
    // A shard count past the cap is a usage error (clap parses the flag).
    let a = capsim()
        .args(["run", "--shard", "0/1000000", "--quiet"])
        .assert()
        .code(2);
    assert!(
        stderr_of(&a).contains("at most 100000 shards"),
        "{}",
        stderr_of(&a)
    );
    let d = tempfile::tempdir().unwrap();
    let big = d.path().join("big.toml");
    std::fs::write(&big, vec![b'#'; 17 << 20]).unwrap();
    let a = capsim().arg("validate").arg(&big).assert().code(1);
    assert!(
        stderr_of(&a).contains("more than the 16 MB"),
        "{}",
        stderr_of(&a)
    );
    // A 1 MB line is echoed cut, not whole.
    let long = d.path().join("long.toml");
    std::fs::write(&long, format!("name = {}\n", "y".repeat(1 << 20))).unwrap();
    let a = capsim().arg("validate").arg(&long).assert().code(1);
    assert!(
        stderr_of(&a).len() < 2000,
        "{} bytes of stderr",
        stderr_of(&a).len()
    );
}

#[test]
fn a_strategy_that_costs_exactly_the_api_never_beats_it() {
    // A reserved pool of zero replicas sends everything to the API: its cost
    // equals the API's in every trial, up to summation order. It must never
    // count as cheaper (it did, in ~35% of trials, before costs were compared
    // with a rounding tolerance).
    let text =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/seed.toml"))
            .unwrap()
            .replace(
                "kind = \"reserved\"\nreplicas = 1",
                "kind = \"reserved\"\nreplicas = 0",
            );
    let s = capsim::scenario::parse(&text, "zero", None).unwrap();
    let out = capsim::engine::Engine::new(&s, 3).run(0..200, &|| {});
    let rows = capsim::report::summarise(&s, &out);
    let p = rows
        .iter()
        .find(|r| r.strategy == "reserved" && r.metric == "prob_self_host_cheaper")
        .unwrap();
    assert_eq!(p.summary.mean, 0.0);
    let c = capsim::compare::compare(&s, &capsim::compare::TrialColumns::from_outcomes(&s, &out))
        .unwrap();
    // It ties the API-only strategy, so both are "cheapest" whenever either is.
    let r = |n: &str| {
        c.risks
            .iter()
            .find(|r| r.strategy == n)
            .unwrap()
            .prob_cheapest
    };
    assert_eq!(r("reserved"), r("api-only"));
}

#[test]
fn a_closed_pipe_ends_quietly() {
    use std::process::{Command as Std, Stdio};
    let mut child = Std::new(assert_cmd::cargo::cargo_bin("capsim"))
        .arg("schema")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("panicked"), "{err}");
}

/// `capsim capacity`: the interface scripts call.
mod capacity {
    use super::*;

    fn json(args: &[&str]) -> serde_json::Value {
        let out = capsim()
            .arg("capacity")
            .args(args)
            .arg("--json")
            .assert()
            .success();
        serde_json::from_slice(&out.get_output().stdout).unwrap()
    }

    /// One mix: `profile --input-tokens i --output-tokens o` and `extra`.
    fn one(profile: &str, i: &str, o: &str, extra: &[&str]) -> serde_json::Value {
        let mut args = vec![profile, "--input-tokens", i, "--output-tokens", o];
        args.extend_from_slice(extra);
        json(&args)
    }

    #[test]
    fn json_reproduces_a_published_row() {
        let v = one("llama3-70b-fp8-h100", "2048", "128", &["--tp", "4"]);
        let t = v["output_tokens_per_s"].as_f64().unwrap();
        // TensorRT-LLM 0.20: 1,213.33 output tokens/s (calibration row).
        assert!((t / 1213.33 - 1.0).abs() < 0.05, "{t}");
        assert_eq!(v["gpus"], 4);
        assert_eq!(v["operating_point"]["batch_limit"], "kv_memory");
        // --tp changes the replica (736.89 published at TP 2).
        let two = one("llama3-70b-fp8-h100", "2048", "128", &["--tp", "2"]);
        assert!((two["output_tokens_per_s"].as_f64().unwrap() / 736.89 - 1.0).abs() < 0.05);
        // H200 from its datasheet serves more.
        let h200 = one("llama3-70b-fp8-h200", "2048", "128", &["--tp", "4"]);
        assert!(h200["output_tokens_per_s"].as_f64().unwrap() > t);
        // A latency target gives a smaller batch that meets it.
        let slo = one("llama3-70b-fp8-h100", "2048", "128", &["--tpot-ms", "100"]);
        assert!(slo["operating_point"]["step_ms"].as_f64().unwrap() <= 100.0);
        assert_eq!(slo["operating_point"]["batch_limit"], "latency_target");
        // The grid is an array, one object per mix.
        assert!(json(&["llama3-8b-bf16-h100"]).as_array().unwrap().len() >= 8);
    }

    #[test]
    fn bad_arguments_exit_non_zero_with_the_reason() {
        let a = capsim()
            .args(["capacity", "llama3-70b-fp8-h100", "--input-tokens", "100"])
            .assert()
            .code(2);
        assert!(stderr_of(&a).contains("--output-tokens"));
        let a = capsim().args(["capacity", "no-such-gpu"]).assert().code(1);
        assert!(stderr_of(&a).contains("llama3-70b-fp8-h200"));
        let a = capsim()
            .args([
                "capacity",
                "llama3-70b-fp8-h100",
                "--input-tokens",
                "100",
                "--output-tokens",
                "100",
                "--tpot-ms",
                "1",
            ])
            .assert()
            .code(1);
        assert!(stderr_of(&a).contains("cannot be met"));
        let a = capsim()
            .args([
                "capacity",
                "llama3-70b-bf16-h100",
                "--tp",
                "1",
                "--input-tokens",
                "100",
                "--output-tokens",
                "100",
            ])
            .assert()
            .code(1);
        assert!(stderr_of(&a).contains("per GPU"), "{}", stderr_of(&a));
        let a = capsim()
            .args([
                "capacity",
                "llama3-70b-fp8-h100",
                "--input-tokens",
                "-5",
                "--output-tokens",
                "100",
            ])
            .assert()
            .failure();
        assert!(stderr_of(&a).contains("-5"));
    }
}

/// Results that cannot mean anything are refused, with the inputs that set
/// them, and nothing is written.
#[test]
fn absurd_results_are_refused() {
    let d = tempfile::tempdir().unwrap();
    let absurd = d.path().join("absurd.toml");
    std::fs::write(
        &absurd,
        r#"[run]
trials = 10
[model]
profile = "llama3-70b-fp8-4xh100"
[demand]
monthly_tokens = 1e15
annual_growth = 10
[api]
output_usd_per_mtok = 1e6
[gpu_prices]
reserved = 1e4
[[strategy]]
name = "r"
[[strategy.pool]]
kind = "reserved"
replicas = 100000
"#,
    )
    .unwrap();
    let out = d.path().join("out");
    let a = capsim()
        .arg("run")
        .arg(&absurd)
        .args(["--quiet", "--out"])
        .arg(&out)
        .assert()
        .code(1);
    let e = stderr_of(&a);
    assert!(
        e.contains("beyond any plan") && e.contains("demand.monthly_tokens"),
        "{e}"
    );
    assert!(!e.contains('—'));
    let left = std::fs::read_dir(&out).map_or(0, |r| r.count());
    assert_eq!(left, 0, "nothing written");
    // A log-normal spread that describes no forecast is refused at load.
    let text = std::fs::read_to_string(&absurd).unwrap().replace(
        "monthly_tokens = 1e15",
        "monthly_tokens = { dist = \"lognormal\", median = 5e9, sigma = 1e6 }",
    );
    std::fs::write(&absurd, text).unwrap();
    let a = capsim().arg("validate").arg(&absurd).assert().code(1);
    assert!(
        stderr_of(&a).contains("sigma (1000000) is too large"),
        "{}",
        stderr_of(&a)
    );
}

/// A negative number reaches the flag's own message, not the argument
/// parser's "unexpected argument '-1' found" (issue 33).
#[test]
fn negative_numbers_reach_the_flags_own_message() {
    for (args, want) in [
        (
            vec!["run", "--precision", "-1"],
            "'--precision <PCT>': `-1` must be above 0% and at most 50%",
        ),
        (
            vec!["run", "--precision", "-1%"],
            "'--precision <PCT>': `-1%` must be above 0% and at most 50%",
        ),
        (
            vec!["plan", "--max-committed", "-1"],
            "'--max-committed <MAX_COMMITTED>': -1 is not in 0..=50",
        ),
        (
            vec!["plan", "--max-spot", "-2"],
            "'--max-spot <MAX_SPOT>': -2 is not in 0..=50",
        ),
        (
            vec!["plan", "--on-demand", "-1"],
            "'--on-demand <ON_DEMAND>': `-1` is not a whole number, zero or more",
        ),
        (
            vec!["size", "--replicas", "-1"],
            "'--replicas <REPLICAS>': `-1` is not a whole number, zero or more",
        ),
        (
            vec!["capacity", "llama3-70b-fp8-h100", "--gpus", "-1"],
            "'--gpus <GPUS>': -1 is not in 1..=1024",
        ),
    ] {
        let a = capsim().args(&args).assert().code(2);
        let e = stderr_of(&a);
        assert!(
            e.contains(want) && !e.contains("unexpected argument"),
            "{args:?}: {e}"
        );
    }
    for (args, want) in [
        (
            vec!["breakeven", "--volumes", "-1"],
            "--volumes: -1 is not a positive, finite number of tokens",
        ),
        (
            vec![
                "capacity",
                "llama3-70b-fp8-h100",
                "--input-tokens",
                "-5",
                "--output-tokens",
                "100",
            ],
            "--input-tokens: -5 must be a number of tokens, zero or more",
        ),
        (
            vec!["capacity", "llama3-70b-fp8-h100", "--tpot-ms", "-3"],
            "--tpot-ms: -3 must be a time in milliseconds, greater than 0",
        ),
    ] {
        let a = capsim().args(&args).assert().code(1);
        let e = stderr_of(&a);
        assert!(e.contains(want), "{args:?}: {e}");
    }
}

#[test]
fn messages_name_flags_and_odd_characters() {
    let a = capsim().args(["run", "--seed", "-1"]).assert().code(2);
    let e = stderr_of(&a);
    assert!(
        e.contains("--seed") && e.contains("not a whole number, zero or more"),
        "{e}"
    );
    let d = tempfile::tempdir().unwrap();
    let f = d.path().join("odd.toml");
    std::fs::write(&f, "n\u{0430}me = \"x\"\n").unwrap();
    let a = capsim().arg("validate").arg(&f).assert().code(1);
    assert!(
        stderr_of(&a).contains("U+0430 (Cyrillic letter"),
        "{}",
        stderr_of(&a)
    );
    let a = capsim()
        .args(["compare", "--trials", "5000000", "--quiet"])
        .assert()
        .code(1);
    assert!(
        stderr_of(&a).contains("at most 4000000 trials"),
        "{}",
        stderr_of(&a)
    );
}

/// Merge names the trials two shards both hold, exactly.
#[test]
fn merge_names_the_overlap() {
    let out = tempfile::tempdir().unwrap();
    for (shard, name) in [("0/2", "a"), ("1/3", "b")] {
        capsim()
            .args([
                "run", "--trials", "30", "--quiet", "--shard", shard, "--name", name, "--out",
            ])
            .arg(out.path())
            .assert()
            .success();
    }
    let a = capsim()
        .arg("merge")
        .arg(out.path().join("a"))
        .arg(out.path().join("b"))
        .arg("--out")
        .arg(out.path().join("merged"))
        .assert()
        .code(1);
    // Shard 0/2 holds 0..15, shard 1/3 holds 10..20: 10..15 twice.
    assert!(
        stderr_of(&a).contains("trials 10..15 are held twice"),
        "{}",
        stderr_of(&a)
    );
}

/// `capsim prices` lists what the catalogs hold: the 8-GPU p5.48xlarge
/// under H100, API models with their prices; unknown filters and bad
/// catalogs are errors naming the flag.
#[test]
fn prices_lists_the_catalogs() {
    let out = capsim().args(["prices", "--gpu", "H100"]).output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    let p5 = text
        .lines()
        .find(|l| l.contains("aws/p5.48xlarge") && l.contains("us-east-1 "))
        .unwrap_or_else(|| panic!("{text}"));
    assert!(
        p5.contains(" 8 ") && p5.contains("55.04") && p5.contains("6.88"),
        "{p5}"
    );
    assert!(!text.contains("API models"), "--gpu alone lists GPUs only");
    let out = capsim()
        .args(["prices", "--api", "llama-3.3"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("deepinfra/meta-llama/Llama-3.3-70B-Instruct") && !text.contains("gpt-4o"),
        "{text}"
    );
    let out = capsim()
        .args(["prices", "--api", "gpt-4o"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let row = text
        .lines()
        .find(|l| l.contains("│ gpt-4o "))
        .unwrap_or_else(|| panic!("{text}"));
    assert!(
        row.contains("2.500") && row.contains("1.250") && row.contains("10.000"),
        "{row}"
    );
    let a = capsim().args(["prices", "--gpu", "ZZZ"]).assert().code(1);
    assert!(stderr_of(&a).contains("--gpu ZZZ"), "{}", stderr_of(&a));
    let d = tempfile::tempdir().unwrap();
    let bad = d.path().join("vms.csv");
    std::fs::write(&bad, "a,b\n1,2\n").unwrap();
    let a = capsim()
        .arg("prices")
        .arg("--catalog")
        .arg(&bad)
        .assert()
        .code(1);
    assert!(
        stderr_of(&a).contains("no column InstanceType"),
        "{}",
        stderr_of(&a)
    );
}

/// `capsim prices --api gpt-oss` lists the providers of the open model
/// (case-insensitively), cheapest output first, with their cached prices, a
/// "—" and a line under the table where there is none.
#[test]
fn prices_lists_the_providers_of_an_open_model() {
    let out = capsim()
        .args(["prices", "--api", "GPT-OSS"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("provider") && text.contains("cached input $/M"),
        "{text}"
    );
    let row = |key: &str| {
        text.lines()
            .find(|l| l.contains(&format!("│ {key} ")))
            .unwrap_or_else(|| panic!("{key} in {text}"))
            .to_owned()
    };
    let deepinfra = row("deepinfra/openai/gpt-oss-120b");
    assert!(
        deepinfra.contains("deepinfra")
            && deepinfra.contains("0.037")
            && deepinfra.contains("—")
            && deepinfra.contains("0.170"),
        "{deepinfra}"
    );
    let groq = row("groq/openai/gpt-oss-120b");
    assert!(
        groq.contains("┆ groq ") && groq.contains("0.150") && groq.contains("0.075"),
        "{groq}"
    );
    for (key, provider) in [
        ("fireworks_ai/gpt-oss-120b", "fireworks_ai"),
        ("together_ai/openai/gpt-oss-120b", "together_ai"),
        ("cerebras/gpt-oss-120b", "cerebras"),
        ("openai.gpt-oss-120b-1:0", "bedrock_converse"),
    ] {
        assert!(row(key).contains(provider), "{}", row(key));
    }
    // Cheapest output first.
    let at = |key: &str| text.find(&format!("│ {key} ")).unwrap();
    assert!(at("deepinfra/openai/gpt-oss-120b") < at("groq/openai/gpt-oss-120b"));
    assert!(at("groq/openai/gpt-oss-120b") < at("cerebras/gpt-oss-120b"));
    assert!(
        text.contains("a scenario prices that model's cache share (cached_input_fraction) at the full input price"),
        "{text}"
    );
    assert!(!text.contains("gpt-4o"), "{text}");
}

/// A scenario whose API bills its cache share at the full input price says
/// so on standard error (validate and run) and in the report's notes.
#[test]
fn an_undiscounted_cache_share_is_said_on_stderr_and_in_the_report() {
    let d = tempfile::tempdir().unwrap();
    let scenario = d.path().join("s.toml");
    let text = crate::common::small_scenario(
        "profile = \"llama3-70b-fp8-4xh100\"",
        "cached_input_fraction = 0.3",
    )
    .replace(
        "model = \"gpt-4o\"",
        "model = \"deepinfra/openai/gpt-oss-120b\"",
    );
    std::fs::write(&scenario, text).unwrap();
    let said = "api: `deepinfra/openai/gpt-oss-120b` has no cached-input price in its catalog, so its cache share (demand.cached_input_fraction = 0.3) is priced at the full input price; give the provider's cached price with api.cached_input_usd_per_mtok";
    let a = capsim().arg("validate").arg(&scenario).assert().success();
    assert!(
        stderr_of(&a).contains(&format!("warning: {said}")),
        "{}",
        stderr_of(&a)
    );
    let out = d.path().join("out");
    let a = capsim()
        .arg("run")
        .arg(&scenario)
        .args(["--trials", "20", "--quiet", "--report", "--out"])
        .arg(&out)
        .assert()
        .success();
    assert!(stderr_of(&a).contains(said), "{}", stderr_of(&a));
    let page = std::fs::read_to_string(run_dir(&out).join("report.html")).unwrap();
    let notes = &page[page.find("<h2>Notes</h2>").expect("a Notes section")..];
    assert!(notes.contains(said), "{notes}");
    // Without a cache share: no warning, no notes.
    let plain = d.path().join("plain.toml");
    std::fs::write(
        &plain,
        crate::common::small_scenario("profile = \"llama3-70b-fp8-4xh100\"", "").replace(
            "model = \"gpt-4o\"",
            "model = \"deepinfra/openai/gpt-oss-120b\"",
        ),
    )
    .unwrap();
    let a = capsim().arg("validate").arg(&plain).assert().success();
    assert!(!stderr_of(&a).contains("cache share"), "{}", stderr_of(&a));
}

/// `capsim plan` writes plan.parquet (one row per candidate, the
/// recommendation marked), the shortlist's run files and a run.json with
/// the command, its options, the constraints and the recommendation; bad
/// constraints exit 1 naming the flag.
#[test]
fn plan_writes_its_files_and_says_why() {
    let d = tempfile::tempdir().unwrap();
    let scenario = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/realistic-2027.toml");
    let out = capsim()
        .args([
            "plan",
            scenario,
            "--trials",
            "120",
            "--quiet",
            "--max-hours-short",
            "400",
        ])
        .arg("--out")
        .arg(d.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("candidates on 120 trials"), "{text}");
    let dir = run_dir(d.path());
    for f in [
        "plan.parquet",
        "compare.parquet",
        "trials.parquet",
        "summary.parquet",
        "breakeven.parquet",
        "run.json",
    ] {
        assert!(dir.join(f).is_file(), "{f}");
    }
    let info: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("run.json")).unwrap()).unwrap();
    assert_eq!(info["command"], "plan");
    assert!(
        info["argv"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a == "--max-hours-short")
    );
    assert_eq!(info["constraints"]["max_hours_short_per_year"], 400.0);
    let words = info["recommendation"].as_str().unwrap();
    assert!(words.starts_with("Buy "), "{words}");
    assert!(text.contains(words), "the terminal says what run.json says");
    for (args, want) in [
        (
            vec!["--budget", "1e6", "--max-prob-over-budget", "5"],
            "--max-prob-over-budget: 5",
        ),
        (vec!["--max-commitment", "-1"], "--max-commitment: -1"),
        (vec!["--max-hours-short", "9000"], "--max-hours-short: 9000"),
    ] {
        let a = capsim()
            .args(["plan", scenario, "--trials", "10", "--quiet"])
            .args(&args)
            .arg("--out")
            .arg(d.path().join("bad"))
            .assert()
            .code(1);
        assert!(stderr_of(&a).contains(want), "{}", stderr_of(&a));
    }
    assert!(
        !d.path().join("bad").exists(),
        "nothing written for bad flags"
    );
}

/// A plan grid above the candidate budget is refused before anything is
/// built or written, naming its count, the flags that narrow it and the one
/// that raises the cap (issue 33): the widest grid the flags allow on
/// realistic-2027 is 209,171 candidates.
#[test]
fn plan_refuses_a_grid_above_the_candidate_budget() {
    let d = tempfile::tempdir().unwrap();
    let scenario = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/realistic-2027.toml");
    let out = d.path().join("out");
    let t0 = std::time::Instant::now();
    let a = capsim()
        .args([
            "plan",
            scenario,
            "--quiet",
            "--max-committed",
            "50",
            "--max-spot",
            "50",
        ])
        .args([
            "--on-demand",
            "1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20",
        ])
        .arg("--out")
        .arg(&out)
        .assert()
        .code(1);
    assert!(t0.elapsed().as_secs_f64() < 5.0, "refused before any work");
    assert_eq!(
        stderr_of(&a).trim_end(),
        "Error: plan: the grid gives 209,171 candidates, more than --max-candidates 5,000; \
narrow it with a smaller --max-committed (now 50), fewer --on-demand ceilings (now \
1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20), a smaller --max-spot (now 50), or \
fewer distinct pools in the scenario (2 committed, 1 on-demand, 1 spot); or raise the cap \
with --max-candidates 209171"
    );
    assert!(!out.exists(), "nothing written");
    // The cap is the flag's: 225 candidates on the default grid.
    let a = capsim()
        .args([
            "plan",
            scenario,
            "--quiet",
            "--max-candidates",
            "224",
            "--out",
        ])
        .arg(&out)
        .assert()
        .code(1);
    assert!(
        stderr_of(&a).contains("the grid gives 225 candidates, more than --max-candidates 224"),
        "{}",
        stderr_of(&a)
    );
    assert!(!out.exists(), "nothing written");
}

/// `plan`, `size` and `compare` check --out, --name and --map before any
/// work, as `run` does: no "plan: N candidates on T trials…" line, no
/// folder, and the flag's message (issue 33; plan used to search first).
#[test]
fn plan_and_size_check_flags_and_paths_before_any_work() {
    let d = tempfile::tempdir().unwrap();
    let scenario = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/realistic-2027.toml");
    let file = d.path().join("a-file");
    std::fs::write(&file, "").unwrap();
    let out = d.path().join("out");
    capsim()
        .args([
            "run", "--trials", "10", "--quiet", "--name", "taken", "--out",
        ])
        .arg(&out)
        .assert()
        .success();
    let taken = format!(
        "Error: --name taken: {} already holds a run; pass --force to replace it",
        out.join("taken").display()
    );
    let no_input = "Error: --map: no input `nope` (inputs: demand.monthly_tokens, ";
    let cases: Vec<(Vec<&str>, &std::path::Path, String)> = vec![
        (
            vec!["plan"],
            &file,
            format!(
                "Error: --out {}: exists and is not a folder",
                file.display()
            ),
        ),
        (
            vec!["size"],
            &file,
            format!(
                "Error: --out {}: exists and is not a folder",
                file.display()
            ),
        ),
        (vec!["plan", "--name", "taken"], &out, taken.clone()),
        (vec!["size", "--name", "taken"], &out, taken),
        (
            vec!["plan", "--map", "demand.monthly_tokens,nope"],
            &out,
            no_input.into(),
        ),
        (
            vec!["size", "--map", "demand.monthly_tokens,nope"],
            &out,
            no_input.into(),
        ),
        (
            vec!["compare", "--map", "demand.monthly_tokens,nope"],
            &out,
            no_input.into(),
        ),
    ];
    for (args, o, want) in cases {
        let t0 = std::time::Instant::now();
        let a = capsim()
            .args(&args)
            .args([scenario, "--trials", "2000", "--out"])
            .arg(o)
            .assert()
            .code(1);
        let e = stderr_of(&a);
        assert!(e.starts_with(&want), "{args:?}: {e}");
        assert!(
            !e.contains("candidates on"),
            "{args:?}: refused before the search: {e}"
        );
        assert!(
            t0.elapsed().as_secs_f64() < 5.0,
            "{args:?}: refused before any work"
        );
    }
    assert_eq!(
        std::fs::read_dir(&out).unwrap().count(),
        1,
        "only the first run"
    );
}

/// One trial has no spread: plan, size, compare and breakeven refuse it
/// rather than print zero-width intervals and "lower in 100% of them"
/// (issue 33); `run` still runs one.
#[test]
fn commands_that_report_spreads_refuse_one_trial() {
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("out");
    for cmd in ["plan", "size", "compare", "breakeven"] {
        let a = capsim()
            .args([cmd, "--trials", "1", "--quiet", "--out"])
            .arg(&out)
            .assert()
            .code(1);
        assert_eq!(
            stderr_of(&a).trim_end(),
            format!(
                "Error: --trials 1: {cmd} reports spreads over trials (confidence intervals, \
tails, how often one fleet is cheaper), which one trial does not have; give at least 2 \
(`capsim run` runs a single trial)"
            )
        );
    }
    assert!(!out.exists(), "nothing written");
    let s = d.path().join("one.toml");
    let seed = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/seed.toml"))
        .unwrap();
    let (head, rest) = seed.split_once("[run]").expect("seed.toml has [run]");
    std::fs::write(
        &s,
        format!(
            "{head}[run]\ntrials = 1\n{}",
            rest.replacen("trials", "# trials", 1)
        ),
    )
    .unwrap();
    let a = capsim()
        .arg("plan")
        .arg(&s)
        .arg("--out")
        .arg(&out)
        .assert()
        .code(1);
    assert!(
        stderr_of(&a).contains(
            "Error: run.trials = 1 (the scenario's; override with --trials): plan reports spreads"
        ),
        "{}",
        stderr_of(&a)
    );
    capsim()
        .args(["run", "--trials", "1", "--quiet", "--out"])
        .arg(&out)
        .assert()
        .success();
}

/// `capsim size` tries 0, adds the API-only baseline, honours the
/// constraints and records its recommendation in run.json.
#[test]
fn size_tries_zero_and_the_api_and_honours_constraints() {
    let d = tempfile::tempdir().unwrap();
    let scenario = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/realistic-2027.toml");
    let out = capsim()
        .args([
            "size",
            scenario,
            "--trials",
            "150",
            "--quiet",
            "--replicas",
            "0,1,2,3",
            "--max-hours-on-api",
            "5000",
        ])
        .arg("--out")
        .arg(d.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("reserved-2 ×0"), "{text}");
    // Buying nothing is on the API every hour; one replica most hours.
    assert!(
        text.contains("Not meeting the constraints: reserved-2 ×0: hours on the API P95 8760 h"),
        "{text}"
    );
    assert!(
        text.contains("; reserved-2 ×1: hours on the API P95 "),
        "{text}"
    );
    let dir = run_dir(d.path());
    let info: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("run.json")).unwrap()).unwrap();
    assert_eq!(info["command"], "size");
    let words = info["recommendation"].as_str().unwrap();
    assert!(words.starts_with("Recommended size: "), "{words}");
    assert!(
        !words.contains("reserved-2 ×1 "),
        "an infeasible size is not recommended: {words}"
    );
    // Without the ×0 copy the API-only baseline is added.
    let out = capsim()
        .args([
            "size",
            scenario,
            "--trials",
            "50",
            "--quiet",
            "--replicas",
            "1,2",
        ])
        .arg("--out")
        .arg(d.path().join("b"))
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("api-only (gpt-4o)"));
}

/// `size` under a constraint the cheapest size fails: the recommended
/// size "has the lowest expected cost of the sizes that meet the
/// constraints", and the cheaper one is named, not called dearer.
#[test]
fn size_says_lowest_cost_among_those_meeting_the_constraints() {
    let d = tempfile::tempdir().unwrap();
    let scenario = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/realistic-2027.toml");
    let out = capsim()
        .args(["size", scenario, "--trials", "150", "--quiet"])
        .args(["--replicas", "0,1,2,3", "--max-commitment", "350000"])
        .arg("--out")
        .arg(d.path())
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("Recommended size: reserved-2 ×2 has the lowest expected cost of the sizes that meet the constraints ($"),
        "{text}"
    );
    assert!(text.contains("; reserved-2 ×3 costs less, $"), "{text}");
    assert!(text.contains("reserved-2 ×3: commitment $"), "{text}");
}

/// The least-regret map: `--map X,Y` writes regret_map.parquet (6 × 6
/// cells of the trials' draws); an unknown input lists the inputs; `run`
/// refuses the flag.
#[test]
fn least_regret_map_over_two_named_inputs() {
    let d = tempfile::tempdir().unwrap();
    let scenario = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/realistic-2027.toml");
    capsim()
        .args([
            "compare",
            scenario,
            "--trials",
            "800",
            "--quiet",
            "--map",
            "demand.monthly_tokens,gpu_prices.reserved",
        ])
        .arg("--out")
        .arg(d.path())
        .assert()
        .success();
    let dir = run_dir(d.path());
    assert!(dir.join("regret_map.parquet").is_file());
    let a = capsim()
        .args([
            "compare",
            scenario,
            "--trials",
            "800",
            "--quiet",
            "--map",
            "demand.monthly_tokens,nonsense",
        ])
        .arg("--out")
        .arg(d.path().join("b"))
        .assert()
        .code(1);
    let e = stderr_of(&a);
    assert!(
        e.contains("--map: no input `nonsense`") && e.contains("gpu_market.level"),
        "{e}"
    );
    let a = capsim()
        .args(["run", scenario, "--trials", "10", "--quiet", "--map", "a,b"])
        .arg("--out")
        .arg(d.path().join("c"))
        .assert()
        .code(1);
    assert!(
        stderr_of(&a).contains("--map: only compare, size and plan"),
        "{}",
        stderr_of(&a)
    );
}

/// `capsim calibrate` on the shipped rows and efficiencies: on the
/// published figures held out of the fit, dense Hopper and Blackwell stay
/// within their documented medians (docs/model.md).
#[test]
fn calibration_holds_hopper_and_blackwell_to_their_figures() {
    let out = capsim().arg("calibrate").output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    let median = |rows: &str, group: &str| -> f64 {
        let line = text
            .lines()
            .find(|l| l.contains(&format!(" {rows} ")) && l.contains(&format!(" {group} ")))
            .unwrap_or_else(|| panic!("no {rows} {group} in\n{text}"));
        let cells: Vec<&str> = line.split('┆').map(str::trim).collect();
        cells[3].trim_end_matches('%').parse().unwrap()
    };
    assert!(median("held out", "family hopper dense") <= 12.0, "{text}");
    assert!(median("held out", "family blackwell") <= 15.0, "{text}");
    assert!(median("fitted", "model llama3-70b") <= 10.0, "{text}");
}

/// `prices` reads every catalog it prints before printing anything: a broken
/// catalog prints no table, and a bad price names its entry and field rather
/// than "no model key contains it"; a GPU catalog's bad row names its line.
#[test]
fn prices_refuses_a_bad_catalog_before_printing() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/bad_scenarios/");
    let a = capsim()
        .args([
            "prices",
            "--catalog",
            &format!("{dir}catalog_not_json.json"),
        ])
        .assert()
        .code(1);
    assert!(a.get_output().stdout.is_empty(), "printed before failing");
    let a = capsim()
        .args([
            "prices",
            "--api",
            "m",
            "--catalog",
            &format!("{dir}catalog_negative_price.json"),
        ])
        .assert()
        .code(1);
    let err = stderr_of(&a);
    assert!(
        err.contains("catalog entry `m`: output_cost_per_token = -1e-5"),
        "{err}"
    );
    let a = capsim()
        .args([
            "prices",
            "--catalog",
            &format!("{dir}gpu_catalog_truncated_row.csv"),
        ])
        .assert()
        .code(1);
    assert!(a.get_output().stdout.is_empty());
    assert!(stderr_of(&a).contains("line 3: 7 fields where the header has 9"));
}

/// A warning is printed once per command, however many pools and
/// strategies read the field or profile it is about.
#[test]
fn each_warning_is_printed_once_per_command() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("w.toml");
    std::fs::write(
        &path,
        r#"name = "w"
[model]
profile = "llama3-70b-fp8-h100"
[demand]
monthly_tokens = 5e9
annual_growth = { low = 0.2, likely = 0.5, high = 1.5 }
[api]
model = "gpt-4o"
[gpu_prices]
reserved = 2.4
on_demand = 4
[[strategy]]
name = "a"
[[strategy.pool]]
kind = "reserved"
replicas = 1
[[strategy.pool]]
kind = "on_demand"
max_replicas = 1
[[strategy]]
name = "b"
[[strategy.pool]]
kind = "reserved"
profile = "llama3-70b-fp8-h100"
replicas = 2
"#,
    )
    .unwrap();
    for cmd in ["validate", "run", "compare"] {
        let mut c = capsim();
        c.arg(cmd).arg(&path);
        if cmd != "validate" {
            c.args(["--trials", "20", "-q", "--out"])
                .arg(dir.path().join("out"));
        }
        let a = c.assert().success();
        let err = stderr_of(&a);
        assert_eq!(
            err.matches("demand.annual_growth").count(),
            1,
            "{cmd}: {err}"
        );
    }
}

/// The map's default second input is a price the strategies' pools pay:
/// without a market level, a `[gpu_prices]` entry no pool uses (first in
/// the table's order, and varying) is passed over for the one the pools pay.
#[test]
fn the_default_map_axis_is_a_price_the_pools_pay() {
    let d = tempfile::tempdir().unwrap();
    let text = r#"name = "map"
[run]
trials = 800
[model]
profile = "llama3-70b-fp8-h100"
[demand]
monthly_tokens = { low = 4e9, likely = 8e9, high = 16e9 }
[api]
model = "gpt-4o"
[gpu_prices]
on_demand = { low = 3.0, likely = 4.0, high = 6.0 }
reserved = { low = 1.8, likely = 2.4, high = 3.0 }
[[strategy]]
name = "r1"
[[strategy.pool]]
kind = "reserved"
replicas = 1
[[strategy]]
name = "r2"
[[strategy.pool]]
kind = "reserved"
replicas = 2
"#;
    let path = d.path().join("map.toml");
    std::fs::write(&path, text).unwrap();
    capsim()
        .args(["compare", "--quiet"])
        .arg(&path)
        .arg("--out")
        .arg(d.path().join("out"))
        .assert()
        .success();
    let dir = run_dir(&d.path().join("out"));
    let df = read(&dir.join("regret_map.parquet"));
    let y = df
        .column("y_input")
        .unwrap()
        .str()
        .unwrap()
        .get(0)
        .unwrap()
        .to_owned();
    assert_eq!(y, "gpu_prices.reserved");
}

/// `size` on a scenario whose only pools are owned, without `--pool`: the
/// error names the pools it has and the flag to give.
#[test]
fn size_names_the_pool_kinds_the_scenario_has() {
    let d = tempfile::tempdir().unwrap();
    let path = d.path().join("own.toml");
    std::fs::write(
        &path,
        r#"name = "own"
[model]
profile = "llama3-70b-fp8-h100"
[demand]
monthly_tokens = 8e9
[api]
model = "gpt-4o"
[[strategy]]
name = "owned"
[[strategy.pool]]
kind = "owned"
gpus_per_instance = 4
instances = 2
purchase_usd = 150000
power_kw_load = 5
usd_per_kwh = 0.1
"#,
    )
    .unwrap();
    let a = capsim()
        .args(["size", "--trials", "20", "--quiet"])
        .arg(&path)
        .arg("--out")
        .arg(d.path().join("out"))
        .assert()
        .code(1);
    let err = stderr_of(&a);
    assert!(
        err.contains("--pool reserved: no strategy of the scenario has a reserved pool; its pools are owned (try --pool owned)"),
        "{err}"
    );
    assert!(!d.path().join("out").exists());
}
