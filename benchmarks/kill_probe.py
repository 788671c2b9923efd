"""Kill -9 during saves: a model folder and a run's checkpoint must always load, and no leftovers pile up.

Two probes, each a loop of ``--kills`` rounds. A forked child saves over and over and is killed
with SIGKILL after a random delay (so most kills land inside a write); then the parent checks

* ``model``: ``TabularGAN.save`` of a tiny model to the same folder, each save marking its version
  both in ``model.json`` and in the weights; after the kill, ``TabularGAN.load`` must succeed and
  the two marks must agree (no mixed folder);
* ``run``: ``ganforge.train`` resumed with a checkpoint every step; after the kill, ``load_run``
  must succeed and the next child resumes from that checkpoint.

Hidden temporaries (``.NAME.PID.xxxxxxxx.tmp``) and versioned weights that no manifest names are
counted after each kill; they are removed by the next save, so the count after a final clean save
must be 0 and the count after a kill must not grow with the number of kills.

Run from the repository root (Linux/macOS: it forks)::

    python benchmarks/kill_probe.py --kills 25        # table + benchmarks/results/kill_probe.json
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable

import numpy as np

TINY_TABLE = dict(batch_size=60, latent_dim=8, generator_dims=(8,), discriminator_dims=(8,), verbose=False,
                  n_jobs=1, max_modes=2, precision="fp32", device="cpu", epochs=1, seed=0)
TINY_RUN = {"name": "kill-probe", "data": {"source": "ring8", "n": 256}, "model": {"arch": "mlp", "width": 8, "depth": 1,
                                                                                     "latent_dim": 2},
            "train": {"steps": 2, "batch_size": 32, "log_every": 1, "sample_every": 10**9, "checkpoint_every": 1,
                      "progress": False, "tensorboard": False, "precision": "fp32", "device": "cpu"}}


def hidden_leftovers(*folders: Path) -> list[str]:
    """Hidden temporaries and unnamed versioned weights in ``folders`` (what killed writes leave)."""
    found = []
    for folder in folders:
        if not folder.is_dir():
            continue
        named = set()
        if (folder / "model.json").is_file():
            import json

            named = set((json.loads((folder / "model.json").read_text()).get("files") or {}).values())
        for entry in folder.iterdir():
            versioned = entry.name.startswith("model.v") and entry.name not in named
            if entry.name.startswith(".") or versioned:
                found.append(entry.name)
    return sorted(found)


def _fork(work: Callable[[], None]) -> int:
    pid = os.fork()
    if pid == 0:  # the child: work until killed, never return into the caller's code
        code = 1
        try:
            work()
            code = 0
        finally:
            os._exit(code)
    return pid


def _kill_after(pid: int, delay: float) -> bool:
    """SIGKILL ``pid`` after ``delay`` seconds; False when it had already exited (a failure)."""
    deadline = time.monotonic() + delay
    while time.monotonic() < deadline:
        done, _ = os.waitpid(pid, os.WNOHANG)
        if done:
            return False
        time.sleep(0.002)
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    return True


# -- the model probe ---------------------------------------------------------------------------
def _mark(model: Any, version: int) -> None:
    import torch

    from ganforge.nets import unwrap

    bias = next(t for k, t in unwrap(model.gan_.generator).state_dict().items() if k.endswith("bias"))
    with torch.no_grad():
        bias.fill_(float(version))
    model.training_["probe_version"] = version


def _marks_agree(model: Any) -> bool:
    from ganforge.nets import unwrap

    bias = next(t for k, t in unwrap(model.gan_.generator).state_dict().items() if k.endswith("bias"))
    return bool((bias == float(model.training_["probe_version"])).all())


def probe_model(root: Path, kills: int, window: float, rng: random.Random) -> dict[str, Any]:
    import pandas as pd

    from ganforge.tabular import TabularGAN

    g = np.random.default_rng(0)
    table = pd.DataFrame({"x": g.normal(size=120), "c": g.choice(["a", "b"], 120)})
    model = TabularGAN(**TINY_TABLE).fit(table)
    path = root / "model"
    _mark(model, 0)
    model.save(path)
    rounds = []
    for k in range(kills):
        def work(start: int = (k + 1) * 100_000) -> None:
            for version in range(start, start + 100_000):
                _mark(model, version)
                model.save(path)

        killed = _kill_after(_fork(work), rng.uniform(0, window))
        loaded = TabularGAN.load(path)
        rounds.append({"killed": killed, "loaded": True, "consistent": _marks_agree(loaded),
                       "version": loaded.training_["probe_version"],
                       "leftovers": len(hidden_leftovers(root, path))})
    _mark(model, -1)
    model.save(path)  # a clean save removes what the killed ones left
    return {"rounds": rounds, "leftovers_at_end": hidden_leftovers(root, path)}


# -- the run probe -----------------------------------------------------------------------------
def probe_run(root: Path, kills: int, window: float, rng: random.Random) -> dict[str, Any]:
    import copy

    from ganforge import train
    from ganforge.runs.experiment import load_run

    run = root / "run"
    train(TINY_RUN, out=run)
    forever = copy.deepcopy(TINY_RUN)
    forever["train"]["steps"] = 10**9
    rounds = []
    for _ in range(kills):
        killed = _kill_after(_fork(lambda: train(forever, resume=run)), rng.uniform(0, window))
        gan, _ = load_run(run)
        from ganforge.training import load_checkpoint

        step = load_checkpoint(run / "checkpoints" / "last.pt")["step"]
        rounds.append({"killed": killed, "loaded": gan is not None, "consistent": True, "version": step,
                       "leftovers": len(hidden_leftovers(run, run / "checkpoints"))})
    final = copy.deepcopy(TINY_RUN)
    final["train"]["steps"] = rounds[-1]["version"] + 1 if rounds else 3
    train(final, resume=run)  # one clean checkpoint save
    return {"rounds": rounds, "leftovers_at_end": hidden_leftovers(run, run / "checkpoints")}


PROBES = {"model": probe_model, "run": probe_run}


def run_probes(kills: int, window: float = 0.6, seed: int = 0, root: Path | None = None,
               probes: tuple[str, ...] = ("model", "run")) -> dict[str, Any]:
    """Run each probe for ``kills`` rounds; the result says, per probe, whether everything held."""
    import torch

    torch.set_num_threads(1)
    rng = random.Random(seed)
    out: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(dir=root) as tmp:
        for name in probes:
            t0 = time.perf_counter()
            res = PROBES[name](Path(tmp) / name, kills, window, rng)
            rounds = res["rounds"]
            res["summary"] = {
                "kills": sum(r["killed"] for r in rounds), "rounds": len(rounds),
                "loadable": sum(r["loaded"] and r["consistent"] for r in rounds),
                "max_leftovers_after_a_kill": max((r["leftovers"] for r in rounds), default=0),
                "leftovers_at_end": len(res["leftovers_at_end"]), "seconds": round(time.perf_counter() - t0, 2)}
            out[name] = res
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=25)
    parser.add_argument("--window", type=float, default=0.6, help="kill after a delay drawn from [0, WINDOW] s")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default=str(Path(__file__).parent / "results" / "kill_probe.json"))
    args = parser.parse_args(argv)
    sys.path.insert(0, str(Path(__file__).parent))
    from common import machine, write_result

    result = run_probes(args.kills, args.window, args.seed)
    print(f"{'probe':<6} {'kills':>5} {'loadable':>8} {'max leftovers':>13} {'at end':>6} {'seconds':>7}")
    ok = True
    for name, res in result.items():
        s = res["summary"]
        print(f"{name:<6} {s['kills']:>5} {s['loadable']:>5}/{s['rounds']:<2} {s['max_leftovers_after_a_kill']:>13} "
              f"{s['leftovers_at_end']:>6} {s['seconds']:>7}")
        ok &= s["loadable"] == s["rounds"] and s["leftovers_at_end"] == 0 and s["kills"] == s["rounds"]
    write_result({"machine": machine(), "kills": args.kills, "window_s": args.window, "seed": args.seed,
                  "passed": ok, **result}, args.out)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
