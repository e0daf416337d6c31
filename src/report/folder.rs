//! Run folders: what capsim owns, how a run claims its name, how a dead
//! run's leftovers are told from a live one's, and what a signal cleans up.
//!
//! - **Ownership.** A folder is a capsim run when its `run.json` is a JSON
//!   object that says so (`"capsim_run_format": "capsim-run/1"`, or the
//!   fields every earlier capsim wrote: `capsim_version`, `trial_range`,
//!   `scenario_toml`) and the folder holds nothing but the regular files a
//!   run writes (`.parquet`, `.json`, `.html`). `--force` replaces only such
//!   a folder; anything else is refused, naming what is in the way.
//! - **Claiming a name.** A run is written into a hidden partial folder and
//!   renamed into place at the end with no-replace semantics
//!   (`renameat2(RENAME_NOREPLACE)`), so a folder that appeared meanwhile is
//!   never replaced without `--force`, and of two runs racing for one name
//!   one succeeds and the other gets a clear error. With `--force`, a
//!   capsim run in the way is exchanged atomically (`RENAME_EXCHANGE`).
//! - **Staleness.** A live run holds an exclusive `flock` on
//!   `.capsim.lock` inside its partial folder; the lock is released by the
//!   kernel when the process dies, however it dies, and it is seen across
//!   PID namespaces and containers on one machine (and by NFS clients, where
//!   the server supports locks). A sweep removes a partial folder only if it
//!   holds that lock file and the sweep can take the lock: a folder without
//!   one is never taken for capsim's (it is named on stderr once an hour old).
//! - **Signals.** SIGTERM and SIGINT remove the partial folders and files of
//!   the process ([`register`]), print one line and exit with 128 + the
//!   signal (143, 130). A run being renamed into place finishes its rename
//!   first: both hold one lock.

use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use anyhow::{Context, Result, bail};

/// The value of `capsim_run_format` in `run.json`.
pub const RUN_FORMAT: &str = "capsim-run/1";
/// The lock file inside a partial folder.
pub const LOCK_FILE: &str = ".capsim.lock";
/// Largest `run.json` read when checking a folder (a run's is a few hundred KB).
const MAX_RUN_JSON: u64 = 64 << 20;
/// A partial folder without a lock file is named on stderr (never removed)
/// after this long unchanged.
const LOCKLESS_NOTE: Duration = Duration::from_secs(3600);

/// Partial folders and files of this process, removed on SIGTERM/SIGINT.
static PARTIALS: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

fn partials() -> std::sync::MutexGuard<'static, Vec<PathBuf>> {
    // A panic while holding the lock leaves the list as it was: still usable.
    PARTIALS.lock().unwrap_or_else(|e| e.into_inner())
}

/// Remove `path` (a partial folder or file) if the process is stopped by a signal.
pub fn register(path: &Path) {
    partials().push(path.to_owned());
}

/// `path` is complete (renamed into place) or already removed.
pub fn unregister(path: &Path) {
    partials().retain(|p| p != path);
}

/// Run `f` (a rename of `path` into place) so that a signal cannot remove
/// `path` halfway; once it has moved, a signal leaves it alone. If the
/// rename fails, `path` is still this process's to remove.
pub fn settle<T, E>(path: &Path, f: impl FnOnce() -> Result<T, E>) -> Result<T, E> {
    let mut g = partials();
    let out = f();
    if out.is_ok() {
        g.retain(|p| p != path);
    }
    out
}

/// Start the thread that turns SIGTERM and SIGINT into a clean stop.
pub fn handle_signals() -> Result<()> {
    use signal_hook::consts::{SIGINT, SIGTERM};
    let mut signals = signal_hook::iterator::Signals::new([SIGTERM, SIGINT])
        .context("installing signal handlers")?;
    std::thread::Builder::new()
        .name("signals".into())
        .spawn(move || {
            if let Some(sig) = signals.forever().next() {
                let g = partials();
                for p in g.iter() {
                    let _ = if p.is_dir() {
                        std::fs::remove_dir_all(p)
                    } else {
                        std::fs::remove_file(p)
                    };
                }
                let name = if sig == SIGTERM { "SIGTERM" } else { "SIGINT" };
                eprintln!(
                    "capsim: stopped by {name}; the unfinished output was removed, finished runs are untouched"
                );
                // Exit with the lock held: no rename into place can start now.
                std::process::exit(128 + sig);
            }
        })
        .context("starting the signal thread")?;
    Ok(())
}

