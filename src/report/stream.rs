//! A run folder written as its trials complete.
//!
//! `trials.parquet` and `monthly.parquet` grow by one row group per block of
//! trials ([`crate::engine::Engine::run_chunked`]), so a run of a million
//! trials never holds more than two blocks in memory (one being written while
//! the next is simulated). The summary is then
//! computed from `trials.parquet` itself, one column at a time: the same
//! numbers whether the trials came from one machine, from shards merged by
//! `capsim merge`, or from the rounds of `--precision`.
//!
//! Everything is written into a hidden temporary folder beside the run
//! folder (removed if the run fails or is dropped half-way), and moved into
//! place only when complete (see [`super::folder`]).

use std::fs::File;
use std::io::Cursor;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result, anyhow, bail};
use polars::prelude::*;

use super::columns::trial_columns;
use super::folder::{self, Target};
use super::{SummaryRow, html, metric_row, parquet, probability_row};
use crate::engine::TrialOutcome;
use crate::model::Calendar;
use crate::scenario::{HOURS_PER_MONTH, Scenario};

/// The two files that grow block by block.
const TRIALS: &str = "trials.parquet";
const MONTHLY: &str = "monthly.parquet";

/// One Parquet file written a row group at a time.
struct Growing {
    writer: BatchedWriter<File>,
    /// Every block must have the first block's columns and types.
    schema: SchemaRef,
    /// Footer metadata of an empty file of the same schema: the
    /// `ARROW:schema` entry polars writes so that readers restore the exact
    /// column types. [`Growing::close`] writes it with the run's metadata,
    /// which is only known once the run is done.
    probe: polars::io::parquet::metadata::FileMetadataRef,
}

impl Growing {
    fn create(path: &Path, first: &DataFrame, parallel: bool) -> Result<Self> {
        let fail = |e: PolarsError| anyhow!("writing {}: {e}", path.display());
        let mut bytes = Vec::new();
        ParquetWriter::new(Cursor::new(&mut bytes))
            .finish(&mut first.clear())
            .map_err(fail)?;
        let probe = ParquetReader::new(Cursor::new(bytes))
            .get_metadata()
            .map_err(fail)?
            .clone();
        let file = File::create(path).with_context(|| format!("creating {}", path.display()))?;
        let schema = first.schema().clone();
        let writer = ParquetWriter::new(file)
            .with_compression(parquet::COMPRESSION)
            .set_parallel(parallel)
            .batched(&schema)
            .map_err(fail)?;
        Ok(Growing {
            writer,
            schema,
            probe,
        })
    }

    fn write(&mut self, path: &Path, df: &DataFrame) -> Result<()> {
        if df.schema() != &self.schema {
            bail!(
                "{}: the columns differ from the first block's",
                path.file_name().unwrap_or_default().to_string_lossy()
            );
        }
        self.writer
            .write_batch(df)
            .map_err(|e| anyhow!("writing {}: {e}", path.display()))
    }

    /// Write the footer, with `meta` after the probe's entries.
    fn close(self, path: &Path, meta: &[(String, String)]) -> Result<()> {
        let mut entries = self.probe.key_value_metadata.clone().unwrap_or_default();
        if let KeyValueMetadata::Static(run) = KeyValueMetadata::from_static(meta.to_vec()) {
            entries.extend(run);
        }
        let mut w = self
            .writer
            .get_writer()
            .lock()
            .map_err(|_| anyhow!("writing {}: a writer thread panicked", path.display()))?;
        w.end(Some(entries))
            .map_err(|e| anyhow!("writing {}: {e}", path.display()))?;
        Ok(())
    }
}

/// A run folder being written; see the module documentation.
pub struct RunFiles {
    target: Target,
    tmp: PathBuf,
    lock: Option<folder::Lock>,
    /// Whether polars encodes a block's columns on its own thread pool.
    parallel: bool,
    trials: Option<Growing>,
    monthly: Option<Growing>,
    done: bool,
}

