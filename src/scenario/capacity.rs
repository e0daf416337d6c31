//! `[model]` and `[slo]`: the model profile with the scenario's overrides,
//! the latency targets, and the check that the replica serves the demand's
//! point mix.

use super::*;

impl Validator<'_> {
    /// `[model]`: a profile, with the scenario's overrides.
    pub(super) fn model(&mut self, r: &RawModelRef, dir: Option<&Path>) -> Option<Model> {
        let composing = r.hardware.is_some() || r.architecture.is_some();
        let mut m = match (&r.profile, composing) {
            (Some(p), false) => self.model_profile("model.profile", p, dir)?,
            (Some(_), true) => {
                self.push(
                    "model.profile",
                    None,
                    "give a profile, or hardware and architecture to compose one, not both",
                );
                return None;
            }
            (None, true) => {
                let (Some(hardware), Some(architecture)) = (&r.hardware, &r.architecture) else {
                    let missing = if r.hardware.is_none() {
                        "hardware"
                    } else {
                        "architecture"
                    };
                    self.push(
                        format!("model.{missing}"),
                        None,
                        "missing: a composed [model] needs both hardware (e.g. \"B200\") and architecture (e.g. \"gpt-oss-120b\")",
                    );
                    return None;
                };
                let c = super::compose::Composition {
                    hardware: hardware.clone(),
                    architecture: architecture.clone(),
                    precision: r.precision.clone(),
                    kv_cache: r.kv_cache_dtype.clone(),
                    gpus: r
                        .gpus_per_replica
                        .and_then(|g| u32::try_from(g).ok())
                        .filter(|g| (1..=1024).contains(g)),
                    parallel: r.parallel.clone(),
                };
                self.compose(&c, "model", dir)?
            }
            (None, false) => {
                self.push(
                    "model.profile",
                    None,
                    "missing: a profile (e.g. \"llama3-70b-fp8-h100\"), or hardware and architecture to compose one",
                );
                return None;
            }
        };
        for (k, given) in [
            ("precision", r.precision.is_some()),
            ("kv_cache_dtype", r.kv_cache_dtype.is_some()),
            ("parallel", r.parallel.is_some()),
        ] {
            if given && !composing {
                self.push(
                    format!("model.{k}"),
                    None,
                    "only applies to a composed [model] (hardware and architecture); a profile sets its own",
                );
            }
        }
        if let Some(g) = r.gpus_per_replica {
            let g = self.count(
                "model.gpus_per_replica",
                Some(g),
                m.gpus_per_replica,
                1,
                1024,
            );
            // The weights' fit is among the replica's checks.
            let _ = m.set_gpus(g);
            if let Some(rep) = m.replica() {
                let rep = rep.clone();
                self.check_replica(&rep, "model.gpus_per_replica");
            }
        }
        if let Some(c) = &r.utilization_ceiling {
            m.utilization_ceiling = self.dist("model.utilization_ceiling", c, CEILING);
        }
        if let Some(t) = &r.tok_s_per_gpu {
            // A figure measured on the user's own mix replaces the profile's.
            let t = self.dist("model.tok_s_per_gpu", t, TOK_S_PER_GPU);
            m.throughput = Throughput::Measured { tok_s_per_gpu: t };
        }
        if let (Some(t), Some(d)) = (m.measured(), &m.decode) {
            if t.point() > d.tok_s_per_gpu * (1.0 + 1e-9) {
                self.warnings.push(format!(
                    "model.tok_s_per_gpu: {} tok/s per GPU is above the {} that models/h100_decode_step.csv measured for {}, batch {}, {}-token context (an upper bound: no all-reduce, prefill or scheduling)",
                    crate::dist::num(t.point()),
                    d.tok_s_per_gpu,
                    d.weights_dtype,
                    d.batch,
                    d.context_tokens
                ));
            }
        }
        Some(m)
    }

    /// `[slo]`: latency targets in milliseconds.
    pub(super) fn slo(&mut self, r: Option<&RawSlo>) -> LatencyTarget {
        let Some(r) = r else {
            return LatencyTarget::default();
        };
        let mut ms = |k: &str, v: Option<f64>| {
            let v = v?;
            if !(v.is_finite() && v > 0.0 && v <= 600_000.0) {
                self.push(
                    format!("slo.{k}"),
                    None,
                    format!("{v}: must be greater than 0 and at most 600000 ms"),
                );
                return None;
            }
            if v < 1.0 {
                self.warnings.push(format!(
                    "slo.{k} = {v} ms is under a millisecond: the target is in milliseconds ({} for {v} s)",
                    v * 1000.0
                ));
            }
            Some(v)
        };
        let t = LatencyTarget {
            tpot_ms: ms("tpot_ms", r.tpot_ms),
            ttft_ms: ms("ttft_ms", r.ttft_ms),
        };
        if r.tpot_ms.is_none() && r.ttft_ms.is_none() {
            self.push(
                "slo",
                None,
                "empty: give tpot_ms, ttft_ms or both (milliseconds)",
            );
        }
        t
    }

    /// Model `k` (0 = `[model]`) on the demand's point mix: the serving
    /// model must serve it (within the targets); a measured figure on
    /// prompt-heavy demand is warned about, with the serving model's figure.
    pub(super) fn check_capacity(
        &mut self,
        k: usize,
        m: &Model,
        demand: &Demand,
        slo: LatencyTarget,
    ) {
        let output = demand.output_tokens.point();
        let prompt = demand
            .prompt_tokens
            .as_ref()
            .map_or(demand.input_per_output.point() * output, |p| p.point());
        let mix = Mix {
            cached_prompt_fraction: demand.cached_prompt_fraction.point(),
            ..Mix::new(prompt, output)
        };
        let field = if k == 0 {
            "model.profile".to_owned()
        } else {
            format!("profile `{}`", m.name)
        };
        match m.replica() {
            Some(r) => {
                if let Err(e) = r.operate(mix, slo) {
                    self.push(
                        field,
                        None,
                        format!(
                            "{} cannot serve the demand's requests ({prompt:.0} prompt + {output:.0} output tokens): {e}",
                            m.name
                        ),
                    );
                }
            }
            None => {
                if slo.is_set() {
                    self.warnings.push(format!(
                        "slo: {} gives a measured tok_s_per_gpu, which no latency target changes; use a serving-model profile (e.g. llama3-70b-fp8-h100) for the target to set the batch",
                        m.name
                    ));
                }
                let ratio = prompt / output;
                if ratio >= 2.0 {
                    let physics = load_profile("llama3-70b-fp8-h100").ok().and_then(|p| {
                        let mut r = p.replica()?.clone();
                        r.gpus = m.gpus_per_replica;
                        r.operate(mix, LatencyTarget::default())
                            .ok()
                            .map(|o| o.output_tokens_per_s / f64::from(r.gpus))
                    });
                    self.warnings.push(format!(
                        "model.tok_s_per_gpu: {} counts output tokens only, but the demand has {ratio:.1} prompt tokens per output token ({prompt:.0} + {output:.0} a request): prefill is not in its capacity{}. Use a serving-model profile (capsim capacity lists them) unless the figure was measured on this mix",
                        m.name,
                        physics.map_or(String::new(), |t| format!(
                            "; the serving model of Llama 3 70B FP8 on {} H100s gives {t:.0} tok/s per GPU on this mix",
                            m.gpus_per_replica
                        ))
                    ));
                }
            }
        }
    }
}
