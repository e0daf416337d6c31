//! Profiles: a model profile in `models/` names how a replica serves — a
//! measured `tok_s_per_gpu` ("measured on our own mix"), or the serving
//! model ([`crate::serving`]) from an architecture in
//! `models/architectures/` and a GPU in `hardware/`. Each is a data file with
//! its sources; the built-in ones are compiled in, and any of them may be
//! given as a path ending in `.toml` (relative to the file that names it).

use std::path::{Path, PathBuf};

use serde::Serialize;

use super::raw::RawModelProfile;
use super::{CEILING, ScenarioError, TOK_S_PER_GPU, Validator, decode};
use crate::dist::{Dist, Range};
use crate::serving::{Dtype, EngineLimits, LatencyTarget, Mix, Parallel, Replica, ServingError};

/// Built-in model profiles (the files in `models/`).
pub const BUILTIN_MODELS: &[(&str, &str)] = &[
    (
        "llama3-70b-fp8-h100",
        include_str!("../../models/llama3-70b-fp8-h100.toml"),
    ),
    (
        "llama3-70b-fp8-h200",
        include_str!("../../models/llama3-70b-fp8-h200.toml"),
    ),
    (
        "llama3-70b-bf16-h100",
        include_str!("../../models/llama3-70b-bf16-h100.toml"),
    ),
    (
        "llama3-8b-bf16-h100",
        include_str!("../../models/llama3-8b-bf16-h100.toml"),
    ),
    (
        "gpt-oss-120b-mxfp4-b200",
        include_str!("../../models/gpt-oss-120b-mxfp4-b200.toml"),
    ),
    (
        "gpt-oss-120b-mxfp4-h200",
        include_str!("../../models/gpt-oss-120b-mxfp4-h200.toml"),
    ),
    (
        "gpt-oss-120b-mxfp4-mi355x",
        include_str!("../../models/gpt-oss-120b-mxfp4-mi355x.toml"),
    ),
    (
        "deepseek-r1-fp4-b200",
        include_str!("../../models/deepseek-r1-fp4-b200.toml"),
    ),
    (
        "deepseek-r1-fp4-gb200-nvl72",
        include_str!("../../models/deepseek-r1-fp4-gb200-nvl72.toml"),
    ),
    (
        "qwen3-235b-fp8-h200",
        include_str!("../../models/qwen3-235b-fp8-h200.toml"),
    ),
    (
        "qwen3-30b-fp4-b200",
        include_str!("../../models/qwen3-30b-fp4-b200.toml"),
    ),
    (
        "llama3.3-70b-fp8-mi300x",
        include_str!("../../models/llama3.3-70b-fp8-mi300x.toml"),
    ),
    (
        "llama3-70b-fp8-4xh100",
        include_str!("../../models/llama3-70b-fp8-4xh100.toml"),
    ),
    (
        "llama3-70b-bf16-4xh100",
        include_str!("../../models/llama3-70b-bf16-4xh100.toml"),
    ),
    (
        "llama3-8b-bf16-1xh100",
        include_str!("../../models/llama3-8b-bf16-1xh100.toml"),
    ),
];

/// Built-in hardware profiles (the files in `hardware/`).
pub const BUILTIN_HARDWARE: &[(&str, &str)] = &[
    ("h100-sxm", include_str!("../../hardware/h100-sxm.toml")),
    ("h200-sxm", include_str!("../../hardware/h200-sxm.toml")),
    ("b200", include_str!("../../hardware/b200.toml")),
    ("gb200", include_str!("../../hardware/gb200.toml")),
    ("b300", include_str!("../../hardware/b300.toml")),
    ("gb300", include_str!("../../hardware/gb300.toml")),
    ("mi300x", include_str!("../../hardware/mi300x.toml")),
    ("mi325x", include_str!("../../hardware/mi325x.toml")),
    ("mi350x", include_str!("../../hardware/mi350x.toml")),
    ("mi355x", include_str!("../../hardware/mi355x.toml")),
];

