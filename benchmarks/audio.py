"""Audio GANs on the spoken digits, judged on the held-out voices without listening.

Trains WaveGAN and SpecGAN (class-conditional, WGAN-GP) on the training voices of the spoken-digits set
for a time budget each, then scores, with the shipped spoken-digit classifier (``spoken_digits``
extractor), ``--eval-n`` clips of each system, every digit equally often:

* real test clips (the 500 clips of the 10 held-out voices): the ceiling;
* WaveGAN and SpecGAN;
* shaped noise: Gaussian noise filtered to the mean magnitude spectrogram of the training clips (per
  frequency and frame, so it has the words' average spectrum and envelope), what a GAN that learnt
  nothing but the average would give.

Figures: Inception score (classifier logits), Frechet distance of the classifier's features to the test
clips' (for the real row: training clips against test clips), accuracy on the requested digit (real: on
the true digit), and the shares of silent and clipped clips. Targets of issue 15: the better GAN's IS
>= 50% of the real clips', its FD <= 0.3x the shaped noise's, its conditional accuracy >= 80%.

    python benchmarks/audio.py --device cuda --minutes 4                  # the full run (GPU)
    python benchmarks/audio.py --minutes 0.5 --width 4 --eval-n 100       # a quick check on a CPU
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import machine, write_result  # noqa: E402

from ganforge.audio.data import load_spoken_digits  # noqa: E402
from ganforge.audio.spectral import istft, stft  # noqa: E402
from ganforge.runs.experiment import train  # noqa: E402
from ganforge.metrics import get_metric  # noqa: E402
from ganforge.metrics.evaluate import evaluate, generate  # noqa: E402


def shaped_noise(clips: torch.Tensor, n: int, seed: int) -> torch.Tensor:
    """Gaussian noise whose STFT magnitude is scaled to the mean magnitude spectrogram of ``clips``."""
    g = torch.Generator().manual_seed(seed)
    mean = torch.stack([stft(c, 256, 128).abs() for c in clips.split(200)]).flatten(0, 1).mean(0)
    noise = torch.randn(n, clips.shape[1], generator=g)
    spec = stft(noise, 256, 128)
    spec = spec / spec.abs().mean(dim=(0,), keepdim=True).clamp_min(1e-8) * mean  # white -> the mean shape
    return istft(spec, 256, 128, clips.shape[1]).clamp(-1, 1)


def gan_config(kind: str, args: argparse.Namespace) -> dict:
    return {
        "name": f"bench-{kind}",
        "data": {"source": "spoken-digits"},
        "model": {"latent_dim": 100, "width": args.width, "d_norm": "none"},
        "gan": {"kind": kind, "loss": "wasserstein", "penalty": "gradient_penalty", "penalty_weight": 10.0,
                "n_critic": args.n_critic},
        "train": {"steps": 10**7, "time_budget": args.minutes * 60, "batch_size": args.batch, "lr_g": args.lr, "lr_d": args.lr, "betas": [0.5, 0.9],
                  "ema": 0.999 if args.minutes >= 2 else 0.99, "device": args.device, "precision": args.precision,
                  "log_every": 100, "sample_every": 10**6, "checkpoint_every": 10**6, "progress": False,
                  "tensorboard": False, "seed": args.seed},
    }


def score(name: str, clips: torch.Tensor, labels: torch.Tensor | None, reference: torch.Tensor, device: str,
          extra: dict | None = None) -> dict:
    metrics = "fid,is" + (",cond_acc" if labels is not None else "")
    records = evaluate(clips, reference, metrics=metrics, extractor="spoken_digits", fake_labels=labels,
                       device=device, precision="fp32")
    row = {"system": name, "n": len(clips)}
    for rec in records:
        row.update(rec["values"])
    row.update(get_metric("audio_levels")(clips)["values"])
    row.update(extra or {})
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cpu", help="cpu or cuda")
    parser.add_argument("--minutes", type=float, default=15.0, help="training time budget per GAN")
    parser.add_argument("--models", default="wavegan,specgan")
    parser.add_argument("--width", type=int, default=32, help="d of the paper's networks (64 there)")
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--n-critic", type=int, default=5)
    parser.add_argument("--lr", type=float, default=1e-4)
    parser.add_argument("--precision", default="auto", help="auto (bf16 where native), bf16 or fp32")
    parser.add_argument("--eval-n", type=int, default=500, help="clips per system (50 per digit at 500)")
    parser.add_argument("--threads", type=int, default=0, help="torch CPU threads (0: torch's default)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--runs", default="", help="keep the run folders here (default: a temporary folder)")
    parser.add_argument("--out", default="benchmarks/results/audio.json")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    import tempfile

    runs = Path(args.runs or tempfile.mkdtemp(prefix="ganforge-audio-bench-"))
    test, train_set = load_spoken_digits("test"), load_spoken_digits("train")
    n = args.eval_n
    rows = []
    real, real_labels = test.data[:n], test.labels[:n]
    others = train_set.data[torch.randperm(len(train_set), generator=torch.Generator().manual_seed(0))[:n]]
    row = score("real test clips (ceiling)", real, real_labels, test.data, args.device)
    row["fid"] = evaluate(others, test.data, metrics="fid", extractor="spoken_digits", device=args.device,
                          precision="fp32")[0]["values"]["fid"]  # another set of real clips against the test clips
    row["note"] = "FD: training clips vs test clips; IS and accuracy: test clips, true digits"
    rows.append(row)
    noise = shaped_noise(train_set.data, n, args.seed)
    labels = torch.arange(n) * 10 // n
    rows.append(score("shaped noise (mean spectrogram)", noise, labels, test.data, args.device))
    for kind in [m for m in args.models.split(",") if m]:
        start = time.perf_counter()
        trainer = train(gan_config(kind, args), out=runs / kind)
        seconds = time.perf_counter() - start
        clips, requested = generate(trainer.gan, n, seed=args.seed)
        rows.append(score(kind, clips, requested, test.data, args.device,
                          {"steps": trainer.step, "train_seconds": round(seconds, 1),
                           "steps_per_second": round(trainer.step / seconds, 3)}))
    real_is = rows[0]["is"]
    noise_fd = rows[1]["fid"]
    gans = [r for r in rows[2:]]
    targets = {}
    if gans:
        best = min(gans, key=lambda r: r["fid"])
        targets = {"best_gan": best["system"], "is_ratio": best["is"] / real_is, "is_target_met": best["is"] >= 0.5 * real_is,
                   "fd_ratio_to_noise": best["fid"] / noise_fd, "fd_target_met": best["fid"] <= 0.3 * noise_fd,
                   "cond_acc": best.get("cond_acc"), "cond_acc_target_met": (best.get("cond_acc") or 0) >= 0.8}
    print(f"\n{'system':34s} {'IS':>6s} {'FD':>9s} {'acc':>6s} {'silent':>7s} {'clipped':>8s} {'steps':>7s}")
    for r in rows:
        acc = r.get("cond_acc", math.nan)
        print(f"{r['system']:34s} {r['is']:6.2f} {r['fid']:9.3f} {acc:6.3f} {r['silent']:7.3f} {r['clipped']:8.3f} "
              f"{r.get('steps', ''):>7}")
    if targets:
        print(f"\nbest GAN {targets['best_gan']}: IS {targets['is_ratio']:.0%} of real (target >= 50%), FD "
              f"{targets['fd_ratio_to_noise']:.2f}x shaped noise (target <= 0.3x), accuracy {targets['cond_acc']:.0%} "
              f"(target >= 80%)")
    info = machine()
    if args.device.startswith("cuda"):
        info["gpu"] = torch.cuda.get_device_name(0)
    write_result({"benchmark": "audio", "settings": vars(args), "machine": info, "rows": rows, "targets": targets},
                 args.out)


if __name__ == "__main__":
    main()
