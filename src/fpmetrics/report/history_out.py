"""``fpmetrics history``: the runs of a history file, one township's series, and what changed
between two runs, as a table or as JSON (``-f json``)."""

from __future__ import annotations

import json
import sqlite3
from functools import cache
from pathlib import Path

import pandas as pd
from rich import box
from rich.console import Console
from rich.table import Table

from fpmetrics import __version__
from fpmetrics.analyses.history import results, runs
from fpmetrics.errors import InputError
from fpmetrics.i18n import t
from fpmetrics.normalise.periods import period_key
from fpmetrics.normalise.reporting import bounds

_CHANGE_COLUMNS = ["unit", "period", "indicator", "before", "after", "change"]


def _json(payload: dict) -> str:
    return json.dumps({"fpmetrics": __version__, **payload}, ensure_ascii=False, indent=2) + "\n"


def _state(superseded_by: object, lang: str) -> str:
    if superseded_by is None:
        return t("history_current", lang)
    return t("history_superseded", lang, run=int(superseded_by))  # type: ignore[call-overload]


@cache
def _names(lang: str) -> dict[str, str]:
    from fpmetrics.ruleset.rules import load_ruleset

    return {k: r.label(lang) for k, r in load_ruleset("default").indicators.items()}


def _indicator(key: str, lang: str) -> str:
    """The indicator's name as the shipped rules give it (its id if they do not have it)."""
    return _names(lang).get(key, key)


def _side(value: object, status: object, lang: str) -> str:
    return "—" if status != status else f"{_shown(value)} {_status(status, lang)}"


def _status(status: object, lang: str) -> str:
    return t(f"status_{status}", lang) if isinstance(status, str) else "—"


def _periods(labels: list[str]) -> str:
    if len(labels) > 3:
        return f"{labels[0]} … {labels[-1]} ({len(labels)})"
    return "\n".join(labels) or "—"


def _number(value: object) -> float | None:
    return None if value is None or value != value else float(value)  # type: ignore[arg-type]


def _shown(value: object) -> str:
    number = _number(value)
    return "—" if number is None else f"{number:.2f}"


def _table(title: str, headers: list[str], rows: list[list[str]], right: set[int]) -> Table:
    table = Table(title=title, box=box.SIMPLE_HEAD, header_style="bold", title_style="bold")
    for n, header in enumerate(headers):
        table.add_column(header, justify="right" if n in right else "left", no_wrap=n in right)
    for row in rows:
        table.add_row(*row)
    return table


def render_runs(db: sqlite3.Connection, file: str, fmt: str, lang: str, out: Console) -> None:
    listed = runs(db)
    if fmt == "json":
        items = [
            {
                "run": int(r["id"]),
                "created": r["created"],
                "command": r["command"],
                "ruleset": r["ruleset"],
                "year_start": r["year_start"],
                "level": r["level"],
                "periods": r["periods"],
                "units": int(r["units"]),
                "inputs": [
                    {"file": f, "sha256": h} for f, h in zip(r["inputs"], r["sha256"], strict=True)
                ],
                "superseded_by": None if r["superseded_by"] is None else int(r["superseded_by"]),
            }
            for r in listed.to_dict("records")
        ]
        out.file.write(_json({"history": file, "runs": items}))
        return
    if listed.empty:
        out.print(t("history_no_runs", lang, file=file))
        return
    headers = [t(k, lang) for k in ("col_run", "col_when", "col_inputs", "col_ruleset",
                                    "col_periods", "col_units_n", "col_state")]  # fmt: skip
    rows = [
        [
            str(r["id"]),
            r["created"].replace("T", " ").removesuffix("+00:00"),
            "\n".join(Path(f).name for f in r["inputs"]),
            f"{r['ruleset']} ({r['year_start']})",
            _periods(r["periods"]),
            str(r["units"]),
            _state(r["superseded_by"], lang),
        ]
        for r in listed.to_dict("records")
    ]
    out.print(_table(t("history_runs_title", lang, file=file), headers, rows, {0, 5}))


def unit_series(db: sqlite3.Connection, unit: str, lang: str) -> pd.DataFrame:
    """The unit's results over the current runs, earliest period first."""
    found = results(db)
    mine = found[found["unit"] == unit]
    if mine.empty:
        raise InputError("history_no_unit", unit=unit)
    starts = mine["period_start"].where(
        mine["period_start"].notna(), mine["period"].map(lambda p: bounds(p)[0])
    )
    mine = mine.assign(_s=starts.fillna(""), _k=mine["period"].fillna("").map(period_key))
    mine = mine.sort_values(["_s", "_k", "run_id"], kind="stable").drop(columns=["_s", "_k"])
    return mine.reset_index(drop=True)