impl RunFiles {
    /// Start the run folder `dir` (see [`super::prepare_out`]): a hidden
    /// temporary folder beside it holds the files until [`RunFiles::finish`].
    /// Blocks are encoded on the calling thread: a run writes a block while
    /// the next is simulated on every core, and polars' own pool would only
    /// compete with the simulation for them (10,000 realistic trials: 1.95–2.14
    /// → 1.83–1.85 s, 1.78 → 1.91 CPUs busy, peak 58–66 → 45–52 MB). See
    /// [`RunFiles::encode_in_parallel`] for a writer with the cores to itself.
    pub fn create(target: &Target) -> Result<Self> {
        let dir = &target.dir;
        let parent = dir.parent().context("run folder has no parent")?;
        let name = dir
            .file_name()
            .context("run folder has no name")?
            .to_string_lossy()
            .into_owned();
        let tmp = parent.join(format!(".{name}.partial-{}", folder::unique_suffix()));
        folder::register(&tmp);
        std::fs::create_dir(&tmp)
            .with_context(|| format!("cannot create a temporary folder in {}", parent.display()))?;
        // Held until the process ends: how other runs tell this folder is live.
        let lock = folder::lock(&tmp)?;
        Ok(RunFiles {
            target: target.clone(),
            lock: Some(lock),
            tmp,
            parallel: false,
            trials: None,
            monthly: None,
            done: false,
        })
    }

    /// Encode each block's columns on polars' thread pool (`capsim merge`,
    /// where nothing else runs: 0.79 → 0.72 s to merge two shards of
    /// 10,000 realistic trials).
    pub fn encode_in_parallel(mut self) -> Self {
        self.parallel = true;
        self
    }

    /// Append a block of trials (in trial order, after the previous block).
    /// An empty block fixes the files' columns (a shard may hold no trial).
    pub fn append(
        &mut self,
        s: &Scenario,
        cal: &Calendar,
        outcomes: &[TrialOutcome],
    ) -> Result<()> {
        let months = f64::from(s.horizon_hours) / HOURS_PER_MONTH;
        self.append_frames(
            &parquet::trials_frame(s, outcomes, months)?,
            &parquet::monthly_frame(s, cal, outcomes)?,
        )
    }

    /// Append rows of `trials.parquet` and `monthly.parquet` as they are
    /// (`capsim merge`: one shard's files at a time).
    pub fn append_frames(&mut self, trials: &DataFrame, monthly: &DataFrame) -> Result<()> {
        for (slot, file, df) in [
            (&mut self.trials, TRIALS, trials),
            (&mut self.monthly, MONTHLY, monthly),
        ] {
            let path = self.tmp.join(file);
            let g = match slot {
                Some(g) => g,
                None => slot.insert(Growing::create(&path, df, self.parallel)?),
            };
            if df.height() > 0 {
                g.write(&path, df)?;
            }
        }
        Ok(())
    }

    /// Close the two growing files with `meta`, summarise `trials.parquet`
    /// (strategies `names`, in scenario order), write `summary.parquet`,
    /// `run.json`, the `extra` files and, if `report`, `report.html`; then
    /// move the folder into place ([`folder::place`]). Returns the summary
    /// and the folder the run is in.
    pub fn finish(
        mut self,
        names: &[String],
        run_json: &str,
        meta: &[(String, String)],
        extra: Vec<(&str, DataFrame)>,
        report: bool,
    ) -> Result<(Vec<SummaryRow>, PathBuf)> {
        let (Some(trials), Some(monthly)) = (self.trials.take(), self.monthly.take()) else {
            bail!("a run needs at least one trial");
        };
        trials.close(&self.tmp.join(TRIALS), meta)?;
        monthly.close(&self.tmp.join(MONTHLY), meta)?;
        let summary = summarise_trials_file(&self.tmp.join(TRIALS), names)?;
        meaningful(&summary)?;
        std::fs::write(self.tmp.join("run.json"), run_json).context("writing run.json")?;
        parquet::write(
            &self.tmp.join("summary.parquet"),
            parquet::summary_frame(&summary)?,
            meta,
        )?;
        for (file, df) in extra {
            parquet::write(&self.tmp.join(file), df, meta)?;
        }
        if report {
            html::write_report(&self.tmp, &self.tmp.join(super::REPORT_FILE))?;
        }
        // The lock file goes, the lock stays held (on the open file) until placed.
        let _ = std::fs::remove_file(self.tmp.join(folder::LOCK_FILE));
        let dir = folder::place(&self.tmp, &self.target)?;
        self.done = true;
        self.lock = None;
        Ok((summary, dir))
    }
}

