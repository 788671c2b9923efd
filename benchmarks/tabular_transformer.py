"""Fit time of ganforge's TabularTransformer against CTGAN's DataTransformer, on UCI Adult.

What it measures, for each transformer, on the 32,561-row Adult training file (the 9 text
columns declared discrete, the 6 integer columns numeric, '?' read as missing):

* ``fit``: learning the encoding (CTGAN: one ``rdt`` ClusterBasedNormalizer -- a scikit-learn
  BayesianGaussianMixture -- per numeric column on every row, one-hot encoders for the rest;
  ganforge: its 1-D variational mixture on each column's distinct values, see
  ``ganforge/tabular/transformer.py``);
* ``transform`` of the whole table and ``inverse`` of the result back to a table;
* ``width`` of the encoded matrix and ``exact cells``: the share of the table's cells that come
  back from inverse(transform(table)) exactly (missing where missing).

Both run in this one process, alternating (ganforge, ctgan, ganforge, ctgan, ...) so drift in
the machine's load hits both alike; the medians over ``--repeats`` rounds are reported, with
the ratio ctgan / ganforge of each round's fit time. The load average before and after is
recorded, since on a shared machine absolute times move with it.

Needs the benchmark-only ``ctgan`` package (0.12.1; installed without its torch dependency,
e.g. ``pip install ctgan==0.12.1 rdt Faker --no-deps`` with the CPU torch kept).

Run (from the repository root)::

    nice -n 10 python benchmarks/tabular_transformer.py            # 3 rounds
    python benchmarks/tabular_transformer.py --repeats 5 --out /tmp/t.json
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
import warnings
from importlib import metadata
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ganforge.tabular import TabularTransformer, read_table  # noqa: E402

ADULT_COLUMNS = ["age", "workclass", "fnlwgt", "education", "education-num", "marital-status", "occupation",
                 "relationship", "race", "sex", "capital-gain", "capital-loss", "hours-per-week",
                 "native-country", "income"]
DISCRETE = ["workclass", "education", "marital-status", "occupation", "relationship", "race", "sex",
            "native-country", "income"]


def load_adult(path: Path) -> pd.DataFrame:
    return read_table(path, header=None, names=ADULT_COLUMNS, na_values="?")


def exact_cells(a: pd.DataFrame, b: pd.DataFrame) -> float:
    same = 0
    for col in a.columns:
        x, y = a[col], b[col]
        miss = x.isna().to_numpy()
        same += int((miss & y.isna().to_numpy()).sum())
        xs, ys = x.to_numpy(dtype=object)[~miss], y.to_numpy(dtype=object)[~miss]
        if pd.api.types.is_numeric_dtype(x.dtype):
            ys = pd.to_numeric(pd.Series(ys), errors="coerce").to_numpy()
            same += int((xs.astype(float) == ys).sum())
        else:
            same += int((xs == ys).sum())
    return same / (len(a) * a.shape[1])


def run_ganforge(df: pd.DataFrame, seed: int) -> dict:
    t0 = time.perf_counter()
    tr = TabularTransformer(seed=seed).fit(df, discrete_columns=DISCRETE)
    t1 = time.perf_counter()
    x = tr.transform(df)
    t2 = time.perf_counter()
    back = tr.inverse_transform(x)
    t3 = time.perf_counter()
    return {"fit_s": t1 - t0, "transform_s": t2 - t1, "inverse_s": t3 - t2, "width": int(tr.output_dim),
            "exact_cells": exact_cells(df, back)}


def run_ctgan(df: pd.DataFrame, seed: int) -> dict:
    import torch
    from ctgan.data_transformer import DataTransformer

    np.random.seed(seed)
    torch.manual_seed(seed)
    t0 = time.perf_counter()
    tr = DataTransformer()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tr.fit(df, DISCRETE)
        t1 = time.perf_counter()
        x = tr.transform(df)
        t2 = time.perf_counter()
        back = tr.inverse_transform(x)
    t3 = time.perf_counter()
    return {"fit_s": t1 - t0, "transform_s": t2 - t1, "inverse_s": t3 - t2, "width": int(tr.output_dimensions),
            "exact_cells": exact_cells(df, back)}


def version(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", default=str(ROOT.parent / "shared" / "data" / "adult.data.gz"))
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "tabular_transformer.json"))
    ap.add_argument("--no-ctgan", action="store_true", help="time ganforge only")
    args = ap.parse_args(argv)

    df = load_adult(Path(args.data))
    variants = {"ganforge": run_ganforge}
    if not args.no_ctgan:
        try:
            import ctgan  # noqa: F401
        except ImportError:
            print("ctgan is not installed; timing ganforge only (pip install ctgan==0.12.1 rdt Faker --no-deps)")
        else:
            variants["ctgan"] = run_ctgan
    load_before = os.getloadavg()
    rounds: dict[str, list[dict]] = {k: [] for k in variants}
    for r in range(args.repeats):
        for name, fn in variants.items():
            res = fn(df, seed=r)
            rounds[name].append(res)
            print(f"round {r + 1}/{args.repeats} {name:9s} fit {res['fit_s']:7.2f} s  transform "
                  f"{res['transform_s']:6.2f} s  inverse {res['inverse_s']:6.2f} s", flush=True)
    load_after = os.getloadavg()

    summary = {}
    for name, rs in rounds.items():
        summary[name] = {k: statistics.median(r[k] for r in rs) for k in ("fit_s", "transform_s", "inverse_s")}
        summary[name].update(width=rs[0]["width"], exact_cells=statistics.median(r["exact_cells"] for r in rs))
    if "ctgan" in rounds:
        summary["fit_speedup"] = statistics.median(c["fit_s"] / g["fit_s"]
                                                   for c, g in zip(rounds["ctgan"], rounds["ganforge"]))

    print()
    print(f"Adult, {len(df):,} rows x {df.shape[1]} columns; medians of {args.repeats} rounds")
    print(f"{'transformer':12s} {'fit s':>8s} {'transform s':>12s} {'inverse s':>10s} {'width':>6s} {'exact cells':>12s}")
    for name in rounds:
        s = summary[name]
        print(f"{name:12s} {s['fit_s']:8.2f} {s['transform_s']:12.2f} {s['inverse_s']:10.2f} {s['width']:6d} "
              f"{s['exact_cells']:12.2%}")
    if "fit_speedup" in summary:
        print(f"fit: ctgan / ganforge = {summary['fit_speedup']:.0f}x (median of per-round ratios)")
    print(f"load average (1 min) before {load_before[0]:.1f}, after {load_after[0]:.1f} on {os.cpu_count()} CPUs")

    result = {
        "benchmark": "tabular_transformer",
        "data": {"file": Path(args.data).name, "rows": len(df), "columns": df.shape[1], "discrete": DISCRETE},
        "repeats": args.repeats,
        "summary": summary,
        "rounds": rounds,
        "machine": {"platform": platform.platform(), "processor": platform.processor(), "cpus": os.cpu_count(),
                    "python": platform.python_version(), "load_average_before": load_before,
                    "load_average_after": load_after},
        "versions": {p: version(p) for p in ("ganforge", "ctgan", "rdt", "scikit-learn", "pandas", "numpy", "torch")},
        "command": "python benchmarks/tabular_transformer.py " + " ".join(argv if argv is not None else sys.argv[1:]),
        "date": time.strftime("%Y-%m-%d %H:%M:%S"),
    }
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
