"""The tabular acceptance benchmark: ganforge's TabularGAN against SDV's CTGAN on UCI Adult.

Both are fitted on the Adult training file (32,561 rows; the 9 text columns discrete, '?'
read as missing) and judged against it, with the test file (16,281 rows) as the holdout for
utility and privacy. Runs, per seed (default 0, 1, 2):

* ``ctgan``: ``ctgan.CTGAN`` 0.12.1 with its defaults, ``--ctgan-epochs`` (50) epochs;
* ``ganforge_fifth``: ``TabularGAN(time_budget=T / 5)``, T = the median fit wall time of the
  CTGAN runs just measured (the budget covers the whole fit, preprocessing included);
* ``ganforge_equal``: ``TabularGAN(time_budget=T)``.

Every fit runs in its own subprocess, limited to 2 CPUs (``sched_setaffinity``,
``torch.set_num_threads(2)``, ``OMP/MKL/OPENBLAS_NUM_THREADS=2``, ``OMP_WAIT_POLICY=PASSIVE``
for both), which reports its peak RSS (``ru_maxrss``), its preprocessing time (CTGAN: the time spent in its DataTransformer's
``fit`` and ``transform``; ganforge: the transformer), the fit wall time, the time to sample
10,000 rows (median of 3, after a warm-up), a synthetic table as large as the training one,
and 10,000 rows sampled with income='>50K'. The synthetic tables are judged by
:func:`ganforge.tabular.report.tabular_report` (mean KS, mean TVD, shape score, pair trends,
gradient-boosted detection AUC, ML efficacy = mean F1 of a decision tree, AdaBoost, logistic
regression and an MLP trained on the table and tested on the holdout, target income; DCR,
exact copies and membership AUC against the holdout), plus capital-gain's share of exact zeros,
the share of conditional rows with income='>50K' and how closely they follow the real rows with
that income (mean shape score against them). Medians over seeds are printed as a table and
written, with every run, to ``benchmarks/results/tabular_adult.json``.

The load average before and after is recorded: on a shared machine, wall times move with it.
Needs the benchmark-only ``ctgan`` package (0.12.1) installed without replacing the CPU torch,
e.g. ``pip install ctgan==0.12.1 rdt==2.0.0 Faker --no-deps``.

Run (from the repository root)::

    nice -n 5 python benchmarks/tabular_adult.py               # the full benchmark (long)
    python benchmarks/tabular_adult.py --quick --out /tmp/t.json   # a smoke test
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DATA = ROOT.parent / "shared" / "data"
if not DATA.is_dir():
    DATA = Path("/work/shared/data")
ADULT_COLUMNS = ["age", "workclass", "fnlwgt", "education", "education-num", "marital-status", "occupation",
                 "relationship", "race", "sex", "capital-gain", "capital-loss", "hours-per-week",
                 "native-country", "income"]
DISCRETE = ["workclass", "education", "marital-status", "occupation", "relationship", "race", "sex",
            "native-country", "income"]
THREADS = 2
# Idle OpenMP threads sleep instead of spinning. On a machine shared with other jobs, spinning
# threads that wait for a descheduled sibling made a 2-thread fit 10x slower than with 1 thread
# (65 steps: 193 s, against 17 s with PASSIVE). Both libraries get the same setting.
OMP_WAIT_POLICY = "PASSIVE"
CONDITION = ("income", ">50K")


def load_adult(split: str):
    from ganforge.tabular import read_table

    if split == "train":
        return read_table(DATA / "adult.data.gz", header=None, names=ADULT_COLUMNS, na_values="?")
    df = read_table(DATA / "adult.test.gz", header=None, names=ADULT_COLUMNS, na_values="?", skiprows=1)
    df["income"] = df["income"].str.rstrip(".")
    return df


# ----------------------------------------------------------------------------- one fit (subprocess)


def _limit_cpus() -> None:
    import torch

    cpus = sorted(os.sched_getaffinity(0))[:THREADS]
    os.sched_setaffinity(0, cpus)
    torch.set_num_threads(THREADS)


def _sample_seconds(sample) -> float:
    sample(100)
    times = []
    for _ in range(3):
        t = time.perf_counter()
        sample(10_000)
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def worker(args: argparse.Namespace) -> None:
    _limit_cpus()
    train = load_adult("train")
    out = Path(args.dir)
    res: dict = {"method": args.worker, "seed": args.seed}
    if args.worker == "ctgan":
        from ctgan import CTGAN
        from ctgan.data_transformer import DataTransformer

        spent = {"s": 0.0}

        def timed(fn):
            def wrapper(*a, **k):
                t = time.perf_counter()
                try:
                    return fn(*a, **k)
                finally:
                    spent["s"] += time.perf_counter() - t
            return wrapper

        DataTransformer.fit = timed(DataTransformer.fit)
        DataTransformer.transform = timed(DataTransformer.transform)
        model = CTGAN(epochs=args.epochs, verbose=False)
        model.set_random_state(args.seed)
        t = time.perf_counter()
        model.fit(train, DISCRETE)
        res["fit_s"] = time.perf_counter() - t
        res["preprocess_s"] = spent["s"]
        res["epochs"] = args.epochs
        res["sample_10k_s"] = _sample_seconds(model.sample)
        synthetic = model.sample(len(train))
        conditional = model.sample(10_000, condition_column=CONDITION[0], condition_value=CONDITION[1])
    else:
        from ganforge.tabular import TabularGAN

        model = TabularGAN(time_budget=args.budget, seed=args.seed, verbose=False)
        t = time.perf_counter()
        model.fit(train)
        res["fit_s"] = time.perf_counter() - t
        res["preprocess_s"] = model.training_["preprocess_seconds"]
        res["time_budget_s"] = args.budget
        res["epochs"] = model.training_["epochs"]
        res["steps"] = model.training_["steps"]
        res["precision"] = model.training_["precision"]
        res["sample_10k_s"] = _sample_seconds(model.sample)
        synthetic = model.sample(len(train))
        conditional = model.sample(10_000, conditions=dict([CONDITION]))
    res["peak_rss_gb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20  # KiB on Linux
    synthetic.to_csv(out / "synthetic.csv", index=False)
    conditional.to_csv(out / "conditional.csv", index=False)
    res["conditional_share"] = float((conditional[CONDITION[0]] == CONDITION[1]).mean())
    (out / "result.json").write_text(json.dumps(res))


def run_fit(method: str, seed: int, epochs: int, budget: float | None) -> tuple[dict, "object", "object"]:
    from ganforge.tabular import read_table

    env = dict(os.environ, OMP_NUM_THREADS=str(THREADS), MKL_NUM_THREADS=str(THREADS),
               OPENBLAS_NUM_THREADS=str(THREADS), OMP_WAIT_POLICY=OMP_WAIT_POLICY, PYTHONWARNINGS="ignore")
    with tempfile.TemporaryDirectory(prefix="tabular_adult_") as tmp:
        cmd = [sys.executable, __file__, "--worker", method, "--seed", str(seed), "--epochs", str(epochs),
               "--dir", tmp] + (["--budget", str(budget)] if budget is not None else [])
        t = time.perf_counter()
        subprocess.run(cmd, check=True, env=env)
        res = json.loads((Path(tmp) / "result.json").read_text())
        res["process_s"] = time.perf_counter() - t
        synthetic = read_table(Path(tmp) / "synthetic.csv")
        conditional = read_table(Path(tmp) / "conditional.csv")
    return res, synthetic, conditional


# ----------------------------------------------------------------------------- judging


def judge(train, test, synthetic, conditional, seed: int) -> dict:
    import numpy as np

    from ganforge.tabular.report import tabular_report

    rep = tabular_report(train, synthetic, test, target="income", discrete_columns=DISCRETE, seed=seed)
    # How well the rows sampled with income='>50K' follow the real rows with that income.
    subset = train[train[CONDITION[0]] == CONDITION[1]].reset_index(drop=True)
    cond = tabular_report(subset, conditional, discrete_columns=DISCRETE, seed=seed, detection_model=None)
    shape = rep["fidelity"]["shape"]["per_column"]
    ks = [c["statistic"] for c in shape.values() if c["metric"] == "KS"]
    tvd = [c["statistic"] for c in shape.values() if c["metric"] == "TVD"]
    priv = rep["privacy"]
    return {
        "mean_ks": float(np.mean(ks)),
        "mean_tvd": float(np.mean(tvd)),
        "shape": rep["fidelity"]["shape"]["mean"],
        "pair_trends": rep["fidelity"]["pair_trends"]["mean"],
        "detection_auc": rep["fidelity"]["detection"]["auc"],
        "f1": rep["utility"]["ml_efficacy"]["synthetic"],
        "f1_real": rep["utility"]["ml_efficacy"]["real"],
        "f1_models": {k: v["synthetic"]["f1"] for k, v in rep["utility"]["models"].items()},
        "capital_gain_zeros": float((synthetic["capital-gain"] == 0).mean()),
        "exact_copies": priv["exact_copies"]["synthetic"],
        "exact_copies_holdout": priv["exact_copies"]["holdout"],
        "dcr_p5": priv["dcr"]["synthetic_to_train"]["p5"],
        "dcr_median": priv["dcr"]["synthetic_to_train"]["median"],
        "dcr_p5_holdout": priv["dcr"]["holdout_to_train"]["p5"],
        "dcr_median_holdout": priv["dcr"]["holdout_to_train"]["median"],
        "below_holdout_p5": priv["dcr"]["synthetic_below_holdout_p5"],
        "membership_auc": priv["membership_auc"],
        "conditional_shape": cond["fidelity"]["shape"]["mean"],
        "report_s": rep["seconds"],
    }


ROWS = [  # (key, label, format)
    ("preprocess_s", "preprocessing (s)", "{:.1f}"),
    ("fit_s", "fit wall time (s)", "{:.1f}"),
    ("epochs", "epochs trained", "{:.1f}"),
    ("sample_10k_s", "sample 10k rows (s)", "{:.3f}"),
    ("peak_rss_gb", "peak RSS (GB)", "{:.2f}"),
    ("mean_ks", "mean KS", "{:.3f}"),
    ("mean_tvd", "mean TVD", "{:.3f}"),
    ("shape", "shape score", "{:.3f}"),
    ("pair_trends", "pair trends", "{:.3f}"),
    ("detection_auc", "detection AUC (gbm)", "{:.3f}"),
    ("f1", "ML efficacy F1", "{:.3f}"),
    ("capital_gain_zeros", "capital-gain == 0", "{:.1%}"),
    ("conditional_share", "income='>50K' when asked", "{:.1%}"),
    ("conditional_shape", "  shape vs real '>50K' rows", "{:.3f}"),
    ("exact_copies", "exact copies of train rows", "{:.2%}"),
    ("dcr_p5", "DCR p5", "{:.3f}"),
    ("dcr_median", "DCR median", "{:.3f}"),
    ("below_holdout_p5", "share below holdout's DCR p5", "{:.3f}"),
    ("membership_auc", "membership AUC", "{:.3f}"),
]


def table(summary: dict, real: dict) -> str:
    methods = list(summary)
    cols = methods + ["real data"]
    lines = [["", *cols]]
    for key, label, fmt in ROWS:
        row = [label]
        for m in methods:
            v = summary[m].get(key)
            row.append("-" if v is None else fmt.format(v))
        v = real.get(key)
        row.append("-" if v is None else fmt.format(v))
        lines.append(row)
    widths = [max(len(r[i]) for r in lines) for i in range(len(cols) + 1)]
    out = []
    for i, r in enumerate(lines):
        out.append("  ".join(c.ljust(widths[0]) if j == 0 else c.rjust(widths[j]) for j, c in enumerate(r)))
        if i == 0:
            out.append("-" * len(out[0]))
    return "\n".join(out)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--seeds", default="0,1,2")
    p.add_argument("--ctgan-epochs", type=int, default=50)
    p.add_argument("--quick", action="store_true", help="1 seed, CTGAN 1 epoch: a smoke test of the script")
    p.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "tabular_adult.json"))
    p.add_argument("--worker", choices=["ctgan", "ganforge"], help=argparse.SUPPRESS)
    p.add_argument("--seed", type=int, default=0, help=argparse.SUPPRESS)
    p.add_argument("--epochs", type=int, default=50, help=argparse.SUPPRESS)
    p.add_argument("--budget", type=float, default=None, help=argparse.SUPPRESS)
    p.add_argument("--dir", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.worker:
        warnings.simplefilter("ignore")
        return worker(args)

    seeds = [0] if args.quick else [int(s) for s in args.seeds.split(",")]
    epochs = 1 if args.quick else args.ctgan_epochs
    started = time.perf_counter()
    load_before = os.getloadavg()
    train, test = load_adult("train"), load_adult("test")
    runs: dict[str, list[dict]] = {"ctgan": [], "ganforge_fifth": [], "ganforge_equal": []}

    def record(name: str, res: dict, synthetic, conditional) -> None:
        res.update(judge(train, test, synthetic, conditional, res["seed"]))
        runs[name].append(res)
        print(f"{name} seed {res['seed']}: fit {res['fit_s']:.1f} s, KS {res['mean_ks']:.3f}, "
              f"TVD {res['mean_tvd']:.3f}, detection {res['detection_auc']:.3f}, F1 {res['f1']:.3f}, "
              f"load {os.getloadavg()[0]:.1f}", flush=True)

    for seed in seeds:
        record("ctgan", *run_fit("ctgan", seed, epochs, None))
    budget = statistics.median(r["fit_s"] for r in runs["ctgan"])
    for seed in seeds:
        record("ganforge_fifth", *run_fit("ganforge", seed, epochs, budget / 5))
        record("ganforge_equal", *run_fit("ganforge", seed, epochs, budget))

    keys = {k for k, _, _ in ROWS} | {"f1_real", "exact_copies_holdout", "dcr_p5_holdout", "dcr_median_holdout"}
    summary = {name: {k: statistics.median(r[k] for r in rs) for k in keys if k in rs[0]}
               for name, rs in runs.items()}
    first = runs["ctgan"][0]
    real = {"f1": first["f1_real"], "capital_gain_zeros": float((train["capital-gain"] == 0).mean()),
            "conditional_share": None, "conditional_shape": None, "exact_copies": first["exact_copies_holdout"],
            "dcr_p5": first["dcr_p5_holdout"], "dcr_median": first["dcr_median_holdout"]}
    labels = {"ctgan": f"CTGAN {epochs} ep", "ganforge_fifth": f"ganforge {budget / 5:.0f} s",
              "ganforge_equal": f"ganforge {budget:.0f} s"}
    printed = table({labels[k]: v for k, v in summary.items()}, real)
    total = time.perf_counter() - started
    print()
    print(printed)
    print(f"\nmedians of {len(seeds)} seeds; 'real data' = the holdout (test) rows where it applies, the real "
          f"training rows for F1 and zeros; total {total / 60:.1f} min; load {load_before[0]:.1f} -> "
          f"{os.getloadavg()[0]:.1f}")
    result = {
        "benchmark": "tabular_adult",
        "seeds": seeds, "ctgan_epochs": epochs, "time_budgets_s": {"fifth": budget / 5, "equal": budget},
        "summary": summary, "real": real, "table": printed, "runs": runs,
        "machine": {"platform": platform.platform(), "processor": platform.processor(), "cpus_used": THREADS,
                    "cpus": os.cpu_count(), "omp_wait_policy": OMP_WAIT_POLICY, "load_before": load_before, "load_after": os.getloadavg()},
        "versions": {name: _version(name) for name in ("torch", "ctgan", "rdt", "scikit-learn", "pandas", "numpy")},
        "total_s": total,
    }
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2, default=float) + "\n")
    print(f"wrote {out}")


def _version(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


if __name__ == "__main__":
    main()
