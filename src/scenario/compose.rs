//! A serving-model replica composed without a profile file (`capsim
//! capacity --gpu --model`, `[model] hardware = …, architecture = …`), and
//! how a name or alias finds its built-in file.

use std::path::Path;

use super::profile::{BUILTIN_ARCHITECTURES, BUILTIN_HARDWARE, Model, Throughput};
use super::raw::RawModelProfile;
use super::{ScenarioError, Validator};
use crate::serving::{LatencyTarget, Mix};

/// A serving-model replica composed without a profile file: what `capsim
/// capacity --gpu --model` and `[model] hardware = …, architecture = …` give.
#[derive(Debug, Clone, Default)]
pub struct Composition {
    /// Hardware profile: a built-in name or alias (`B200`, `MI300X`) or a path.
    pub hardware: String,
    /// Architecture: a built-in name or alias (`gpt-oss-120b`) or a path.
    pub architecture: String,
    /// Weight format (default bf16).
    pub precision: Option<String>,
    /// KV-cache format (default: FP8 for 4-bit float weights, else the 16-bit one).
    pub kv_cache: Option<String>,
    /// GPUs per replica (default: the fewest of 1, 2, 4, 8, 16, 32, 64, 72
    /// that hold the weights).
    pub gpus: Option<u32>,
    /// `tp` or `dep` (default: for an MoE model on more than one GPU, the one
    /// that serves more on the reference mix, 1,155 + 211 tokens; else tp).
    pub parallel: Option<String>,
}

/// GPU counts tried, in order, when a composition gives none.
const GPU_COUNTS: [u32; 8] = [1, 2, 4, 8, 16, 32, 64, 72];

/// The model profile of a composition, checked as a profile file would be
/// (its `origin` in messages is `field`).
pub fn compose(c: &Composition, field: &str, dir: Option<&Path>) -> Result<Model, ScenarioError> {
    let mut v = Validator {
        text: "",
        issues: Vec::new(),
        warnings: Vec::new(),
    };
    let m = v.compose(c, field, dir);
    match m {
        Some(m) if v.issues.is_empty() => Ok(m),
        _ => Err(ScenarioError::Invalid {
            origin: field.to_owned(),
            issues: v.issues,
        }),
    }
}

impl Validator<'_> {
    /// See [`compose`]; issues and warnings recorded here.
    pub(super) fn compose(
        &mut self,
        c: &Composition,
        field: &str,
        dir: Option<&Path>,
    ) -> Option<Model> {
        let q = |s: &str| toml::Value::String(s.to_owned()).to_string();
        let hardware = resolve_builtin(&c.hardware, BUILTIN_HARDWARE);
        let architecture = resolve_builtin(&c.architecture, BUILTIN_ARCHITECTURES);
        let precision = c.precision.clone().unwrap_or_else(|| "bf16".to_owned());
        // MoE or not decides the default layout.
        let is_moe = {
            let mut probe = Validator {
                text: "",
                issues: Vec::new(),
                warnings: Vec::new(),
            };
            probe
                .architecture(&architecture, dir, field)
                .is_some_and(|a| a.moe.is_some())
        };
        let text_for = |gpus: u32, parallel: &str| {
            let short = |s: &str| {
                Path::new(s)
                    .file_stem()
                    .map_or(s.to_owned(), |x| x.to_string_lossy().into_owned())
            };
            let name = format!(
                "{}-{}-{gpus}x{}-{parallel}",
                short(&architecture),
                precision.to_ascii_lowercase(),
                short(&hardware)
            );
            let mut t = format!(
                "name = {}
source = {}
architecture = {}
hardware = {}
weights_dtype = {}
gpus_per_replica = {gpus}
parallel = {}
",
                q(&name),
                q(
                    "composed from a hardware profile and an architecture (no profile file); throughput_error ±20% and the utilization ceiling are ASSUMPTIONS, as in the shipped profiles"
                ),
                q(&architecture),
                q(&hardware),
                q(&precision),
                q(parallel),
            );
            if let Some(kv) = &c.kv_cache {
                t.push_str(&format!(
                    "kv_cache_dtype = {}
",
                    q(kv)
                ));
            }
            t.push_str(
                "utilization_ceiling = { low = 0.75, likely = 0.85, high = 0.9 }
",
            );
            t.push_str(
                "throughput_error = { low = -0.2, likely = 0.0, high = 0.2 }
",
            );
            t
        };
        let build_as = |v: &mut Self, gpus: u32, parallel: &str| -> Option<Model> {
            let text = text_for(gpus, parallel);
            let p: RawModelProfile = match toml::from_str(&text) {
                Ok(p) => p,
                Err(e) => {
                    v.push(field, None, e.to_string());
                    return None;
                }
            };
            v.model_from(p, &text, field, dir)
        };
        // The layout: the one given; else, for an MoE model over several
        // GPUs, whichever of DEP and TP serves more on the reference mix
        // (DEP replicates attention on every GPU, which can leave no room
        // for the KV cache: Qwen3-235B FP8 on 2×H200 runs a batch of 4).
        let layouts = |gpus: u32| -> Vec<String> {
            match &c.parallel {
                Some(p) => vec![p.clone()],
                None if is_moe && gpus > 1 => vec!["dep".into(), "tp".into()],
                None => vec!["tp".into()],
            }
        };
        let build = |v: &mut Self, gpus: u32| -> Option<Model> {
            let all = layouts(gpus);
            let mut best: Option<(f64, &str)> = None;
            if all.len() > 1 {
                for p in &all {
                    let mut probe = Validator {
                        text: "",
                        issues: Vec::new(),
                        warnings: Vec::new(),
                    };
                    let rate = build_as(&mut probe, gpus, p)
                        .filter(|_| probe.issues.is_empty())
                        .map(|m| reference_rate(&m));
                    if let Some(r) = rate {
                        if best.is_none_or(|(b, _)| r > b) {
                            best = Some((r, p));
                        }
                    }
                }
            }
            build_as(v, gpus, best.map_or(all[0].as_str(), |(_, p)| p))
        };
        let gpus = match c.gpus {
            Some(g) => g,
            None => {
                // The fewest GPUs that hold the weights; else the last, to report why.
                let fits = GPU_COUNTS.iter().copied().find(|&g| {
                    let mut probe = Validator {
                        text: "",
                        issues: Vec::new(),
                        warnings: Vec::new(),
                    };
                    build(&mut probe, g).is_some() && probe.issues.is_empty()
                });
                fits.unwrap_or(GPU_COUNTS[GPU_COUNTS.len() - 1])
            }
        };
        build(self, gpus)
    }
}

