//! A pool's purchasable unit: the instances (nodes) one buys at a time and
//! the replicas they hold. A replica that fits in an instance makes the
//! unit one instance of `floor(N / g)` replicas; a replica larger than the
//! instance (16 GPUs over two 8-GPU servers) makes the unit the
//! `ceil(g / N)` instances of one replica, priced, failed and spared as one.

use super::*;
use crate::gpu_catalog::Instance;

impl InstanceShape {
    /// The unit's name for reports, naming its GPUs (`gpu`, e.g. `H100`):
    /// a catalog instance keeps its key (`aws/p5.48xlarge (8×H100)`), an
    /// explicit size is a server (`8×H100 server`), or a rack from 32 GPUs
    /// (`72×GB200 rack`); a replica over two
    /// instances is `2 × aws/p5.48xlarge (8×H100 each)` or
    /// `2 × 8×H100 servers`.
    pub fn unit_name(&self, gpu: &str) -> String {
        let gpus = format!("{}×{gpu}", self.gpus);
        // 32 GPUs and more in one node are a rack (GB200 NVL72: 72).
        let node = if self.gpus >= 32 { "rack" } else { "server" };
        match (self.catalog, self.instances) {
            (true, 1) => format!("{} ({gpus})", self.name),
            (true, k) => format!("{k} × {} ({gpus} each)", self.name),
            (false, 1) => format!("{gpus} {node}"),
            (false, k) => format!("{k} × {gpus} {node}s"),
        }
    }

    /// Replicas per instance: a slot (replica) pays the costs of
    /// `1 / this` instances (½ of an 8-GPU instance for a 4-GPU replica,
    /// 2 instances for a 16-GPU replica over 8-GPU instances).
    pub fn replicas_per_instance(&self) -> f64 {
        f64::from(self.replicas) / f64::from(self.instances)
    }
}

impl Validator<'_> {
    /// The unit of instances of `n` GPUs (a catalog `row`, or an explicit
    /// size) for replicas of `g` GPUs, warning about GPUs paid and idle.
    pub(super) fn instance_shape(
        &mut self,
        f: &str,
        row: Option<&Instance>,
        n: u32,
        g: u32,
    ) -> InstanceShape {
        // The name is also the random streams' (owned pools): kept as it
        // was when reports named units by it.
        let name = row.map_or_else(|| format!("{n}-GPU node"), Instance::key);
        let catalog = row.is_some();
        let per = n / g;
        if per > 0 {
            if n % g != 0 {
                self.warnings.push(format!(
                    "{f}: an instance of {n} GPUs holds {per} replica(s) of {g}; {} GPU(s) of each are paid and idle",
                    n - per * g
                ));
            }
            return InstanceShape {
                name,
                catalog,
                gpus: n,
                replicas: per,
                instances: 1,
            };
        }
        let k = g.div_ceil(n);
        if k * n != g {
            self.warnings.push(format!(
                "{f}: a replica of {g} GPUs spans {k} instances of {n}; {} GPU(s) of its last instance are paid and idle",
                k * n - g
            ));
        }
        InstanceShape {
            name,
            catalog,
            gpus: n,
            replicas: 1,
            instances: k,
        }
    }

    /// `count` instances of field `field` as whole units of `shape`: an
    /// issue naming the nearest valid counts when a replica spans several
    /// instances and `count` is not a multiple of them.
    pub(super) fn whole_units(
        &mut self,
        f: &str,
        field: &str,
        count: u32,
        shape: &InstanceShape,
        g: u32,
    ) -> u32 {
        let k = shape.instances;
        if count % k != 0 {
            let below = count / k * k;
            let nearest = if below == 0 {
                format!("{}", below + k)
            } else {
                format!("{below} or {}", below + k)
            };
            self.push(
                format!("{f}.{field}"),
                None,
                format!(
                    "{count} is not a whole number of replicas: a replica of {g} GPUs spans {k} instances of {} GPUs, so give a multiple of {k} ({nearest})",
                    shape.gpus
                ),
            );
        }
        count / k
    }
}