def render_unit(db: sqlite3.Connection, unit: str, fmt: str, lang: str, out: Console) -> None:
    series = unit_series(db, unit, lang)
    if fmt == "json":
        items = [
            {
                "run": int(r["run_id"]),
                "period": r["period"],
                "period_start": r["period_start"],
                "period_end": r["period_end"],
                "indicator": r["indicator"],
                "value": _number(r["value"]),
                "numerator": _number(r["numerator"]),
                "denominator": _number(r["denominator"]),
                "status": r["status"],
            }
            for r in series.astype(object).where(series.notna(), None).to_dict("records")
        ]
        out.file.write(_json({"unit": unit, "series": items}))
        return
    shown = series[series["status"] != "no_data"]
    headers = [t(k, lang) for k in ("col_period", "col_indicator_name", "col_value",
                                    "col_status", "col_run")]  # fmt: skip
    rows = [
        [
            r["period"] or "—",
            _indicator(r["indicator"], lang),
            _shown(r["value"]),
            _status(r["status"], lang),
            str(r["run_id"]),
        ]
        for r in shown.to_dict("records")
    ]
    out.print(_table(t("history_unit_title", lang, unit=unit), headers, rows, {2, 4}))


def run_diff(
    db: sqlite3.Connection, a: int, b: int, lang: str
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """What changed from run ``a`` to run ``b``: results (value or status) and unit counts."""
    known = set(runs(db)["id"].astype(int))
    for run in (a, b):
        if run not in known:
            raise InputError("history_no_run", run=run)
    keys = ["unit", "period", "indicator"]
    found = results(db, [a, b]).fillna({"period": ""})
    before = found[found["run_id"] == a].set_index(keys)[["value", "status"]]
    after = found[found["run_id"] == b].set_index(keys)[["value", "status"]]
    joined = before.add_suffix("_a").join(after.add_suffix("_b"), how="outer")
    same_value = (joined["value_a"] == joined["value_b"]) | (
        joined["value_a"].isna() & joined["value_b"].isna()
    )
    changed = joined[~same_value | (joined["status_a"] != joined["status_b"])].reset_index()
    changed["change"] = [
        "added" if sa != sa else "removed" if sb != sb else "changed"
        for sa, sb in zip(changed["status_a"], changed["status_b"], strict=True)
    ]
    counts = pd.read_sql_query(
        "SELECT run_id, unit, coalesce(period, '') AS period, field, value FROM counts"
        " WHERE run_id IN (?, ?)",
        db,
        params=(a, b),
    )
    ckeys = ["unit", "period", "field"]
    cb = counts[counts["run_id"] == a].set_index(ckeys)["value"].rename("before")
    ca = counts[counts["run_id"] == b].set_index(ckeys)["value"].rename("after")
    figures = pd.concat([cb, ca], axis=1)
    figures = figures[~(figures["before"] == figures["after"])].reset_index()
    return changed, figures


def render_diff(db: sqlite3.Connection, a: int, b: int, fmt: str, lang: str, out: Console) -> None:
    changed, figures = run_diff(db, a, b, lang)

    def side(value: object, status: object) -> dict | None:
        return None if status != status else {"value": _number(value), "status": status}

    if fmt == "json":
        items = [
            {
                "unit": r["unit"],
                "period": r["period"] or None,
                "indicator": r["indicator"],
                "before": side(r["value_a"], r["status_a"]),
                "after": side(r["value_b"], r["status_b"]),
                "change": r["change"],
            }
            for r in changed.to_dict("records")
        ]
        counts = [
            {
                "unit": r["unit"],
                "period": r["period"] or None,
                "field": r["field"],
                "before": _number(r["before"]),
                "after": _number(r["after"]),
            }
            for r in figures.to_dict("records")
        ]
        payload = {"from_run": a, "to_run": b, "results": items, "counts": counts}
        out.file.write(_json(payload))
        return
    if changed.empty and figures.empty:
        out.print(t("history_diff_none", lang))
        return
    headers = [t(k, lang) for k in ("col_unit", "col_period", "col_indicator_name",
                                    "col_before", "col_after", "col_change")]  # fmt: skip
    rows = [
        [
            r["unit"],
            r["period"] or "—",
            _indicator(r["indicator"], lang),
            _side(r["value_a"], r["status_a"], lang),
            _side(r["value_b"], r["status_b"], lang),
            t(f"change_{r['change']}", lang),
        ]
        for r in changed.to_dict("records")
    ]
    rows += [
        [r["unit"], r["period"] or "—", r["field"], _shown(r["before"]), _shown(r["after"]), ""]
        for r in figures.to_dict("records")
    ]
    out.print(_table(t("history_diff_title", lang, a=a, b=b), headers, rows, {3, 4}))
