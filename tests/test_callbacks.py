"""Callbacks around the training loop: sample pictures (captioned, over the real data, on interrupt)."""

import signal

import numpy as np
import pytest
from PIL import Image

from conftest import tiny_image_config
from ganforge.runs.experiment import train
from ganforge.training import Callback


def reds_and_greys(path):
    a = np.asarray(Image.open(path).convert("RGB"), int)
    reds = ((a[..., 0] - a[..., 1] > 60) & (a[..., 0] - a[..., 2] > 60)).sum()
    greys = ((a.max(-1) - a.min(-1) < 10) & (a[..., 0] > 100) & (a[..., 0] < 225)).sum()
    return int(reds), int(greys)


def test_grids_of_a_run_are_enlarged_and_carry_the_step(tmp_path):
    train(tiny_image_config(steps=3, sample_every=3), out=tmp_path / "run")
    img = Image.open(tmp_path / "run" / "samples" / "step_0000003.png")
    assert img.width == 8 * 34 + 2 and img.height > img.width + 12  # 8-px digits as 32-px tiles, a caption
    strip = np.asarray(img.convert("L"))[: img.height - img.width]
    assert (strip < 100).sum() > 20  # the caption's text


def test_a_2d_run_draws_its_samples_over_the_real_data(tmp_path):
    cfg = tiny_image_config(steps=2, sample_every=2)
    cfg["data"] = {"source": "ring8"}
    cfg["model"] = {"arch": "mlp", "latent_dim": 2, "width": 16}
    train(cfg, out=tmp_path / "run")
    reds, greys = reds_and_greys(tmp_path / "run" / "samples" / "step_0000002.png")
    assert reds > 100 and greys > 500  # a tiny G makes one red blob; the 8 grey modes around it


class InterruptAt(Callback):
    def __init__(self, step, sig=signal.SIGINT):
        self.step, self.sig = step, sig

    def on_step_end(self, trainer, step):
        if step == self.step:
            signal.raise_signal(self.sig)


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_an_interrupted_run_draws_a_last_grid(tmp_path, sig):
    with pytest.raises(KeyboardInterrupt):
        train(tiny_image_config(steps=50, sample_every=100), out=tmp_path / "run", callbacks=[InterruptAt(5, sig)])
    assert [p.name for p in (tmp_path / "run" / "samples").iterdir()] == ["step_0000005.png"]
