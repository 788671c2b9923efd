"""Training throughput of the default preset's DCGAN: ganforge's Trainer vs a plain PyTorch loop.

What it measures: real images consumed per second (batch_size x steps; n_critic is 1) while
training the default preset's ("mnist") DCGAN on the built-in 5,000-image MNIST subset, in
the steady state (after ``--warmup`` steps, which are not timed).

Variants, all in one process, run in alternation (one run of each per round, in this order,
so slow drift in the machine's load hits them all alike):

* ``tutorial_fp32`` (the baseline): the loop of the official PyTorch DCGAN tutorial, fp32,
  no autocast, no channels-last: fresh copies of the same G and D (same init), Adam(2e-4,
  betas (0.5, 0.999)), BCEWithLogitsLoss on D's logits, a torch DataLoader over a
  TensorDataset of the images scaled to [-1, 1] (shuffle, drop_last, no workers); per
  iteration D(real) -> backward, G(z) -> D(fake.detach()) -> backward, D step, then
  D(fake) with the same fakes -> backward, G step, and the losses' ``.item()`` as the
  tutorial records them.
* ``ganforge``: ``ganforge.Trainer`` with the preset's settings as they are (``precision: auto``:
  bf16 autocast + channels-last on a CUDA device with bf16 or a CPU with native bf16, i.e.
  AVX512-BF16 or AMX; fp32 elsewhere; EMA of G, NaN guard, ...).
* ``tutorial_bf16_cl``: the same tutorial loop under bf16 autocast with channels-last
  networks and batches (what precision alone buys, without the Trainer).
* ``ganforge_fp32``: the Trainer with ``precision="fp32", channels_last=False``: the same
  arithmetic as the baseline, so the ratio shows the Trainer's own overhead (or lack of it).

Reported: the CPU's name and speed flags (avx2, avx512f, avx512_bf16, amx_bf16, amx_tile) and what
``precision: auto`` picks there and why; per-round images/s of each variant, their medians, the
median over rounds of the per-round ratio variant / baseline, and of ganforge / the faster of the
two bare loops (the acceptance figure: at least 0.95). A table is printed and JSON written.

Run (from the repository root)::

    python benchmarks/throughput.py                       # 5 rounds, ~25 s per run on 2 CPU cores
    python benchmarks/throughput.py --rounds 3 --steps 100 --device cuda
    python benchmarks/throughput.py --variants tutorial_fp32,ganforge --batch-size 128
    python benchmarks/throughput.py --threads 1 --clock cpu   # steadier on a machine other jobs share

Thread count is torch's default (no ``torch.set_num_threads``) unless ``--threads`` is given. With
several threads, other jobs on the machine slow torch's parallel regions down very unevenly: check
``uptime`` first and measure on an idle machine (the load average is recorded in the JSON).
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path
from typing import Callable

import torch
from torch import nn

import ganforge
from ganforge.runs.experiment import build_gan
from ganforge.training import Callback
from common import machine as common_machine  # benchmarks/common.py

BASELINE = "tutorial_fp32"
VARIANTS = ("tutorial_fp32", "ganforge", "tutorial_bf16_cl", "ganforge_fp32")
DEFAULT_OUT = Path(__file__).resolve().parent / "results" / "throughput.json"


#: The clock runs are timed with: wall time, or (``--clock cpu``) this process's CPU time, which with
#: ``--threads 1`` is nearly immune to other jobs on a busy machine (with more threads it also counts spinning).
_now = time.perf_counter


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


# -- the plain PyTorch loop (the official DCGAN tutorial's shape) -----------------------------------
def tutorial_run(template: ganforge.GAN, images01: torch.Tensor, *, batch_size: int, steps: int, warmup: int,
                 device: torch.device, bf16: bool = False, channels_last: bool = False) -> float:
    """Images/s of the DCGAN tutorial's loop over ``steps`` iterations after ``warmup`` untimed ones."""
    fmt = torch.channels_last if channels_last else torch.contiguous_format
    netG = copy.deepcopy(template.generator).to(device, memory_format=fmt).train()
    netD = copy.deepcopy(template.discriminator).to(device, memory_format=fmt).train()
    nz = template.latent_dim
    criterion = nn.BCEWithLogitsLoss()
    optimizerD = torch.optim.Adam(netD.parameters(), lr=2e-4, betas=(0.5, 0.999))
    optimizerG = torch.optim.Adam(netG.parameters(), lr=2e-4, betas=(0.5, 0.999))
    dataset = torch.utils.data.TensorDataset(images01)
    loader = torch.utils.data.DataLoader(dataset, batch_size=batch_size, shuffle=True, drop_last=True,
                                         num_workers=0)
    amp = torch.autocast(device.type, dtype=torch.bfloat16, enabled=bf16)
    real_label, fake_label = 1.0, 0.0
    G_losses: list[float] = []
    D_losses: list[float] = []
    total = warmup + steps
    it, t0 = 0, 0.0
    while it < total:
        for (data,) in loader:
            if it == warmup:
                _sync(device)
                t0 = _now()
            if it == total:
                break
            # (1) Update D: maximize log(D(x)) + log(1 - D(G(z)))
            netD.zero_grad()
            real = data.to(device, memory_format=fmt)
            b_size = real.size(0)
            label = torch.full((b_size,), real_label, dtype=torch.float, device=device)
            with amp:
                output = netD(real).view(-1)
                errD_real = criterion(output.float(), label)
            errD_real.backward()
            noise = torch.randn(b_size, nz, device=device)
            with amp:
                fake = netG(noise)
            label.fill_(fake_label)
            with amp:
                output = netD(fake.detach()).view(-1)
                errD_fake = criterion(output.float(), label)
            errD_fake.backward()
            errD = errD_real + errD_fake
            optimizerD.step()
            # (2) Update G: maximize log(D(G(z)))
            netG.zero_grad()
            label.fill_(real_label)
            with amp:
                output = netD(fake).view(-1)
                errG = criterion(output.float(), label)
            errG.backward()
            optimizerG.step()
            G_losses.append(errG.item())
            D_losses.append(errD.item())
            it += 1
    _sync(device)
    return batch_size * steps / (_now() - t0)


