"""TabularGAN on UCI Adult at a fixed time budget: the shape score a user gets in N seconds.

The check that an engine change kept tabular quality (issue 12's acceptance: a 60-second fit, shape
score within 0.01 of the earlier code's at the same budget). Each seed fits in its own process pinned
to 2 CPUs (as ``tabular_adult.py`` does), so two code versions can run side by side on one machine::

    python benchmarks/tabular_budget.py --budget 63 --seeds 0,1,2 --out benchmarks/results/tabular_budget.json
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from tabular_adult import DISCRETE, load_adult  # noqa: E402


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--budget", type=float, default=63.0, help="seconds per fit (default 63: 1/5 of CTGAN's 50 epochs)")
    p.add_argument("--seeds", default="0,1,2")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--out", default=None)
    args = p.parse_args()
    import torch

    from ganforge.tabular import TabularGAN
    from ganforge.tabular.report import tabular_report

    torch.set_num_threads(args.threads)
    train = load_adult("train")
    rows = []
    for seed in (int(s) for s in args.seeds.split(",")):
        t = time.perf_counter()
        model = TabularGAN(time_budget=args.budget, seed=seed, verbose=False).fit(train)
        fit_s = time.perf_counter() - t
        synthetic = model.sample(len(train), seed=seed)
        rep = tabular_report(train, synthetic, discrete_columns=DISCRETE, seed=seed, detection_model=None)
        rows.append({"seed": seed, "shape": rep["fidelity"]["shape"]["mean"],
                     "pair_trends": rep["fidelity"]["pair_trends"]["mean"], "steps": model.training_["steps"],
                     "fit_s": round(fit_s, 1), "precision": model.training_["precision"]})
        print(f"seed {seed}: shape {rows[-1]['shape']:.4f}  pair trends {rows[-1]['pair_trends']:.4f}  "
              f"{rows[-1]['steps']} steps in {fit_s:.0f} s", flush=True)
    shape = statistics.median(r["shape"] for r in rows)
    print(f"median shape score {shape:.4f} at {args.budget:g} s ({platform.processor() or platform.machine()}, "
          f"{args.threads} threads)")
    if args.out:
        Path(args.out).write_text(json.dumps({"benchmark": "tabular_budget", "budget_s": args.budget,
                                              "threads": args.threads, "median_shape": shape, "runs": rows,
                                              "cpu": _cpu(), "torch": torch.__version__}, indent=2) + "\n")


def _cpu() -> str:
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


if __name__ == "__main__":
    main()
