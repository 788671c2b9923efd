"""How much bf16 autocast + channels-last speeds up each layer of the default DCGAN on this CPU.

The throughput benchmark compares whole training steps; this one explains its ceiling. For every
layer of the default preset's generator and discriminator (batch 64), it times forward + backward
(gradients for weights and input) in four settings -- fp32, bf16 autocast + channels-last, bf16
alone, channels-last alone -- as the median of ``--repeats`` calls after a warm-up, all settings
of a layer in one process, one after the other. A table is printed and JSON written.

    python benchmarks/bf16_layers.py                      # torch's default threads
    python benchmarks/bf16_layers.py --threads 1 --out /tmp/layers.json
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch
from torch import nn

from ganforge.runs.experiment import build_gan, config_from

from common import cpu_name, machine, write_result  # benchmarks/common.py

SETTINGS = {"fp32": (False, False), "bf16+cl": (True, True), "bf16": (True, False), "fp32+cl": (False, True)}


def layers(batch: int) -> list[tuple[str, nn.Module, tuple[int, ...]]]:
    """The default preset's layers with parameters, with the input shape each sees in training."""
    cfg = config_from("mnist")
    gan = build_gan(cfg, (1, 28, 28))
    probes: list[tuple[str, nn.Module, tuple[int, ...]]] = []
    hooks = []
    for prefix, net in (("G", gan.generator), ("D", gan.discriminator)):
        for name, module in net.named_modules():
            if isinstance(module, (nn.Linear, nn.Conv2d, nn.ConvTranspose2d, nn.BatchNorm2d)):
                label = f"{prefix}.{name} {type(module).__name__}"
                hooks.append(module.register_forward_hook(
                    lambda m, inp, out, label=label: probes.append((label, m, tuple(inp[0].shape)))))
    with torch.no_grad():
        fake = gan.generator(torch.randn(batch, cfg.model.latent_dim))
        gan.discriminator(fake)
    for h in hooks:
        h.remove()
    return probes


def time_layer(module: nn.Module, shape: tuple[int, ...], bf16: bool, channels_last: bool, repeats: int) -> float:
    """Median milliseconds of forward + backward of ``module`` on a random input of ``shape``."""
    x = torch.randn(shape)
    if channels_last and x.ndim == 4:
        module = module.to(memory_format=torch.channels_last)
        x = x.contiguous(memory_format=torch.channels_last)
    else:
        module = module.to(memory_format=torch.contiguous_format)
    x.requires_grad_(True)
    times = []
    for i in range(repeats + 5):
        start = time.perf_counter()
        with torch.autocast("cpu", torch.bfloat16, enabled=bf16):
            y = module(x)
        y.float().sum().backward()
        if i >= 5:
            times.append(time.perf_counter() - start)
    return 1000 * statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--threads", type=int, default=None, help="torch threads (default: torch's)")
    parser.add_argument("--out", default="benchmarks/results/bf16_layers.json")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    rows = []
    for label, module, shape in layers(args.batch_size):
        ms = {name: time_layer(module, shape, *flags, args.repeats) for name, flags in SETTINGS.items()}
        rows.append({"layer": label, "input": list(shape), "ms": ms, "speedup_bf16_cl": ms["fp32"] / ms["bf16+cl"]})
    total = {name: sum(r["ms"][name] for r in rows) for name in SETTINGS}
    print(f"{cpu_name()}, {torch.get_num_threads()} threads, batch {args.batch_size}; ms per forward + backward")
    print(f"{'layer':34} {'input':18} " + " ".join(f"{n:>8}" for n in SETTINGS) + "  fp32 / bf16+cl")
    for r in rows:
        print(f"{r['layer']:34} {str(tuple(r['input'])):18} " + " ".join(f"{r['ms'][n]:8.2f}" for n in SETTINGS)
              + f"  {r['speedup_bf16_cl']:6.2f}x")
    print(f"{'all layers':53} " + " ".join(f"{total[n]:8.2f}" for n in SETTINGS)
          + f"  {total['fp32'] / total['bf16+cl']:6.2f}x")
    result = {"benchmark": "bf16_layers", "time": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
              "machine": machine(),
              "batch_size": args.batch_size, "repeats": args.repeats, "rows": rows, "total_ms": total,
              "speedup_bf16_cl_all_layers": total["fp32"] / total["bf16+cl"]}
    write_result(result, args.out)


if __name__ == "__main__":
    main()
