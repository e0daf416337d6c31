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

/// Characters outside comments that look like ASCII but are not, or that
/// cannot be seen: `(line, column, description)`, at most `max` of them.
/// A key written with a Cyrillic `а` or a value with a zero-width space
/// fails with an error that otherwise reads as nonsense.
pub fn odd_characters(text: &str, max: usize) -> Vec<(usize, usize, String)> {
    let mut out = Vec::new();
    for (li, line) in text.lines().enumerate() {
        let mut in_string = false;
        for (ci, c) in line.chars().enumerate() {
            match c {
                '"' | '\'' => in_string = !in_string,
                '#' if !in_string => break,
                _ => {}
            }
            if let Some(what) = describe_odd(c) {
                out.push((li + 1, ci + 1, format!("U+{:04X} {what}", c as u32)));
                if out.len() == max {
                    return out;
                }
            }
        }
    }
    out
}

fn describe_odd(c: char) -> Option<String> {
    let invisible = match c {
        '\u{00A0}' => Some("NO-BREAK SPACE"),
        '\u{00AD}' => Some("SOFT HYPHEN"),
        '\u{200B}' => Some("ZERO WIDTH SPACE"),
        '\u{200C}' => Some("ZERO WIDTH NON-JOINER"),
        '\u{200D}' => Some("ZERO WIDTH JOINER"),
        '\u{200E}' | '\u{200F}' => Some("DIRECTION MARK"),
        '\u{2028}' | '\u{2029}' => Some("LINE/PARAGRAPH SEPARATOR"),
        '\u{2060}' => Some("WORD JOINER"),
        '\u{FEFF}' => Some("BYTE ORDER MARK / ZERO WIDTH NO-BREAK SPACE"),
        _ => None,
    };
    if let Some(name) = invisible {
        return Some(format!("{name} (invisible: delete it)"));
    }
    let like = match c {
        '\u{2018}' | '\u{2019}' => Some("'"),
        '\u{201C}' | '\u{201D}' => Some("\""),
        '\u{2212}' | '\u{2013}' | '\u{2010}' | '\u{2011}' => Some("-"),
        '\u{FF01}'..='\u{FF5E}' => None, // fullwidth, below
        _ => None,
    };
    if let Some(a) = like {
        return Some(format!(
            "(a typographic character that looks like `{a}`: type `{a}`)"
        ));
    }
    let u = c as u32;
    let script = match u {
        0x0370..=0x03FF => Some("Greek"),
        0x0400..=0x04FF => Some("Cyrillic"),
        0xFF01..=0xFF5E => {
            let ascii = char::from_u32(u - 0xFF01 + 0x21).unwrap_or('?');
            return Some(format!("(fullwidth, looks like `{ascii}`: type `{ascii}`)"));
        }
        _ => None,
    };
    script.map(|s| format!("({s} letter `{c}`, which looks like a Latin one: retype it)"))
}

#[cfg(test)]
mod odd_tests {
    use super::*;

    #[test]
    fn look_alikes_and_invisibles_are_named_outside_comments() {
        let t = "n\u{0430}me = \"x\"  # comment with \u{0430}\ntrials = 1\u{200B}0\ndescription = \"4×H100 — fine\"\n";
        let odd = odd_characters(t, 5);
        assert_eq!(odd.len(), 2, "{odd:?}");
        assert_eq!((odd[0].0, odd[0].1), (1, 2));
        assert!(odd[0].2.contains("Cyrillic"));
        assert_eq!(odd[1].0, 2);
        assert!(odd[1].2.contains("ZERO WIDTH SPACE"));
    }
}
