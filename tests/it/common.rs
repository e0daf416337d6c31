//! Helpers shared by the command-line test files.
#![allow(dead_code)] // Each test module uses its own subset.

use std::path::{Path, PathBuf};

use assert_cmd::Command;

/// The `capsim` binary built for the tests.
pub fn capsim() -> Command {
    Command::cargo_bin("capsim").expect("the capsim binary is built for tests")
}

/// A command's standard error, as text.
pub fn stderr_of(a: &assert_cmd::assert::Assert) -> String {
    String::from_utf8_lossy(&a.get_output().stderr).into_owned()
}

/// The only run folder under `out`.
pub fn run_dir(out: &Path) -> PathBuf {
    let dirs: Vec<_> = std::fs::read_dir(out)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(dirs.len(), 1, "exactly one entry under {out:?}: {dirs:?}");
    dirs.into_iter().next().unwrap()
}

/// A small scenario: two reserved replicas against GPT-4o, 5e9 tokens a
/// month. `model` and `demand` are extra lines for those tables (`model`
/// must include the `profile`).
pub fn small_scenario(model: &str, demand: &str) -> String {
    format!(
        r#"name = "small"
[model]
{model}
[demand]
monthly_tokens = 5e9
{demand}
[api]
model = "gpt-4o"
[gpu_prices]
reserved = 2.4
[[strategy]]
name = "r2"
[[strategy.pool]]
kind = "reserved"
replicas = 2
"#
    )
}
