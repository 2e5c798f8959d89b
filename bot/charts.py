"""Charts as PNG bytes (matplotlib, Agg backend; DejaVu Sans has Vietnamese diacritics).

Figures are made with `matplotlib.figure.Figure`, not pyplot: no global figure registry to
close, and safe to render from several threads."""

from __future__ import annotations

import io

import matplotlib
from matplotlib.figure import Figure

from bot.services.numbers import shown_score

matplotlib.rcParams["font.family"] = "DejaVu Sans"
# zlib's fastest level: a chart is a few % larger and its PNG is written ~5 ms sooner.
PNG = {"format": "png", "pil_kwargs": {"compress_level": 1}}


def _png(fig: Figure) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, **PNG)
    return buffer.getvalue()


def _one_decimal(value: float) -> str:
    """Truncated like every score the bot shows (89,96 is 89,9: never the band above)."""
    return f"{shown_score(value):.1f}".replace(".", ",")


def score_history_png(labels: list[str], totals: list[float], thresholds: dict[str, float],
                      title: str, ylabel: str) -> bytes:
    """Bars of period totals (oldest first) with the band thresholds as dashed lines, named
    in the margin right of the plot (never over the last bar, however high it is)."""
    fig = Figure(figsize=(8, 4), dpi=100)
    ax = fig.add_subplot()
    bars = ax.bar(range(len(totals)), totals, color="#2f6db5")
    ax.bar_label(bars, labels=[_one_decimal(t) for t in totals], fontsize=8)
    for name, value in thresholds.items():
        ax.axhline(value, linestyle="--", linewidth=0.8, color="#999999")
        ax.text(1.01, value, name, fontsize=7, ha="left", va="center", color="#555555",
                transform=ax.get_yaxis_transform())
    ax.set_xticks(range(len(labels)), labels, rotation=30, ha="right", fontsize=8)
    ax.set_ylim(0, 105)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    fig.tight_layout(rect=(0, 0, 0.86, 1))  # the right margin holds the thresholds' names
    return _png(fig)


BAND_COLORS = {"xuat_sac": "#1e8449", "tot": "#2f6db5", "hoan_thanh": "#d4a017",
               "khong_hoan_thanh": "#c0392b"}


def scores_png(labels: list[str], values: list[float], colors: list[str], title: str,
               thresholds: list[tuple[float, str]]) -> bytes:
    """The digest's scores: horizontal bars in the order given (the caller sorts them, best
    first), each in its band's colour, with the band thresholds (90/70/50) as dotted lines
    named under the plot. Drawn as cheaply as bars_png (no axis ticks; the values are on
    the bars)."""
    height = max(2.5, 0.3 * len(labels) + 0.8)
    fig = Figure(figsize=(8, height), dpi=90)
    ax = fig.add_subplot()
    positions = list(range(len(values)))
    ax.barh(positions, values, color=colors)
    ax.set_yticks(positions, [label[:40] for label in labels], fontsize=8)
    ax.set_ylim(max(len(values), 4) - 0.5, -0.5)
    ax.tick_params(axis="y", length=0)
    ax.xaxis.set_visible(False)
    for side in ("top", "right", "bottom"):
        ax.spines[side].set_visible(False)
    ax.set_xlim(0, 100)
    axis = ax.get_xaxis_transform()  # x in points, y in the axes' height
    for value, name in thresholds:
        ax.axvline(value, linestyle=":", linewidth=0.9, color="#333333", zorder=3)
        ax.text(value, -0.02, name, fontsize=7, ha="center", va="top", color="#444444",
                transform=axis)
    for y, value in zip(positions, values, strict=True):
        ax.text(value + 1, y, _one_decimal(value), va="center", fontsize=7)
    ax.set_title(title)
    fig.subplots_adjust(left=0.36, right=0.95, top=1 - 0.45 / height, bottom=0.3 / height)
    return _png(fig)


def bars_png(labels: list[str], values: list[float], title: str,
             limit: float | None = 100) -> bytes:
    """Horizontal bars (long Vietnamese names read better sideways), each with its value
    written at its end; no x axis (the values say it, and it would cost a sixth of the
    drawing time)."""
    height = max(2.5, 0.3 * len(labels) + 0.8)
    fig = Figure(figsize=(8, height), dpi=90)
    ax = fig.add_subplot()
    positions = range(len(values))
    ax.barh(list(positions), values, color="#2f6db5")
    ax.set_yticks(list(positions), [label[:40] for label in labels], fontsize=8)
    ax.set_ylim(max(len(values), 4) - 0.5, -0.5)  # top down; a short list keeps thin bars
    ax.tick_params(axis="y", length=0)  # the names sit next to their bars
    ax.xaxis.set_visible(False)
    for side in ("top", "right", "bottom"):
        ax.spines[side].set_visible(False)
    if limit is not None:
        ax.set_xlim(0, limit)
    for y, value in zip(positions, values, strict=True):
        ax.text(value + (limit or max(values or [1])) * 0.01, y,
                _one_decimal(value), va="center", fontsize=7)
    ax.set_title(title)
    # Fixed margins: tight_layout would cost more than drawing the chart itself.
    fig.subplots_adjust(left=0.36, right=0.95, top=1 - 0.45 / height, bottom=0.15 / height)
    return _png(fig)
