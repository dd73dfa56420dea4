"""Renderings of ``fpmetrics score``: the ranking table, JSON and CSV."""

from __future__ import annotations

import pandas as pd
from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from fpmetrics.files.output import Pieces
from fpmetrics.i18n import join, t
from fpmetrics.models import ScoreReport
from fpmetrics.report.console import render_problems
from fpmetrics.report.machine import _none, check_records, dumps_document, head, problem_records
from fpmetrics.report.safety import csv_text, defuse_frame
from fpmetrics.report.values import units_text


class ScoreTexts:
    """The words of a ranking row: veto reasons, unverified vetoes, award eligibility.

    Award-gate indicators that block because their data is absent (``field_missing`` /
    ``value_missing``) are told apart from those that fail: "优质服务 缺数据: 技术人员占比".
    """

    def __init__(self, report: ScoreReport, lang: str) -> None:
        from fpmetrics.scoring.points import is_absent

        self.lang = lang
        ruleset = report.check.ruleset
        self.rules = ruleset.active
        scoring = ruleset.scoring
        self.group_defs = (
            {g.name: g for g in (*scoring.veto, *scoring.award_gate)} if scoring else {}
        )
        results = report.check.results
        absent = results[is_absent(results)]
        self.absent = set(
            zip(
                absent["unit"],
                absent["period"].fillna(""),
                absent["indicator"],
                strict=True,
            )
        )

    def _label(self, group: str) -> str:
        found = self.group_defs.get(group)
        return found.label(self.lang) if found is not None else group

    def _names(self, indicators: list[str]) -> str:
        return join((self.rules[i].short_label(self.lang) for i in indicators), self.lang)

    def groups(self, blocked: list[dict]) -> str:
        """ "三控制一达标: 出生率; 另一组: …" """
        return "; ".join(
            f"{self._label(hit['group'])}: {self._names(hit['indicators'])}" for hit in blocked
        )

    def veto(self, row: dict) -> str:
        return self.groups(row["vetoed_by"])

    def unverified(self, row: dict) -> str:
        """ "三控制一达标 未核实(缺数据): 政策生育率、统计误差率" """
        return "; ".join(
            t(
                "veto_unverified",
                self.lang,
                group=self._label(hit["group"]),
                indicators=self._names(hit["indicators"]),
            )
            for hit in row.get("veto_unverified") or []
        )

    def award_reasons(self, row: dict) -> str:
        """Why a unit is not award-eligible (empty if it is, or if only its veto says why)."""
        key = (row["unit"], row["period"] or "")
        parts = []
        for hit in row["award_blocked_by"]:
            label = self._label(hit["group"])
            failed = [i for i in hit["indicators"] if (*key, i) not in self.absent]
            missing = [i for i in hit["indicators"] if (*key, i) in self.absent]
            if failed:
                parts.append(f"{label}: {self._names(failed)}")
            if missing:
                parts.append(
                    t("gate_absent", self.lang, group=label, indicators=self._names(missing))
                )
        if row.get("veto_unverified") and not row["vetoed"]:
            parts.append(t("award_veto_unverified", self.lang))
        return "; ".join(parts)

    def award(self, row: dict) -> str:
        """ "是", or "否 (reasons)" """
        if row["award_eligible"]:
            return t("yes", self.lang)
        reasons = self.award_reasons(row)
        return t("no", self.lang) + (f" ({reasons})" if reasons else "")


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
    table.add_column(t("col_veto", lang), overflow="fold")
    table.add_column(t("col_award", lang), overflow="fold")
    texts = ScoreTexts(report, lang)
    for row in scores.to_dict("records"):
        vetoed = row["vetoed"]
        style = "red" if vetoed else ("green" if row["award_eligible"] else "")
        veto = Text(texts.veto(row), style="red")
        unverified = texts.unverified(row)
        if unverified:
            veto.append(("\n" if veto.plain else "") + unverified, style="yellow")
        cells = [str(row["rank"]), row["unit"]]
        if has_period:
            cells.append(row["period"] or "")
        cells += [f"{row['total']:.2f}", str(row["rank_from_bottom"]), veto, texts.award(row)]
        table.add_row(*cells, style=style if not vetoed else None)
    out.print(table)
    summary, *unverified = score_summary_lines(report, lang)
    out.print(summary)
    for line in unverified:
        out.print(Text(line, style="yellow"))
    render_problems(report.check.problems, lang, err)


