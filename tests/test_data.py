"""Tests for ganforge.data: folders, arrays, built-ins, mixtures and Dataset."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from ganforge.data import (
    BUILTIN_DATASETS,
    DEFAULT_MIXTURE_SAMPLES,
    DataError,
    Dataset,
    Mixture,
    gaussian1d,
    grid25,
    load_array,
    load_dataset,
    load_image_folder,
    ring8,
    to_uint8_images,
)


def _save(path: Path, size=(10, 12), mode="RGB", value=128) -> Path:
    """Write a solid image; size is (width, height)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    colour = value if mode == "L" else (value, 255 - value, 30)
    Image.new(mode, size, colour).save(path)
    return path


# ----------------------------------------------------------------------------- folders


def test_grey_folder_flat_has_no_labels(tmp_path):
    for i in range(3):
        _save(tmp_path / f"img{i}.png", size=(8, 6), mode="L", value=50 * i)
    x, y = load_image_folder(tmp_path, None, None)
    assert x.dtype == torch.uint8 and x.shape == (3, 1, 6, 8)
    assert y is None
    assert [int(v) for v in x[:, 0, 0, 0]] == [0, 50, 100]  # sorted file order


def test_rgb_and_jpeg_uppercase_extensions(tmp_path):
    _save(tmp_path / "a.PNG", mode="RGB", value=200)
    _save(tmp_path / "b.JPG", mode="RGB", value=100)
    _save(tmp_path / "c.jpeg", mode="L", value=10)
    (tmp_path / "notes.txt").write_text("not an image")
    x, y = load_image_folder(tmp_path, None, None)
    assert x.shape == (3, 3, 12, 10)  # a colour image makes everything RGB
    assert y is None
    assert x[0, 0, 0, 0] == 200
    assert torch.equal(x[2, 0], x[2, 1])  # grey repeated into RGB


def test_class_folders_give_sorted_labels(tmp_path):
    _save(tmp_path / "zebra" / "1.png", mode="L")
    _save(tmp_path / "apple" / "1.png", mode="L")
    _save(tmp_path / "apple" / "2.png", mode="L")
    _save(tmp_path / "mango" / "x.jpg", mode="L")
    _save(tmp_path / ".hidden" / "skip.png", mode="L")
    x, y = load_image_folder(tmp_path, None, None)
    assert x.shape[0] == 4
    assert y.dtype == torch.int64 and y.tolist() == [0, 0, 1, 2]


def test_images_in_root_and_subfolders_have_no_labels(tmp_path):
    _save(tmp_path / "top.png", mode="L")
    _save(tmp_path / "sub" / "deep.png", mode="L")
    x, y = load_image_folder(tmp_path, None, None)
    assert x.shape[0] == 2 and y is None


def test_mixed_sizes_resized_and_cropped(tmp_path):
    # A 60x20 image with a white band at columns 25..35: scaled to 48x16 and cropped
    # to columns 16..32, the band lands in the middle of the 16x16 square.
    wide = np.zeros((20, 60, 3), dtype=np.uint8)
    wide[:, 25:35] = 255
    Image.fromarray(wide).save(tmp_path / "wide.png")
    _save(tmp_path / "tall.png", size=(30, 90))
    _save(tmp_path / "small.png", size=(5, 5))
    x, _ = load_image_folder(tmp_path, 16, None)
    assert x.shape == (3, 3, 16, 16)
    centre_square = x[2]  # sorted: small, tall, wide
    assert centre_square[:, :, 6:10].min() > 200
    assert centre_square[:, :, 0].max() < 50 and centre_square[:, :, -1].max() < 50


def test_mixed_sizes_without_image_size_fail(tmp_path):
    _save(tmp_path / "a.png", size=(8, 8))
    _save(tmp_path / "b.png", size=(9, 8))
    with pytest.raises(DataError, match="image_size"):
        load_image_folder(tmp_path, None, None)


def test_channel_conversion_from_folder(tmp_path):
    _save(tmp_path / "a.png", mode="RGB", value=200)
    grey, _ = load_image_folder(tmp_path, None, 1)
    assert grey.shape == (1, 1, 12, 10)
    expected = round(0.299 * 200 + 0.587 * 55 + 0.114 * 30)
    assert abs(int(grey[0, 0, 0, 0]) - expected) <= 1


