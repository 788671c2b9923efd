"""Pictures drawn with Pillow: enlarged grids with a caption, scatter plots and histograms with axes, line charts."""

import numpy as np
import pytest

from ganforge.plots import FAKE, INK, MARK, REAL, Panel, Series, histogram_plot, image_grid, line_chart, nice_ticks, \
    scatter_plot, with_caption


def pixels_of(img, colour, tol=40):
    """How many pixels are within ``tol`` (per channel) of ``colour``."""
    a = np.asarray(img if isinstance(img, np.ndarray) else img.convert("RGB"), int)
    return int((np.abs(a - np.asarray(colour)).max(-1) <= tol).sum())


def test_small_images_are_enlarged_to_sharp_tiles_of_at_least_32_px():
    images = np.zeros((64, 8, 8, 1), np.uint8)
    images[0, 0, 0] = 255  # one lit pixel in the first image's corner
    grid = image_grid(images, padding=2)
    assert grid.size == (8 * (32 + 2) + 2, 8 * (32 + 2) + 2)
    a = np.asarray(grid)
    assert (a[2:6, 2:6] == 255).all() and (a[6:34, 6:34] == 0).all()  # nearest neighbour: a 4x4 block


def test_large_images_keep_their_size():
    grid = image_grid(np.zeros((4, 64, 64, 3), np.uint8), nrow=2, padding=2)
    assert grid.size == (2 * 66 + 2, 2 * 66 + 2) and grid.mode == "RGB"


def test_caption_strip_holds_the_text():
    img = image_grid(np.full((4, 8, 8, 1), 255, np.uint8))
    captioned = with_caption(img, "step 1500")
    strip = captioned.height - img.height
    assert captioned.width == img.width and strip >= 12
    top = np.asarray(captioned)[:strip]
    assert (top < 100).sum() > 20  # dark text on the white strip
    assert np.array_equal(np.asarray(captioned)[strip:], np.asarray(img))


def test_scatter_draws_real_grey_behind_red_fakes_with_axes():
    rng = np.random.default_rng(0)
    real = rng.normal(size=(500, 2))
    fake = rng.normal(size=(500, 2)) + [3, 0]  # beside the real cloud, so both colours show
    img, alone = np.asarray(scatter_plot(fake, real), int), np.asarray(scatter_plot(fake), int)

    def reds(a):
        return int(((a[..., 0] - a[..., 1] > 60) & (a[..., 0] - a[..., 2] > 60)).sum())

    def greys(a):
        return int(((a.max(-1) - a.min(-1) < 10) & (a[..., 0] > 100) & (a[..., 0] < 225)).sum())

    assert reds(img) > 2000 and greys(img) > greys(alone) + 2000
    assert pixels_of(img, FAKE, 30) > 10 and pixels_of(img, REAL, 30) > 10  # where points pile up
    assert (img[10:-50, 48].max(-1) < 80).mean() > 0.95  # the left axis line


def test_scatter_points_are_visible_discs_and_points_out_of_view_are_counted():
    img = scatter_plot(np.array([[0.0, 0.0]]), np.array([[1.0, 1.0], [-1.0, -1.0]]))
    assert pixels_of(img, FAKE, 60) >= 9  # one point: a disc of radius >= 1.5 px
    far = np.concatenate([np.zeros((300, 2)), [[1e6, 1e6]]])
    assert scatter_plot(far, np.ones((10, 2))).size == img.size  # an outlier does not squash the view


def test_histogram_shows_real_and_generated():
    rng = np.random.default_rng(0)
    img = histogram_plot(rng.normal(2, 1, 1000), rng.normal(0, 1, 1000))
    assert pixels_of(img, REAL, 10) > 1000 and pixels_of(img, FAKE, 30) > 100 and pixels_of(img, INK, 10) > 100


def test_line_chart_has_the_size_of_its_panels_and_draws_the_marked_point():
    panels = [Panel("fid", [Series([1, 2, 3], [5.0, 3.0, 4.0], "generated")], hlines=[(1.0, "floor")]),
              Panel("kid", [Series([1, 2, 3], [9.0, 8.0, float("nan")], yerr=[1, 1, 1])], log_y=True)]
    plain = line_chart(panels, "title", panel_size=(400, 300), columns=2)
    assert plain.size == (800, 300 + 22)
    assert pixels_of(plain, MARK, 10) == 0
    panels[0].mark = (2, 3.0, "best")
    marked = line_chart(panels, "title", panel_size=(400, 300), columns=1)
    assert marked.size == (400, 2 * 300 + 22)
    assert pixels_of(marked, MARK, 10) > 50


@pytest.mark.parametrize("lo, hi, expected", [(0, 1, [0, 0.2, 0.4, 0.6, 0.8, 1.0]), (480, 3020, [500, 1000, 1500,
                                              2000, 2500, 3000]), (-1.2, 1.2, [-1, -0.5, 0, 0.5, 1])])
def test_nice_ticks(lo, hi, expected):
    assert nice_ticks(lo, hi) == pytest.approx(expected)
