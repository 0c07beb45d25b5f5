"""Charts of the HTML report as PNG bytes (matplotlib, imported lazily, Agg canvas).

No pyplot: each chart is a ``matplotlib.figure.Figure`` on its own Agg canvas, so drawing never
touches a GUI backend and is safe off the GUI thread.
"""

from __future__ import annotations

import io

import numpy as np

BEFORE, AFTER = "#9aa5b1", "#2f6fdf"
IMAGES, ERRORS = "#7fa7e0", "#e0603c"


def _figure(width: float, height: float):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    fig = Figure(figsize=(width, height), dpi=100)
    FigureCanvasAgg(fig)
    return fig


def _png(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", bbox_inches="tight")
    return buf.getvalue()


def _style(ax) -> None:
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.grid(axis="x", color="#e5e7eb", linewidth=0.8)
    ax.set_axisbelow(True)


def paired_bars(labels: list[str], first, second, names: tuple[str, str], colors: tuple[str, str],
                title: str, xlabel: str, unit_range: bool = True) -> bytes:
    """Horizontal grouped bars: for each label (L,) the values ``first`` and ``second`` (L,)
    (nan drawn as no bar); the axis spans [0, 1] when ``unit_range``, else fits the data."""
    first = np.asarray(first, np.float64)
    second = np.asarray(second, np.float64)
    n = len(labels)
    fig = _figure(7.5, max(1.6, 0.34 * n + 1.0))
    ax = fig.add_subplot()
    y = np.arange(n)
    h = 0.38
    ax.barh(y - h / 2, np.nan_to_num(first), h, label=names[0], color=colors[0])
    ax.barh(y + h / 2, np.nan_to_num(second), h, label=names[1], color=colors[1])
    ax.set_yticks(y, [str(s)[:28] for s in labels])
    pad = max(0.0, (4 - n) / 2)  # few labels: keep bars thin
    ax.set_ylim(n - 0.5 + pad, -0.5 - pad)
    ax.set_xlabel(xlabel)
    ax.set_title(title, loc="left", fontsize=11)
    top = np.nanmax(np.r_[first, second, 0.0]) if n else 0.0
    ax.set_xlim(0, 1.0 if unit_range and top <= 1.0 else max(top * 1.15, 1e-3))
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)
    _style(ax)
    return _png(fig)


def heatmap(matrix, row_labels: list[str], col_labels: list[str], title: str,
            counts=None) -> bytes:
    """Heat map of ``matrix`` (R, C) in [0, 1] (row-normalised); ``counts`` (R, C) written in
    the cells when given."""
    m = np.asarray(matrix, np.float64)
    r, c = m.shape
    side = min(11.0, max(4.0, 0.45 * max(r, c) + 2.0))
    fig = _figure(side + 1.0, side)
    ax = fig.add_subplot()
    im = ax.imshow(np.nan_to_num(m), cmap="Blues", vmin=0.0, vmax=1.0, aspect="auto")
    ax.set_xticks(np.arange(c), [str(s)[:18] for s in col_labels], rotation=45, ha="right")
    ax.set_yticks(np.arange(r), [str(s)[:18] for s in row_labels])
    ax.set_xlabel("prediction")
    ax.set_ylabel("ground truth")
    ax.set_title(title, loc="left", fontsize=11)
    if counts is not None:
        counts = np.asarray(counts)
        small = 8 if max(r, c) <= 12 else 6
        for i in range(r):
            for j in range(c):
                if counts[i, j]:
                    color = "white" if m[i, j] > 0.55 else "#1f2937"
                    ax.text(j, i, _short(int(counts[i, j])), ha="center", va="center",
                            fontsize=small, color=color)
    fig.colorbar(im, ax=ax, fraction=0.04, pad=0.02, label="share of the GT row")
    return _png(fig)


def _short(n: int) -> str:
    if n >= 1_000_000:
        return f"{n / 1e6:.1f}M"
    if n >= 10_000:
        return f"{n / 1e3:.0f}k"
    return str(n)


def chart(width: float, height: float, draw) -> bytes:
    """A chart drawn by ``draw(figure)`` (e.g. a ``reviewer.io.prob_charts`` function) as PNG."""
    fig = _figure(width, height)
    fig.set_layout_engine("constrained")
    draw(fig)
    return _png(fig)