/// Built-in architectures (the files in `models/architectures/`).
pub const BUILTIN_ARCHITECTURES: &[(&str, &str)] = &[
    (
        "llama3-70b",
        include_str!("../../models/architectures/llama3-70b.toml"),
    ),
    (
        "llama3-8b",
        include_str!("../../models/architectures/llama3-8b.toml"),
    ),
    (
        "llama3.1-405b",
        include_str!("../../models/architectures/llama3.1-405b.toml"),
    ),
    (
        "llama2-70b",
        include_str!("../../models/architectures/llama2-70b.toml"),
    ),
    (
        "deepseek-r1",
        include_str!("../../models/architectures/deepseek-r1.toml"),
    ),
    (
        "qwen3-235b-a22b",
        include_str!("../../models/architectures/qwen3-235b-a22b.toml"),
    ),
    (
        "qwen3-30b-a3b",
        include_str!("../../models/architectures/qwen3-30b-a3b.toml"),
    ),
    (
        "gpt-oss-120b",
        include_str!("../../models/architectures/gpt-oss-120b.toml"),
    ),
    (
        "gpt-oss-20b",
        include_str!("../../models/architectures/gpt-oss-20b.toml"),
    ),
    (
        "llama4-scout",
        include_str!("../../models/architectures/llama4-scout.toml"),
    ),
    (
        "llama4-maverick",
        include_str!("../../models/architectures/llama4-maverick.toml"),
    ),
    (
        "mixtral-8x7b",
        include_str!("../../models/architectures/mixtral-8x7b.toml"),
    ),
    (
        "mixtral-8x22b",
        include_str!("../../models/architectures/mixtral-8x22b.toml"),
    ),
];

/// Memory per GPU a serving engine keeps outside weights and KV cache
/// (activations of a full step, CUDA context and graphs, communication
/// buffers), GiB: an ASSUMPTION (8 and 14 GiB did not fit the published
/// figures better).
pub(super) const RESERVE_GIB: f64 = 4.0;

/// Output tokens per request assumed when a scenario gives only
/// `input_per_output` (ASSUMPTION: a chat answer of a few paragraphs; the
/// Azure conversation trace averages 211).
pub const DEFAULT_OUTPUT_TOKENS: f64 = 256.0;

/// A validated model profile: how much one replica serves.
#[derive(Debug, Clone, Serialize)]
pub struct Model {
    /// Profile name.
    pub name: String,
    /// Where its figures come from.
    pub source: String,
    /// GPU type.
    pub gpu: String,
    /// GPUs per replica (tensor parallel: one failed GPU takes the replica down).
    pub gpus_per_replica: u32,
    /// Where the throughput comes from.
    pub throughput: Throughput,
    /// Fraction of peak throughput that can be served within latency targets.
    pub utilization_ceiling: Dist,
    /// A measured profile's operating point in the decode table, which a
    /// measured figure is checked against.
    #[serde(skip)]
    pub decode: Option<DecodePoint>,
}

/// An operating point of `models/h100_decode_step.csv` and its figure.
#[derive(Debug, Clone, PartialEq)]
pub struct DecodePoint {
    /// Output tokens per second per GPU the table measured there.
    pub tok_s_per_gpu: f64,
    /// Weight format of the row.
    pub weights_dtype: String,
    /// Batch of the row.
    pub batch: i64,
    /// Context tokens of the row.
    pub context_tokens: i64,
}

/// Where a replica's throughput comes from.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Throughput {
    /// A figure measured on the user's own mix: output tokens per second per
    /// GPU at full load, whatever the request lengths.
    Measured {
        /// Output tokens per second per GPU.
        tok_s_per_gpu: Dist,
    },
    /// The serving model, on each trial's request mix.
    Serving {
        /// The replica's hardware, shape and engine.
        replica: Box<Replica>,
        /// How far the model may be off, as a fraction (drawn per trial).
        error: Dist,
    },
}

impl Model {
    /// Run on `gpus` GPUs per replica (the serving model's tensor-parallel
    /// size with it); an error if the weights no longer fit.
    pub fn set_gpus(&mut self, gpus: u32) -> Result<(), ServingError> {
        self.gpus_per_replica = gpus;
        match &mut self.throughput {
            Throughput::Serving { replica, .. } => {
                replica.gpus = gpus;
                replica.kv_cache_tokens().map(|_| ())
            }
            Throughput::Measured { .. } => Ok(()),
        }
    }

