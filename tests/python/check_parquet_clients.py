"""Read every Parquet file of a capsim run folder with pyarrow, polars, pandas
and DuckDB; check each against the documented schema (docs/schema.md), the
run's key-value metadata, row counts, and that all four clients read the same
numbers.

Usage: python check_parquet_clients.py RUN_DIR [SCHEMA_MD]
Exits non-zero with a list of every problem found.
"""

import json
import math
import re
import sys
from pathlib import Path

import duckdb
import pandas as pd
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

# Documented type -> what each client must report.
ARROW = {
    "UInt64": {pa.uint64()},
    "UInt32": {pa.uint32()},
    "Float64": {pa.float64()},
    "Boolean": {pa.bool_()},
    "String": {pa.string(), pa.large_string(), pa.string_view()},
}
POLARS = {
    "UInt64": pl.UInt64,
    "UInt32": pl.UInt32,
    "Float64": pl.Float64,
    "Boolean": pl.Boolean,
    "String": pl.String,
}
DUCKDB = {
    "UInt64": "UBIGINT",
    "UInt32": "UINTEGER",
    "Float64": "DOUBLE",
    "Boolean": "BOOLEAN",
    "String": "VARCHAR",
}
METADATA_KEYS = [
    "capsim.version",
    "capsim.scenario",
    "capsim.seed",
    "capsim.trials",
    "capsim.horizon_hours",
    "capsim.run_json",
]

problems: list[str] = []


def problem(msg: str) -> None:
    problems.append(msg)


def documented_schema(md: Path) -> dict[str, list[tuple[str, str]]]:
    """file name -> [(column, type)] from the Markdown tables of docs/schema.md."""
    out: dict[str, list[tuple[str, str]]] = {}
    current = None
    for line in md.read_text().splitlines():
        m = re.match(r"^## (\S+\.parquet)", line)
        if m:
            current = m.group(1)
            out[current] = []
            continue
        m = re.match(r"^\| `([^`]+)` \| (\w+) \|", line)
        if m and current:
            out[current].append((m.group(1), m.group(2)))
    return out


def pandas_ok(dtype, documented: str) -> bool:
    kind = getattr(dtype, "kind", "O")
    if documented in ("UInt64", "UInt32"):
        return str(dtype) == documented.lower()
    if documented == "Float64":
        return str(dtype) == "float64"
    if documented == "Boolean":
        return str(dtype) in ("bool", "boolean")
    # Strings: object (pandas 2) or the string dtype (pandas 3).
    return kind == "O" or pd.api.types.is_string_dtype(dtype)


def close(a: float, b: float) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-9)


