//! The bad-input corpus: every file in `tests/bad_scenarios/*.toml` is an
//! invalid scenario (or names an invalid catalog). `capsim validate` must exit
//! with code 1 and print exactly the error in the `.err` file beside it (field,
//! reason, line where known), and `capsim run` must refuse it without writing
//! anything. `CAPSIM_BLESS=1` rewrites the `.err` files (review the diff).

use std::path::{Path, PathBuf};

use crate::common::capsim;

fn corpus() -> (PathBuf, Vec<String>) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/bad_scenarios");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".toml"))
        .collect();
    names.sort();
    (dir, names)
}

#[test]
fn every_bad_scenario_gets_its_exact_error() {
    let (dir, names) = corpus();
    assert!(names.len() >= 40, "the corpus has {} files", names.len());
    let bless = std::env::var_os("CAPSIM_BLESS").is_some();
    let mut wrong = Vec::new();
    for name in &names {
        let out = capsim()
            .current_dir(&dir)
            .args(["validate", name])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        let expected_path = dir.join(name.replace(".toml", ".err"));
        if bless {
            std::fs::write(&expected_path, &stderr).unwrap();
        }
        let expected = std::fs::read_to_string(&expected_path)
            .unwrap_or_else(|_| panic!("{name}: no .err file (run with CAPSIM_BLESS=1)"));
        if out.status.code() != Some(1) {
            wrong.push(format!("{name}: exit {:?}, expected 1", out.status.code()));
        }
        if !out.stdout.is_empty() {
            wrong.push(format!("{name}: printed to stdout"));
        }
        if stderr != expected {
            wrong.push(format!(
                "{name}:\n--- expected\n{expected}--- got\n{stderr}"
            ));
        }
        if stderr.contains("panicked") {
            wrong.push(format!("{name}: panicked"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn every_bad_scenario_is_refused_by_run_with_nothing_written() {
    let (dir, names) = corpus();
    let out = tempfile::tempdir().unwrap();
    for name in &names {
        let a = capsim()
            .current_dir(&dir)
            .args(["run", name, "--trials", "5", "--quiet", "--report", "--out"])
            .arg(out.path())
            .assert()
            .code(1);
        let err = String::from_utf8_lossy(&a.get_output().stderr).into_owned();
        assert!(err.starts_with("Error: "), "{name}: {err}");
        let left: Vec<_> = std::fs::read_dir(out.path()).unwrap().collect();
        assert!(left.is_empty(), "{name}: wrote {left:?}");
    }
}
