"""GAIN on images: masks, observed pixels kept, shapes and dtypes, and mask mismatches refused."""

import numpy as np
import pytest

from ganforge.errors import DataError
from ganforge.impute.images import ImageImputer, block_mask, random_mask


def _images(n=48, size=12, seed=0):
    """Smooth blobs: a missing pixel is predictable from its neighbours."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[:size, :size]
    cy, cx = rng.uniform(3, size - 3, (2, n, 1, 1))
    return (255 * np.exp(-((yy - cy) ** 2 + (xx - cx) ** 2) / 12)).astype(np.uint8)


def test_masks():
    m = random_mask((200, 10, 10), 0.3, seed=1)
    assert m.dtype == bool and abs(m.mean() - 0.3) < 0.02
    b = block_mask((5, 1, 10, 10), 4)
    assert (b.reshape(5, -1).sum(axis=1) == 16).all()


@pytest.mark.heavy
def test_fills_only_the_masked_pixels_better_than_the_mean():
    images = _images()
    mask = random_mask(images.shape, 0.4)
    imp = ImageImputer(n_iter=150, time_limit=None, width=8)
    out = imp.fit_transform(images, mask)
    assert out.dtype == np.uint8 and out.shape == images.shape
    assert np.array_equal(out[~mask], images[~mask])
    mean_fill = np.where(mask, images[~mask].mean(), images)
    err = lambda f: np.sqrt(np.mean((f[mask].astype(float) - images[mask]) ** 2))  # noqa: E731
    assert err(out) < err(mean_fill)
    draws = imp.transform(images, mask, n_imputations=2)
    assert len(draws) == 2 and np.array_equal(draws[0][~mask], images[~mask])


def test_float_images_with_channels_and_odd_size():
    images = np.random.default_rng(0).random((6, 3, 10, 9)).astype(np.float32)
    mask = block_mask(images.shape, 3)
    out = ImageImputer(n_iter=3, time_limit=None, width=4).fit_transform(images, mask)
    assert out.shape == images.shape and out.dtype == np.float32
    assert np.array_equal(out[~mask], images[~mask]) and 0 <= out.min() and out.max() <= 1


def test_mask_shape_mismatch_is_refused():
    images = _images(n=4)
    with pytest.raises(DataError, match="the mask has shape"):
        ImageImputer(n_iter=1).fit(images, np.zeros((4, 5, 5), dtype=bool))