def check_file(path: Path, columns: list[tuple[str, str]], run: dict) -> int:
    name = path.name
    names = [c for c, _ in columns]

    # pyarrow: schema, types, metadata.
    table = pq.read_table(path)
    if table.schema.names != names:
        problem(f"{name}: pyarrow columns {table.schema.names} != documented {names}")
    for col, typ in columns:
        if col in table.schema.names and table.schema.field(col).type not in ARROW[typ]:
            problem(f"{name}.{col}: pyarrow type {table.schema.field(col).type}, documented {typ}")
    kv = {k.decode(): v.decode() for k, v in (pq.read_metadata(path).metadata or {}).items()}
    for key in METADATA_KEYS:
        if key not in kv:
            problem(f"{name}: no metadata key {key}")
    if kv.get("capsim.trials") != str(run["trials"]):
        problem(f"{name}: capsim.trials {kv.get('capsim.trials')} != run.json {run['trials']}")
    if kv.get("capsim.seed") != str(run["seed"]):
        problem(f"{name}: capsim.seed {kv.get('capsim.seed')} != run.json {run['seed']}")
    if kv.get("capsim.scenario") != run["scenario_name"]:
        problem(f"{name}: capsim.scenario differs from run.json")
    if "capsim.run_json" in kv and json.loads(kv["capsim.run_json"]) != run:
        problem(f"{name}: capsim.run_json differs from run.json")
    rows = table.num_rows

    # polars.
    df = pl.read_parquet(path)
    if df.columns != names:
        problem(f"{name}: polars columns {df.columns} != documented {names}")
    for col, typ in columns:
        if col in df.columns and df.schema[col] != POLARS[typ]:
            problem(f"{name}.{col}: polars type {df.schema[col]}, documented {typ}")
    if df.height != rows:
        problem(f"{name}: polars reads {df.height} rows, pyarrow {rows}")

    # pandas.
    pdf = pd.read_parquet(path)
    if list(pdf.columns) != names:
        problem(f"{name}: pandas columns {list(pdf.columns)} != documented {names}")
    for col, typ in columns:
        if col in pdf.columns and not pandas_ok(pdf[col].dtype, typ):
            problem(f"{name}.{col}: pandas dtype {pdf[col].dtype}, documented {typ}")
    if len(pdf) != rows:
        problem(f"{name}: pandas reads {len(pdf)} rows, pyarrow {rows}")

    # DuckDB: types, metadata, and a value check.
    con = duckdb.connect()
    desc = con.execute("DESCRIBE SELECT * FROM read_parquet(?)", [str(path)]).fetchall()
    if [d[0] for d in desc] != names:
        problem(f"{name}: DuckDB columns {[d[0] for d in desc]} != documented {names}")
    for (col, dtype, *_), (_, typ) in zip(desc, columns):
        if dtype != DUCKDB[typ]:
            problem(f"{name}.{col}: DuckDB type {dtype}, documented {typ}")
    dkv = {
        (k.decode() if isinstance(k, bytes) else k): (v.decode() if isinstance(v, bytes) else v)
        for k, v in con.execute(
            "SELECT key, value FROM parquet_kv_metadata(?)", [str(path)]
        ).fetchall()
    }
    if dkv.get("capsim.trials") != str(run["trials"]):
        problem(f"{name}: DuckDB reads capsim.trials {dkv.get('capsim.trials')}")
    n = con.execute("SELECT count(*) FROM read_parquet(?)", [str(path)]).fetchone()[0]
    if n != rows:
        problem(f"{name}: DuckDB reads {n} rows, pyarrow {rows}")

    # Same numbers in every client: the sum of every float column.
    for col, typ in columns:
        if typ != "Float64":
            continue
        a = pa.compute.sum(table[col]).as_py()
        b = df[col].sum() if df[col].null_count() < df.height else None
        c = pdf[col].sum(min_count=1)
        c = None if pd.isna(c) else float(c)
        d = con.execute(f'SELECT sum("{col}") FROM read_parquet(?)', [str(path)]).fetchone()[0]
        if not (close(a, b) and close(a, c) and close(a, d)):
            problem(f"{name}.{col}: sums differ: pyarrow {a}, polars {b}, pandas {c}, DuckDB {d}")
    return rows


def main() -> int:
    if len(sys.argv) < 2:
        print(__doc__)
        return 2
    run_dir = Path(sys.argv[1])
    schema_md = Path(sys.argv[2]) if len(sys.argv) > 2 else Path(__file__).parents[2] / "docs" / "schema.md"
    schema = documented_schema(schema_md)
    run = json.loads((run_dir / "run.json").read_text())
    files = sorted(run_dir.glob("*.parquet"))
    if not files:
        problem(f"{run_dir}: no Parquet files")
    rows = {}
    for f in files:
        if f.name not in schema:
            problem(f"{f.name}: not in {schema_md}")
            continue
        rows[f.name] = check_file(f, schema[f.name], run)

    # Row counts the run implies.
    trials = run["trial_range"][1] - run["trial_range"][0]
    strategies = len(run["scenario"]["strategies"])
    if rows.get("trials.parquet") != trials * strategies:
        problem(f"trials.parquet: {rows.get('trials.parquet')} rows, expected {trials} x {strategies}")
    if "monthly.parquet" in rows and rows["monthly.parquet"] % (trials * strategies) != 0:
        problem("monthly.parquet: rows are not a whole number of months per trial and strategy")

    # summary.parquet's mean cost matches the trials, read by DuckDB.
    con = duckdb.connect()
    got = con.execute(
        """SELECT s.strategy, s.mean, t.m FROM read_parquet(?) s
           JOIN (SELECT strategy, avg(total_cost_usd) m FROM read_parquet(?) GROUP BY strategy) t
           USING (strategy) WHERE s.metric = 'total_cost_usd'""",
        [str(run_dir / "summary.parquet"), str(run_dir / "trials.parquet")],
    ).fetchall()
    if len(got) != strategies:
        problem(f"summary.parquet: {len(got)} strategies with total_cost_usd, expected {strategies}")
    for strategy, mean, m in got:
        if not math.isclose(mean, m, rel_tol=1e-9):
            problem(f"summary.parquet: {strategy} mean {mean} != mean of trials {m}")

    for p in problems:
        print("FAIL:", p)
    print(f"{run_dir}: {len(files)} Parquet files read by pyarrow, polars, pandas and DuckDB; {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