def test_folder_through_load_dataset(tmp_path):
    for i in range(5):
        _save(tmp_path / "imgs" / f"{i}.png", size=(20, 10), mode="L")
    ds = load_dataset(str(tmp_path / "imgs"), image_size=8, channels=3, n=3)
    assert ds.modality == "image" and ds.data.shape == (3, 3, 8, 8) and ds.name == "imgs"


def test_folder_errors(tmp_path):
    with pytest.raises(DataError, match="does not exist"):
        load_image_folder(tmp_path / "nope", None, None)
    f = tmp_path / "file.txt"
    f.write_text("x")
    with pytest.raises(DataError, match="not a directory"):
        load_image_folder(f, None, None)
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(DataError, match=r"no images found.*\.png"):
        load_image_folder(empty, None, None)
    bad = tmp_path / "bad"
    _save(bad / "good.png")
    (bad / "broken.png").write_text("this is not a PNG")
    with pytest.raises(DataError, match="broken.png"):
        load_image_folder(bad, None, None)


def test_truncated_image_is_named(tmp_path):
    p = _save(tmp_path / "t.jpg", size=(64, 64))
    data = p.read_bytes()
    p.write_bytes(data[: len(data) // 3])
    with pytest.raises(DataError, match="t.jpg"):
        load_image_folder(tmp_path, None, None)


def test_bad_options(tmp_path):
    _save(tmp_path / "a.png")
    with pytest.raises(DataError, match="channels"):
        load_image_folder(tmp_path, None, 2)
    with pytest.raises(DataError, match="image_size"):
        load_dataset(str(tmp_path), image_size=0)
    with pytest.raises(DataError, match="n must be"):
        load_dataset("digits", n=0)


# ----------------------------------------------------------------------------- arrays


def test_npy_layouts_and_value_ranges(tmp_path):
    rng = np.random.default_rng(0)
    u8 = rng.integers(0, 256, size=(4, 6, 5), dtype=np.uint8)
    cases = {
        "nhw.npy": (u8, (4, 1, 6, 5)),
        "nhwc.npy": (np.repeat(u8[..., None], 3, axis=3), (4, 3, 6, 5)),
        "nhwc4.npy": (np.repeat(u8[..., None], 4, axis=3), (4, 3, 6, 5)),
        "nchw.npy": (u8[:, None], (4, 1, 6, 5)),
        "unit.npy": (u8.astype(np.float32) / 255.0, (4, 1, 6, 5)),
        "sym.npy": (u8.astype(np.float64) / 127.5 - 1.0, (4, 1, 6, 5)),
        "int64.npy": (u8.astype(np.int64), (4, 1, 6, 5)),
    }
    for name, (arr, shape) in cases.items():
        np.save(tmp_path / name, arr)
        x, y = load_array(tmp_path / name)
        assert x.dtype == torch.uint8 and x.shape == shape, name
        assert y is None
        assert torch.equal(x[:, 0], torch.from_numpy(u8)), name


def test_vectors_from_npy(tmp_path):
    arr = np.random.default_rng(1).normal(size=(50, 3))
    np.save(tmp_path / "v.npy", arr)
    ds = load_dataset(str(tmp_path / "v.npy"))
    assert ds.modality == "vector" and ds.data.dtype == torch.float32 and ds.sample_shape == (3,)
    assert np.allclose(ds.data.numpy(), arr, atol=1e-6)
    with pytest.raises(DataError, match="images only"):
        load_dataset(str(tmp_path / "v.npy"), image_size=8)


def test_npz_keys_and_labels(tmp_path):
    imgs = np.zeros((6, 8, 8), dtype=np.uint8)
    np.savez(tmp_path / "a.npz", images=imgs, labels=np.arange(6))
    x, y = load_array(tmp_path / "a.npz")
    assert x.shape == (6, 1, 8, 8) and y.tolist() == list(range(6)) and y.dtype == torch.int64
    np.savez(tmp_path / "b.npz", imgs)  # arr_0
    assert load_array(tmp_path / "b.npz")[0].shape == (6, 1, 8, 8)
    np.savez(tmp_path / "c.npz", pics=imgs, other=imgs)
    with pytest.raises(DataError, match=r"keys in file.*pics"):
        load_array(tmp_path / "c.npz")
    assert load_array(tmp_path / "c.npz", key="pics")[0].shape == (6, 1, 8, 8)
    with pytest.raises(DataError, match="'missing' not found"):
        load_array(tmp_path / "c.npz", key="missing")
    np.savez(tmp_path / "d.npz", x=imgs, images=imgs)
    with pytest.raises(DataError, match="ambiguous"):
        load_array(tmp_path / "d.npz")
    np.savez(tmp_path / "e.npz", x=imgs, y=np.arange(5))
    with pytest.raises(DataError, match=r"e.npz.*5 labels for 6 samples"):
        load_array(tmp_path / "e.npz")
    ds = load_dataset(str(tmp_path / "a.npz"), image_size=4, n=3, seed=1)
    assert ds.data.shape == (3, 1, 4, 4) and len(ds.labels) == 3


@pytest.mark.parametrize(
    "arr, match",
    [
        (np.zeros((2, 3, 4, 5, 6), np.uint8), "unsupported shape"),
        (np.zeros((5,), np.float32), "unsupported shape"),
        (np.zeros((2, 5, 5, 7), np.uint8), "channel axis"),
        (np.array([[0.5, np.nan]]), "NaN"),
        (np.full((2, 4, 4), np.inf), "NaN or Inf"),
        (np.zeros((0, 4, 4), np.uint8), "empty"),
        (np.full((2, 4, 4), 300, np.int32), "0..255"),
        (np.full((2, 4, 4), 1000.0), r"\[0, 1\]"),
        (np.array(["a", "b"]), "dtype"),
    ],
)
def test_bad_arrays(tmp_path, arr, match):
    p = tmp_path / "bad.npy"
    np.save(p, arr)
    with pytest.raises(DataError, match=match) as info:
        load_array(p)
    assert "bad.npy" in str(info.value)


def test_corrupt_and_missing_files(tmp_path):
    for name in ("junk.npy", "junk.npz"):
        (tmp_path / name).write_bytes(b"definitely not numpy")
        with pytest.raises(DataError, match=name):
            load_array(tmp_path / name)
    with pytest.raises(DataError, match="does not exist"):
        load_array(tmp_path / "absent.npy")
    (tmp_path / "table.csv").write_text("1,2\n")
    with pytest.raises(DataError, match="unsupported file type"):
        load_dataset(str(tmp_path / "table.csv"))


def test_unknown_name_lists_builtins():
    with pytest.raises(DataError, match=r"no_such_set.*digits.*mnist.*ring8"):
        load_dataset("no_such_set")


# ----------------------------------------------------------------------------- built-ins


def test_builtin_registry_has_descriptions():
    assert set(BUILTIN_DATASETS) == {"digits", "mnist", "ring8", "grid25", "gaussian1d", "spoken-digits",
                                     "spoken-digits-test", "chorales", "chorales-test"}
    for loader, description in BUILTIN_DATASETS.values():
        assert callable(loader) and isinstance(description, str) and description


def test_digits():
    ds = load_dataset("digits")
    assert ds.data.shape == (1797, 1, 8, 8) and ds.data.dtype == torch.uint8
    assert ds.data.max() == 255 and ds.data.min() == 0
    assert ds.labels.shape == (1797,) and set(ds.labels.tolist()) == set(range(10))
    assert ds.modality == "image" and ds.sample_shape == (1, 8, 8)


def test_mnist():
    ds = load_dataset("mnist")
    assert ds.data.shape == (5000, 1, 28, 28) and ds.data.dtype == torch.uint8
    assert ds.labels.bincount().tolist() == [500] * 10
    assert ds.data.float().mean() > 10  # real strokes, not blank
    small = load_dataset("mnist", n=100, seed=3, image_size=14, channels=3)
    assert small.data.shape == (100, 3, 14, 14) and len(small.labels) == 100
    assert torch.equal(small.labels, load_dataset("mnist", n=100, seed=3).labels)
    with pytest.raises(DataError, match="larger"):
        load_dataset("mnist", n=6000)


def test_ring8_has_eight_distinct_modes_on_unit_circle():
    m = ring8()
    assert m.centers.shape == (8, 2) and m.std == 0.01
    assert torch.allclose(m.centers.norm(dim=1), torch.ones(8), atol=1e-6)
    dists = torch.cdist(m.centers, m.centers) + torch.eye(8) * 10
    assert dists.min() > 0.7  # neighbours are 2 sin(pi/8) ~ 0.765 apart
    angles = torch.atan2(m.centers[:, 1], m.centers[:, 0]) % (2 * math.pi)
    assert torch.allclose(angles.sort().values, torch.arange(8) * (2 * math.pi / 8), atol=1e-5)


def test_grid25_centres():
    m = grid25()
    assert m.centers.shape == (25, 2) and m.std == 0.05
    pts = {tuple(p) for p in m.centers.tolist()}
    assert pts == {(float(a), float(b)) for a in (-4, -2, 0, 2, 4) for b in (-4, -2, 0, 2, 4)}


@pytest.mark.parametrize("name, factory", [("ring8", ring8), ("grid25", grid25), ("gaussian1d", gaussian1d)])
def test_mixture_datasets(name, factory):
    ds = load_dataset(name, seed=7)
    m = factory()
    assert ds.modality == "vector" and len(ds) == DEFAULT_MIXTURE_SAMPLES
    assert ds.data.dtype == torch.float32 and ds.labels is None
    assert torch.equal(ds.mixture.centers, m.centers)
    nearest = torch.cdist(ds.data, m.centers).argmin(dim=1)
    residual = ds.data - m.centers[nearest]
    assert abs(residual.std().item() - m.std) < 0.05 * m.std
    assert torch.equal(ds.data, load_dataset(name, seed=7).data)
    assert not torch.equal(ds.data, load_dataset(name, seed=8).data)
    assert len(load_dataset(name, n=123)) == 123


def test_gaussian1d_defaults():
    m = gaussian1d()
    assert m.centers.tolist() == [[4.0]] and m.std == 1.25
    x = m.sample(20000, torch.Generator().manual_seed(0))
    assert x.shape == (20000, 1)
    assert abs(x.mean().item() - 4.0) < 0.05 and abs(x.std().item() - 1.25) < 0.05


def test_mixture_equal_weights():
    x = ring8().sample(16000, torch.Generator().manual_seed(0))
    counts = torch.cdist(x, ring8().centers).argmin(dim=1).bincount(minlength=8)
    assert counts.min() > 1800 and counts.max() < 2200


def test_bad_mixture():
    with pytest.raises(DataError):
        Mixture(torch.zeros(3, 2), std=0.0)


# ----------------------------------------------------------------------------- Dataset


def test_batch_scaling_and_round_trip():
    data = torch.arange(256, dtype=torch.uint8).reshape(4, 1, 8, 8)
    ds = Dataset(data, "ramp")
    b = ds.batch(torch.arange(4))
    assert b.dtype == torch.float32 and b.min() == -1.0 and b.max() == 1.0
    assert torch.equal(to_uint8_images(b), data)
    assert to_uint8_images(torch.tensor([-3.0, 0.0, 5.0])).tolist() == [0, 128, 255]
    assert len(ds) == 4 and ds.modality == "image" and ds.sample_shape == (1, 8, 8)


def test_vector_batch_as_stored():
    data = torch.randn(10, 2)
    ds = Dataset(data, "v")
    assert torch.equal(ds.batch(torch.tensor([3, 1])), data[[3, 1]])


def test_dataset_validation():
    with pytest.raises(DataError, match="uint8"):
        Dataset(torch.zeros(2, 1, 4, 4), "float images")
    with pytest.raises(DataError, match="labels"):
        Dataset(torch.zeros(2, 3), "v", labels=torch.zeros(3, dtype=torch.int64))
