"""The default MNIST preset's digits-FD and KID over training, beside the real-vs-real floor.

1. Runs ``ganforge train`` (the default preset, unchanged; it evaluates digits-FD and KID of 2,000
   samples against the 5,000 real images every 500 steps and keeps ``checkpoints/best.pt`` by
   digits-FD) as a subprocess, timing the whole command in wall-clock and in CPU seconds (CPU
   seconds hardly depend on what else the machine runs); the evaluation's own cost is the sum of
   the ``eval/seconds`` and ``eval/cpu_seconds`` it logs.
2. The floor: digits-FD and KID between two disjoint random halves of the data (2,500 / 2,500).
3. For a like-for-like comparison with the floor, the last and the best checkpoint evaluated with
   2,500 samples against the second half (``ganforge.metrics.evaluate.evaluate``).
4. A plot of the curve with the floor, ``docs/mnist_fd_curve.png`` (``--replot`` redraws it from the JSON).

Run (from the repository root)::

    python benchmarks/evaluation_mnist_curve.py             # ~5 min on 2 CPU cores
    python benchmarks/evaluation_mnist_curve.py --run runs/mnist-existing   # skip training

Writes ``benchmarks/results/evaluation_mnist_curve.json`` and prints a table.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch

from ganforge.data import load_dataset
from ganforge.runs.experiment import load_run
from ganforge.features import get_extractor
from ganforge.metrics.evaluate import evaluate, generate

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "evaluation_mnist_curve.json"
PLOT = ROOT / "docs" / "mnist_fd_curve.png"


def train_default(run: Path) -> tuple[float, float]:
    """Wall-clock and CPU seconds (user + system, all threads) of ``ganforge train --out RUN``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "ganforge", "train", "--out", str(run)], capture_output=True,
                          text=True)
    seconds = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise SystemExit(f"ganforge train failed:\n{proc.stderr[-3000:]}")
    print(proc.stdout.strip(), file=sys.stderr)
    return seconds, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def curve(run: Path) -> list[dict]:
    rows = []
    for line in (run / "metrics.jsonl").read_text().splitlines():
        rec = json.loads(line)
        if "eval/fid" in rec:
            rows.append({"step": rec["step"], "fid": rec["eval/fid"], "kid": rec["eval/kid"],
                         "kid_std": rec["eval/kid_std"], "seconds": rec["eval/seconds"],
                         "cpu_seconds": rec.get("eval/cpu_seconds")})
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--run", default=None, help="use this trained run instead of training one")
    parser.add_argument("--keep", action="store_true", help="keep the run folder it trains")
    parser.add_argument("--replot", action="store_true", help=f"only redraw {PLOT.name} from the saved results")
    args = parser.parse_args(argv)
    if args.replot:
        saved = json.loads(RESULTS.read_text())
        plot(saved["curve"], saved["floor_real_half_vs_half"], saved["best_checkpoint"])
        print(f"wrote {PLOT}")
        return 0

    tmp = None
    load_before = os.getloadavg()
    if args.run:
        run, train_seconds, train_cpu = Path(args.run), None, None
    else:
        tmp = Path(tempfile.mkdtemp(prefix="gf-mnist-"))
        run = tmp / "run"
        train_seconds, train_cpu = train_default(run)
    load_after = os.getloadavg()
    points = curve(run)
    best = json.loads((run / "checkpoints" / "best.json").read_text())

    ds = load_dataset("mnist")
    perm = torch.randperm(len(ds), generator=torch.Generator().manual_seed(0))
    half_a, half_b = ds.data[perm[:2500]], ds.data[perm[2500:]]
    ext = get_extractor("digits28")
    opts = {"kid": {"subsets": 100, "subset_size": 1000}}
    floor = {r["metric"]: r["values"] for r in evaluate(half_a, half_b, metrics="fid,kid", extractor=ext,
                                                        options=opts)}
    matched = {}
    for name in ("last", "best"):
        gan, _ = load_run(run, checkpoint=name)
        fake, _ = generate(gan.eval(), 2500, seed=1)
        matched[name] = {r["metric"]: r["values"] for r in evaluate(fake, half_b, metrics="fid,kid", extractor=ext,
                                                                     options=opts)}
    eval_seconds = sum(p["seconds"] for p in points)
    eval_cpu = sum(p["cpu_seconds"] or 0.0 for p in points)
    result = {
        "benchmark": "evaluation_mnist_curve",
        "machine": {"cpu": platform.processor() or platform.machine(), "cpu_count": os.cpu_count(),
                    "torch": torch.__version__, "python": platform.python_version(),
                    "load_average_before": load_before, "load_average_after": load_after},
        "preset": "mnist (default): eval every 500 steps, 2,000 samples vs 5,000 real, digits28, KID 10 subsets",
        "train_command_seconds": train_seconds,
        "train_command_cpu_seconds": train_cpu,
        "evaluation_seconds": eval_seconds,
        "evaluation_cpu_seconds": eval_cpu,
        "curve": points,
        "best_checkpoint": best,
        "floor_real_half_vs_half": {"n": [2500, 2500], **floor},
        "matched_2500_vs_half": matched,
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    plot(points, floor, best)

    print(f"{'step':>5} {'digits-FD':>10} {'KID':>16} {'eval s':>7}")
    for p in points:
        print(f"{p['step']:>5} {p['fid']:>10.3f} {p['kid']:>9.2f} ± {p['kid_std']:<5.2f} {p['seconds']:>7.1f}")
    print(f"floor (real 2,500 vs real 2,500): digits-FD {floor['fid']['fid']:.3f}, KID {floor['kid']['kid']:.2f} "
          f"± {floor['kid']['kid_std']:.2f}")
    for name, m in matched.items():
        print(f"{name} checkpoint, 2,500 samples vs the same real half: digits-FD {m['fid']['fid']:.3f}, "
              f"KID {m['kid']['kid']:.2f} ± {m['kid']['kid_std']:.2f}")
    print(f"best checkpoint: step {best['step']} (digits-FD {best['value']:.3f})")
    if train_seconds is not None:
        print(f"`ganforge train` (default preset): {train_seconds:.0f} s wall, {train_cpu:.0f} CPU-s; evaluation "
              f"{eval_seconds:.1f} s wall ({100 * eval_seconds / train_seconds:.1f}%), {eval_cpu:.1f} CPU-s "
              f"({100 * eval_cpu / train_cpu:.1f}%); load average before/after {load_before[0]:.1f}/{load_after[0]:.1f}")
    print(f"wrote {RESULTS} and {PLOT}")
    if tmp is not None and not args.keep:
        shutil.rmtree(tmp, ignore_errors=True)
    elif tmp is not None:
        print(f"run kept in {run}")
    return 0


def plot(points: list[dict], floor: dict, best: dict) -> None:
    """The curves with the real-vs-real floor and the best checkpoint, drawn by ganforge.plots (Pillow)."""
    from ganforge.io import save_image
    from ganforge.plots import Panel, Series, line_chart

    steps = [p["step"] for p in points]
    fd = Panel("digits-FD (digits28 features, log scale)",
               [Series(steps, [p["fid"] for p in points], "generated (2,000) vs real (5,000)")],
               hlines=[(floor["fid"]["fid"], "real vs real (2,500 / 2,500)")],
               mark=(best["step"], best["value"], f"best.pt (step {best['step']})"), log_y=True)
    kid = Panel("KID (same features)", [Series(steps, [p["kid"] for p in points], "generated vs real",
                                               yerr=[p["kid_std"] for p in points])],
                hlines=[(floor["kid"]["kid"], "real vs real")])
    save_image(PLOT, line_chart([fd, kid], "ganforge default MNIST preset", panel_size=(500, 340)))


if __name__ == "__main__":
    sys.exit(main())
