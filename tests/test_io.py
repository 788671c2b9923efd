import pytest
import torch
from PIL import Image

from ganforge.io import atomic_write, image_grid, save_picture, write_text


def test_atomic_write_keeps_the_old_file_when_writing_fails(tmp_path):
    path = write_text(tmp_path / "a.txt", "old")

    def broken(f):
        f.write("half")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        atomic_write(path, broken, mode="w")
    assert path.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["a.txt"]  # no temporary left behind


def test_image_grid_tiles_images():
    imgs = torch.full((6, 1, 4, 4), 1.0)
    grid = image_grid(imgs, nrow=3, padding=1)
    assert grid.size == (3 * 5 + 1, 2 * 5 + 1)
    assert grid.getpixel((1, 1)) == 255 and grid.getpixel((0, 0)) == 0


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
