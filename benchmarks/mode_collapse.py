"""Mode collapse on 2-D Gaussian mixtures: ganforge's stabilised presets against a vanilla GAN.

For each data set (``ring8``: 8 Gaussians on a circle of radius 1, std 0.01; ``grid25``: 25
Gaussians on {-4,-2,0,2,4}^2, std 0.05) and each seed, it trains

* ``ganforge``: the preset of that name (see ``ganforge/presets.py``),
* ``vanilla``: a GAN with the same MLP generator and discriminator, latent size, batch size and
  number of steps, trained the plain way (Goodfellow et al. with the DCGAN paper's Adam: learning
  rate 2e-4 for both players, betas (0.5, 0.999), constant) with the non-saturating loss and
  nothing else: no penalty, no packing, no minibatch-std, no EMA of G; and
* ``vanilla_same_opt``: that vanilla GAN with the preset's optimizer (learning rates, betas and
  schedule), which separates what the stabilisers (minibatch-std, R1, EMA) add from what the
  optimizer settings add,

through the public API (``ganforge.train``), then measures mode coverage (VEEGAN/PacGAN) on
2,500 samples: a sample is high quality when it lies within 3 std of its nearest mode, and a
mode is covered when at least one high-quality sample is nearest to it. Literature anchors:
PacGAN4 7.8/8 modes with 95.9% high-quality samples on ring8 and 24.8/25 with 93.6% on grid25;
a vanilla GAN 6.3/8 and 17.3/25.

It prints a table (mean +- std over seeds) and writes JSON with the machine, per-seed rows and
the summary. Runs are single-threaded (one CPU core each); ``--jobs`` runs that many at once.
Run from the repository root::

    python benchmarks/mode_collapse.py --jobs 2             # 2 data sets x 5 seeds x 3 methods
    python benchmarks/mode_collapse.py --seeds 2 --datasets ring8 --out /tmp/mc.json
"""

from __future__ import annotations

import argparse
import contextlib
import multiprocessing
import statistics
import tempfile
import time
from pathlib import Path

import torch

import ganforge
from ganforge.metrics import get_metric
from ganforge.presets import get_preset

from common import machine, write_result  # benchmarks/common.py

N_SAMPLES = 2500
METHODS = ("ganforge", "vanilla", "vanilla_same_opt")


def configs(dataset: str) -> dict[str, dict]:
    """The preset and its vanilla twins (same networks, data, batch and steps)."""
    preset = get_preset(dataset).overrides
    model = {**preset["model"], "minibatch_std": False, "spectral_norm": False, "g_spectral_norm": False}
    same_opt = {**preset, "name": f"{dataset}-vanilla-same-opt", "model": model,
                "gan": {"loss": "nonsaturating"},  # every other gan.* key at its default: off
                "train": {**preset["train"], "ema": 0.0}}
    vanilla = {**same_opt, "name": f"{dataset}-vanilla",
               "train": {**same_opt["train"], "lr_g": 2e-4, "lr_d": 2e-4, "betas": [0.5, 0.999],
                         "lr_schedule": "constant"}}
    return {"ganforge": preset, "vanilla": vanilla, "vanilla_same_opt": same_opt}


def run_one(dataset: str, method: str, seed: int) -> dict:
    """Train one run in a scratch folder (one thread); its mode coverage on N_SAMPLES samples and its time."""
    torch.set_num_threads(1)
    config = configs(dataset)[method]
    overrides = {"train": {"seed": seed, "progress": False, "tensorboard": False, "device": "cpu"}}
    with tempfile.TemporaryDirectory() as tmp:
        wall, cpu = time.perf_counter(), time.process_time()
        trainer = ganforge.train(config, out=Path(tmp) / "run", overrides=[overrides])
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    mixture = trainer.data.mixture
    samples = trainer.gan.sample(N_SAMPLES, generator=torch.Generator().manual_seed(10_000 + seed))
    cov = get_metric("mode_coverage")(samples, mixture.centers, mixture.std)
    return {"dataset": dataset, "method": method, "seed": seed, "modes": cov["modes_covered"], "n_modes": cov["n_modes"], "high_quality": cov["high_quality"],
            "seconds": wall, "cpu_seconds": cpu, "steps": trainer.step}