    /// The measured tok/s per GPU, if the profile gives one.
    pub fn measured(&self) -> Option<&Dist> {
        match &self.throughput {
            Throughput::Measured { tok_s_per_gpu } => Some(tok_s_per_gpu),
            Throughput::Serving { .. } => None,
        }
    }

    /// The serving model, if the profile has one.
    pub fn replica(&self) -> Option<&Replica> {
        match &self.throughput {
            Throughput::Serving { replica, .. } => Some(replica),
            Throughput::Measured { .. } => None,
        }
    }

    /// Output tokens per second per GPU at full load on `mix` under
    /// `target`, before the utilization ceiling and the model's error: the
    /// measured figure, or the serving model's. 0 when the replica cannot
    /// serve the mix at all (a request longer than its KV cache).
    pub fn tok_s_per_gpu(&self, measured: f64, mix: Mix, target: LatencyTarget) -> f64 {
        match self.replica() {
            None => measured,
            Some(r) => r
                .operate(mix, target)
                .map_or(0.0, |p| p.output_tokens_per_s / f64::from(r.gpus)),
        }
    }
}

/// A model profile by name (built-in) or path (relative to the working
/// folder), for `capsim capacity`.
pub fn load_profile(name: &str) -> Result<Model, ScenarioError> {
    let mut v = Validator {
        text: "",
        issues: Vec::new(),
        warnings: Vec::new(),
    };
    match v.model_profile("profile", name, None) {
        Some(m) if v.issues.is_empty() => Ok(m),
        _ => Err(ScenarioError::Invalid {
            origin: name.to_owned(),
            issues: v.issues,
        }),
    }
}

/// `(text, origin, folder of the file)` of a profile named `name`: a path
/// (relative to `dir`) if it ends in `.toml` or holds a `/`, else a
/// built-in from `builtins` (shipped in `folder`). `hint` ends the message
/// for an unknown name.
pub(super) fn read_named(
    kind: &str,
    name: &str,
    dir: Option<&Path>,
    (builtins, folder): (&[(&str, &str)], &str),
    hint: &str,
) -> Result<(String, String, Option<PathBuf>), String> {
    if name.ends_with(".toml") || name.contains('/') {
        let path = dir
            .map(|d| d.join(name))
            .unwrap_or_else(|| PathBuf::from(name));
        let origin = path.display().to_string();
        let bytes = crate::input::read_bounded(&path, crate::input::MAX_TOML_BYTES)
            .map_err(|e| format!("cannot read {kind} {origin}: {e}"))?;
        let text = super::utf8(bytes, &origin).map_err(|e| e.to_string())?;
        let parent = path.parent().map(Path::to_owned);
        return Ok((text, origin, parent));
    }
    match builtins.iter().find(|(n, _)| *n == name) {
        Some((_, t)) => Ok((t.to_string(), format!("{folder}/{name}.toml"), None)),
        None => {
            let known: Vec<&str> = builtins.iter().map(|(n, _)| *n).collect();
            Err(format!(
                "no {kind} named `{name}` (built-in: {}; or give a path ending in .toml{hint})",
                known.join(", ")
            ))
        }
    }
}

/// Positive, finite and at most `max`, else an issue.
pub(super) fn positive(pv: &mut Validator, field: &str, x: f64, max: f64, unit: &str) -> f64 {
    if !(x.is_finite() && x > 0.0 && x <= max) {
        pv.push(
            field,
            None,
            format!("{x} is out of range: must be greater than 0 and at most {max} ({unit})"),
        );
        return f64::NAN;
    }
    x
}

pub(super) fn fraction(pv: &mut Validator, field: &str, x: f64) -> f64 {
    if !(x.is_finite() && x > 0.0 && x <= 1.0) {
        let hint = if x > 1.0 && x <= 100.0 {
            format!(" (a fraction: {} for {x}%)", x / 100.0)
        } else {
            String::new()
        };
        pv.push(
            field,
            None,
            format!("{x} must be a fraction greater than 0 and at most 1{hint}"),
        );
        return f64::NAN;
    }
    x
}

