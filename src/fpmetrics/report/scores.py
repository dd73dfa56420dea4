"""Renderings of ``fpmetrics score``: the ranking table, JSON and CSV."""

from __future__ import annotations

import io
import json

import pandas as pd
from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from .. import __version__
from ..i18n import t
from ..pipeline import ScoreReport
from .console import render_problems
from .machine import _none, problem_records, result_records
from .safety import defuse_frame


def group_text(blocked: list[dict], report: ScoreReport, lang: str) -> str:
    """Each veto or award group a unit trips ("三控制一达标: 出生率"), in the output language."""
    ruleset = report.check.ruleset
    rules = ruleset.active
    scoring = ruleset.scoring
    groups = {g.name: g for g in (*scoring.veto, *scoring.award_gate)} if scoring else {}
    parts = []
    for hit in blocked:
        group = groups.get(hit["group"])
        label = group.label(lang) if group is not None else hit["group"]
        names = "、".join(rules[i].short_label(lang) for i in hit["indicators"])
        parts.append(f"{label}: {names}")
    return "; ".join(parts)


def ranking_headers(has_period: bool) -> list[str]:
    """Message keys of the ranking columns; ranks are per period, so a period column is shown."""
    period = ["col_period"] if has_period else []
    tail = ["col_total", "col_rank_bottom", "col_veto", "col_award"]
    return ["col_rank", "col_unit", *period, *tail]


def points_matrix(report: ScoreReport) -> pd.DataFrame:
    """Units × scored indicators → points (in ranking order)."""
    points = report.points.assign(period=report.points["period"].fillna(""))
    matrix = points.pivot_table(
        index=["unit", "period"], columns="indicator", values="points", aggfunc="sum", sort=False
    )
    active = report.check.ruleset.active
    order = [k for k in report.check.ruleset.scoring.indicators if k in active]  # type: ignore[union-attr]
    keys = pd.MultiIndex.from_arrays(
        [report.scores["unit"], report.scores["period"].fillna("")], names=["unit", "period"]
    )
    return matrix.reindex(index=keys, columns=order)


def render_score_table(report: ScoreReport, lang: str, out: Console, err: Console) -> None:
    scores = report.scores
    has_period = scores["period"].notna().any()
    table = Table(
        title=t("score_title", lang, ruleset=report.check.ruleset.label(lang)),
        box=box.SIMPLE_HEAD,
        pad_edge=False,
        header_style="bold",
        title_style="bold",
    )
    table.add_column(t("col_rank", lang), justify="right", no_wrap=True)
    table.add_column(t("col_unit", lang), no_wrap=True)
    if has_period:
        table.add_column(t("col_period", lang), no_wrap=True)
    table.add_column(t("col_total", lang), justify="right", no_wrap=True)
    table.add_column(t("col_rank_bottom", lang), justify="right", no_wrap=True)
    table.add_column(t("col_veto", lang))
    table.add_column(t("col_award", lang))
    for row in scores.to_dict("records"):
        vetoed = row["vetoed"]
        style = "red" if vetoed else ("green" if row["award_eligible"] else "")
        award = t("yes", lang) if row["award_eligible"] else t("no", lang)
        if row["award_blocked_by"]:
            award += f" ({group_text(row['award_blocked_by'], report, lang)})"
        cells = [str(row["rank"]), row["unit"]]
        if has_period:
            cells.append(row["period"] or "")
        cells += [
            f"{row['total']:.2f}",
            str(row["rank_from_bottom"]),
            Text(group_text(row["vetoed_by"], report, lang), style="red"),
            award,
        ]
        table.add_row(*cells, style=style if not vetoed else None)
    out.print(table)
    out.print(
        t(
            "score_summary",
            lang,
            units=len(scores),
            vetoed=int(scores["vetoed"].sum()),
            eligible=int(scores["award_eligible"].sum()),
            max_total=report.check.ruleset.scoring.max_total(set(report.check.ruleset.active)),  # type: ignore[union-attr]
        )
    )
    render_problems(report.check.problems, lang, err)


def score_records(report: ScoreReport) -> list[dict]:
    matrix = points_matrix(report)
    records = []
    for (_, points), row in zip(matrix.iterrows(), report.scores.to_dict("records"), strict=True):
        records.append(
            {
                "unit": row["unit"],
                "code": _none(row["code"]),
                "period": _none(row["period"]),
                "rank": int(row["rank"]),
                "rank_from_bottom": int(row["rank_from_bottom"]),
                "units_ranked": int(row["units_ranked"]),
                "total": float(row["total"]),
                "max_total": float(row["max_total"]),
                "vetoed": bool(row["vetoed"]),
                "vetoed_by": row["vetoed_by"],
                "award_eligible": bool(row["award_eligible"]),
                "award_blocked_by": row["award_blocked_by"],
                "points": {k: _none(float(v)) for k, v in points.items()},
            }
        )
    return records


def score_json(report: ScoreReport) -> str:
    check = report.check
    payload = {
        "fpmetrics": __version__,
        "ruleset": check.ruleset.name,
        "scores": score_records(report),
        "results": result_records(check.results),
        "summary": check.summary,
        "problems": problem_records(check.problems),
    }
    return json.dumps(payload, ensure_ascii=False, indent=2) + "\n"


def score_csv(report: ScoreReport, for_spreadsheet: bool = False) -> str:
    rows = []
    for record in score_records(report):
        flat = {k: v for k, v in record.items() if k != "points"}
        flat["vetoed_by"] = ";".join(h["group"] for h in record["vetoed_by"])
        flat["award_blocked_by"] = ";".join(h["group"] for h in record["award_blocked_by"])
        flat.update({f"points_{k}": v for k, v in record["points"].items()})
        rows.append(flat)
    frame = pd.DataFrame(rows, dtype=object)
    if for_spreadsheet:
        frame = defuse_frame(frame)
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False, lineterminator="\n")
    return buffer.getvalue()
