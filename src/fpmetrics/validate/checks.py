"""Vectorised data checks: every problem collected with file, sheet, row and column.

The checks are column operations over all rows at once. A cell that fails a check is marked
in a boolean frame ``bad`` (rows × count fields); the indicators it feeds become ``invalid``.
The checks themselves follow the field metadata of the fields of :mod:`fpmetrics.normalise.fields`
(which fields are counts, which count is part of which).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from fpmetrics.frame_columns import FILE, ROW, SHEET, TABLE, UNDATED, header_column
from fpmetrics.normalise.fields import COUNT_FIELDS, FIELDS

PROBLEM_COLUMNS = ["level", "code", "file", "sheet", "row", "column", "message_key", "params"]
"""A problem: where it is (file, sheet, row, column as written), what (``code``) and what to
word it with (``message_key`` in i18n, ``params`` a dict of texts), worded only when rendered
(:mod:`fpmetrics.wording`). See docs/problems.md."""

_EMPTY_TEXT = {"", "-", "--", "—", "——", "–", "/", "无", "nan", "none", "null", "n/a", "na"}
MAX_COUNT = 10**12
"""The largest count read as a number: above it (1e30, 400 digits, inf) a cell is a data problem,
so every count is exact in float64 and no result is infinite."""
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
    if pd.api.types.is_numeric_dtype(raw.dtype) and not pd.api.types.is_bool_dtype(raw.dtype):
        none = pd.Series(False, index=raw.index)
        return raw.astype(float), none, none.copy()  # counts from registers: numbers already
    direct = pd.to_numeric(raw, errors="coerce")
    text = raw.where(direct.isna()).astype("string").str.normalize("NFKC")
    text = text.str.replace(r"[\s,]", "", regex=True)
    excel_error = text.str.upper().isin(_EXCEL_ERRORS).fillna(False)
    empty = text.isna() | text.str.lower().isin(_EMPTY_TEXT).fillna(False) | excel_error
    parsed = pd.to_numeric(text.where(~empty), errors="coerce").astype(float)
    values = direct.astype(float).fillna(parsed)
    not_number = values.isna() & ~empty
    return values, not_number.astype(bool), excel_error.astype(bool)


@dataclass(frozen=True)
class _Count:
    """Numbers for a message, written as counts (``_num_text``) only for the rows it hits."""

    values: pd.Series


@dataclass(frozen=True)
class _Text:
    """Cells for a message, as text, only for the rows it hits."""

    values: pd.Series


class _Problems:
    """Collects problems; parameters are written out only for the rows a check hits."""

    def __init__(self, records: pd.DataFrame) -> None:
        self.records = records
        self.frames: list[pd.DataFrame] = []

    def add(
        self,
        mask: pd.Series,
        code: str,
        field: str,
        message: str,
        level: str = "error",
        **values: pd.Series | str | _Count | _Text,
    ) -> None:
        """Record ``code`` on every row of ``mask``, in the column that holds ``field``.

        ``message`` is an i18n key; ``values`` are its parameters, Series row by row.
        """
        mask = mask.fillna(False).astype(bool)
        if not mask.any():
            return
        hit = self.records.loc[mask]
        params = pd.DataFrame(index=hit.index)
        for name, value in values.items():
            if isinstance(value, _Count):
                filler: pd.Series | str = _num_text(value.values[mask])
            elif isinstance(value, _Text):
                filler = _clipped(value.values[mask].astype("string").fillna(""))
            elif isinstance(value, pd.Series):
                filler = value[mask]
                if not pd.api.types.is_object_dtype(filler.dtype):
                    filler = filler.astype("string").fillna("")
            else:
                filler = value
            params[name] = filler
        self.frames.append(
            pd.DataFrame(
                {
                    "level": level,
                    "code": code,
                    "file": hit[FILE],
                    "sheet": hit[SHEET],
                    "row": hit[ROW],
                    "column": hit[header_column(field)],
                    "message_key": message,
                    "params": _records(params),
                }
            )
        )

    def frame(self) -> pd.DataFrame:
        if not self.frames:
            return pd.DataFrame(columns=PROBLEM_COLUMNS)
        return pd.concat(self.frames, ignore_index=True)


def check_records(records: pd.DataFrame, present: set[str]) -> Checked:
    """Run every data check on the combined unit rows of all inputs.

    ``records`` has the raw count cells under canonical names, plus ``township``, ``period``
    and the location columns ``_file``, ``_sheet``, ``_row`` and ``_header_<field>``.
    """
    problems = _Problems(records)
    index = records.index
    values = pd.DataFrame(np.nan, index=index, columns=list(COUNT_FIELDS), dtype=float)
    bad = pd.DataFrame(False, index=index, columns=list(COUNT_FIELDS))

    for field in COUNT_FIELDS:
        if field not in present:
            continue
        raw = records[field]
        nums, not_number, excel_error = parse_counts(raw)
        huge = nums.notna() & ~(nums.abs() <= MAX_COUNT)  # also inf and -inf
        nums = nums.where(~huge) + 0.0  # -0 is 0
        values[field] = nums
        raw_text = _Text(raw)
        problems.add(not_number, "not_a_number", field, "p_not_a_number", value=raw_text)
        problems.add(
            huge, "too_large", field, "p_too_large", value=raw_text, limit=f"{MAX_COUNT:,}"
        )
        problems.add(
            excel_error, "excel_error", field, "p_excel_error", level="warning", value=raw_text
        )
        negative = nums < 0
        problems.add(negative, "negative", field, "p_negative", value=_Count(nums))
        fractional = nums.notna() & (np.floor(nums) != nums)
        problems.add(fractional, "fractional", field, "p_fractional", value=_Count(nums))
        bad[field] = not_number | huge | negative | fractional

    for part, spec in FIELDS.items():
        whole = spec.part_of
        if whole is None or part not in present or whole not in present:
            continue
        exceeds = (values[part] > values[whole]) & ~bad[part] & ~bad[whole]
        problems.add(
            exceeds,
            "part_exceeds_whole",
            part,
            "p_part_exceeds_whole",
            part=records[header_column(part)],
            part_value=_Count(values[part]),
            whole=records[header_column(whole)],
            whole_value=_Count(values[whole]),
        )
        bad[part] |= exceeds
        bad[whole] |= exceeds

    if {"births", "births_male", "births_female"} <= present:
        m, f, b = values["births_male"], values["births_female"], values["births"]
        usable = ~(bad["births"] | bad["births_male"] | bad["births_female"])
        mismatch = (b.notna() & m.notna() & f.notna() & (b != m + f)) & usable
        problems.add(
            mismatch,
            "births_sum",
            "births",
            "p_births_sum",
            births=_Count(b),
            male=_Count(m),
            female=_Count(f),
            sum=_Count(m + f),
        )
        for field in ("births", "births_male", "births_female"):
            bad[field] |= mismatch

    named = records["township"] != ""
    problems.add(~named & values.notna().any(axis=1), "missing_unit", "township", "p_missing_unit")

    _check_duplicates(records, values, bad, present, named, problems)
    _check_coverage(records, present, named, problems)

    return Checked(values=values, bad=bad, problems=problems.frame())


def _locations(records: pd.DataFrame, mask: pd.Series, keys: list[pd.Series]) -> pd.Series:
    """Per row of ``mask``: every "file [sheet]:row" of the rows sharing its key, joined (no
    [sheet] for a CSV file)."""
    sheet = records[SHEET].astype("string")
    at_sheet = (" [" + sheet + "]").fillna("")
    at_row = (":" + records[ROW].astype("string")).fillna("")  # a register's counts: no row
    where = records[FILE].astype("string").fillna("") + at_sheet + at_row
    grouped = where[mask].groupby([k[mask] for k in keys], sort=False)
    return grouped.transform(lambda w: ", ".join(w)).reindex(records.index).astype("string")


def _check_duplicates(
    records: pd.DataFrame,
    values: pd.DataFrame,
    bad: pd.DataFrame,
    present: set[str],
    named: pd.Series,
    problems: _Problems,
) -> None:
    """The same unit twice in one table is a duplicate: all its checks become invalid.

    Across inputs, rows of the same unit are joined (one office sends births, another the
    migrant figures); only a field given by two inputs for the same unit is a conflict.
    """
    township = records["township"]
    period = records["period"].fillna("")
    village = records["village"].fillna("") if "village" in records else period.where(False, "")
    keyed = records.assign(_village=village, _period=period)
    same_table = named & keyed.duplicated([TABLE, "township", "_village", "_period"], keep=False)
    if same_table.any():
        rows = (
            records.loc[same_table]
            .groupby([records[TABLE], township, village, period], sort=False)[ROW]
            .transform(lambda r: ", ".join(map(str, r)))
        )
        problems.add(
            same_table,
            "duplicate_unit",
            "township",
            "p_duplicate_unit",
            unit=township.astype("string"),
            rows=rows.reindex(records.index).astype("string"),
        )
        bad.loc[same_table, :] = True

    if records[TABLE].nunique() < 2:
        return
    conflicting = pd.Series("", index=records.index, dtype="string")
    separator = "\x1f"  # between headers; the list is joined when worded
    for field in COUNT_FIELDS:
        if field not in present:
            continue
        given = named & ~same_table & (values[field].notna() | bad[field])
        count = given.groupby([township, village, period]).transform("sum")
        clash = given & (count > 1)
        if clash.any():
            bad[field] |= clash
            header = records[header_column(field)].astype("string")
            conflicting = conflicting.where(~clash, conflicting + header + separator)
    clash_rows = conflicting != ""
    if clash_rows.any():
        problems.add(
            clash_rows,
            "duplicate_unit",
            "township",
            "p_conflicting_inputs",
            unit=township.astype("string"),
            columns=conflicting.str.removesuffix(separator).str.split(separator).astype(object),
            where=_locations(records, clash_rows, [township, village, period]),
        )


def _check_coverage(
    records: pd.DataFrame, present: set[str], named: pd.Series, problems: _Problems
) -> None:
    """A unit that one input lacks has no value for the fields only that input gives."""
    if records[TABLE].nunique() < 2:
        return
    fields = [f for f in COUNT_FIELDS if f in present]
    rows = records[named]
    keys = [rows["township"], rows["period"].fillna("")]
    has = pd.DataFrame({f: rows[header_column(f)].notna() for f in fields})
    provided = has.groupby(keys, sort=False).any()
    if UNDATED in rows and rows[UNDATED].any():
        # An undated input (a migrant register) joined a unit's latest period only: it
        # covers the unit's other periods too.
        undated = rows[UNDATED].astype(bool)
        by_unit = has[undated].groupby(rows.loc[undated, "township"]).any()
        towns = provided.index.get_level_values(0)
        provided |= by_unit.reindex(towns, fill_value=False).to_numpy()
    if {"births", "births_male", "births_female"} <= set(fields):
        provided["births"] |= provided["births_male"] & provided["births_female"]
    lacking = ~provided
    short = lacking[lacking.any(axis=1)]
    # One warning per township and set of missing fields, not one per period.
    short = short[~short.reset_index(level=1, drop=True).reset_index().duplicated().to_numpy()]
    if short.empty:
        return
    first = rows.groupby(keys, sort=False)[ROW].head(1).index
    first_of = dict(
        zip(zip(rows.loc[first, "township"], keys[1][first], strict=True), first, strict=True)
    )
    where = rows[FILE] + rows[SHEET].map(
        lambda s: f" [{s}]" if s else "", na_action="ignore"
    ).fillna("")
    sources = {f: list(dict.fromkeys(where[has[f]])) for f in fields}
    mask = pd.Series(False, index=records.index)
    missing: dict[object, list[str]] = {}
    files: dict[object, list[str]] = {}
    for key, row in short.iterrows():  # one pass per unit that lacks something: few
        gone = [f for f in fields if row[f]]
        at = first_of[key]
        mask[at] = True
        missing[at] = gone  # field ids, worded as their labels
        files[at] = list(dict.fromkeys(x for f in gone for x in sources[f]))
    problems.add(
        mask,
        "unit_missing_from_input",
        "township",
        "p_unit_missing_from_input",
        level="warning",
        unit=records["township"].astype("string"),
        fields=pd.Series(missing, dtype=object).reindex(records.index),
        files=pd.Series(files, dtype=object).reindex(records.index),
    )


def check_totals(totals: pd.DataFrame, records: pd.DataFrame, values: pd.DataFrame) -> pd.DataFrame:
    """A totals row is a check: where the units of its table do not sum to it, say so.

    A warning, not a failure: the indicators are computed from the unit rows.
    """
    problems = _Problems(totals)
    if totals.empty:
        return problems.frame()
    unit_sums = values.groupby(records[TABLE]).sum(min_count=1)
    for field in COUNT_FIELDS:
        if totals[header_column(field)].isna().all():
            continue
        stated, _, _ = parse_counts(totals[field])
        stated = stated.where(stated.abs() <= MAX_COUNT)  # inf or 1e30 in a totals row: no total
        summed = totals[TABLE].map(unit_sums[field]).astype(float)
        differs = stated.notna() & summed.notna() & (stated != summed)
        problems.add(
            differs,
            "totals_mismatch",
            field,
            "p_totals_mismatch",
            level="warning",
            total=_Count(stated),
            summed=_Count(summed),
            difference=_Count(summed - stated),
        )
    return problems.frame()


def _clipped(text: pd.Series, limit: int = 40) -> pd.Series:
    """Cell text for a message: a long cell (a 400-digit number, a pasted page) cut short."""
    long = text.str.len() > limit
    return text.where(~long, text.str.slice(0, limit) + "…")


def _num_text(values: pd.Series) -> pd.Series:
    """Counts as a person writes them: 12 not 12.0, 12.5 stays 12.5."""
    whole = values.notna() & (np.floor(values) == values) & (values.abs() < 2.0**53)
    text = values.astype("string")
    return text.where(~whole, values.where(whole).astype("Int64").astype("string")).fillna("")


def _records(params: pd.DataFrame) -> list[dict]:
    """One dict of parameters per row (texts, or lists of texts)."""
    if params.columns.empty:
        return [{} for _ in range(len(params))]
    return params.astype(object).to_dict("records")
