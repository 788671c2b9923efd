"""Pictures drawn with Pillow alone: sample grids, scatter plots, histograms and line charts with axes.

Only NumPy and Pillow (its default font); matplotlib is not a dependency. Generated data is red,
real data grey, curves blue and orange, the marked point (e.g. the best checkpoint) red.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Sequence

import numpy as np
from PIL import Image, ImageDraw, ImageFont

__all__ = ["FAKE", "MARK", "REAL", "Panel", "Series", "histogram_plot", "image_grid", "line_chart",
           "scatter_plot", "with_caption"]

Colour = tuple[int, int, int]
FAKE: Colour = (214, 39, 40)
REAL: Colour = (150, 150, 150)
MARK: Colour = (214, 39, 40)
INK: Colour = (40, 40, 40)
GRID: Colour = (232, 232, 232)
PALETTE: tuple[Colour, ...] = ((31, 119, 180), (255, 127, 14), (44, 160, 44), (148, 103, 189), (140, 86, 75))
FONT_SIZE = 12
MIN_TILE = 32


@lru_cache(maxsize=None)
def _font(size: int = FONT_SIZE) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size=size)


def _text_width(text: str, size: int = FONT_SIZE) -> float:
    return _font(size).getlength(text)


# ---------------------------------------------------------------------------------------------- grids

def image_grid(images: np.ndarray, nrow: int | None = None, padding: int = 2, min_tile: int = MIN_TILE,
               pad_value: int = 128) -> Image.Image:
    """Tile uint8 images (N, H, W, C) into one picture; tiles smaller than ``min_tile`` px are enlarged
    by a whole factor with nearest-neighbour (8-px digits become 32-px tiles, pixels stay sharp)."""
    n, h, w, c = images.shape
    k = max(1, math.ceil(min_tile / min(h, w)))
    if k > 1:
        images = images.repeat(k, axis=1).repeat(k, axis=2)
        h, w = h * k, w * k
    nrow = nrow or math.ceil(math.sqrt(n))
    ncol = math.ceil(n / nrow)
    canvas = np.full((ncol * (h + padding) + padding, nrow * (w + padding) + padding, c), pad_value, np.uint8)
    for i in range(n):
        r, q = divmod(i, nrow)
        y, x = padding + r * (h + padding), padding + q * (w + padding)
        canvas[y:y + h, x:x + w] = images[i]
    return Image.fromarray(canvas[..., 0] if c == 1 else canvas[..., :3])


def with_caption(img: Image.Image, text: str, size: int = FONT_SIZE) -> Image.Image:
    """``img`` under a white strip holding ``text`` (e.g. "step 1500")."""
    strip = size + 8
    white = 255 if img.mode == "L" else (255, 255, 255)
    out = Image.new(img.mode, (max(img.width, int(_text_width(text, size)) + 8), img.height + strip), white)
    out.paste(img, (0, strip))
    ImageDraw.Draw(out).text((4, 4), text, fill=0 if img.mode == "L" else INK, font=_font(size))
    return out


# ----------------------------------------------------------------------------------------------- axes

def nice_ticks(lo: float, hi: float, n: int = 5) -> list[float]:
    """About ``n`` + 1 round numbers (1, 2, 2.5 or 5 x 10^k apart) between ``lo`` and ``hi``."""
    if not hi > lo:
        return [lo]
    mag = 10.0 ** math.floor(math.log10((hi - lo) / n))

    def count(step: float) -> int:
        return math.floor(hi / step + 1e-9) - math.ceil(lo / step - 1e-9) + 1

    step = min((m * mag for m in (10, 5, 2.5, 2, 1)), key=lambda st: abs(count(st) - n - 1))
    first = math.ceil(lo / step - 1e-9)
    return [round(i * step, 12) for i in range(first, first + count(step))]


def _log_ticks(lo: float, hi: float) -> list[float]:
    decades = range(math.floor(math.log10(lo)), math.ceil(math.log10(hi)) + 1)
    for mantissas in ((1,), (1, 2, 5), (1, 2, 3, 4, 5, 6, 7, 8, 9)):
        ticks = [m * 10.0 ** d for d in decades for m in mantissas if lo <= m * 10.0 ** d <= hi]
        if len(ticks) >= 3:
            return ticks
    return [t for t in nice_ticks(lo, hi) if t > 0]


def _label(v: float) -> str:
    text = f"{v:.6g}"
    return "0" if text == "-0" else text


def _limits(values: np.ndarray, pad: float = 0.05, log: bool = False) -> tuple[float, float]:
    v = values[np.isfinite(values) & ((values > 0) if log else True)]
    if v.size == 0:
        return (1.0, 10.0) if log else (0.0, 1.0)
    lo, hi = float(v.min()), float(v.max())
    if log:
        lo, hi = math.log10(lo), math.log10(hi)
    if hi - lo < 1e-12:
        lo, hi = lo - (abs(lo) * 0.1 or 0.5), hi + (abs(hi) * 0.1 or 0.5)
    span = hi - lo
    lo, hi = lo - pad * span, hi + pad * span
    return (10.0 ** lo, 10.0 ** hi) if log else (lo, hi)


class Axes:
    """A plotting box inside ``img``: data -> pixel mapping, frame, ticks with labels, grid, title, legend."""

    def __init__(self, img: Image.Image, box: tuple[int, int, int, int], xlim: tuple[float, float],
                 ylim: tuple[float, float], log_y: bool = False) -> None:
        self.img, self.draw = img, ImageDraw.Draw(img)
        self.left, self.top, self.right, self.bottom = box
        self.xlim, self.ylim, self.log_y = xlim, ylim, log_y

    def bind(self, img: Image.Image) -> Image.Image:
        """Draw on ``img`` from now on (e.g. after points were painted into a copy as an array)."""
        self.img, self.draw = img, ImageDraw.Draw(img)
        return img

    def _fy(self, y: np.ndarray | float) -> np.ndarray | float:
        return np.log10(y) if self.log_y else y

    def px(self, x: np.ndarray | float, y: np.ndarray | float) -> tuple[np.ndarray, np.ndarray]:
        """Pixel coordinates of data points."""
        (x0, x1), (y0, y1) = self.xlim, (self._fy(self.ylim[0]), self._fy(self.ylim[1]))
        with np.errstate(divide="ignore", invalid="ignore"):
            fy = self._fy(np.asarray(y, float))
        u = self.left + (np.asarray(x, float) - x0) / (x1 - x0) * (self.right - self.left)
        v = self.bottom - (fy - y0) / (y1 - y0) * (self.bottom - self.top)
        return u, v

    def inside(self, u: np.ndarray, v: np.ndarray) -> np.ndarray:
        return np.isfinite(u) & np.isfinite(v) & (u >= self.left) & (u <= self.right) & (v >= self.top) & (v <= self.bottom)

    def frame(self, title: str = "", xlabel: str = "", integer_x: bool = False) -> None:
        d, f = self.draw, _font()
        xt = [t for t in nice_ticks(*self.xlim) if self.xlim[0] <= t <= self.xlim[1] and (not integer_x or t == int(t))]
        yt = _log_ticks(*self.ylim) if self.log_y else nice_ticks(*self.ylim)
        yt = [t for t in yt if self.ylim[0] <= t <= self.ylim[1]]
        for t in xt:
            u = float(self.px(t, self.ylim[0])[0])
            d.line([(u, self.top), (u, self.bottom)], fill=GRID)
            d.line([(u, self.bottom), (u, self.bottom + 4)], fill=INK)
            d.text((u, self.bottom + 6), _label(t), fill=INK, font=f, anchor="mt")
        for t in yt:
            v = float(self.px(self.xlim[0], t)[1])
            d.line([(self.left, v), (self.right, v)], fill=GRID)
            d.line([(self.left - 4, v), (self.left, v)], fill=INK)
            d.text((self.left - 6, v), _label(t), fill=INK, font=f, anchor="rm")
        d.rectangle((self.left, self.top, self.right, self.bottom), outline=INK)
        if title:
            d.text(((self.left + self.right) / 2, self.top - 6), title, fill=INK, font=f, anchor="md")
        if xlabel:
            d.text(((self.left + self.right) / 2, self.bottom + 22), xlabel, fill=INK, font=f, anchor="mt")

    def legend(self, entries: Sequence[tuple[str, Colour, str]], avoid: np.ndarray | None = None,
               below: bool = False) -> None:
        """Entries (label, colour, marker: "line", "dashed", "dot" or "box") in the corner that hides
        fewest of the pixel positions ``avoid`` (K, 2) (top right when nothing is in the way; else top
        left, middle right, ...), or in
        a row under the x tick labels."""
        entries = [e for e in entries if e[0]]
        if not entries:
            return
        f, row = _font(), FONT_SIZE + 4
        if below:
            x = self.left
            for label, colour, marker in entries:
                self._key(x, self.bottom + 24 + row / 2, colour, marker)
                self.draw.text((x + 28, self.bottom + 24 + row / 2), label, fill=INK, font=f, anchor="lm")
                x += 28 + _text_width(label) + 16
            return
        width, height = int(max(_text_width(label) for label, _, _ in entries)) + 34, row * len(entries) + 4
        xs, middle = (self.right - width - 6, self.left + 6), (self.top + self.bottom - height) / 2
        corners = [(x, y) for y in (self.top + 6, middle, self.bottom - height - 6) for x in xs]

        def hidden(corner: tuple[float, float]) -> int:
            if avoid is None or not len(avoid):
                return 0
            (x, y), m = corner, 4
            return int(((avoid[:, 0] >= x - m) & (avoid[:, 0] <= x + width + m)
                        & (avoid[:, 1] >= y - m) & (avoid[:, 1] <= y + height + m)).sum())

        x0, y0 = min(corners, key=hidden)  # the first of the least crowded
        self.draw.rectangle((x0, y0, x0 + width, y0 + height), fill=(255, 255, 255), outline=GRID)
        for i, (label, colour, marker) in enumerate(entries):
            y = y0 + 4 + i * row + row / 2
            self._key(x0, y, colour, marker)
            self.draw.text((x0 + 28, y), label, fill=INK, font=f, anchor="lm")

    def _key(self, x0: float, y: float, colour: Colour, marker: str) -> None:
        if marker == "dot":
            self.draw.ellipse((x0 + 10, y - 4, x0 + 18, y + 4), fill=colour)
        elif marker == "box":
            self.draw.rectangle((x0 + 7, y - 4, x0 + 21, y + 4), fill=colour)
        elif marker == "dashed":
            _dashed(self.draw, (x0 + 4, y), (x0 + 24, y), colour, width=2)
        else:
            self.draw.line([(x0 + 4, y), (x0 + 24, y)], fill=colour, width=2)


def _along(u: Sequence[float], v: Sequence[float], n: int = 12) -> np.ndarray:
    """Pixel positions along the polyline through (u, v), ``n`` per segment (what a legend should not hide)."""
    u, v = np.asarray(u, float), np.asarray(v, float)
    if len(u) < 2:
        return np.stack([u, v], 1)
    t = np.linspace(0, 1, n, endpoint=False)
    pu = (u[:-1, None] + t * (u[1:, None] - u[:-1, None])).ravel()
    pv = (v[:-1, None] + t * (v[1:, None] - v[:-1, None])).ravel()
    return np.concatenate([np.stack([pu, pv], 1), [[u[-1], v[-1]]]])


def _dashed(draw: ImageDraw.ImageDraw, p0: tuple[float, float], p1: tuple[float, float], colour: Colour,
            dash: float = 6.0, width: int = 1) -> None:
    (x0, y0), (x1, y1) = p0, p1
    length = math.hypot(x1 - x0, y1 - y0)
    for s in np.arange(0.0, length, 2 * dash):
        a, b = s / length, min(s + dash, length) / length
        draw.line([(x0 + a * (x1 - x0), y0 + a * (y1 - y0)), (x0 + b * (x1 - x0), y0 + b * (y1 - y0))],
                  fill=colour, width=width)


# -------------------------------------------------------------------------------------------- scatter

def _stamp_counts(shape: tuple[int, int], u: np.ndarray, v: np.ndarray, radius: float) -> np.ndarray:
    """How many discs of ``radius`` px centred on the points cover each pixel."""
    counts = np.zeros(shape, np.float32)
    r = math.ceil(radius)
    offsets = [(dy, dx) for dy in range(-r, r + 1) for dx in range(-r, r + 1) if dx * dx + dy * dy <= radius ** 2]
    ui, vi = np.rint(u).astype(int), np.rint(v).astype(int)
    for dy, dx in offsets:
        y, x = vi + dy, ui + dx
        ok = (y >= 0) & (y < shape[0]) & (x >= 0) & (x < shape[1])
        np.add.at(counts, (y[ok], x[ok]), 1.0)
    return counts


def _paint(canvas: np.ndarray, counts: np.ndarray, colour: Colour, alpha: float) -> None:
    """Blend ``colour`` in where discs fall, more opaque where they pile up (density shows)."""
    opacity = (1.0 - (1.0 - alpha) ** counts)[..., None]
    canvas[:] = canvas * (1 - opacity) + np.asarray(colour, np.float32) * opacity


def scatter_plot(fake: np.ndarray, real: np.ndarray | None = None, size: int = 480, radius: float = 2.3) -> Image.Image:
    """2-D points with axes: real data grey behind the generated points in red, same scale on both axes.

    The view covers the real data and the central 99% of the generated points; the legend counts the
    generated points outside it.
    """
    fake = np.asarray(fake, float)
    fake = fake[np.isfinite(fake).all(1)]
    parts = [fake if len(fake) < 100 else np.percentile(fake, [0.5, 99.5], axis=0)]
    if real is not None:
        real = np.asarray(real, float)
        parts.append(real)
    parts = [p for p in parts if len(p)]
    both = np.concatenate(parts) if parts else np.zeros((1, 2))
    lo, hi = both.min(0), both.max(0)
    centre, half = (lo + hi) / 2, max(float((hi - lo).max()) / 2 * 1.08, 1e-6)
    xlim, ylim = (centre[0] - half, centre[0] + half), (centre[1] - half, centre[1] + half)
    margin_l, margin_b, margin_t, margin_r = 48, 48, 10, 10
    side = size - max(margin_l + margin_r, margin_t + margin_b)
    img = Image.new("RGB", (margin_l + side + margin_r, margin_t + side + margin_b), "white")
    ax = Axes(img, (margin_l, margin_t, margin_l + side, margin_t + side), xlim, ylim)
    ax.frame()
    canvas = np.asarray(img, np.float32).copy()
    u, v = ax.px(fake[:, 0], fake[:, 1])
    shown = ax.inside(u, v)
    layers = ([(real, REAL, 0.35)] if real is not None else []) + [(fake[shown], FAKE, 0.45)]
    for points, colour, alpha in layers:
        pu, pv = ax.px(points[:, 0], points[:, 1])
        keep = ax.inside(pu, pv)
        _paint(canvas, _stamp_counts(canvas.shape[:2], pu[keep], pv[keep], radius), colour, alpha)
    img = ax.bind(Image.fromarray(canvas.round().astype(np.uint8)))
    ax.draw.rectangle((ax.left, ax.top, ax.right, ax.bottom), outline=INK)
    outside = len(fake) - int(shown.sum())
    ax.legend(([("real", REAL, "dot")] if real is not None else [])
              + [(f"generated ({outside} outside the view)" if outside else "generated", FAKE, "dot")], below=True)
    return img


# ------------------------------------------------------------------------------------------ histogram

def histogram_plot(fake: np.ndarray, real: np.ndarray | None = None, bins: int = 60,
                   size: tuple[int, int] = (520, 280)) -> Image.Image:
    """1-D samples as density histograms with axes: real grey bars, generated red outline."""
    fake = np.asarray(fake, float)
    fake = fake[np.isfinite(fake)]
    parts = [p for p in (real, fake) if p is not None and len(p)]
    both = np.concatenate(parts) if parts else np.zeros(1)
    lo, hi = float(both.min()), float(both.max())
    if hi - lo < 1e-12:
        lo, hi = lo - 0.5, hi + 0.5
    edges = np.linspace(lo, hi, bins + 1)
    hists = [(np.histogram(p, edges, density=True)[0], c, k) for p, c, k in
             ((real, REAL, "box"), (fake, FAKE, "line")) if p is not None and len(p)]
    top = max([float(h.max()) for h, _, _ in hists] + [1e-12]) * 1.1
    w, h = size
    img = Image.new("RGB", size, "white")
    ax = Axes(img, (56, 10, w - 10, h - 30), (lo, hi), (0.0, top))
    ax.frame()
    drawn = []
    for counts, colour, marker in hists:
        u, _ = ax.px(edges, np.zeros_like(edges))
        _, v = ax.px(edges[:-1], counts)
        drawn += [np.stack([np.full(5, (u[i] + u[i + 1]) / 2), np.linspace(v[i], ax.bottom, 5)], 1) for i in range(bins)]
        for i in range(bins):
            if marker == "box":
                ax.draw.rectangle((u[i], v[i], u[i + 1], ax.bottom), fill=colour)
            else:
                prev = v[i - 1] if i else ax.bottom
                ax.draw.line([(u[i], prev), (u[i], v[i]), (u[i + 1], v[i])], fill=colour, width=2)
        if marker == "line":
            ax.draw.line([(u[-1], v[-1]), (u[-1], ax.bottom)], fill=colour, width=2)
    ax.draw.rectangle((ax.left, ax.top, ax.right, ax.bottom), outline=INK)
    ax.legend([("real", REAL, "box") if k == "box" else ("generated", FAKE, "line") for _, _, k in hists],
              np.concatenate(drawn) if drawn else None)
    return img


# ------------------------------------------------------------------------------------------ line chart

@dataclass
class Series:
    """One curve: points (x, y), optionally with error bars ``yerr``; non-finite points are left out."""

    x: Sequence[float]
    y: Sequence[float]
    label: str = ""
    yerr: Sequence[float] | None = None
    colour: Colour | None = None


@dataclass
class Panel:
    """One plot: curves, labelled horizontal reference lines, and one marked point (x, y, label)."""

    title: str
    series: list[Series]
    hlines: list[tuple[float, str]] = field(default_factory=list)
    mark: tuple[float, float, str] | None = None
    vline: tuple[float, str] | None = None  # a marked x (e.g. the best step) where the panel has no marked point
    log_y: bool = False
    xlabel: str = "step"


def line_chart(panels: Sequence[Panel], title: str = "", panel_size: tuple[int, int] = (440, 300),
               columns: int = 2) -> Image.Image:
    """Panels of curves side by side (``columns`` per row) with axes, ticks, legends and marked points."""
    columns = max(1, min(columns, len(panels)))
    rows = math.ceil(len(panels) / columns)
    head = FONT_SIZE + 10 if title else 0
    pw, ph = panel_size
    img = Image.new("RGB", (pw * columns, head + ph * rows), "white")
    if title:
        ImageDraw.Draw(img).text((img.width / 2, 6), title, fill=INK, font=_font(), anchor="mt")
    for i, panel in enumerate(panels):
        r, c = divmod(i, columns)
        _draw_panel(img, panel, (c * pw, head + r * ph, (c + 1) * pw, head + (r + 1) * ph))
    return img


def _draw_panel(img: Image.Image, p: Panel, cell: tuple[int, int, int, int]) -> None:
    xs = [np.asarray(s.x, float) for s in p.series]
    ys = []
    for s in p.series:
        y = np.asarray(s.y, float)
        err = np.asarray(s.yerr, float) if s.yerr is not None else np.zeros_like(y)
        ys += [y - np.nan_to_num(err), y + np.nan_to_num(err)]
    ys += [np.asarray([y for y, _ in p.hlines], float)]
    xs += [np.asarray([p.mark[0]] if p.mark else [], float), np.asarray([p.vline[0]] if p.vline else [], float)]
    ys += [np.asarray([p.mark[1]] if p.mark else [], float)]
    allx = np.concatenate(xs)
    xlim = _limits(allx)
    ylim = _limits(np.concatenate(ys), log=p.log_y)
    x0, y0, x1, y1 = cell
    yt = _log_ticks(*ylim) if p.log_y else nice_ticks(*ylim)
    left = x0 + 14 + int(max((_text_width(_label(t)) for t in yt), default=20))
    ax = Axes(img, (left, y0 + 24, x1 - 16, y1 - 42), xlim, ylim, log_y=p.log_y)
    ax.frame(p.title, p.xlabel, integer_x=bool(np.all(allx[np.isfinite(allx)] % 1 == 0)))
    curves: list[tuple[str, Colour, str]] = []  # legend entries: the curves, then references and marks
    refs: list[tuple[str, Colour, str]] = []
    drawn: list[np.ndarray] = []
    for y, label in p.hlines:
        v = float(ax.px(xlim[0], y)[1])
        if ax.top <= v <= ax.bottom:
            _dashed(ax.draw, (ax.left, v), (ax.right, v), REAL, width=2)
            drawn.append(_along([ax.left, ax.right], [v, v], 40))
        refs.append((label, REAL, "dashed"))
    if p.vline is not None:
        u = float(ax.px(p.vline[0], ylim[0])[0])
        _dashed(ax.draw, (u, ax.top), (u, ax.bottom), MARK, width=2)
        drawn.append(_along([u, u], [ax.top, ax.bottom], 40))
        refs.append((p.vline[1], MARK, "dashed"))
    for k, s in enumerate(p.series):
        colour = s.colour or PALETTE[k % len(PALETTE)]
        u, v = ax.px(s.x, s.y)
        ok = ax.inside(u, v)
        if s.yerr is not None:
            y = np.asarray(s.y, float)
            err = np.asarray(s.yerr, float)
            _, lo = ax.px(s.x, y - err)
            _, hi = ax.px(s.x, y + err)
            for uu, a, b, good in zip(u, lo, hi, ok):
                if good and np.isfinite(a) and np.isfinite(b):
                    ax.draw.line([(uu, max(b, ax.top)), (uu, min(a, ax.bottom))], fill=colour, width=1)
        run: list[tuple[float, float]] = []
        for uu, vv, good in zip(u, v, ok):  # a non-finite point breaks the line
            if good:
                run.append((float(uu), float(vv)))
            elif len(run) > 1:
                ax.draw.line(run, fill=colour, width=2, joint="curve")
            run = run if good else []
        if len(run) > 1:
            ax.draw.line(run, fill=colour, width=2, joint="curve")
        drawn.append(_along(u[ok], v[ok]))
        for uu, vv, good in zip(u, v, ok):
            if good:
                ax.draw.ellipse((uu - 3, vv - 3, uu + 3, vv + 3), fill=colour)
        curves.append((s.label, colour, "line"))
    if p.mark is not None:
        u, v = ax.px(p.mark[0], p.mark[1])
        u, v = float(u), float(v)
        if np.isfinite(u) and np.isfinite(v):
            ax.draw.ellipse((u - 7, v - 7, u + 7, v + 7), outline=MARK, width=3)
            ax.draw.ellipse((u - 3, v - 3, u + 3, v + 3), fill=MARK)
            drawn.append(np.array([[u + du, v + dv] for du in (-7, 0, 7) for dv in (-7, 0, 7)]))
        refs.append((p.mark[2], MARK, "dot"))
    ax.legend(curves + refs, np.concatenate(drawn) if drawn else None)