/// Output tokens per second a composed replica serves on the reference mix
/// (the Azure LLM inference trace's conversation means, 1,155 prompt + 211
/// output tokens; no latency target), to choose its layout; 0 when it
/// cannot run.
fn reference_rate(m: &Model) -> f64 {
    match &m.throughput {
        Throughput::Serving { replica, .. } => replica
            .operate(Mix::new(1155.0, 211.0), LatencyTarget::default())
            .map_or(0.0, |o| o.output_tokens_per_s),
        Throughput::Measured { .. } => 0.0,
    }
}

/// The built-in whose stem or one of whose `aliases` is `name` (case and
/// punctuation ignored: "B200", "b-200" and "b200" are one), else `name`.
pub fn resolve_builtin(name: &str, builtins: &[(&str, &str)]) -> String {
    if name.ends_with(".toml") || name.contains('/') {
        return name.to_owned();
    }
    let key = normalize(name);
    for (stem, _) in builtins {
        if normalize(stem) == key {
            return (*stem).to_owned();
        }
    }
    for (stem, text) in builtins {
        let aliases = toml::from_str::<toml::Table>(text)
            .ok()
            .and_then(|t| t.get("aliases").cloned());
        if let Some(toml::Value::Array(a)) = aliases {
            if a.iter()
                .any(|v| v.as_str().is_some_and(|x| normalize(x) == key))
            {
                return (*stem).to_owned();
            }
        }
    }
    name.to_owned()
}

/// Lower case, letters and digits only.
pub fn normalize(s: &str) -> String {
    s.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::serving::Parallel;

    fn layout(gpu: &str, model: &str, precision: &str, parallel: Option<&str>) -> (Parallel, f64) {
        let c = Composition {
            hardware: gpu.into(),
            architecture: model.into(),
            precision: Some(precision.into()),
            parallel: parallel.map(str::to_owned),
            ..Composition::default()
        };
        let m = compose(&c, "test", None).unwrap();
        let Throughput::Serving { replica, .. } = &m.throughput else {
            panic!("a composition is a serving-model profile")
        };
        (replica.parallel, reference_rate(&m))
    }

    /// Without a layout, an MoE model over several GPUs takes whichever of
    /// DEP and TP serves more on the reference mix: TP for Qwen3-235B FP8 on
    /// two H200s (DEP replicates attention and leaves less KV cache), DEP for
    /// DeepSeek-R1 NVFP4 on four B200s; a layout given is kept.
    #[test]
    fn the_default_layout_is_the_faster() {
        let (chosen, rate) = layout("H200", "qwen3-235b-a22b", "fp8", None);
        let (_, dep) = layout("H200", "qwen3-235b-a22b", "fp8", Some("dep"));
        let (_, tp) = layout("H200", "qwen3-235b-a22b", "fp8", Some("tp"));
        assert_eq!(chosen, Parallel::Tp);
        assert_eq!(rate, tp);
        assert!(tp > 1.5 * dep, "tp {tp} vs dep {dep}");
        let (chosen, rate) = layout("B200", "deepseek-r1", "nvfp4", None);
        let (_, tp) = layout("B200", "deepseek-r1", "nvfp4", Some("tp"));
        assert_eq!(chosen, Parallel::Dep);
        assert!(rate > tp, "dep {rate} vs tp {tp}");
    }
}