def score_summary_lines(report: ScoreReport, lang: str) -> list[str]:
    """ "18 个乡镇: 否决 3 个,可评奖 9 个;满分 100", and a line on unverified vetoes if any."""
    scores = report.scores
    ruleset = report.check.ruleset
    lines = [
        t(
            "score_summary",
            lang,
            units=units_text(report.check, lang),
            vetoed=int(scores["vetoed"].sum()),
            eligible=int(scores["award_eligible"].sum()),
            max_total=ruleset.scoring.max_total(set(ruleset.active)),  # type: ignore[union-attr]
        )
    ]
    unverified = int((scores["veto_unverified"].str.len() > 0).sum())
    if unverified:
        lines.append(t("score_unverified", lang, count=unverified))
    return lines


def absent_fields_warning(report: ScoreReport, lang: str) -> str | None:
    """One line when a scored, veto or award-gate indicator has its fields in no input."""
    from fpmetrics.normalise.fields import FIELDS

    ruleset = report.check.ruleset
    scoring = ruleset.scoring
    if scoring is None:
        return None
    watched = set(scoring.indicators)
    for group in (*scoring.veto, *scoring.award_gate):
        watched |= set(group.indicators)
    results = report.check.results
    missing = results[(results["reason"] == "field_missing") & results["indicator"].isin(watched)]
    if missing.empty:
        return None
    indicators = [k for k in ruleset.active if k in set(missing["indicator"])]
    absent = {f for fs in missing["fields"] for f in fs}
    fields = [f for f in FIELDS if f in absent]  # in the order of `fpmetrics fields`
    field_names = [FIELDS[f].zh if lang != "en" else f for f in fields]
    return t(
        "score_fields_absent",
        lang,
        fields=join(field_names, lang),
        indicators=join((ruleset.active[k].short_label(lang) for k in indicators), lang),
    )


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
                "veto_unverified": row["veto_unverified"],
                "award_eligible": bool(row["award_eligible"]),
                "award_blocked_by": row["award_blocked_by"],
                "points": {k: _none(float(v)) for k, v in points.items()},
            }
        )
    return records


def score_summary(report: ScoreReport) -> dict[str, int]:
    """The check's counts, and how many units are vetoed and award-eligible."""
    scores = report.scores
    return {
        **{key: int(value) for key, value in report.check.summary.items()},
        "vetoed": int(scores["vetoed"].sum()),
        "award_eligible": int(scores["award_eligible"].sum()),
    }


def score_json(report: ScoreReport) -> Pieces:
    """The check document with ``scores`` added and the score counts in ``summary``."""
    check = report.check
    payload = {
        **head(check),
        **check_records(check),
        "scores": score_records(report),
        "summary": score_summary(report),
        "problems": problem_records(check.problems),
    }
    return dumps_document(payload)


def _groups_csv(hits: list[dict]) -> str:
    """ "三控制一达标: crude_birth_rate, policy_birth_rate; 另一组: …" (ids: stable for scripts)."""
    return "; ".join(f"{h['group']}: {', '.join(h['indicators'])}" for h in hits)


def score_csv(report: ScoreReport, for_spreadsheet: bool = False) -> str:
    """One row per unit. Booleans are written ``true``/``false`` (as in the JSON; pandas,
    Excel, WPS and LibreOffice read them as booleans); veto and award groups as
    "group: indicator, indicator", groups separated by "; "."""
    rows = []
    for record in score_records(report):
        flat: dict[str, object] = {k: v for k, v in record.items() if k != "points"}
        for key in ("vetoed", "award_eligible"):
            flat[key] = "true" if record[key] else "false"
        for key in ("vetoed_by", "veto_unverified", "award_blocked_by"):
            flat[key] = _groups_csv(record[key])
        flat.update({f"points_{k}": v for k, v in record["points"].items()})
        rows.append(flat)
    frame = pd.DataFrame(rows, dtype=object)
    if for_spreadsheet:
        frame = defuse_frame(frame)
    return csv_text(frame)