/// Why `dir` is not a folder capsim may replace, or `None` if it is a capsim run.
pub fn not_a_run(dir: &Path) -> Option<String> {
    let json = dir.join("run.json");
    match std::fs::symlink_metadata(&json) {
        Ok(m) if m.is_file() && m.len() <= MAX_RUN_JSON => {}
        Ok(_) => return Some("its run.json is not a regular file of a run".into()),
        Err(_) => return Some("it holds no run.json".into()),
    }
    let ours = std::fs::read(&json)
        .ok()
        .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
        .is_some_and(|v| {
            v.get("capsim_run_format").and_then(|f| f.as_str()) == Some(RUN_FORMAT)
                || (v.get("capsim_version").is_some_and(|x| x.is_string())
                    && v.get("trial_range").is_some_and(|x| x.is_array())
                    && v.get("scenario_toml").is_some_and(|x| x.is_string()))
        });
    if !ours {
        return Some("its run.json was not written by capsim".into());
    }
    let foreign: Vec<String> = match std::fs::read_dir(dir) {
        Ok(entries) => entries
            .flatten()
            .filter(|e| {
                let name = e.file_name().to_string_lossy().into_owned();
                let regular = e.file_type().is_ok_and(|t| t.is_file());
                !(regular
                    && [".parquet", ".json", ".html"]
                        .iter()
                        .any(|ext| name.ends_with(ext)))
            })
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect(),
        Err(e) => return Some(format!("it cannot be read ({e})")),
    };
    if !foreign.is_empty() {
        let mut shown = foreign;
        shown.sort();
        let more = shown.len().saturating_sub(5);
        shown.truncate(5);
        return Some(format!(
            "it also holds {}{} that capsim did not write",
            shown.join(", "),
            if more > 0 {
                format!(" and {more} more")
            } else {
                String::new()
            }
        ));
    }
    None
}

/// `renameat2(from, to, RENAME_NOREPLACE)`: `AlreadyExists` if `to` exists.
/// Elsewhere (or where the file system lacks it) a check then a rename,
/// which a racing process could slip between.
fn rename_noreplace(from: &Path, to: &Path) -> io::Result<()> {
    #[cfg(target_os = "linux")]
    {
        match renameat2(from, to, libc::RENAME_NOREPLACE) {
            Ok(()) => return Ok(()),
            Err(e) if !matches!(e.raw_os_error(), Some(libc::EINVAL | libc::ENOSYS)) => {
                return Err(e);
            }
            Err(_) => {}
        }
    }
    if std::fs::symlink_metadata(to).is_ok() {
        return Err(io::Error::from(io::ErrorKind::AlreadyExists));
    }
    std::fs::rename(from, to)
}

/// `renameat2(from, to, flags)` (Linux 3.15+): `RENAME_NOREPLACE` or
/// `RENAME_EXCHANGE`.
#[cfg(target_os = "linux")]
pub(crate) fn renameat2(from: &Path, to: &Path, flags: libc::c_uint) -> io::Result<()> {
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt as _;
    let a = CString::new(from.as_os_str().as_bytes())?;
    let b = CString::new(to.as_os_str().as_bytes())?;
    // SAFETY: both pointers are valid NUL-terminated strings that outlive
    // the call; renameat2 does not keep them.
    let rc = unsafe {
        libc::renameat2(
            libc::AT_FDCWD,
            a.as_ptr(),
            libc::AT_FDCWD,
            b.as_ptr(),
            flags,
        )
    };
    if rc == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

/// How a run folder is placed when it is complete.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// The folder.
    pub dir: PathBuf,
    /// Whether the user named it (`--name`): else another free name is
    /// taken if this one is claimed first.
    pub named: bool,
    /// Whether a capsim run already there may be replaced.
    pub force: bool,
}

/// Move the complete partial folder `tmp` to `target` (see the module doc);
/// returns the folder it went to.
pub fn place(tmp: &Path, target: &Target) -> Result<PathBuf> {
    let mut dir = target.dir.clone();
    for k in 2..1000 {
        match settle(tmp, || rename_noreplace(tmp, &dir)) {
            Ok(()) => return Ok(dir),
            Err(e)
                if e.kind() == io::ErrorKind::AlreadyExists
                    || e.raw_os_error() == Some(libc::ENOTEMPTY) => {}
            Err(e) => {
                return Err(e)
                    .with_context(|| format!("moving the finished run into {}", dir.display()));
            }
        }
        if !target.named {
            // Claimed by another run meanwhile: the next free name.
            dir = suffixed(&target.dir, k);
            continue;
        }
        if !target.force {
            bail!(
                "{} appeared while this run was going; its contents are kept. Pass --force to replace a capsim run there, or choose another --name",
                dir.display()
            );
        }
        if let Some(why) = not_a_run(&dir) {
            bail!(
                "{} is not a capsim run folder ({why}): it is kept; choose another --name",
                dir.display()
            );
        }
        settle(tmp, || super::replace_dir(tmp, &dir))?;
        return Ok(dir);
    }
    bail!("no free folder name beside {}", target.dir.display())
}

/// `base` with `-k` appended.
pub fn suffixed(base: &Path, k: u32) -> PathBuf {
    let name = base
        .file_name()
        .map_or("run".into(), |n| n.to_string_lossy());
    base.with_file_name(format!("{name}-{k}"))
}

/// The lock a live run holds on its partial folder.
#[derive(Debug)]
pub struct Lock {
    _file: File,
}

