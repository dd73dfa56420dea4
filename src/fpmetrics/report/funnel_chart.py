"""The funnel chart, drawn with matplotlib: the file ``fpmetrics funnel -o`` writes, and the
charts the HTML report (inline SVG) and the Excel report (PNG) embed.

matplotlib is imported only when a chart is drawn. Chinese text needs a CJK font, the first of
``FONTS`` that matplotlib finds. Without one (a server with no Chinese fonts) a PNG, or an SVG
whose text is drawn as outlines, would show empty boxes: its text is then English and the
points outside the limits are numbered, the caller giving the key (``numbered_key``). An SVG
that keeps its text as text (the HTML report) is drawn by the browser's fonts and needs no
fallback.
"""

from __future__ import annotations

import io
import re
import warnings
from functools import cache
from html import escape

import numpy as np
import pandas as pd

from fpmetrics.analyses.funnel import MIN_UNITS, Funnel, limit_curves
from fpmetrics.i18n import join, t

FONTS = [
    "Noto Sans CJK SC", "Noto Sans CJK JP", "Source Han Sans SC", "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei", "SimHei", "Microsoft YaHei", "PingFang SC", "Heiti SC",
    "DejaVu Sans",
]  # fmt: skip
# How far beyond the data (values, centre line, bounds) the y-axis may reach to show the
# limits, as a multiple of the data's range: the limits of a tiny unit can be enormous (a sex
# ratio of 35,000) or infinite, and would flatten everything else.
LIMIT_REACH = 0.25


def _rc(svg_text: bool, salt: str) -> dict[str, object]:
    return {
        "font.family": "sans-serif",
        "font.sans-serif": FONTS,
        "axes.unicode_minus": False,
        "svg.fonttype": "none" if svg_text else "path",
        "svg.hashsalt": salt,  # reproducible ids, different for each chart of a report
        # Names and rule text are drawn as written: a township named $x$ is not maths, and
        # $\frac{x$ is not a mathtext syntax error.
        "text.parse_math": False,
        "text.usetex": False,
    }


@cache
def cjk_font_available() -> bool:
    """Whether the font matplotlib picks for the chart has Chinese characters."""
    import matplotlib
    from matplotlib import font_manager
    from matplotlib.ft2font import FT2Font

    with matplotlib.rc_context(_rc(False, "")):
        path = font_manager.findfont(font_manager.FontProperties(family=["sans-serif"]))
    return FT2Font(path).get_char_index(ord("镇")) != 0


def numbered(fmt: str, svg_text: bool = False) -> bool:
    """Whether a chart in ``fmt`` falls back to English text and numbered points."""
    return not (fmt == "svg" and svg_text) and not cjk_font_available()


def _flagged(funnel: Funnel) -> pd.DataFrame:
    """The points a chart names: outside the limits, or failing the standard (a township
    that fails inside the limits is named too)."""
    units = funnel.units
    outside = (units["outside_95"] != "") | (units["outside_99.8"] != "")
    failing = units["status"].isin(["fail", "warn"]) if "status" in units else False
    return units[outside | failing]


def bad_side(funnel: Funnel) -> pd.Series:
    """Whether each point lies outside its limits on the side the standard counts as bad:
    high on a "≤" rule, low on a "≥" one, either side of a range. A rate of 97.9% above
    the limits of a "≥ 90%" rule is good news and is not drawn red."""
    rule = funnel.rule
    units = funnel.units
    side = units["outside_99.8"].where(units["outside_99.8"] != "", units["outside_95"])
    return ((side == "high") & (rule.max is not None)) | ((side == "low") & (rule.min is not None))


def _unit_label(row: dict) -> str:
    return f"{row['unit']} {row['period'] or ''}".strip()


def numbered_key(funnel: Funnel, lang: str) -> str:
    """ "1 石佛镇 · 2 李台镇 …": what the numbers of a fallback chart stand for."""
    flagged = _flagged(funnel).to_dict("records")
    items = [f"{i} {_unit_label(r)}" for i, r in enumerate(flagged, start=1)]
    return t("funnel_key", lang, items=" · ".join(items)) if items else ""


