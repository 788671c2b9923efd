"""Unpaired data (CycleGAN): two domains of any sizes and counts, batches that draw A and B
independently, and one-line errors for a domain with too few images."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image

from ganforge.cli import main
from ganforge.data.unpaired import load_unpaired
from ganforge.errors import DataError


def write_images(folder, sizes, colour=False, seed=0):
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    for i, (h, w) in enumerate(sizes):
        shape = (h, w, 3) if colour else (h, w)
        Image.fromarray(rng.integers(0, 256, shape, dtype=np.uint8)).save(folder / f"{i:03d}.png")
    return folder


def test_domains_of_any_sizes_make_independent_batches_of_crops(tmp_path):
    a = write_images(tmp_path / "a", [(20, 24), (16, 16), (30, 18)])
    b = write_images(tmp_path / "b", [(17, 40)] * 5, colour=True, seed=1)
    data = load_unpaired(a, b, crop=16, repeats=1)
    assert len(data) == 3 and data.channels == 3 and data.sample_shape == (3, 16, 16)  # grey A made RGB like B
    torch.manual_seed(0)
    x, y = data.batch(torch.tensor([0, 1, 2, 0]))
    assert x.shape == y.shape == (4, 3, 16, 16) and x.dtype == torch.float32
    assert x.min() >= -1 and x.max() <= 1
    assert torch.equal(x[1], data.a[1].float() / 127.5 - 1) or torch.equal(x[1], (data.a[1].float() / 127.5 - 1).flip(2))
    torch.manual_seed(0)
    x2, y2 = data.batch(torch.tensor([0, 1, 2, 0]))  # the draws are torch's global generator's: reproducible
    assert torch.equal(x, x2) and torch.equal(y, y2)
    fixed_a, fixed_b = data.fixed(2)
    assert torch.equal(fixed_a, data.fixed(2)[0]) and fixed_b.shape == (2, 3, 16, 16)


def test_b_is_drawn_independently_of_a(tmp_path):
    a = write_images(tmp_path / "a", [(8, 8)] * 2)
    b = write_images(tmp_path / "b", [(8, 8)] * 6, seed=1)
    data = load_unpaired(a, b, crop=8, flip=False)
    torch.manual_seed(0)
    _, y = data.batch(torch.zeros(200, dtype=torch.long))  # always A image 0
    b_images = torch.stack([im.float() / 127.5 - 1 for im in data.b])
    which = [int(((b_images - yi).abs().flatten(1).sum(1) == 0).nonzero()[0]) for yi in y]
    counts = np.bincount(which, minlength=6)
    assert (counts > 15).all(), counts  # every B image turns up with the same A image


def test_train_a_and_train_b_folders_and_load_size(tmp_path):
    write_images(tmp_path / "set" / "trainA", [(40, 60)] * 2)
    write_images(tmp_path / "set" / "trainB", [(12, 12)] * 3)
    data = load_unpaired(None, None, tmp_path / "set", crop=8, load_size=12)
    assert data.channels == 1 and all(t.shape[1:] == (12, 12) for t in data.a + data.b)
    with pytest.raises(DataError, match="smaller than the 16-pixel training crop"):
        load_unpaired(tmp_path / "set" / "trainA", tmp_path / "set" / "trainB", crop=16)
    with pytest.raises(DataError, match="trainA/ and trainB/"):
        load_unpaired(None, None, tmp_path)


@pytest.mark.parametrize("count, message", [(0, "domain B: no images found in"), (1, "domain B (")])
def test_a_domain_folder_with_too_few_images_is_a_one_line_error(count, message, tmp_path, capsys):
    a = write_images(tmp_path / "a", [(24, 24)] * 3)
    b = write_images(tmp_path / "b", [(24, 24)] * count)
    argv = ["train", "cyclegan", "--set", f"data.a={a}", "--set", f"data.b={b}", "--set", "cyclegan.crop=24",
            "--out", str(tmp_path / "run")]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("ganforge train: error: ") and message in err[0], err
    if count == 1:
        assert "holds 1 image(s)" in err[0] and "at least 2" in err[0]
    assert not (tmp_path / "run").exists()
