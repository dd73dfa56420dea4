"""Vectorised data checks: every problem collected with file, sheet, row and column.

The checks are column operations over all rows at once. A cell that fails a check is marked
in a boolean frame ``bad`` (rows × count fields); the indicators it feeds become ``invalid``.
The checks themselves follow the field metadata of :class:`fpmetrics.fields.UnitRecord`
(which fields are counts, which count is part of which).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .fields import COUNT_FIELDS, FIELDS
from .i18n import t

PROBLEM_COLUMNS = ["level", "code", "file", "sheet", "row", "column", "message"]

_EMPTY_TEXT = {"", "-", "--", "—", "——", "–", "/", "无", "nan", "none", "null", "n/a", "na"}
_EXCEL_ERRORS = {"#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#N/A", "#NUM!", "#NULL!"}


@dataclass
class Checked:
    """Numeric counts (float, NaN where empty or unreadable), the bad-cell mask, the problems."""

    values: pd.DataFrame
    bad: pd.DataFrame
    problems: pd.DataFrame


def parse_counts(raw: pd.Series) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Numbers from raw cells: (values, not-a-number mask, Excel-error mask).

    Text numbers are read after NFKC (full-width digits), with spaces (also U+3000) and
    thousands separators removed; ``—``, ``-``, ``/``, ``无`` and empty cells are empty.
    """
    direct = pd.to_numeric(raw, errors="coerce")
    text = raw.where(direct.isna()).astype("string").str.normalize("NFKC")
    text = text.str.replace(r"[\s,]", "", regex=True)
    excel_error = text.str.upper().isin(_EXCEL_ERRORS).fillna(False)
    empty = text.isna() | text.str.lower().isin(_EMPTY_TEXT).fillna(False) | excel_error
    parsed = pd.to_numeric(text.where(~empty), errors="coerce")
    values = direct.fillna(parsed).astype(float)
    not_number = values.isna() & ~empty
    return values, not_number.astype(bool), excel_error.astype(bool)


def _problems(
    mask: pd.Series,
    records: pd.DataFrame,
    column: pd.Series | str | None,
    messages: pd.Series,
    code: str,
    level: str = "error",
) -> pd.DataFrame:
    hit = records.loc[mask]
    if hit.empty:
        return pd.DataFrame(columns=PROBLEM_COLUMNS)
    col = column[mask] if isinstance(column, pd.Series) else column
    return pd.DataFrame(
        {
            "level": level,
            "code": code,
            "file": hit["_file"],
            "sheet": hit["_sheet"],
            "row": hit["_row"],
            "column": col,
            "message": messages[mask],
        }
    )