/// Annual costs above this are no plan (a units slip: tokens a month
/// written as tokens a year in thousands, prices per token as per million).
pub const MAX_COST_USD: f64 = 1e15;

/// Refuse a run whose costs cannot mean anything: not finite (a draw that
/// overflowed) or beyond [`MAX_COST_USD`]. Nothing is written.
fn meaningful(summary: &[SummaryRow]) -> Result<()> {
    for r in summary {
        if !matches!(r.metric.as_str(), "total_cost_usd" | "api_only_cost_usd") {
            continue;
        }
        let worst = [r.summary.mean, r.summary.max];
        if worst.iter().any(|x| !x.is_finite() || *x > MAX_COST_USD) {
            let seen = if r.summary.max.is_finite() {
                r.summary.max
            } else {
                r.summary.mean
            };
            bail!(
                "{} of `{}` is {seen:.2e} USD in some trials: beyond any plan (at most {MAX_COST_USD:.0e} USD). The inputs that set it: demand.monthly_tokens (output tokens a month, e.g. 5e9), demand.annual_growth and bursts (0.3 = +30%), api.*_usd_per_mtok (USD per million tokens) and gpu_prices (USD per GPU-hour); check their units and spreads",
                r.metric,
                r.strategy,
            );
        }
    }
    Ok(())
}

impl Drop for RunFiles {
    fn drop(&mut self) {
        if !self.done {
            let _ = std::fs::remove_dir_all(&self.tmp);
        }
        folder::unregister(&self.tmp);
    }
}

/// Read one column of a Parquet file.
fn read_column(path: &Path, name: &str) -> Result<Column> {
    parquet::read(path, Some(&[name]), None)?
        .column(name)
        .cloned()
        .map_err(|e| anyhow!("reading {}, column {name}: {e}", path.display()))
}

/// The summary of a `trials.parquet` whose rows go trial by trial, each
/// trial's strategies in scenario order (`names`): row `r` is strategy
/// `r mod names.len()`, checked against the `strategy` column's first
/// trial. One metric column is in memory at a time.
pub fn summarise_trials_file(path: &Path, names: &[String]) -> Result<Vec<SummaryRow>> {
    let k = names.len();
    anyhow::ensure!(k > 0, "the scenario has no strategies");
    let rows = parquet::num_rows(path)?;
    anyhow::ensure!(
        rows % k == 0,
        "{}: {rows} rows are not whole trials of {k} strategies",
        path.display()
    );
    let first = parquet::read(path, Some(&["strategy"]), Some(k))?;
    let first = first
        .column("strategy")
        .and_then(|c| c.str().cloned())
        .map_err(|e| anyhow!("{}: strategy: {e}", path.display()))?;
    for (r, name) in names.iter().enumerate().take(rows) {
        anyhow::ensure!(
            first.get(r) == Some(name.as_str()),
            "{}: row {r} should be strategy {name}",
            path.display()
        );
    }
    let n = rows / k;
    // by_strategy[si] = rows of strategy si, metric by metric.
    let mut by_strategy: Vec<Vec<SummaryRow>> = vec![Vec::new(); k];
    for c in trial_columns() {
        let col = read_column(path, c.name)?;
        let col = col
            .f64()
            .map_err(|e| anyhow!("{}: {}: {e}", path.display(), c.name))?;
        let mut values = vec![Vec::with_capacity(n); k];
        for (r, x) in col.iter().enumerate() {
            values[r % k].push(x.unwrap_or(f64::NAN));
        }
        for (si, v) in values.iter().enumerate() {
            by_strategy[si].extend(metric_row(&names[si], c.name, v));
        }
    }
    let cheaper = read_column(path, "self_host_cheaper")?;
    let cheaper = cheaper
        .bool()
        .map_err(|e| anyhow!("{}: self_host_cheaper: {e}", path.display()))?;
    let mut wins = vec![0usize; k];
    for (r, x) in cheaper.iter().enumerate() {
        wins[r % k] += usize::from(x == Some(true));
    }
    for (si, rows) in by_strategy.iter_mut().enumerate() {
        rows.extend(probability_row(&names[si], wins[si], n));
    }
    Ok(by_strategy.into_iter().flatten().collect())
}
