"""The piano-roll GAN on the Bach chorales against two baselines, by the music metrics.

Trains the MuseGAN-style GAN (``gan.kind: musegan``; by default the ``chorales`` preset's recipe: one voice
per track, straight-through 0/1 rolls, non-saturating loss with R1, 2 D steps per G step, batch 16 at 5e-4; MuseGAN's WGAN-GP with
``--no-monophonic --binarize threshold --set gan.loss=wasserstein --set gan.penalty=gradient_penalty --set
gan.penalty_weight=10 --set gan.n_critic=5 --batch 64 --lr 2e-4``) on 4-bar SATB phrases of the training
chorales for a time budget, and compares ``--eval-n`` phrases of each system with the test chorales'
phrases, metric by metric (:mod:`ganforge.music.metrics`): the absolute difference of the means and the
overlapping area of the distributions (Yang & Lerch 2020).

* training phrases: real music, what "close" looks like (a ceiling);
* the GAN;
* Markov: a first-order Markov chain per voice over its pitch (or rest) at each 16th step, fitted on
  the same training phrases (transition counts with add-0.01 smoothing, start states from phrase starts);
* random: each cell on independently with its track's note density in the training phrases.

Target of issue 15: the GAN closer to the test phrases than both baselines on at least 4 of the 6 metrics.
Also checked: every test phrase and every GAN phrase written as a MIDI file and read back is the same roll.

    python benchmarks/music.py --device cuda --minutes 3            # the full run (GPU)
    python benchmarks/music.py --minutes 0.5 --width 8 --eval-n 100  # a quick check on a CPU
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import machine, write_result  # noqa: E402

from ganforge.config import merge, parse_set  # noqa: E402
from ganforge.presets import get_preset  # noqa: E402
from ganforge.runs.experiment import train  # noqa: E402
from ganforge.metrics.evaluate import generate  # noqa: E402
from ganforge.music.data import load_chorales  # noqa: E402
from ganforge.music.metrics import MUSIC_METRICS, compare  # noqa: E402
from ganforge.music.midi import read_midi, write_midi  # noqa: E402
from ganforge.music.rolls import RollFormat, from_voices, to_voices  # noqa: E402


def markov_phrases(rolls: np.ndarray, fmt: RollFormat, n: int, rng: np.random.Generator) -> np.ndarray:
    """Per voice, a first-order Markov chain over states 0 (rest) and 1 + pitch, fitted on ``rolls``."""
    voices = np.stack([to_voices(r, fmt.lowest) for r in rolls])  # (phrases, steps, tracks), -1 = rest
    states = np.where(voices < 0, 0, voices - fmt.lowest + 1)
    k = fmt.pitches + 1
    out = np.zeros((n, fmt.steps, fmt.tracks), dtype=np.int64)
    for t in range(fmt.tracks):
        s = states[:, :, t]
        counts = np.full((k, k), 0.01)
        np.add.at(counts, (s[:, :-1].ravel(), s[:, 1:].ravel()), 1.0)
        trans = counts / counts.sum(1, keepdims=True)
        start = np.bincount(s[:, 0], minlength=k) + 0.01
        cur = rng.choice(k, size=n, p=start / start.sum())
        out[:, 0, t] = cur
        cum = trans.cumsum(1)
        for step in range(1, fmt.steps):
            cur = (cum[cur] < rng.random(n)[:, None]).sum(1).clip(max=k - 1)
            out[:, step, t] = cur
    pitches = np.where(out == 0, -1, out - 1 + fmt.lowest)
    return np.stack([from_voices(p, fmt.lowest, fmt.pitches) for p in pitches])


def random_phrases(rolls: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """Cells on independently with each track's density in ``rolls``."""
    density = rolls.mean(axis=(0, 2, 3))
    return rng.random((n, *rolls.shape[1:])) < density[None, :, None, None]