def y_limits(funnel: Funnel, curves: pd.DataFrame) -> tuple[float, float]:
    """The y-axis fitted to the data and the limits: the values, the centre line, the bounds
    and the 95% limits of a typical (the median) unit; beyond that, the limit curves as far
    as LIMIT_REACH times that range (not the limits of a unit of 4 births, at a sex ratio of
    35,000 or infinite); padded. (With the 99.8% limits and the whole reach, the sex ratios
    of a county, all within 103–107, sat on one line of an axis from 49 to 197.)"""
    rule = funnel.rule
    units = funnel.units
    typical = [
        float(np.median(finite)) if len(finite := column[np.isfinite(column)]) else np.nan
        for column in (units[f"{side}_95"].to_numpy(dtype=float) for side in ("lower", "upper"))
    ]
    bounds = [b for b in (rule.min, rule.max) if b is not None]
    core = np.array([*units["value"], funnel.target, *bounds, *typical], dtype=float)
    core = core[np.isfinite(core)]
    lo, hi = float(core.min()), float(core.max())
    span = max(hi - lo, abs(hi) * 0.05, 1e-9)
    reach_lo, reach_hi = lo - LIMIT_REACH * span, hi + LIMIT_REACH * span
    limits = curves.drop(columns="n").to_numpy(dtype=float).ravel()
    limits = limits[np.isfinite(limits) & (limits >= reach_lo) & (limits <= reach_hi)]
    if len(limits):
        lo, hi = min(lo, float(limits.min())), max(hi, float(limits.max()))
    pad = (hi - lo) * 0.05
    return lo - pad, hi + pad


def phi_note(funnel: Funnel, lang: str) -> str:
    """φ, the rate it was measured against and why, and whether the exact limits were kept."""
    if funnel.phi is None or funnel.phi_rate is None:
        return ""
    symbol = funnel.rule.symbol
    note = t(
        "funnel_phi_rate",
        lang,
        phi=f"{funnel.phi:.2f}",
        rate=f"{funnel.phi_rate:.2f}{symbol}",
    )
    if funnel.method == "exact":
        note += "; " + t("funnel_phi_exact", lang)
    return note


def chart_title(funnel: Funnel, lang: str) -> str:
    return t("funnel_chart_title", lang, name=funnel.rule.label(lang))


def draw(
    funnel: Funnel,
    lang: str,
    fmt: str,
    *,
    svg_text: bool = False,
    size: tuple[float, float] = (8, 5),
    dpi: int = 120,
) -> bytes:
    """The funnel chart as PNG or SVG bytes. ``svg_text``: SVG text stays text (for a browser)
    instead of glyph outlines."""
    import matplotlib
    from matplotlib.figure import Figure

    fallback = numbered(fmt, svg_text)
    text_lang = "en" if fallback else lang
    rule = funnel.rule
    curves = limit_curves(funnel)
    with (
        matplotlib.rc_context(_rc(svg_text, f"fpmetrics-{funnel.indicator}")),
        warnings.catch_warnings(),
    ):
        # Measuring Chinese text kept as text without a CJK font: the browser draws it.
        warnings.filterwarnings("ignore", message="Glyph .* missing from")
        fig = Figure(figsize=size, dpi=dpi)
        ax = fig.subplots()
        # Fixed margins, room for tick labels of up to six characters: tight_layout would
        # measure every text and cost a third of the drawing time.
        fig.subplots_adjust(left=0.1, right=0.975, bottom=0.11, top=0.93)
        bottom, top = y_limits(funnel, curves)
        ax.set_ylim(bottom, top)
        if rule.min is not None or rule.max is not None:
            ax.axhspan(
                rule.min if rule.min is not None else bottom,
                rule.max if rule.max is not None else top,
                color="#e2f0d9",
                zorder=0,
                label=t("funnel_band", text_lang),
            )
        for level, style in (("95", "--"), ("99.8", "-")):
            label = t("funnel_limits", text_lang, level=level)
            ax.plot(
                curves["n"], curves[f"upper_{level}"], style, color="#7f7f7f", lw=1, label=label
            )
            ax.plot(curves["n"], curves[f"lower_{level}"], style, color="#7f7f7f", lw=1)
        centre = f"{funnel.target:.2f}{rule.symbol}"
        ax.axhline(
            funnel.target, color="#2f5597", lw=1, label=t("funnel_centre", text_lang, target=centre)
        )
        units = funnel.units
        # Colour by good or bad, not high or low: red outside 99.8% on the bad side, amber
        # outside 95% on the bad side, green outside on the good side; a ring marks every
        # township that fails the standard, inside the limits or not.
        bad = bad_side(funnel)
        beyond = units["outside_99.8"] != ""
        outside = (units["outside_95"] != "") | beyond
        good = outside & ~bad
        warn = bad & ~beyond
        red = bad & beyond
        failing = units["status"].isin(["fail", "warn"]) if "status" in units else outside & False
        ax.scatter(units["n"], units["value"], s=22, color="#2f5597", zorder=3)
        ax.scatter(units.loc[good, "n"], units.loc[good, "value"], s=30, color="#548235", zorder=4)
        ax.scatter(units.loc[warn, "n"], units.loc[warn, "value"], s=30, color="#bf8f00", zorder=4)
        ax.scatter(units.loc[red, "n"], units.loc[red, "value"], s=34, color="#c00000", zorder=5)
        ax.scatter(
            units.loc[failing, "n"],
            units.loc[failing, "value"],
            s=90,
            facecolors="none",
            edgecolors="#c00000",
            linewidths=1.2,
            zorder=6,
            label=t("funnel_failing", text_lang),
        )
        _label_points(ax, _flagged(funnel), fallback)
        ax.set_title(chart_title(funnel, text_lang), fontsize=11)
        ax.set_xlabel(t("funnel_xlabel", text_lang))
        ax.set_ylabel(f"{rule.short_label(text_lang)} {rule.symbol}".strip())
        method = t(f"funnel_method_{funnel.method}", text_lang)  # which limits these are
        ax.legend(loc="best", fontsize=8, title=method, title_fontsize=8)
        phi = phi_note(funnel, text_lang)
        if phi:  # what φ was measured against, and why (issue 16): below the axis label
            fig.subplots_adjust(bottom=0.18)
            fig.text(0.01, 0.01, phi, fontsize=7, va="bottom", wrap=True, color="#404040")
        ax.grid(alpha=0.3)
        buffer = io.BytesIO()
        # No metadata: an SVG without RDF namespaces (URLs) and dates; a reproducible PNG.
        metadata = (
            {"Date": None, "Creator": None, "Format": None, "Type": None}
            if fmt == "svg"
            else {"Software": None}
        )
        fig.savefig(buffer, format=fmt, metadata=metadata)
    return buffer.getvalue()


