"""The training loop and what surrounds it (checkpoints, EMA, callbacks, devices)."""

from ganforge.training.batches import Batches
from ganforge.training.budget import StepBudget
from ganforge.training.callbacks import Callback, Evaluate, SampleGrid, ScalarLog
from ganforge.training.checkpoint import CheckpointError, load_checkpoint, save_checkpoint
from ganforge.training.ema import EMA
from ganforge.training.trainer import Trainer, TrainingDiverged

__all__ = ["Batches", "Callback", "CheckpointError", "EMA", "Evaluate", "SampleGrid", "ScalarLog", "StepBudget",
           "Trainer", "TrainingDiverged", "load_checkpoint", "save_checkpoint"]