impl Validator<'_> {
    /// Read the `kind` file `name` and parse it as `T`: `(parsed, text,
    /// origin, folder of the file)`, or an issue on `field`.
    pub(super) fn read_profile_file<T: serde::de::DeserializeOwned>(
        &mut self,
        field: &str,
        kind: &str,
        name: &str,
        dir: Option<&Path>,
        (builtins, folder): (&[(&str, &str)], &str),
    ) -> Option<(T, String, String, Option<PathBuf>)> {
        let (text, origin, pdir) = match read_named(kind, name, dir, (builtins, folder), "") {
            Ok(x) => x,
            Err(e) => {
                self.push(field, None, e);
                return None;
            }
        };
        match toml::from_str(&text) {
            Ok(t) => Some((t, text, origin, pdir)),
            Err(e) => {
                self.push(
                    field,
                    None,
                    format!(
                        "{kind} file {origin}: {}",
                        crate::input::cut_long_lines(e.to_string().trim_end(), 200)
                    ),
                );
                None
            }
        }
    }

    /// Read and check the model profile `name` (and the architecture and
    /// hardware it names). Problems are recorded with the file they are in.
    pub(super) fn model_profile(
        &mut self,
        field: &str,
        name: &str,
        dir: Option<&Path>,
    ) -> Option<Model> {
        let (p, text, origin, pdir): (RawModelProfile, _, _, _) = self.read_profile_file(
            field,
            "model profile",
            name,
            dir,
            (BUILTIN_MODELS, "models"),
        )?;
        self.model_from(p, &text, &origin, pdir.as_deref())
    }

    /// Check a parsed model profile (`text` is its file's, for line numbers).
    pub(super) fn model_from(
        &mut self,
        p: RawModelProfile,
        text: &str,
        origin: &str,
        pdir: Option<&Path>,
    ) -> Option<Model> {
        let origin = origin.to_owned();
        // Lines in the profile file are not lines of the scenario: check with its own text.
        let mut pv = Validator {
            text,
            issues: Vec::new(),
            warnings: Vec::new(),
        };
        let f = |k: &str| format!("{origin}: {k}");
        let gpus = pv.count(&f("gpus_per_replica"), Some(p.gpus_per_replica), 1, 1, 1024);
        let ceil = pv.dist(&f("utilization_ceiling"), &p.utilization_ceiling, CEILING);
        let decode = pv.decode_point(&p, &origin);
        let serving = p.architecture.is_some() || p.hardware.is_some();
        let measured = p.tok_s_per_gpu.is_some() || p.decode.is_some();
        let throughput = if serving {
            if measured {
                pv.push(
                    f("tok_s_per_gpu"),
                    None,
                    "give either tok_s_per_gpu (a measured figure) or architecture and hardware (the serving model), not both",
                );
            }
            let replica = pv.replica(&p, &origin, pdir, gpus);
            let error = match &p.throughput_error {
                Some(e) => pv.dist(
                    &f("throughput_error"),
                    e,
                    Range::between(-0.9, 5.0)
                        .with_unit("a fraction: -0.15 means 15% less than the model"),
                ),
                None => Dist::fixed(0.0),
            };
            replica.map(|r| Throughput::Serving {
                replica: Box::new(r),
                error,
            })
        } else {
            for (k, given) in [
                ("weights_dtype", p.weights_dtype.is_some()),
                ("kv_cache_dtype", p.kv_cache_dtype.is_some()),
                ("throughput_error", p.throughput_error.is_some()),
                ("engine", p.engine.is_some()),
            ] {
                if given {
                    pv.push(
                        f(k),
                        None,
                        "only applies to the serving model (architecture and hardware)",
                    );
                }
            }
            let table = decode.as_ref().map(|d| d.tok_s_per_gpu);
            pv.measured_throughput(&p, &origin, table)
                .map(|t| Throughput::Measured { tok_s_per_gpu: t })
        };
        let gpu = match (&p.gpu, &throughput) {
            (Some(g), _) => g.clone(),
            (None, Some(Throughput::Serving { replica, .. })) => replica.gpu.name.clone(),
            (None, _) => {
                pv.push(f("gpu"), None, "missing: the GPU type, e.g. \"H100-80GB\"");
                String::new()
            }
        };
        self.issues.append(&mut pv.issues);
        self.warnings.append(&mut pv.warnings);
        Some(Model {
            name: p.name,
            source: p.source,
            gpu,
            gpus_per_replica: gpus,
            throughput: throughput?,
            utilization_ceiling: ceil,
            decode,
        })
    }

    /// The profile's `[decode]` operating point in the measured decode table.
    fn decode_point(&mut self, p: &RawModelProfile, origin: &str) -> Option<DecodePoint> {
        let d = p.decode.as_ref()?;
        match decode::per_gpu_tok_s(&d.weights_dtype, d.batch, d.context_tokens) {
            Ok(v) => Some(DecodePoint {
                tok_s_per_gpu: v,
                weights_dtype: d.weights_dtype.clone(),
                batch: d.batch,
                context_tokens: d.context_tokens,
            }),
            Err(e) => {
                self.push(format!("{origin}: decode"), None, e.to_string());
                None
            }
        }
    }

    /// A measured profile's tok/s per GPU: given, or the decode table's
    /// (`table`, at the profile's operating point).
    fn measured_throughput(
        &mut self,
        p: &RawModelProfile,
        origin: &str,
        table: Option<f64>,
    ) -> Option<Dist> {
        match (&p.tok_s_per_gpu, table) {
            (Some(t), _) => Some(self.dist(&format!("{origin}: tok_s_per_gpu"), t, TOK_S_PER_GPU)),
            // Measured: the table's figure at this batch and context.
            (None, Some(v)) => Some(Dist::fixed(v)),
            (None, None) => {
                if p.decode.is_none() {
                    self.push(
                        format!("{origin}: tok_s_per_gpu"),
                        None,
                        "missing: give tok_s_per_gpu (a measured figure), or architecture and hardware for the serving model",
                    );
                }
                None
            }
        }
    }

    /// The serving model of a profile.
    fn replica(
        &mut self,
        p: &RawModelProfile,
        origin: &str,
        dir: Option<&Path>,
        gpus: u32,
    ) -> Option<Replica> {
        let f = |k: &str| format!("{origin}: {k}");
        let dtype = |pv: &mut Self, k: &str, v: &Option<String>, default: Dtype| match v {
            None => default,
            Some(s) => Dtype::parse(s).unwrap_or_else(|| {
                pv.push(
                    f(k),
                    None,
                    format!("`{s}` is not a known number format ({})", Dtype::NAMES),
                );
                default
            }),
        };
        let weights = dtype(self, "weights_dtype", &p.weights_dtype, Dtype::Bf16);
        let parallel = match p.parallel.as_deref() {
            None => Parallel::Tp,
            Some(s) => Parallel::parse(s).unwrap_or_else(|| {
                self.push(
                    f("parallel"),
                    None,
                    format!("`{s}`: must be one of {}", Parallel::NAMES),
                );
                Parallel::Tp
            }),
        };
        let architecture = match &p.architecture {
            Some(a) => self.architecture(a, dir, &f("architecture")),
            None => {
                self.push(
                    f("architecture"),
                    None,
                    "missing: the serving model needs an architecture (e.g. \"llama3-70b\")",
                );
                None
            }
        };
        let gpu = match &p.hardware {
            Some(h) => self.hardware(h, dir, &f("hardware")),
            None => {
                self.push(
                    f("hardware"),
                    None,
                    "missing: the serving model needs a hardware profile (e.g. \"h100-sxm\")",
                );
                None
            }
        };
        let e = p.engine.as_ref();
        let engine = EngineLimits {
            max_batch: e
                .and_then(|e| e.max_batch)
                .map(|v| self.count(&f("engine.max_batch"), Some(v), 2048, 1, 1_000_000)),
            max_num_tokens: e
                .and_then(|e| e.max_num_tokens)
                .map(|v| self.count(&f("engine.max_num_tokens"), Some(v), 8192, 1, 100_000_000)),
            kv_cache_memory_fraction: fraction(
                self,
                &f("engine.kv_cache_memory_fraction"),
                e.and_then(|e| e.kv_cache_memory_fraction).unwrap_or(0.95),
            ),
            runtime_reserve_gib: {
                let r = e.and_then(|e| e.runtime_reserve_gib).unwrap_or(RESERVE_GIB);
                if !(r.is_finite() && (0.0..=1e4).contains(&r)) {
                    self.push(
                        f("engine.runtime_reserve_gib"),
                        None,
                        format!("{r}: must be between 0 and 10000 GiB"),
                    );
                }
                r
            },
        };
        let gpu = gpu?;
        let kv_cache = dtype(
            self,
            "kv_cache_dtype",
            &p.kv_cache_dtype,
            weights.default_kv_cache(true),
        );
        let architecture = architecture?;
        let dense_weights = dtype(
            self,
            "dense_weights_dtype",
            &p.dense_weights_dtype,
            weights.default_dense(architecture.moe.is_some()),
        );
        let replica = Replica {
            gpu,
            architecture,
            weights,
            dense_weights,
            kv_cache,
            gpus,
            parallel,
            engine,
        };
        self.check_replica(&replica, &f("gpus_per_replica"));
        Some(replica)
    }
}