def check_records(records: pd.DataFrame, present: set[str], lang: str) -> Checked:
    """Run every data check on the combined unit rows of all inputs.

    ``records`` has the raw count cells under canonical names, plus ``township``, ``period``
    and the location columns ``_file``, ``_sheet``, ``_row`` and ``_header_<field>``.
    """
    frames: list[pd.DataFrame] = []
    index = records.index
    values = pd.DataFrame(index=index, columns=list(COUNT_FIELDS), dtype=float)
    bad = pd.DataFrame(False, index=index, columns=list(COUNT_FIELDS))

    def header(field: str) -> pd.Series:
        return records[f"_header_{field}"]

    for field in COUNT_FIELDS:
        if field not in present:
            continue
        raw = records[field]
        nums, not_number, excel_error = parse_counts(raw)
        values[field] = nums
        raw_text = raw.astype("string").fillna("")
        msg = pd.Series(t("p_not_a_number", lang, value="{}"), index=index)
        frames.append(
            _problems(not_number, records, header(field), _fmt(msg, raw_text), "not_a_number")
        )
        frames.append(
            _problems(
                excel_error,
                records,
                header(field),
                _fmt(pd.Series(_excel_msg(lang), index=index), raw_text),
                "excel_error",
                level="warning",
            )
        )
        negative = nums < 0
        frames.append(
            _problems(
                negative,
                records,
                header(field),
                _fmt(pd.Series(t("p_negative", lang, value="{}"), index=index), _num_text(nums)),
                "negative",
            )
        )
        fractional = nums.notna() & (np.floor(nums) != nums)
        frames.append(
            _problems(
                fractional,
                records,
                header(field),
                _fmt(pd.Series(t("p_fractional", lang, value="{}"), index=index), _num_text(nums)),
                "fractional",
            )
        )
        bad[field] = not_number | negative | fractional

    for part, spec in FIELDS.items():
        whole = spec.part_of
        if whole is None or part not in present or whole not in present:
            continue
        exceeds = (values[part] > values[whole]).fillna(False) & ~bad[part] & ~bad[whole]
        messages = pd.Series(
            t(
                "p_part_exceeds_whole",
                lang,
                part="\x00p",
                part_value="\x00a",
                whole="\x00w",
                whole_value="\x00b",
            ),
            index=index,
        )
        for marker, series in (
            ("\x00p", header(part)),
            ("\x00w", header(whole)),
            ("\x00a", _num_text(values[part])),
            ("\x00b", _num_text(values[whole])),
        ):
            messages = _sub(messages, marker, series)
        frames.append(_problems(exceeds, records, header(part), messages, "part_exceeds_whole"))
        bad[part] |= exceeds
        bad[whole] |= exceeds

    if {"births", "births_male", "births_female"} <= present:
        m, f, b = values["births_male"], values["births_female"], values["births"]
        usable = ~(bad["births"] | bad["births_male"] | bad["births_female"])
        mismatch = (b.notna() & m.notna() & f.notna() & (b != m + f)) & usable
        template = pd.Series(
            t("p_births_sum", lang, births="\x00b", male="\x00m", female="\x00f", sum="\x00s"),
            index=index,
        )
        for key, series in (("\x00b", b), ("\x00m", m), ("\x00f", f), ("\x00s", m + f)):
            template = _sub(template, key, _num_text(series))
        frames.append(_problems(mismatch, records, header("births"), template, "births_sum"))
        for field in ("births", "births_male", "births_female"):
            bad[field] |= mismatch

    named = records["township"] != ""
    has_data = values.notna().any(axis=1)
    frames.append(
        _problems(
            ~named & has_data,
            records,
            header("township"),
            pd.Series(t("p_missing_unit", lang), index=index),
            "missing_unit",
        )
    )

    key = records[["township", "period"]].fillna("")
    duplicated = named & key.duplicated(keep=False)
    if duplicated.any():
        group_rows = (
            records.loc[duplicated]
            .groupby([key["township"][duplicated], key["period"][duplicated]], sort=False)["_row"]
            .transform(lambda rows: ", ".join(f"{r}" for r in rows))
        )
        template = pd.Series(t("p_duplicate_unit", lang, unit="\x00u", rows="\x00r"), index=index)
        template = _sub(template, "\x00u", records["township"].astype("string"))
        template = _sub(template, "\x00r", group_rows.reindex(index).fillna("").astype("string"))
        frames.append(
            _problems(duplicated, records, header("township"), template, "duplicate_unit")
        )
        bad.loc[duplicated, :] = True

    problems = (
        pd.concat([f for f in frames if not f.empty], ignore_index=True)
        if any(not f.empty for f in frames)
        else pd.DataFrame(columns=PROBLEM_COLUMNS)
    )
    return Checked(values=values, bad=bad, problems=problems)


def _excel_msg(lang: str) -> str:
    return "Excel 错误值 {},按空值处理" if lang != "en" else "Excel error value {}, read as empty"


def _num_text(values: pd.Series) -> pd.Series:
    """Counts as a person writes them: 12 not 12.0, 12.5 stays 12.5."""
    whole = values.notna() & (np.floor(values) == values)
    text = values.astype("string")
    return text.where(~whole, values.where(whole).astype("Int64").astype("string")).fillna("")


def _fmt(template: pd.Series, values: pd.Series) -> pd.Series:
    return _sub(template, "{}", values)


def _sub(template: pd.Series, marker: str, values: pd.Series) -> pd.Series:
    parts = template.str.split(marker, n=1, regex=False)
    return parts.str[0] + values.fillna("").astype("string") + parts.str[1].fillna("")
