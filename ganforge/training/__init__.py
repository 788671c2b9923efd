"""The training loop and what surrounds it (checkpoints, EMA, callbacks, devices)."""

from ganforge.training.batches import Batches
from ganforge.training.callbacks import Callback, Evaluate, SampleGrid, ScalarLog, TimeBudget
from ganforge.training.checkpoint import CheckpointError, load_checkpoint, save_checkpoint
from ganforge.training.ema import EMA
from ganforge.training.trainer import Trainer, TrainingDiverged

__all__ = ["Batches", "Callback", "CheckpointError", "EMA", "Evaluate", "SampleGrid", "ScalarLog", "TimeBudget",
           "Trainer", "TrainingDiverged", "load_checkpoint", "save_checkpoint"]
