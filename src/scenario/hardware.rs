//! Hardware profiles (`hardware/*.toml`) with their family's calibrated
//! efficiencies, architecture files by name, and a replica's layout checked
//! against its shape.

use std::path::Path;

use super::Validator;
use super::compose::resolve_builtin;
use super::profile::{BUILTIN_ARCHITECTURES, BUILTIN_HARDWARE, fraction, non_negative, positive};
use super::raw::{RawArchitecture, RawEfficiency, RawHardware};
use crate::serving::calibration::{FAMILIES, family_efficiency};
use crate::serving::{Architecture, Efficiency, Gpu, Parallel, Replica};

impl Validator<'_> {
    /// A replica's parallel layout against its shape, and its weights
    /// against memory; issues on `field`.
    pub(super) fn check_replica(&mut self, r: &Replica, field: &str) {
        let a = &r.architecture;
        if r.parallel == Parallel::Tp && r.gpus > 1 && a.heads % r.gpus != 0 {
            self.push(
                field,
                None,
                format!(
                    "tensor parallel over {} GPUs does not split {}'s {} query heads evenly: use a divisor of {} (or parallel = \"dep\" for an MoE model)",
                    r.gpus, a.name, a.heads, a.heads
                ),
            );
        }
        if r.parallel == Parallel::Dep {
            if let Some(m) = &a.moe {
                if r.gpus > m.experts {
                    self.push(
                        field,
                        None,
                        format!(
                            "expert parallel over {} GPUs leaves GPUs without an expert: {} has {} experts a layer",
                            r.gpus, a.name, m.experts
                        ),
                    );
                }
            }
        }
        if let Err(e) = r.kv_cache_tokens() {
            self.push(field, None, e.to_string());
        }
    }

    pub(super) fn hardware(&mut self, name: &str, dir: Option<&Path>, field: &str) -> Option<Gpu> {
        let name = resolve_builtin(name, BUILTIN_HARDWARE);
        let (h, _, origin, _): (RawHardware, _, _, _) = self.read_profile_file(
            field,
            "hardware profile",
            &name,
            dir,
            (BUILTIN_HARDWARE, "hardware"),
        )?;
        let f = |k: &str| format!("{origin}: {k}");
        let family = h.family.clone().unwrap_or_else(|| "hopper".to_owned());
        let base = match family_efficiency(&family) {
            Some(e) => e,
            None => {
                self.push(
                    f("family"),
                    None,
                    format!(
                        "`{family}` is not a calibrated family ({}); or give an [efficiency] table",
                        FAMILIES.join(", ")
                    ),
                );
                family_efficiency("hopper")?
            }
        };
        let e = h.efficiency.as_ref();
        let pick = |get: fn(&RawEfficiency) -> Option<f64>, d: f64| e.and_then(get).unwrap_or(d);
        let tflops = |v: &mut Self, k: &str, x: f64| positive(v, &f(k), x, 1e5, "TFLOP/s");
        let gpu = Gpu {
            name: h.name.clone(),
            family,
            memory_gib: positive(self, &f("memory_gib"), h.memory_gib, 1e4, "GiB per GPU"),
            hbm_tb_s: positive(
                self,
                &f("hbm_tb_s"),
                h.hbm_tb_s,
                100.0,
                "TB/s: 3.35 for an H100, not 3350",
            ),
            dense_tflops_4bit: h
                .dense_tflops_4bit
                .map(|x| tflops(self, "dense_tflops_4bit", x)),
            dense_tflops_8bit: tflops(self, "dense_tflops_8bit", h.dense_tflops_8bit),
            dense_tflops_16bit: tflops(self, "dense_tflops_16bit", h.dense_tflops_16bit),
            interconnect_gb_s: positive(
                self,
                &f("interconnect_gb_s"),
                h.interconnect_gb_s,
                1e5,
                "GB/s per direction",
            ),
            scale_up_gpus: self.count(&f("scale_up_gpus"), h.scale_up_gpus, 8, 1, 100_000),
            scale_out_gb_s: positive(
                self,
                &f("scale_out_gb_s"),
                h.scale_out_gb_s.unwrap_or(50.0),
                1e5,
                "GB/s per GPU and direction: 50 for a 400 Gb/s NIC",
            ),
            tdp_w: h
                .tdp_w
                .map(|w| positive(self, &f("tdp_w"), w, 1e5, "watts per GPU")),
            efficiency: Efficiency {
                bandwidth: fraction(
                    self,
                    &f("efficiency.bandwidth"),
                    pick(|e| e.bandwidth, base.bandwidth),
                ),
                compute: fraction(
                    self,
                    &f("efficiency.compute"),
                    pick(|e| e.compute, base.compute),
                ),
                interconnect: fraction(
                    self,
                    &f("efficiency.interconnect"),
                    pick(|e| e.interconnect, base.interconnect),
                ),
                allreduce_latency_us: non_negative(
                    self,
                    &f("efficiency.allreduce_latency_us"),
                    pick(|e| e.allreduce_latency_us, base.allreduce_latency_us),
                    1e5,
                ),
                step_overhead_ms: non_negative(
                    self,
                    &f("efficiency.step_overhead_ms"),
                    pick(|e| e.step_overhead_ms, base.step_overhead_ms),
                    1e4,
                ),
                moe_compute: fraction(
                    self,
                    &f("efficiency.moe_compute"),
                    pick(|e| e.moe_compute, base.moe_compute),
                ),
                sequence_overhead_us: non_negative(
                    self,
                    &f("efficiency.sequence_overhead_us"),
                    pick(|e| e.sequence_overhead_us, base.sequence_overhead_us),
                    1e4,
                ),
                activation_passes: non_negative(
                    self,
                    &f("efficiency.activation_passes"),
                    pick(|e| e.activation_passes, base.activation_passes),
                    1e3,
                ),
                all_to_all_latency_us: non_negative(
                    self,
                    &f("efficiency.all_to_all_latency_us"),
                    pick(|e| e.all_to_all_latency_us, base.all_to_all_latency_us),
                    1e5,
                ),
                w4a16_compute: fraction(
                    self,
                    &f("efficiency.w4a16_compute"),
                    pick(|e| e.w4a16_compute, base.w4a16_compute),
                ),
            },
        };
        if gpu.dense_tflops_8bit < gpu.dense_tflops_16bit
            || gpu
                .dense_tflops_4bit
                .is_some_and(|x| x < gpu.dense_tflops_8bit)
        {
            self.warnings.push(format!(
                "{origin}: a narrower format has fewer TFLOP/s than a wider one (4-bit {:?}, 8-bit {}, 16-bit {}): check for a figure with sparsity",
                gpu.dense_tflops_4bit, gpu.dense_tflops_8bit, gpu.dense_tflops_16bit
            ));
        }
        Some(gpu)
    }

    pub(super) fn architecture(
        &mut self,
        name: &str,
        dir: Option<&Path>,
        field: &str,
    ) -> Option<Architecture> {
        let name = resolve_builtin(name, BUILTIN_ARCHITECTURES);
        let (a, _, origin, _): (RawArchitecture, _, _, _) = self.read_profile_file(
            field,
            "architecture",
            &name,
            dir,
            (BUILTIN_ARCHITECTURES, "models/architectures"),
        )?;
        super::shape::architecture(self, a, &origin)
    }
}
