import pytest
import torch
from pathlib import Path
from PIL import Image

from ganforge.io import atomic_write, picture, save_picture, write_text


def test_atomic_write_keeps_the_old_file_when_writing_fails(tmp_path):
    path = write_text(tmp_path / "a.txt", "old")

    def broken(f):
        f.write("half")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        atomic_write(path, broken, mode="w")
    assert path.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["a.txt"]  # no temporary left behind


def test_a_grid_of_small_images_has_tiles_of_32_px_under_a_caption():
    imgs = torch.full((64, 1, 8, 8), 1.0)
    plain, captioned = picture(imgs), picture(imgs, caption="step 1500")
    assert plain.size == (8 * 34 + 2, 8 * 34 + 2)  # 8-px digits enlarged to 32-px tiles, 2 px apart
    assert plain.getpixel((2, 2)) == 255 and plain.getpixel((0, 0)) != 255
    assert captioned.width == plain.width and captioned.height > plain.height + 12  # the step's strip


@pytest.mark.parametrize("shape", [(4, 3, 8, 8), (100, 2), (100, 1)])
def test_save_picture_for_each_kind_of_sample(tmp_path, shape):
    path = save_picture(tmp_path / "p.png", torch.rand(shape) * 2 - 1, real=None)
    assert Image.open(path).size[0] > 0


def test_save_picture_rejects_unknown_shapes(tmp_path):
    with pytest.raises(ValueError, match="no picture"):
        save_picture(tmp_path / "p.png", torch.rand(3, 5))


def test_atomic_write_gives_files_the_usual_permissions(tmp_path):
    import os

    mask = os.umask(0o022)
    try:
        path = write_text(tmp_path / "b.txt", "x")
    finally:
        os.umask(mask)
    assert path.stat().st_mode & 0o777 == 0o644


# -- atomic folders, leftovers, a full disk, permissions ------------------------------------------
import errno  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402

from ganforge.errors import OutputError  # noqa: E402
from ganforge.io import atomic_folder, folder_file, read_manifest, remove_leftovers, remove_leftovers_in  # noqa: E402


def _write_model(path, version, fmt="ganforge.Test"):
    with atomic_folder(path, manifest="m.json", fmt=fmt) as tmp:
        (tmp / "w.bin").write_text(f"weights {version}")
        (tmp / "m.json").write_text(json.dumps({"format": fmt, "version": version}))
    return path


def _read_model(path):
    meta = read_manifest(path, "m.json")
    weights = folder_file(path, meta, "w.bin").read_text()
    assert weights == f"weights {meta['version']}"  # the manifest and the content agree
    return meta["version"]


