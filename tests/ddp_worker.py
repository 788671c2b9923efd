"""Run by tests/test_distributed.py under torchrun (``ddp_worker.py OUT PENALTIES DATA [CONFIG]``): a few DDP steps
per penalty on the images DATA, each rank saving its state; then, in the same process group,
``ganforge train CONFIG --out run`` through the command line's code."""

import os
import sys
from pathlib import Path

import torch
import torch.distributed as dist

from ganforge.runs.experiment import build_gan, config_from, load_data
from ganforge.training import Trainer
from ganforge.training.runtime import shutdown_distributed

torch.set_num_threads(1)
out, penalties, source = Path(sys.argv[1]), sys.argv[2].split(","), sys.argv[3]
for penalty in penalties:  # one process group for every setting: starting torchrun dominates the cost
    cfg = config_from({
        "data": {"source": source},
        "model": {"arch": "dcgan", "latent_dim": 8, "width": 8},
        "gan": {"penalty": penalty, "penalty_weight": 1.0},
        "train": {"steps": 4, "batch_size": 16, "precision": "fp32", "ema": 0.5, "progress": False,
                  "tensorboard": False},
    })
    data = load_data(cfg)
    torch.manual_seed(1000 + int(os.environ["RANK"]))  # different initial weights on each rank: DDP must sync them
    gan = build_gan(cfg, data.sample_shape)
    trainer = Trainer(gan, data, cfg.train, run_config=cfg.to_dict())
    first_batch = next(iter(trainer.batches)).clone()
    trainer.batches.load_state_dict({"epoch": 0, "position": 0})
    trainer.fit()
    state = trainer.state_dict()
    torch.save({"networks": state["networks"], "averaged": state["averaged"], "first_batch": first_batch,
                "world_size": trainer.dist.world_size}, out / f"rank{trainer.dist.rank}_{penalty}.pt")
if len(sys.argv) > 4:
    from ganforge.cli import main

    assert main(["train", sys.argv[4], "--out", "run"]) == 0
shutdown_distributed()
sys.stdout.flush()
sys.stderr.flush()
os._exit(0)  # skip the interpreter's teardown: under load gloo's threads have aborted there (SIGABRT) after all work was saved