def run_job(job: tuple[str, str, int]) -> dict:
    return run_one(*job)


def summarise(rows: list[dict]) -> dict:
    def mean_std(key: str) -> tuple[float, float]:
        values = [r[key] for r in rows]
        return statistics.fmean(values), statistics.pstdev(values)

    (m, ms), (hq, hqs), (sec, _), (cpu, _) = (mean_std(k) for k in ("modes", "high_quality", "seconds",
                                                                     "cpu_seconds"))
    return {"runs": len(rows), "n_modes": rows[0]["n_modes"], "modes_mean": m, "modes_std": ms,
            "high_quality_mean": hq, "high_quality_std": hqs, "all_modes_runs": sum(r["modes"] == r["n_modes"]
                                                                                     for r in rows),
            "seconds_mean": sec, "cpu_seconds_mean": cpu}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=5, help="seeds 0..N-1 (default 5)")
    parser.add_argument("--datasets", default="ring8,grid25", help="comma-separated (default ring8,grid25)")
    parser.add_argument("--jobs", type=int, default=1, help="runs at once, one thread each (default 1)")
    parser.add_argument("--out", default="benchmarks/results/mode_collapse.json", help="JSON result path")
    args = parser.parse_args()
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(False)  # pays torch's lazy one-off import now, not in the first timed run

    started, summary = time.perf_counter(), {}
    datasets = args.datasets.split(",")
    jobs = [(d, m, seed) for d in datasets for m in METHODS for seed in range(args.seeds)]
    rows = []
    with multiprocessing.get_context("spawn").Pool(args.jobs) if args.jobs > 1 else contextlib.nullcontext() as pool:
        for row in pool.imap_unordered(run_job, jobs) if pool else map(run_job, jobs):
            rows.append(row)
            print(f"  {row['dataset']:7} {row['method']:16} seed {row['seed']}: {row['modes']}/{row['n_modes']} modes, "
                  f"{100 * row['high_quality']:.1f}% high quality, {row['seconds']:.0f} s", flush=True)
    rows.sort(key=lambda r: (r["dataset"], r["method"], r["seed"]))
    for dataset in datasets:
        for method in METHODS:
            summary.setdefault(dataset, {})[method] = summarise(
                [r for r in rows if r["dataset"] == dataset and r["method"] == method])
    total = time.perf_counter() - started

    print(f"\nMode coverage over {N_SAMPLES} samples, mean ± std over {args.seeds} seeds "
          f"({machine()['cpu']}, 1 thread per run, {args.jobs} at once)")
    print(f"{'data set':9} {'method':17} {'modes covered':>15} {'high quality %':>15} {'s / run':>8} {'CPU s / run':>12}")
    for dataset, by_method in summary.items():
        for method, s in by_method.items():
            print(f"{dataset:9} {method:17} {s['modes_mean']:7.2f} ± {s['modes_std']:4.2f}/{s['n_modes']:<2} "
                  f"{100 * s['high_quality_mean']:7.1f} ± {100 * s['high_quality_std']:4.1f} "
                  f"{s['seconds_mean']:8.1f} {s['cpu_seconds_mean']:12.1f}")
    print(f"total wall time {total:.0f} s")

    result = {"benchmark": "mode_collapse", "time": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "machine": machine(),
              "n_samples": N_SAMPLES, "seeds": args.seeds, "jobs": args.jobs, "total_seconds": total,
              "configs": {d: {m: ganforge.config_from(c).to_dict() for m, c in configs(d).items()}
                          for d in summary},
              "summary": summary, "rows": rows}
    write_result(result, args.out)


if __name__ == "__main__":
    main()
