//! Reading input files with bounds: only regular files (not `/dev/zero`, a
//! FIFO or a folder), and at most a size that fits the kind of file, so
//! that no input can grow memory without limit.

use std::io::{self, Read as _};
use std::path::Path;

/// Scenario, profile and hardware files (TOML): 16 MiB. The largest shipped
/// traffic profile, with its replay days, is under 100 KB.
pub const MAX_TOML_BYTES: u64 = 16 << 20;
/// Price catalogs (JSON) and run.json: 64 MiB (LiteLLM's full catalog is
/// about 1.5 MB).
pub const MAX_JSON_BYTES: u64 = 64 << 20;
/// Traces for `fit-traffic`: 1 GiB (a year of per-request log lines of a
/// busy service).
pub const MAX_TRACE_BYTES: u64 = 1 << 30;

/// The bytes of `path`, if it is a regular file of at most `limit` bytes.
pub fn read_bounded(path: &Path, limit: u64) -> io::Result<Vec<u8>> {
    let meta = std::fs::metadata(path)?;
    if !meta.is_file() {
        let what = if meta.is_dir() {
            "a folder"
        } else {
            "not a regular file (a device, FIFO or socket)"
        };
        return Err(io::Error::other(format!("it is {what}: give a file")));
    }
    if meta.len() > limit {
        return Err(io::Error::other(format!(
            "it is {} MB, more than the {} MB an input of this kind may be",
            meta.len() >> 20,
            limit >> 20
        )));
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    // The file may grow while it is read: never past the limit.
    std::fs::File::open(path)?
        .take(limit + 1)
        .read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Err(io::Error::other(format!(
            "it grew past {} MB while being read",
            limit >> 20
        )));
    }
    Ok(bytes)
}

/// [`read_bounded`] as UTF-8 text.
pub fn read_text_bounded(path: &Path, limit: u64) -> io::Result<String> {
    String::from_utf8(read_bounded(path, limit)?).map_err(|e| {
        io::Error::other(format!(
            "not valid UTF-8 (byte {})",
            e.utf8_error().valid_up_to()
        ))
    })
}

/// `text` with every line longer than `max` characters cut, saying how much
/// was left out (for error messages that echo a source line).
pub fn cut_long_lines(text: &str, max: usize) -> String {
    text.split('\n')
        .map(|l| {
            let n = l.chars().count();
            if n <= max {
                l.to_owned()
            } else {
                let head: String = l.chars().take(max).collect();
                format!("{head}… ({} more characters)", n - max)
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn devices_folders_and_large_files_are_refused() {
        let e = read_bounded(Path::new("/dev/zero"), 1 << 20).unwrap_err();
        assert!(e.to_string().contains("not a regular file"), "{e}");
        let d = tempfile::tempdir().unwrap();
        assert!(
            read_bounded(d.path(), 10)
                .unwrap_err()
                .to_string()
                .contains("folder")
        );
        let f = d.path().join("big");
        std::fs::write(&f, vec![b'a'; 3 << 20]).unwrap();
        assert!(
            read_bounded(&f, 1 << 20)
                .unwrap_err()
                .to_string()
                .contains("3 MB")
        );
        assert_eq!(read_bounded(&f, 4 << 20).unwrap().len(), 3 << 20);
    }

    #[test]
    fn long_lines_are_cut() {
        let s = format!("a\n{}\nb", "x".repeat(1000));
        let c = cut_long_lines(&s, 100);
        assert!(c.len() < 200 && c.contains("900 more characters"), "{c}");
        assert!(c.starts_with("a\n") && c.ends_with("\nb"));
    }
}