def test_atomic_folder_refuses_a_folder_it_did_not_write_and_leaves_it_alone(tmp_path):
    thesis = tmp_path / "thesis"
    thesis.mkdir()
    (thesis / "chapter1.tex").write_text("years of work")
    with pytest.raises(OutputError, match=f"{thesis}.*will not overwrite"):
        _write_model(thesis, 1)
    assert [p.name for p in thesis.iterdir()] == ["chapter1.tex"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["thesis"]  # no temporary left
    _write_model(tmp_path / "other", 1, fmt="ganforge.Other")
    with pytest.raises(OutputError):  # a ganforge folder of another kind is not replaced either
        _write_model(tmp_path / "other", 2)


def test_atomic_folder_replaces_its_own_folder_with_a_model_at_the_path_at_every_moment(tmp_path, monkeypatch):
    import ganforge.io as gio

    path = _write_model(tmp_path / "model", 1)
    assert sorted(p.name for p in path.iterdir()) == ["m.json", "w.bin"]  # a new folder keeps plain names
    _write_model(path, 2)
    assert _read_model(path) == 2 and len(list(path.iterdir())) == 2  # the old weights are gone
    real = gio.atomic_write

    def crash_on_manifest(p, *a, **k):  # dies between moving the new weights in and the manifest switch
        if p.name == "m.json":
            raise KeyboardInterrupt
        return real(p, *a, **k)

    monkeypatch.setattr(gio, "atomic_write", crash_on_manifest)
    with pytest.raises(KeyboardInterrupt):
        _write_model(path, 3)
    monkeypatch.undo()
    assert _read_model(path) == 2
    _write_model(path, 4)
    assert _read_model(path) == 4
    assert len(list(path.iterdir())) == 2 and sorted(p.name for p in tmp_path.iterdir()) == ["model"]
    assert sorted(p.name for p in path.iterdir()) == ["m.json", "w.bin"]  # a replaced folder keeps plain names too
    assert "files" not in json.loads((path / "m.json").read_text())


def test_a_write_killed_while_giving_back_plain_names_leaves_a_readable_folder(tmp_path, monkeypatch):
    import ganforge.io as gio

    path = _write_model(tmp_path / "model", 1)
    real = gio.os.rename
    calls = []

    def die_on_plain_name(src, dst):  # dies when the new weights would get their plain name back
        if Path(dst).name == "w.bin" and ".v" in Path(src).name:
            calls.append(src)
            raise KeyboardInterrupt
        return real(src, dst)

    monkeypatch.setattr(gio.os, "rename", die_on_plain_name)
    with pytest.raises(KeyboardInterrupt):
        _write_model(path, 2)
    monkeypatch.undo()
    assert calls and _read_model(path) == 2  # the manifest's versioned name still holds version 2
    monkeypatch.setattr(gio.os, "rename", die_on_plain_name)
    with pytest.raises(KeyboardInterrupt):  # a.bin gets its plain name back, then the write dies on w.bin
        with atomic_folder(path, manifest="m.json", fmt="ganforge.Test") as tmp:
            (tmp / "a.bin").write_text("a 2b")
            (tmp / "w.bin").write_text("weights 2b")
            (tmp / "m.json").write_text(json.dumps({"format": "ganforge.Test", "version": "2b"}))
    monkeypatch.undo()
    meta = read_manifest(path, "m.json")
    assert meta["files"]["a.bin"] != "a.bin" and folder_file(path, meta, "a.bin").name == "a.bin"
    assert folder_file(path, meta, "a.bin").read_text() == "a 2b" and _read_model(path) == "2b"
    _write_model(path, 3)
    assert _read_model(path) == 3 and sorted(p.name for p in path.iterdir()) == ["m.json", "w.bin"]


def _dead_pid() -> int:
    """The id of a process that has ended."""
    pid = os.fork()
    if pid == 0:
        os._exit(0)
    os.waitpid(pid, 0)
    return pid


def _touch(paths):
    for p in paths:
        p.write_text("x")


def test_leftovers_of_dead_processes_are_removed_and_nothing_else(tmp_path):
    dead = _dead_pid()
    target = tmp_path / "last.pt"
    stale = [tmp_path / f".last.pt.{dead}.abcd_123.tmp", tmp_path / f".last.pt.old-{dead}"]
    kept = [tmp_path / f".last.pt.{os.getpid()}.abcdefgh.tmp", tmp_path / ".last.pt.notes", tmp_path / "last.pt.bak"]
    _touch(stale + kept)
    assert sorted(remove_leftovers(target)) == sorted(stale)
    assert all(p.exists() for p in kept) and not any(p.exists() for p in stale)


def test_a_folder_sweep_removes_dead_leftovers_of_every_file(tmp_path):
    dead = _dead_pid()
    stale = [tmp_path / f".metrics.jsonl.{dead}.abcd_123.tmp", tmp_path / f".run.json.{dead}.zzzzzzzz.tmp"]
    kept = [tmp_path / f".config.yaml.{os.getpid()}.abcdefgh.tmp", tmp_path / ".hidden", tmp_path / "run.json"]
    _touch(stale + kept)
    assert sorted(remove_leftovers_in(tmp_path)) == sorted(stale)
    assert all(p.exists() for p in kept) and not any(p.exists() for p in stale)
    assert remove_leftovers_in(tmp_path / "missing") == []


class _FullDisk:
    """A file object on a disk that fills up after ``room`` bytes."""

    def __init__(self, f, room):
        self.f, self.room = f, room

    def write(self, data):
        if len(data) > self.room:
            raise OSError(errno.ENOSPC, "No space left on device")
        self.room -= len(data)
        return self.f.write(data)

    def flush(self):
        self.f.flush()


@pytest.mark.parametrize("how", ["plain", "torch"])
def test_a_full_disk_is_an_output_error_naming_the_path_and_the_old_file_stays(tmp_path, how):
    path = tmp_path / "ckpt.pt"
    path.write_bytes(b"previous")
    if how == "plain":
        def write(f):
            _FullDisk(f, 10).write(b"x" * 100)
    else:  # torch wraps the OSError in RuntimeError('unexpected pos ...')
        def write(f):
            torch.save({"w": torch.zeros(10_000)}, _FullDisk(f, 1000))
    with pytest.raises(OutputError, match=f"disk full.*{path}.*previous one is unchanged"):
        atomic_write(path, write)
    assert path.read_bytes() == b"previous"
    assert [p.name for p in tmp_path.iterdir()] == ["ckpt.pt"]


def test_folders_and_files_get_the_umask_permissions(tmp_path):
    old = os.umask(0o027)
    try:
        path = _write_model(tmp_path / "model", 1)
        write_text(tmp_path / "a.txt", "x")
    finally:
        os.umask(old)
    assert path.stat().st_mode & 0o777 == 0o750  # mkdtemp alone gives 0700
    assert (tmp_path / "a.txt").stat().st_mode & 0o777 == 0o640


def test_to_plain_makes_json_ready_values():
    import json

    import numpy as np
    import torch

    from ganforge.io import to_plain

    obj = {1: (np.float32(0.5), np.int64(3)), "a": {np.bool_(True), }, "t": torch.tensor([1, 2]),
           "arr": np.array([[1.5]]), "nan": float("nan"), "p": Path("x/y")}
    plain = to_plain(obj)
    assert plain["1"] == [0.5, 3] and plain["a"] == [True] and plain["t"] == [1, 2] and plain["arr"] == [[1.5]]
    assert plain["p"] == str(Path("x/y")) and plain["nan"] != plain["nan"]
    assert to_plain({"x": [float("inf"), np.float64("nan")]}, nan=None) == {"x": [None, None]}
    json.dumps(to_plain(obj, nan=None), allow_nan=False)


def test_uint8_images_is_the_inverse_of_the_training_range():
    import torch

    from ganforge.data import Dataset, to_uint8_images
    from ganforge.features.base import to_pixel_levels
    from ganforge.io import to_uint8, uint8_images

    data = torch.arange(0, 256, dtype=torch.uint8).reshape(1, 1, 16, 16)
    x = Dataset(data, "ramp").batch(torch.tensor([0]))
    assert torch.equal(uint8_images(x), data) and to_uint8_images is uint8_images
    assert torch.equal(uint8_images(torch.tensor([-3.0, 3.0])), torch.tensor([0, 255], dtype=torch.uint8))
    assert to_uint8(x).shape == (1, 16, 16, 1) and torch.equal(to_pixel_levels(x), data.float())
