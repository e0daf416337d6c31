//! A serving-model replica composed without a profile file (`capsim
//! capacity --gpu --model`, `[model] hardware = …, architecture = …`), and
//! how a name or alias finds its built-in file.

use std::path::Path;

use super::profile::{BUILTIN_ARCHITECTURES, BUILTIN_HARDWARE, Model};
use super::raw::RawModelProfile;
use super::{ScenarioError, Validator};

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
    /// `tp` or `dep` (default: dep for an MoE model on more than one GPU, else tp).
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
        let text_for = |gpus: u32| {
            let parallel = c
                .parallel
                .clone()
                .unwrap_or_else(|| if is_moe && gpus > 1 { "dep" } else { "tp" }.to_owned());
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
                q(&parallel),
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
        let build = |v: &mut Self, gpus: u32| -> Option<Model> {
            let text = text_for(gpus);
            let p: RawModelProfile = match toml::from_str(&text) {
                Ok(p) => p,
                Err(e) => {
                    v.push(field, None, e.to_string());
                    return None;
                }
            };
            v.model_from(p, &text, field, dir)
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