LABEL_SIZE = 8  # points


def _label_points(ax, flagged: pd.DataFrame, fallback: bool) -> None:
    """Name each point outside the limits, or failing the standard, beside it: above a high
    point, below a low one, moved a line further out (with a leader) where it would cover a
    name already placed."""
    ax.get_xlim()  # apply the autoscaling, so that data map to their place on the page
    to_points = 72 / ax.figure.dpi
    placed: list[tuple[float, float, float, float]] = []
    for number, row in enumerate(flagged.to_dict("records"), start=1):
        text = str(number) if fallback else _unit_label(row)
        low = (row["outside_99.8"] or row["outside_95"]) == "low"
        x, y = (v * to_points for v in ax.transData.transform((row["n"], row["value"])))
        width = sum(LABEL_SIZE if ord(c) > 0x2E80 else 0.6 * LABEL_SIZE for c in text)
        for step in range(6):
            dy = -(3 + step * (LABEL_SIZE + 2)) if low else 3 + step * (LABEL_SIZE + 2)
            y0 = y + dy - (LABEL_SIZE + 1 if low else 0)
            box = (x + 4, y0, x + 4 + width, y0 + LABEL_SIZE + 1)
            if not any(_overlap(box, other) for other in placed):
                break
        placed.append(box)
        ax.annotate(
            text,
            (row["n"], row["value"]),
            fontsize=LABEL_SIZE,
            xytext=(4, dy),
            textcoords="offset points",
            va="top" if low else "bottom",
            arrowprops={"arrowstyle": "-", "lw": 0.5, "color": "#7f7f7f"} if step else None,
        )


def _overlap(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def svg_for_html(funnel: Funnel, lang: str) -> str:
    """The chart as an ``<svg>`` element to put in an HTML page: its text kept as text, no XML
    prolog, no namespace but SVG's own (HTML parses ``xlink:href`` without one), no stylesheet
    of its own (the page's CSS carries it), no duplicate ids, scaled to the page's width."""
    svg = draw(funnel, lang, "svg", svg_text=True).decode("utf-8")
    svg = svg[svg.index("<svg") :]
    svg = svg.replace(' xmlns:xlink="http://www.w3.org/1999/xlink"', "")
    svg = re.sub(r"<defs>\s*<style[^>]*>.*?</style>\s*</defs>", "", svg, count=1, flags=re.S)
    # matplotlib names its groups (figure_1, axes_1 …) alike in every chart: ids must be unique
    # in a page, and only the hashed ids of clip paths and markers are referred to.
    svg = re.sub(r'<g id="[^"]*"', "<g", svg)
    method = t(f"funnel_method_{funnel.method}", lang)
    title = escape(f"{chart_title(funnel, lang)} ({method})")
    svg = re.sub(
        r'<svg width="[^"]*" height="[^"]*"',
        f'<svg role="img" aria-label="{title}"',
        svg,
        count=1,
    )
    return svg.strip()


def skipped_lines(ruleset, skipped: list[tuple[str, str]], lang: str) -> list[str]:
    """Which indicators a report draws no funnel plot for, and why."""
    rules = ruleset.active
    lines = []
    for reason, key in (("model", "funnel_skipped_model"), ("few_units", "funnel_skipped_few")):
        names = [rules[k].short_label(lang) for k, why in skipped if why == reason]
        if names:
            lines.append(t(key, lang, names=join(names, lang), n=MIN_UNITS))
    return lines
