//! Where the answer changes: a map over two inputs of which strategy has
//! the least regret.
//!
//! The trials already vary every input, so the map is read from them
//! rather than from new runs: trials are binned by their draws of the two
//! inputs (quantile bins, so every cell holds about as many trials), and in
//! each cell the strategy with the least mean regret (cost minus the
//! cheapest strategy's cost in the same trial) wins. The boundary's
//! uncertainty is the paired comparison of the winner with the runner-up in
//! the cell: a cell whose 95% interval of the mean difference includes 0 is
//! *uncertain* — either could be least-regret there. A cell conditions on
//! two inputs; the others vary inside it as they do in the run.

use crate::stats;

/// One cell of the map.
#[derive(Debug, Clone, PartialEq)]
pub struct Cell {
    /// The cell's range of the first input, [low, high].
    pub x: (f64, f64),
    /// The cell's range of the second input.
    pub y: (f64, f64),
    /// Trials in the cell.
    pub trials: usize,
    /// The least-regret strategy (index).
    pub winner: usize,
    /// Its mean regret in the cell, USD.
    pub winner_regret: f64,
    /// The runner-up (index), when there are two strategies or more.
    pub runner_up: Option<usize>,
    /// Mean of cost(runner-up) − cost(winner) in the cell, and its 95% interval.
    pub margin: Option<(f64, f64, f64)>,
}

impl Cell {
    /// Whether the winner is least-regret beyond the cell's noise.
    pub fn certain(&self) -> bool {
        self.margin.is_none_or(|(_, lo, _)| lo > 0.0)
    }
}

/// The map.
#[derive(Debug, Clone, PartialEq)]
pub struct Map {
    /// The two inputs, as named in the scenario.
    pub inputs: (String, String),
    /// Cells, the first input's bins outer.
    pub cells: Vec<Cell>,
}

/// Bin edges of `x` at its quantiles: `bins` bins, fewer where values repeat.
fn edges(x: &[f64], bins: usize) -> Vec<f64> {
    let mut v = x.to_vec();
    v.sort_by(f64::total_cmp);
    let mut e: Vec<f64> = (0..=bins)
        .map(|i| stats::quantile_sorted(&v, i as f64 / bins as f64))
        .collect();
    e.dedup();
    e
}

fn bin(e: &[f64], x: f64) -> usize {
    // The last edge belongs to the last bin.
    e[1..e.len() - 1].iter().take_while(|&&b| x >= b).count()
}

/// The map of `costs` (per strategy, per trial) over inputs `x` and `y`
/// (per trial draws), in `bins` × `bins` quantile cells; `None` when an
/// input does not vary or there are too few trials (under 20 a cell).
pub fn regret_map(
    names: (&str, &str),
    x: &[f64],
    y: &[f64],
    costs: &[Vec<f64>],
    bins: usize,
) -> Option<Map> {
    let n = x.len();
    if costs.len() < 2 || n < 20 * bins * bins {
        return None;
    }
    let (ex, ey) = (edges(x, bins), edges(y, bins));
    if ex.len() < 2 || ey.len() < 2 {
        return None;
    }
    let best: Vec<f64> = (0..n)
        .map(|t| costs.iter().map(|c| c[t]).fold(f64::INFINITY, f64::min))
        .collect();
    let mut cells = Vec::new();
    for i in 0..ex.len() - 1 {
        for j in 0..ey.len() - 1 {
            let members: Vec<usize> = (0..n)
                .filter(|&t| bin(&ex, x[t]) == i && bin(&ey, y[t]) == j)
                .collect();
            if members.len() < 2 {
                continue;
            }
            let regret = |si: usize| {
                stats::mean(
                    &members
                        .iter()
                        .map(|&t| costs[si][t] - best[t])
                        .collect::<Vec<_>>(),
                )
            };
            let mut order: Vec<(usize, f64)> =
                (0..costs.len()).map(|si| (si, regret(si))).collect();
            order.sort_by(|a, b| a.1.total_cmp(&b.1));
            let (winner, winner_regret) = order[0];
            let runner_up = order.get(1).map(|r| r.0);
            let margin = runner_up.and_then(|r| {
                let d: Vec<f64> = members
                    .iter()
                    .map(|&t| costs[r][t] - costs[winner][t])
                    .collect();
                stats::summarise(&d).map(|s| (s.mean, s.ci95_low, s.ci95_high))
            });
            cells.push(Cell {
                x: (ex[i], ex[i + 1]),
                y: (ey[j], ey[j + 1]),
                trials: members.len(),
                winner,
                winner_regret,
                runner_up,
                margin,
            });
        }
    }
    Some(Map {
        inputs: (names.0.to_owned(), names.1.to_owned()),
        cells,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two strategies whose costs cross where x + y = 1: the map gives each
    /// its side, and the cells far from the line are certain.
    #[test]
    fn each_side_of_a_known_boundary() {
        let n = 4000;
        let x: Vec<f64> = (0..n).map(|i| ((i * 7919) % n) as f64 / n as f64).collect();
        let y: Vec<f64> = (0..n)
            .map(|i| ((i * 104_729) % n) as f64 / n as f64)
            .collect();
        // a costs x + y, b costs 1: a wins below the line.
        let a: Vec<f64> = x.iter().zip(&y).map(|(x, y)| x + y).collect();
        let b = vec![1.0; n];
        let m = regret_map(("x", "y"), &x, &y, &[a, b], 4).unwrap();
        assert_eq!(m.cells.len(), 16);
        for c in &m.cells {
            let (cx, cy) = ((c.x.0 + c.x.1) / 2.0, (c.y.0 + c.y.1) / 2.0);
            if cx + cy < 0.7 {
                assert_eq!(c.winner, 0, "{c:?}");
                assert!(c.certain());
            } else if cx + cy > 1.3 {
                assert_eq!(c.winner, 1, "{c:?}");
                assert!(c.certain());
            }
        }
        assert!(regret_map(("x", "y"), &x, &vec![0.5; n], &[x.clone(), y.clone()], 4).is_none());
    }
}
