//! `capsim fit-traffic`: a traffic profile from a trace.

use std::path::PathBuf;

use anyhow::Result;

use capsim::report;

pub(super) fn fit_traffic(
    path: &std::path::Path,
    opts: capsim::traffic::ReadOptions,
    name: Option<String>,
    source: String,
    out: Option<PathBuf>,
    force: bool,
) -> Result<()> {
    use capsim::traffic;
    if let Some(o) = &out {
        anyhow::ensure!(
            force || !o.exists(),
            "--out {}: the file exists (add --force to replace it)",
            o.display()
        );
    }
    let trace = traffic::trace::read(path, &opts)?;
    let fit = traffic::fit(&trace.hourly);
    let name = name.unwrap_or_else(|| {
        path.file_stem()
            .map_or("traffic".into(), |s| s.to_string_lossy().into_owned())
    });
    let meta = traffic::ProfileMeta {
        name,
        source,
        file: path
            .file_name()
            .map_or_else(String::new, |f| f.to_string_lossy().into_owned()),
    };
    let text = traffic::render(&meta, &trace, &fit);
    eprint!("{}", traffic::summary(&trace, &fit));
    match out {
        None => print!("{text}"),
        Some(o) => {
            report::write_atomic(&o, text.as_bytes())?;
            eprintln!("profile: {}", o.display());
        }
    }
    Ok(())
}
