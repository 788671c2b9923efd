"""Image folders: 16-bit files are scaled by what the file is, not by their values."""

import numpy as np
from PIL import Image

from ganforge.data.images import load_image_folder


def test_16bit_pngs_are_scaled_alike_whatever_their_brightest_pixel(tmp_path):
    dark = np.full((4, 4), 257 * 100, np.uint16)  # 100 in 8 bits
    darker = np.full((4, 4), 200, np.uint16)  # under 256, yet 16-bit: 200/257 rounds to 1
    Image.fromarray(dark).save(tmp_path / "a.png")
    Image.fromarray(darker).save(tmp_path / "b.png")
    images, _ = load_image_folder(tmp_path)
    assert images[0].unique().tolist() == [100]
    assert images[1].unique().tolist() == [1]
