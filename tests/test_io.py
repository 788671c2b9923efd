import pytest
import torch
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