pub(super) fn non_negative(pv: &mut Validator, field: &str, x: f64, max: f64) -> f64 {
    if !(x.is_finite() && (0.0..=max).contains(&x)) {
        pv.push(field, None, format!("{x}: must be between 0 and {max}"));
        return f64::NAN;
    }
    x
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::serving::tests::{h100, llama70b};

    #[test]
    fn the_shipped_h100_profile_is_the_calibrated_replica() {
        let m = load_profile("llama3-70b-fp8-h100").unwrap();
        assert_eq!(m.replica(), Some(&llama70b(h100(), 4)));
        assert_eq!(m.gpus_per_replica, 4);
    }

    #[test]
    fn every_builtin_profile_loads() {
        for (name, _) in BUILTIN_MODELS {
            let m = load_profile(name).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(&m.name, name);
        }
    }

    #[test]
    fn h200_serves_at_least_what_h100_does_on_every_mix() {
        let h100 = load_profile("llama3-70b-fp8-h100").unwrap();
        let h200 = load_profile("llama3-70b-fp8-h200").unwrap();
        let none = LatencyTarget::default();
        for g in [1, 2, 4, 8] {
            let (mut a, mut b) = (
                h100.replica().unwrap().clone(),
                h200.replica().unwrap().clone(),
            );
            a.gpus = g;
            b.gpus = g;
            for i in [0.0, 128.0, 1000.0, 2048.0, 5000.0, 20000.0, 60000.0] {
                for o in [1.0, 28.0, 128.0, 500.0, 2048.0, 8192.0] {
                    let mix = Mix::new(i, o);
                    let x = a.operate(mix, none).map_or(0.0, |p| p.output_tokens_per_s);
                    let y = b.operate(mix, none).map_or(0.0, |p| p.output_tokens_per_s);
                    assert!(y >= x, "TP{g} {i}/{o}: H200 {y} < H100 {x}");
                }
            }
        }
    }

    #[test]
    fn bad_hardware_values_name_their_field() {
        let dir = std::env::temp_dir().join(format!("capsim-hw-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let hw = BUILTIN_HARDWARE[0]
            .1
            .replace("hbm_tb_s = 3.35", "hbm_tb_s = 3350");
        std::fs::write(dir.join("hw.toml"), hw).unwrap();
        let prof = BUILTIN_MODELS[0]
            .1
            .replace("hardware = \"h100-sxm\"", "hardware = \"hw.toml\"");
        std::fs::write(dir.join("p.toml"), prof).unwrap();
        let e = load_profile(dir.join("p.toml").to_str().unwrap())
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("hbm_tb_s") && e.contains("3.35 for an H100"),
            "{e}"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