/// Take the lock of partial folder `dir` (creating its lock file).
pub fn lock(dir: &Path) -> Result<Lock> {
    let path = dir.join(LOCK_FILE);
    let file = File::create(&path).with_context(|| format!("cannot create {}", path.display()))?;
    if !try_lock(&file) {
        bail!("{} is locked by another process", dir.display());
    }
    Ok(Lock { _file: file })
}

/// An exclusive `flock`, without waiting.
fn try_lock(f: &File) -> bool {
    use std::os::fd::AsRawFd as _;
    // SAFETY: flock on a file descriptor we own; it has no memory effects.
    unsafe { libc::flock(f.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) == 0 }
}

/// Whether partial folder `dir` is capsim's and belongs to no live process:
/// it holds capsim's lock file and nobody holds the lock. A folder without
/// the lock file is never taken for capsim's, whatever its name and age.
pub fn is_stale(dir: &Path) -> bool {
    // Taken: nobody holds it (closing the file releases it again).
    File::open(dir.join(LOCK_FILE)).is_ok_and(|f| try_lock(&f))
}

/// Remove the partial folders (`.<name>.partial-<id>`) under `out` that are
/// provably capsim's and that no live process holds. A folder named like one
/// but without capsim's lock file is left, and named on stderr once it is
/// over an hour old (a run killed between making its folder and its lock
/// leaves one; so may another program).
pub fn remove_stale_partials(out: &Path) {
    let Ok(entries) = std::fs::read_dir(out) else {
        return;
    };
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        let partial = name.starts_with('.') && name.contains(".partial-");
        if !(partial && e.file_type().is_ok_and(|t| t.is_dir())) {
            continue;
        }
        let path = e.path();
        if is_stale(&path) {
            let _ = std::fs::remove_dir_all(&path);
        } else if !path.join(LOCK_FILE).exists() && older_than(&path, LOCKLESS_NOTE) {
            eprintln!(
                "note: left {}: named like an unfinished capsim run, but it holds no {LOCK_FILE}, so it may not be capsim's; remove it if it is",
                path.display()
            );
        }
    }
}

/// Whether `path` has not changed for `age`.
fn older_than(path: &Path, age: Duration) -> bool {
    std::fs::symlink_metadata(path)
        .and_then(|m| m.modified())
        .is_ok_and(|t| SystemTime::now().duration_since(t).is_ok_and(|a| a > age))
}

/// A suffix that differs between runs started in the same second, on one
/// machine or many (process id, clock nanoseconds, a counter).
pub fn unique_suffix() -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    static COUNT: AtomicU32 = AtomicU32::new(0);
    let nanos = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let mut x = u64::from(std::process::id()) << 32
        ^ u64::from(nanos)
        ^ u64::from(COUNT.fetch_add(1, Ordering::Relaxed)) << 48;
    // splitmix64's finaliser: every input bit moves the output.
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    format!("{:06x}", (x ^ (x >> 31)) & 0xff_ffff)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_capsim_runs_with_nothing_foreign_count() {
        let d = tempfile::tempdir().unwrap();
        let run = d.path().join("r");
        std::fs::create_dir(&run).unwrap();
        assert!(not_a_run(&run).unwrap().contains("no run.json"));
        std::fs::write(run.join("run.json"), r#"{"hello": 1}"#).unwrap();
        assert!(not_a_run(&run).unwrap().contains("not written by capsim"));
        std::fs::write(
            run.join("run.json"),
            format!(r#"{{"capsim_run_format": "{RUN_FORMAT}"}}"#),
        )
        .unwrap();
        std::fs::write(run.join("trials.parquet"), b"x").unwrap();
        assert_eq!(not_a_run(&run), None);
        std::fs::write(run.join("thesis.docx"), b"mine").unwrap();
        assert!(not_a_run(&run).unwrap().contains("thesis.docx"));
    }

    #[test]
    fn a_held_lock_is_live_and_a_released_one_stale() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join(".x.partial-1");
        std::fs::create_dir(&p).unwrap();
        let l = lock(&p).unwrap();
        assert!(!is_stale(&p));
        drop(l);
        assert!(is_stale(&p));
        // No lock file and fresh: kept.
        let q = d.path().join(".y.partial-2");
        std::fs::create_dir(&q).unwrap();
        assert!(!is_stale(&q));
    }

    #[test]
    fn noreplace_refuses_an_existing_folder() {
        let d = tempfile::tempdir().unwrap();
        let (a, b) = (d.path().join("a"), d.path().join("b"));
        std::fs::create_dir(&a).unwrap();
        std::fs::create_dir(&b).unwrap();
        std::fs::write(b.join("keep"), b"x").unwrap();
        let e = rename_noreplace(&a, &b).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::AlreadyExists);
        assert!(b.join("keep").exists() && a.exists());
        let t = Target {
            dir: b.clone(),
            named: false,
            force: false,
        };
        let got = place(&a, &t).unwrap();
        assert_eq!(got, d.path().join("b-2"));
        assert!(b.join("keep").exists());
    }

    #[test]
    fn suffixes_differ() {
        let a: std::collections::BTreeSet<String> = (0..100).map(|_| unique_suffix()).collect();
        assert_eq!(a.len(), 100);
    }
}