# -- ganforge's Trainer ------------------------------------------------------------------------------
class _Clock(Callback):
    """Reads the clock at the end of step ``warmup`` and at the end of the last step."""

    def __init__(self, warmup: int, device: torch.device) -> None:
        self.warmup, self.device = warmup, device
        self.start = self.end = 0.0

    def on_step_end(self, trainer: ganforge.Trainer, step: int) -> None:
        if step == self.warmup or step == trainer.cfg.steps:
            _sync(self.device)
            now = _now()
            if step == self.warmup:
                self.start = now
            else:
                self.end = now


def ganforge_run(template: ganforge.GAN, dataset: ganforge.Dataset, cfg: ganforge.Config, *, batch_size: int,
                 steps: int, warmup: int, device: torch.device, **overrides) -> float:
    """Images/s of ``Trainer.fit()`` over ``steps`` steps after ``warmup`` untimed ones."""
    gan = copy.deepcopy(template)
    clock = _Clock(warmup, device)
    trainer = ganforge.Trainer(gan, dataset, cfg.train, steps=warmup + steps, batch_size=batch_size,
                               device=str(device), progress=False, run_dir=None, callbacks=[clock],
                               **overrides)
    trainer.fit()
    return batch_size * steps / (clock.end - clock.start)


def make_runners(device: torch.device, batch_size: int, steps: int, warmup: int
                 ) -> tuple[dict[str, Callable[[], float]], dict]:
    cfg = ganforge.config_from("mnist")
    dataset = ganforge.load_dataset("mnist")
    torch.manual_seed(cfg.train.seed)
    template = build_gan(cfg, dataset.sample_shape)  # one init shared by every run
    images01 = dataset.data.float() / 127.5 - 1.0  # the tutorial's pre-scaled real images in [-1, 1]
    common = dict(batch_size=batch_size, steps=steps, warmup=warmup, device=device)
    runners = {
        "tutorial_fp32": lambda: tutorial_run(template, images01, **common),
        "ganforge": lambda: ganforge_run(template, dataset, cfg, **common),
        "tutorial_bf16_cl": lambda: tutorial_run(template, images01, bf16=True, channels_last=True, **common),
        "ganforge_fp32": lambda: ganforge_run(template, dataset, cfg, precision="fp32", channels_last=False,
                                              **common),
    }
    probe = ganforge.Trainer(copy.deepcopy(template), dataset, cfg.train, steps=1, batch_size=batch_size,
                             device=str(device), progress=False, run_dir=None)
    setup = {"preset": "mnist", "model": cfg.to_dict()["model"], "train": cfg.to_dict()["train"],
             "ganforge_precision": str(probe.dtype).replace("torch.", ""),
             "ganforge_precision_reason": probe.precision_reason,
             "ganforge_channels_last": probe.memory_format == torch.channels_last,
             "n_params": {k: sum(p.numel() for p in m.parameters()) for k, m in template.networks().items()}}
    return runners, setup


def machine(device: torch.device) -> dict:
    info = {**common_machine(), "device": str(device), "host": platform.node()}
    if device.type == "cuda":
        info["gpu"] = torch.cuda.get_device_name(device)
    try:
        info["load_avg_at_start"] = [round(x, 2) for x in os.getloadavg()]
    except OSError:
        pass
    return info


