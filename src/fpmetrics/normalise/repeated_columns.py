"""Two columns that both claim one whole field (出生人数 and 出生总数): an error where both are
filled and differ. The first column is used; on a row where the other says something else,
the field is not trusted (its indicators become invalid)."""

from __future__ import annotations

import pandas as pd

from fpmetrics.frame_columns import ROW, TABLE

REPEAT_COLUMNS = ["row", "field", "first", "other", "first_value", "other_value"]


def repeated_fields(
    data: pd.DataFrame, cells: pd.DataFrame, whole: dict[int, str], labels: list[str]
) -> pd.DataFrame:
    """Rows of ``data`` (indexed by spreadsheet row) where a repeated column of a field differs
    from its first column; raw cells from ``cells`` (row i is spreadsheet row i+1)."""
    from fpmetrics.validate.checks import parse_counts

    by_field: dict[str, list[int]] = {}
    for c, name in sorted(whole.items()):
        by_field.setdefault(name, []).append(c)
    frames = []
    positions = [int(r) - 1 for r in data.index]
    for name, columns in by_field.items():
        if len(columns) < 2 or name == "township":
            continue
        first_raw = cells.iloc[positions, columns[0]].set_axis(data.index)
        first, _, _ = parse_counts(first_raw)
        for other_col in columns[1:]:
            other_raw = cells.iloc[positions, other_col].set_axis(data.index)
            other, _, _ = parse_counts(other_raw)
            differs = first.notna() & other.notna() & (first != other)  # an empty repeat: fine
            if not differs.any():
                continue
            frames.append(
                pd.DataFrame(
                    {
                        "row": data.index[differs].astype(int),
                        "field": name,
                        "first": labels[columns[0]],
                        "other": labels[other_col],
                        "first_value": first_raw[differs].astype(str).to_numpy(),
                        "other_value": other_raw[differs].astype(str).to_numpy(),
                    }
                )
            )
    if not frames:
        return pd.DataFrame(columns=REPEAT_COLUMNS)
    return pd.concat(frames, ignore_index=True)


def repeat_problems(tables: list, records: pd.DataFrame, bad: pd.DataFrame) -> pd.DataFrame:
    """An error per differing row (in the repeated column), and ``bad`` marked for the field."""
    from fpmetrics.validate.checks import PROBLEM_COLUMNS

    frames = []
    for n, table in enumerate(tables):
        repeats = table.repeats
        if repeats.empty:
            continue
        mine = records.loc[records[TABLE] == n, [ROW]].astype(int)
        hit = mine.reset_index().merge(repeats, left_on=ROW, right_on="row")
        for name, rows in hit.groupby("field")["index"]:  # per field, not per row
            if name in bad.columns:
                bad.loc[rows.to_numpy(), name] = True
        params = pd.DataFrame(
            {
                "first": _text(repeats["first"]),
                "first_value": _text(repeats["first_value"]),
                "other": _text(repeats["other"]),
                "other_value": _text(repeats["other_value"]),
            }
        )
        frames.append(
            pd.DataFrame(
                {
                    "level": "error",
                    "code": "repeated_column",
                    "file": str(table.source.file),
                    "sheet": table.source.sheet,
                    "row": repeats["row"].to_numpy(),
                    "column": repeats["other"].to_numpy(),
                    "message_key": "p_repeated_column",
                    "params": params.astype(object).to_dict("records"),
                },
                columns=PROBLEM_COLUMNS,
            )
        )
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=PROBLEM_COLUMNS)


def _text(values: pd.Series) -> pd.Series:
    """A message parameter: the cells as text (empty cells as nothing)."""
    values = values.astype("string")
    return values.where(~values.isin(["None", "nan"]), "").fillna("")