def midi_round_trip(rolls: np.ndarray, fmt: RollFormat, folder: Path) -> tuple[int, int]:
    """How many phrases come back identical from a MIDI file (and how many were tried: phrases with no note are
    left out, as a MIDI file with no notes is refused on reading)."""
    same, rolls = 0, [r for r in rolls if r.any()]
    for i, r in enumerate(rolls):
        path = write_midi(folder / f"{i}.mid", r, fmt.lowest, fmt.steps_per_quarter)
        back = np.stack([t[:, fmt.lowest:fmt.lowest + fmt.pitches] for _, _, t in read_midi(path)])
        same += int(back.shape == r.shape and np.array_equal(back, r))
    return same, len(rolls)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cpu", help="cpu or cuda")
    parser.add_argument("--minutes", type=float, default=15.0, help="training time budget of the GAN")
    parser.add_argument("--width", type=int, default=32)
    parser.add_argument("--latent-dim", type=int, default=32, help="size of each of the four latent vectors")
    parser.add_argument("--batch", type=int, default=None, help="default: the chorales preset's (16)")
    parser.add_argument("--lr", type=float, default=None, help="of G and D; default: the chorales preset's (5e-4)")
    parser.add_argument("--binarize", default=None, choices=["threshold", "straight_through"],
                        help="default: the chorales preset's (straight_through)")
    parser.add_argument("--monophonic", action=argparse.BooleanOptionalAction, default=None,
                        help="each track a voice (softmax over its pitches and a rest; the chorales preset's); "
                             "--no-monophonic: MuseGAN's sigmoid per cell")
    parser.add_argument("--precision", default="auto")
    parser.add_argument("--eval-n", type=int, default=1000, help="phrases per system")
    parser.add_argument("--threads", type=int, default=0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                        help="config override, e.g. gan.loss=hinge or gan.n_critic=2 (repeatable)")
    parser.add_argument("--out", default="benchmarks/results/music.json")
    parser.add_argument("--picture", default="", help="PNG, rows of 4 phrases: test chorales, Markov chain, GAN")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    rng = np.random.default_rng(args.seed)
    train_set, test_set = load_chorales("train"), load_chorales("test")
    fmt, train_rolls, test_rolls = train_set.fmt, train_set.rolls(), test_set.rolls()
    n = args.eval_n
    systems = {"training phrases (real)": train_rolls[rng.permutation(len(train_rolls))[:n]],
               "Markov chain per voice": markov_phrases(train_rolls, fmt, n, rng),
               "random, matched density": random_phrases(train_rolls, n, rng)}
    given = {"batch_size": args.batch, "lr_g": args.lr, "lr_d": args.lr}
    bench = {"name": "bench-chorales", "model": {"latent_dim": args.latent_dim, "width": args.width},
             "musegan": {k: v for k, v in (("binarize", args.binarize), ("monophonic", args.monophonic)) if v is not None},
             "train": {"steps": 10**7, "time_budget": args.minutes * 60, "ema": 0.999 if args.minutes >= 2 else 0.99,
                       "device": args.device, "precision": args.precision, "sample_every": 10**6,
                       "checkpoint_every": 10**6, "progress": False, "tensorboard": False, "seed": args.seed,
                       **{k: v for k, v in given.items() if v is not None}}}
    cfg = merge(merge(get_preset("chorales").overrides, bench), parse_set(args.set))
    with tempfile.TemporaryDirectory(prefix="ganforge-music-bench-") as tmp:
        start = time.perf_counter()
        trainer = train(cfg, out=Path(tmp) / "run")
        seconds = time.perf_counter() - start
        x, _ = generate(trainer.gan, n, seed=args.seed)
        systems["piano-roll GAN"] = x.numpy().reshape(n, *fmt.shape) > 0.5
        (Path(tmp) / "midi").mkdir()
        trip_test = midi_round_trip(test_rolls, fmt, Path(tmp) / "midi")
        trip_gan = midi_round_trip(systems["piano-roll GAN"][:100], fmt, Path(tmp) / "midi")
    if args.picture:
        from ganforge.music.pictures import roll_grid

        shown = [test_rolls[:4]] + [systems[k][:4] for k in ("Markov chain per voice", "piano-roll GAN")]
        roll_grid(np.concatenate(shown), fmt, nrow=4).save(args.picture)
        print(f"picture: {args.picture} (rows: test chorales, Markov chain, GAN)")
    tables = {name: compare(rolls, test_rolls, fmt) for name, rolls in systems.items()}
    gan = tables["piano-roll GAN"]
    wins = [m for m in MUSIC_METRICS if all(gan[m]["distance"] < tables[b][m]["distance"]
                                            for b in ("Markov chain per voice", "random, matched density"))]
    print(f"\ndistance of the mean to the test chorales' (overlapping area in brackets); test means in the last row")
    print(f"{'system':26s}" + "".join(f"{m:>22s}" for m in MUSIC_METRICS))
    for name, table in tables.items():
        print(f"{name:26s}" + "".join(f"{table[m]['distance']:>13.3f} ({table[m]['overlap']:.2f})" for m in MUSIC_METRICS))
    print(f"{'test chorales (mean)':26s}" + "".join(f"{gan[m]['real']:>22.3f}" for m in MUSIC_METRICS))
    print(f"\nGAN closer than both baselines on {len(wins)} of 6 metrics ({', '.join(wins) or 'none'}; target >= 4); "
          f"{trainer.step} steps in {seconds:.0f} s")
    print(f"MIDI round trip: {trip_test[0]}/{trip_test[1]} test phrases and {trip_gan[0]}/{trip_gan[1]} GAN phrases "
          "identical")
    info = machine()
    if args.device.startswith("cuda"):
        info["gpu"] = torch.cuda.get_device_name(0)
    write_result({"benchmark": "music", "settings": vars(args), "machine": info, "tables": tables,
                  "gan_wins": wins, "target_met": len(wins) >= 4, "steps": trainer.step,
                  "train_seconds": round(seconds, 1), "midi_round_trip": {"test": trip_test, "gan": trip_gan}},
                 args.out)


if __name__ == "__main__":
    main()