def main(argv: list[str] | None = None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--rounds", type=int, default=5, help="alternating rounds (one run of each variant per round)")
    p.add_argument("--steps", type=int, default=400, help="timed training steps per run")
    p.add_argument("--warmup", type=int, default=30, help="untimed steps before the clock starts")
    p.add_argument("--batch-size", type=int, default=None, help="default: the preset's (64)")
    p.add_argument("--device", choices=["cpu", "cuda"], default="cpu")
    p.add_argument("--variants", default=",".join(VARIANTS),
                   help=f"comma-separated subset of {','.join(VARIANTS)} (the baseline is always run)")
    p.add_argument("--out", type=Path, default=DEFAULT_OUT, help="JSON results file")
    p.add_argument("--threads", type=int, default=None,
                   help="torch threads (default: torch's own default, i.e. all cores)")
    p.add_argument("--clock", choices=["wall", "cpu"], default="wall",
                   help="cpu: time runs by process CPU time (for --threads 1 on a busy machine)")
    args = p.parse_args(argv)
    global _now
    _now = time.process_time if args.clock == "cpu" else time.perf_counter
    if args.threads:
        torch.set_num_threads(args.threads)

    device = torch.device(args.device)
    if device.type == "cuda" and not torch.cuda.is_available():
        p.error("--device cuda but CUDA is not available")
    batch_size = args.batch_size or ganforge.config_from("mnist").train.batch_size
    names = [v.strip() for v in args.variants.split(",") if v.strip()]
    unknown = [v for v in names if v not in VARIANTS]
    if unknown:
        p.error(f"unknown variant(s) {unknown}; choose from {VARIANTS}")
    names = [BASELINE] + [v for v in VARIANTS if v in names and v != BASELINE]

    runners, setup = make_runners(device, batch_size, args.steps, args.warmup)
    info = machine(device)
    flags = "?" if info["cpu_flags"] is None else " ".join(info["cpu_flags"]) or "none"
    print(f"{info['cpu']} (flags: {flags}) | {info['cores']} cores, {info['torch_threads']} torch threads | torch {info['torch']} | "
          f"device {device} | batch {batch_size} | {args.steps} timed steps after {args.warmup} | "
          f"ganforge: {setup['ganforge_precision_reason']}, channels_last={setup['ganforge_channels_last']} | "
          f"load avg {info.get('load_avg_at_start', ['?'])[0]}", flush=True)

    per_round: dict[str, list[float]] = {n: [] for n in names}
    cpu_s: dict[str, list[float]] = {n: [] for n in names}  # process CPU seconds per run (context for load)
    wall_s: dict[str, list[float]] = {n: [] for n in names}
    for r in range(args.rounds):
        for name in names:
            c0, w0 = time.process_time(), time.perf_counter()
            per_round[name].append(runners[name]())
            cpu_s[name].append(round(time.process_time() - c0, 2))
            wall_s[name].append(round(time.perf_counter() - w0, 2))
        print(f"round {r + 1}/{args.rounds}: " + ", ".join(f"{n} {per_round[n][-1]:.0f}" for n in names)
              + " img/s", flush=True)

    base = per_round[BASELINE]
    ratios = {n: [v / b for v, b in zip(per_round[n], base)] for n in names}
    medians = {n: statistics.median(v) for n, v in per_round.items()}
    median_ratios = {n: statistics.median(v) for n, v in ratios.items()}

    bare = [v for v in ("tutorial_fp32", "tutorial_bf16_cl") if v in names]
    vs_bare = None
    if "ganforge" in names:  # the acceptance figure: the Trainer against the faster bare loop, round by round
        vs_bare = statistics.median(g / max(per_round[v][i] for v in bare) for i, g in enumerate(per_round["ganforge"]))

    print()
    print(f"| variant | median img/s | min-max img/s | x {BASELINE} (median of per-round ratios) |")
    print("|---|---:|---:|---:|")
    for n in names:
        v = per_round[n]
        print(f"| {n} | {medians[n]:.0f} | {min(v):.0f}-{max(v):.0f} | {median_ratios[n]:.2f}x |")
    if vs_bare is not None:
        print(f"\nganforge / the faster of {' and '.join(bare)} (median of per-round ratios): {vs_bare:.2f}x")

    result = {
        "benchmark": "throughput", "what": "training images/s (batch_size x steps), steady state, "
                                          "variants alternated within each round",
        "time": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "argv": sys.argv[1:], "machine": info,
        "batch_size": batch_size, "steps": args.steps, "warmup": args.warmup, "rounds": args.rounds,
        "clock": args.clock, "baseline": BASELINE, "setup": setup, "images_per_s": per_round, "median_images_per_s": medians,
        "ratio_to_baseline": ratios, "median_ratio_to_baseline": median_ratios,
        "median_ratio_ganforge_to_faster_bare_loop": vs_bare,
        "run_wall_s": wall_s, "run_cpu_s": cpu_s,
    }
    try:
        result["machine"]["load_avg_at_end"] = [round(x, 2) for x in os.getloadavg()]
    except OSError:
        pass
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"\nwrote {args.out}")
    return result


if __name__ == "__main__":
    main()
