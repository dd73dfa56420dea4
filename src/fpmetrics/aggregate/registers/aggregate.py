"""From register rows to count fields per unit and period, and the records that were not counted.

Polars groups the rows by their raw values first (township, village, the period of the
birth date, sex, …): a province's births have only a few hundred thousand distinct
combinations. What a record counts in depends on its township and codes, not its village:
the codes are read (:mod:`.codes`, pandas) once per distinct class of those, the classes are
joined back to the combinations and summed per unit in Polars; only the unit rows become
pandas. Each combination keeps its first and last row number: a bad value seen once or twice
is located from them; only a bad value seen more often needs a second scan for the rows
behind it. Nothing loops over rows in Python.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
import polars as pl

from fpmetrics.aggregate.registers import codes
from fpmetrics.aggregate.registers.kinds import DECLARED, declared_roles
from fpmetrics.aggregate.registers.source import Register
from fpmetrics.frame_columns import FILE, ROW, SHEET, excluded_column, header_column
from fpmetrics.normalise.fields import INVISIBLE
from fpmetrics.read.limits import check_unit_count
from fpmetrics.validate.checks import PROBLEM_COLUMNS
from fpmetrics.validate.privacy import mask_id

PLACE_ROLES = ("township", "village", "county", "code")
VALUE_ROLES = {
    "births": ("birth_date", "sex", "policy", "defect", "outcome"),
    "migrants": ("archived", "certified", "contacted"),
    "staff": ("established", "technical"),
}
# field → (role it is read from, role that must be present for the field to exist)
FIELD_SOURCES = {
    "births": {
        "births_male": ("sex", "sex"),
        "births_female": ("sex", "sex"),
        "births": ("sex", "sex"),
        "births_policy": ("policy", "policy"),
        "perinatal_births": ("outcome", "defect"),
        "birth_defects": ("defect", "defect"),
    },
    "migrants": {
        "migrant_women": ("id", "id"),
        "migrant_archived": ("archived", "archived"),
        "migrant_certified": ("certified", "certified"),
        "migrant_contacted": ("contacted", "contacted"),
    },
    "staff": {
        "station_staff": ("established", "established"),
        "station_tech_staff": ("technical", "technical"),
    },
}


def value_roles(kind: str) -> tuple[str, ...]:
    """The columns whose values decide what a record counts in."""
    if kind == DECLARED:
        return tuple(dict.fromkeys(declared_roles().values()))
    return VALUE_ROLES[kind]


def field_sources(kind: str) -> dict[str, tuple[str, str]]:
    """Field → (role it is read from, role that must be present for the field to exist)."""
    if kind == DECLARED:
        return {f: (role, role) for f, role in declared_roles().items()}
    return FIELD_SOURCES[kind]


LISTED_PER_PROBLEM = 1000
_FETCH_LIMIT = 200_000


@dataclass
class Aggregated:
    register: Register
    units: pd.DataFrame
    """One row per unit key (township, village, county, code, period): the count fields,
    and ``_excluded``: the records of that unit not counted."""
    problems: pd.DataFrame
    fields: list[str]


def register_fields(register: Register) -> list[str]:
    return [
        f
        for f, (_, needs) in field_sources(register.kind).items()
        if needs in register.columns or (needs == "id" and register.kind == "migrants")
    ]


def classify(
    frame: pd.DataFrame, register: Register, period: str | None, units: set[str] | None
) -> pd.DataFrame:
    """Per row of raw role columns: the fields it counts in (bool), its period, and the
    problem that keeps it out of the counts (``_problem``/``_role``; None when counted)."""
    roles = register.columns
    out = pd.DataFrame(index=frame.index)
    problem = pd.Series(None, index=frame.index, dtype=object)
    role_of = pd.Series(None, index=frame.index, dtype=object)

    def flag(mask: pd.Series, code: str, role: str) -> None:
        hit = mask.fillna(False).astype(bool) & problem.isna()
        problem[hit] = code
        role_of[hit] = role

    township = frame["township"].fillna("")
    flag(township == "", "missing_unit", "township")
    if units is not None:
        flag(~township.isin(units) & (township != ""), "unknown_unit", "township")

    if register.kind == "births":
        sex = codes.sex(frame["sex"])
        flag(sex.isna(), "unknown_sex", "sex")
        live = pd.Series(True, index=frame.index)
        if "outcome" in roles:
            outcome = codes.outcome(frame["outcome"])
            flag(outcome.isna(), "unknown_code", "outcome")
            live = outcome == "live"
        yes = {}
        for role in ("policy", "defect"):
            if role in roles:
                yes[role] = codes.yes_no(frame[role], empty=False if role == "defect" else None)
                flag(yes[role].isna(), "unknown_code", role)
        when = codes.dates(frame["birth_date"])
        out["_date_ok"] = when.notna()
        if period is not None:
            flag(when.isna(), "bad_date", "birth_date")
        counted = problem.isna()
        out["births_male"] = counted & live & (sex == "m")
        out["births_female"] = counted & live & (sex == "f")
        out["births"] = out["births_male"] | out["births_female"]
        if "policy" in yes:
            out["births_policy"] = out["births"] & (yes["policy"] == True)  # noqa: E712
        if "defect" in yes:
            out["perinatal_births"] = counted
            out["birth_defects"] = counted & (yes["defect"] == True)  # noqa: E712
        out["period"] = codes.period_of(when, period) if period else None
    elif register.kind == DECLARED:
        _count_declared(frame, roles, flag, problem, out)
        out["period"] = None
    else:
        value_roles = [r for r in VALUE_ROLES[register.kind] if r in roles]
        yes = {role: codes.yes_no(frame[role]) for role in value_roles}
        for role in value_roles:
            flag(yes[role].isna(), "unknown_code", role)
        counted = problem.isna()
        if register.kind == "migrants":
            out["migrant_women"] = counted
            for role in value_roles:
                out[f"migrant_{role}"] = counted & (yes[role] == True)  # noqa: E712
        else:
            out["station_staff"] = counted & (yes["established"] == True)  # noqa: E712
            if "technical" in yes:
                out["station_tech_staff"] = out["station_staff"] & (yes["technical"] == True)  # noqa: E712
        out["period"] = None
    out["_problem"] = problem
    out["_role"] = role_of
    return out


def _count_declared(
    frame: pd.DataFrame,
    roles: dict[str, int],
    flag: Callable[[pd.Series, str, str], None],
    problem: pd.Series,
    out: pd.DataFrame,
) -> None:
    """Declared fields: a record counts where its column holds one of the field's values, or,
    with no values given, is filled. Values that are a yes or a no (是, 否, √ …) make the
    column a yes/no column, read as the built-in registers read one: a cell that is neither
    (or empty) is an ``unknown_code`` problem and the record is not counted."""
    from fpmetrics.normalise.fields import FIELDS

    hits: dict[str, pd.Series] = {}
    for field, role in declared_roles().items():
        if role not in roles:
            continue
        wanted = FIELDS[field].register.values  # type: ignore[union-attr]
        answers = codes.yes_no(pd.Series(list(wanted), dtype=object)) if wanted else None
        if answers is not None and answers.notna().all():
            yes = codes.yes_no(frame[role])
            flag(yes.isna(), "unknown_code", role)
            hits[field] = yes.isin(set(answers))
        elif wanted:
            text = codes.clean(frame[role])
            hits[field] = text.isin(codes.clean(pd.Series(list(wanted), dtype=object)).tolist())
        else:
            hits[field] = codes.clean(frame[role]) != ""
    counted = problem.isna()
    for field, hit in hits.items():
        out[field] = counted & hit.astype(bool)


def aggregate(
    register: Register, period: str | None = None, units: set[str] | None = None
) -> Aggregated:
    roles = [r for r in (*PLACE_ROLES, *value_roles(register.kind)) if r in register.columns]
    combos = _combinations(register, roles, period)
    check_unit_count(combos["township"].n_unique(), register.where)
    # What a record counts in depends on its township and codes, not on its village: each
    # distinct class is read once (a province's births: ~30,000 classes for ~140,000 combos).
    class_roles = [r for r in roles if r not in PLACE_ROLES or r == "township"]
    distinct = combos.select(class_roles).unique().with_row_index("_class")
    combos = combos.join(distinct, on=class_roles, how="left", nulls_equal=True)
    classes = classify(_to_pandas(distinct.drop("_class")), register, period, units)
    fields = register_fields(register)
    dated_by = period if register.kind == "births" else None  # only births carry dates
    code, role = _located_codes(classes)
    hit = combos.filter(pl.Series(code.notna().to_numpy()[combos["_class"].to_numpy()]))

    units_frame = _unit_sums(combos, _class_attributes(classes, fields, dated_by), fields)
    problems = []
    if "id" in register.columns:
        # Before the bad values: a database numbers the listed rows of both from the keys it
        # has numbered (SqlSource.row_numbers), and the repeats list the most, usually.
        repeats, repeat_problems = _repeated_ids(register, roles, period, units)
        if not repeats.empty:
            minus = _unit_keys(repeats, repeats, dated_by)
            for f in fields:
                minus[f] = -repeats[f].to_numpy(dtype=bool).astype(int)
            minus["_excluded"] = 1
            minus["_first"] = np.nan
            minus = minus[minus["township"] != ""]
            keys = [*PLACE_ROLES, "period"]
            units_frame = (
                pd.concat([units_frame, minus], ignore_index=True)
                .groupby(keys, sort=False, dropna=False)
                .agg({**{f: "sum" for f in (*fields, "_excluded")}, "_first": "min"})
                .reset_index()
            )
        problems.append(repeat_problems)
    problems.insert(0, _problem_rows(register, _located(hit, code, role), period, units))

    # Units in the order the file first names them, then by period.
    units_frame["_first"] = units_frame.groupby("township")["_first"].transform("min")
    units_frame = units_frame.sort_values(["_first", "period"], kind="stable")
    units_frame = units_frame.drop(columns="_first").reset_index(drop=True)
    for column in (*PLACE_ROLES, "period"):
        units_frame[column] = units_frame[column].replace("", None)
    frames = [p for p in problems if not p.empty]
    return Aggregated(
        register=register,
        units=units_frame,
        problems=pd.concat(frames, ignore_index=True) if frames else _no_problems(),
        fields=fields,
    )


def _cleaned(cell: pl.Expr) -> pl.Expr:
    """A cell as compared: invisible characters (a BOM inside joined files) removed, spaces
    stripped; the same as :func:`fpmetrics.normalise.fields.clean_name`."""
    return cell.str.replace_all(INVISIBLE, "").str.strip_chars()


def _combinations(register: Register, roles: list[str], period: str | None) -> pl.DataFrame:
    """The register grouped by its raw values: each distinct combination of the role cells
    (stripped; blank rows left out) with its row count ``_n`` and first and last row."""
    if hasattr(register.source, "combinations"):  # grouped in a database or Spark
        combos = register.source.combinations(register, roles, period)  # type: ignore[union-attr]
    else:
        combos = _grouped(register, roles, period)
    text = [_cleaned(pl.col(r).cast(pl.String)) for r in roles]
    blank = pl.all_horizontal([pl.col(r).is_null() for r in roles])
    combos = combos.filter(~blank).with_columns(text)
    if "birth_date" in roles:
        combos = combos.with_columns(pl.coalesce("birth_date", _representative_date(period)))
        combos = combos.drop("_day")
    return combos


def _grouped(register: Register, roles: list[str], period: str | None) -> pl.DataFrame:
    """The Polars side of :func:`_combinations` (the SQL side: :mod:`.engines.define`)."""
    keyed = register.scan_raw()  # stripped, and blank rows dropped, after grouping: cheaper
    if "birth_date" in roles:  # the date read by the fast path stands for its period
        keyed = keyed.with_columns(_day=_day(period)).with_columns(
            birth_date=pl.when(pl.col("_day").is_null()).then(pl.col("birth_date"))
        )
    return (
        keyed.group_by([*roles, *(["_day"] if "birth_date" in roles else [])])
        .agg(
            pl.len().alias("_n"),
            pl.col(ROW).min().alias("_first"),
            pl.col(ROW).max().alias("_last"),
        )
        .collect(engine="streaming")
    )


def _class_attributes(classes: pd.DataFrame, fields: list[str], period: str | None) -> pl.DataFrame:
    """Per class (row of ``classes``): its unit's period, whether its records belong to no
    unit (``_nowhere``), and what each of its records counts in (0/1, ``_excluded`` too)."""
    # Records that belong to no unit (or, with --period, to no period) are only problems.
    nowhere = classes["_problem"].isin(["missing_unit", "unknown_unit", "bad_date"])
    if period is not None:  # a record with no period (a bad date behind another problem)
        nowhere |= classes["period"].isna()
    columns = {
        "_class": np.arange(len(classes), dtype=np.uint32),
        "period": classes["period"].fillna("").astype(str).tolist(),
        "_nowhere": nowhere.to_numpy(dtype=bool),
        "_excluded": classes["_problem"].notna().to_numpy(dtype=np.int64),
    }
    columns |= {f: classes[f].to_numpy(dtype=bool).astype(np.int64) for f in fields}
    return pl.DataFrame(columns)


def _unit_sums(combos: pl.DataFrame, attributes: pl.DataFrame, fields: list[str]) -> pd.DataFrame:
    """The count fields summed per unit key (township, village, county, code, period), with
    each unit's first row number (``_first``)."""
    keys = [*PLACE_ROLES, "period"]
    place = [
        pl.col(r).fill_null("") if r in combos.columns else pl.lit("").alias(r) for r in PLACE_ROLES
    ]
    summed = (
        combos.join(attributes, on="_class", how="left")
        .filter(~pl.col("_nowhere"))
        .with_columns(place)
        .group_by(keys)
        .agg(
            *[(pl.col(f) * pl.col("_n")).sum() for f in (*fields, "_excluded")],
            pl.col("_first").min(),
        )
        .sort(keys)
    )
    return _to_pandas(summed)


def _located(hit: pl.DataFrame, code: pd.Series, role: pd.Series) -> pd.DataFrame:
    """The combinations holding a bad value, with their problem (``_code``) and its column
    (``_at``)."""
    frame = _to_pandas(hit)
    index = frame["_class"].to_numpy(dtype=np.int64)
    return frame.assign(_code=code.to_numpy()[index], _at=role.to_numpy()[index])


def _day(period: str | None) -> pl.Expr:
    """The period of a birth date read by the fast path, as a number: ``2023`` (``202305``
    with any other --period: a month lies in one half, quarter or statistical year; the
    year without --period: the date only has to be a date). The
    fast path reads ``YYYY-MM-DD`` exactly (years 1900-2100); it is null for any other text,
    which :func:`codes.dates` reads instead.

    Grouping by period rather than by the date keeps a province's births at a few hundred
    thousand combinations instead of millions; numbers group faster than text."""
    text = pl.col("birth_date")
    day = text.str.to_date("%Y-%m-%d", strict=False, cache=False)  # a cache costs more
    plain = (
        (text.str.len_bytes() == 10)
        & day.dt.year().is_between(1900, 2100)
        & ~text.str.starts_with("+")
    )
    key = day.dt.year().cast(pl.Int32)
    if period not in (None, "year"):  # halves, quarters, statistical years: by month
        key = key * 100 + day.dt.month().cast(pl.Int32)
    return pl.when(plain).then(key)


def _representative_date(period: str | None) -> pl.Expr:
    """A date of the period a fast-path key stands for (its first day)."""
    key = pl.col("_day")
    if period not in (None, "year"):
        return pl.format("{}-{}-01", key // 100, (key % 100).cast(pl.String).str.zfill(2))
    return pl.format("{}-01-01", key)


def _to_pandas(frame: pl.DataFrame) -> pd.DataFrame:
    """A Polars frame as pandas without pyarrow; text stays object, nulls stay None."""
    return pd.DataFrame(
        {
            name: pd.Series(column.to_numpy(), dtype=object if column.dtype == pl.String else None)
            for name, column in frame.to_dict().items()
        }
    )


def _unit_keys(rows: pd.DataFrame, classes: pd.DataFrame, period: str | None) -> pd.DataFrame:
    """township, village, county, code and period of each row ("" where absent)."""
    keys = pd.DataFrame(index=rows.index)
    for role in PLACE_ROLES:
        keys[role] = rows[role].fillna("").astype(str) if role in rows else ""
    keys["period"] = classes["period"].fillna("").astype(str)
    # Records that belong to no unit (or, with --period, to no period) are only problems.
    nowhere = classes["_problem"].isin(["missing_unit", "unknown_unit", "bad_date"])
    if period is not None:  # a record with no period (a bad date behind another problem)
        nowhere |= classes["period"].isna()
    keys.loc[nowhere, "township"] = ""
    return keys


def _no_problems() -> pd.DataFrame:
    return pd.DataFrame(columns=PROBLEM_COLUMNS)


_MESSAGE_KEYS = {
    "unknown_code": "p_unknown_code",
    "unknown_sex": "p_unknown_sex",
    "bad_date": "p_bad_date",
    "bad_date_unused": "p_bad_date_unused",
    "unknown_unit": "p_unknown_unit",
    "missing_unit": "p_missing_unit_record",
}


def _params(code: str, value: pd.Series, at: str) -> list[dict]:
    """The parameters of each located row's message (a few thousand rows at most:
    LISTED_PER_PROBLEM per code); ``expected``, for a code column, names what it accepts."""
    params = pd.DataFrame({"value": value.to_numpy()})
    if code == "unknown_code":
        params["expected"] = "p_expected_outcome" if at == "outcome" else "p_expected_yes_no"
    return params.to_dict("records")


def _problem_rows(
    register: Register,
    located: pd.DataFrame,
    period: str | None,
    units: set[str] | None,
) -> pd.DataFrame:
    """The rows behind each bad value, located, at most LISTED_PER_PROBLEM per problem.

    ``located``: the combinations holding a bad value, with their problem (``_code``) and its
    column (``_at``). Without --period a date that is not a date does not keep a birth out of
    the counts; it is still located, as a warning (code ``bad_date``)."""
    if located.empty:
        return _no_problems()
    totals = located["_n"].groupby(located["_code"]).sum()
    if (located["_n"] <= 2).all():  # each bad row is a combination's first or last
        rows = _rows_of_combos(located)
    else:
        rows = _fetch_rows(register, located, period, units)
    frames = []
    groups = [
        (name, at, group, group.sort_values(ROW).head(LISTED_PER_PROBLEM))
        for (name, at), group in rows.groupby(["_code", "_at"], sort=True)
    ]
    if not groups:
        return _no_problems()
    listed = [shown[ROW].to_numpy(dtype=np.int64) for *_, shown in groups]
    numbers = _row_numbers(register, np.concatenate(listed))
    bounds = np.cumsum([len(x) for x in listed])[:-1]
    for (name, at, group, shown), number in zip(groups, np.split(numbers, bounds), strict=True):
        value = shown[at].fillna("").astype(str)
        frames.append(
            pd.DataFrame(
                {
                    "level": "warning" if name == "bad_date_unused" else "error",
                    "code": _public(name),
                    "file": str(register.file),
                    "sheet": register.sheet,
                    "row": number,
                    "column": register.headers[at],
                    "message_key": _MESSAGE_KEYS[name],
                    "params": _params(name, value, at),
                }
            )
        )
        total = int(totals.get(name, len(group)))
        if total > len(shown):
            frames.append(_summary(register, name, at, total, len(shown)))
    return pd.concat(frames, ignore_index=True) if frames else _no_problems()


def _row_numbers(register: Register, rows: np.ndarray) -> np.ndarray:
    """The row numbers of listed rows: a database that locates rows by address (PostgreSQL's
    ``ctid``) gives order keys in ``_row``, numbered only here, for the few rows shown."""
    translate = getattr(register.source, "row_numbers", None)
    return rows if translate is None else translate(rows)


def _rows_of_combos(located: pd.DataFrame) -> pd.DataFrame:
    """The rows of combinations seen once or twice: their first and last row numbers."""
    last = located[located["_n"].astype(int) == 2].assign(_first=lambda f: f["_last"])
    return pd.concat([located, last]).rename(columns={"_first": ROW})


def _fetch_rows(
    register: Register,
    located: pd.DataFrame,
    period: str | None,
    units: set[str] | None,
) -> pd.DataFrame:
    """A second scan: the rows holding a bad value, classified again, with their problem
    (``_code``) and the column it is in (``_at``).

    The scan reads the raw cells and strips only the columns it tests: Polars' streaming
    filter holds far less that way (about 1 GB at 50M rows instead of 3)."""
    texts = [pl.col(r).str.strip_chars() for r in register.columns]
    if hasattr(register.source, "bad_rows"):  # looked up in a database or Spark
        bad = {
            name: (
                sorted({str(v) for v in located.loc[located["_at"] == name, name].dropna()}),
                bool(located.loc[located["_at"] == name, name].isna().any()),
            )
            for name in located["_at"].unique()
        }
        found = register.source.bad_rows(register, bad, _FETCH_LIMIT)  # type: ignore[union-attr]
        fetched = _to_pandas(found.with_columns(texts))
        row_code, row_role = _located_codes(classify(fetched, register, period, units))
        return fetched.assign(_code=row_code, _at=row_role).dropna(subset=["_code"])
    conditions = []
    for name in located["_at"].unique():
        values = located.loc[located["_at"] == name, name]
        cell = _cleaned(pl.col(name))
        expr = cell.is_in(list(values.dropna().unique()))
        if values.isna().any():
            expr = expr | pl.col(name).is_null()
        conditions.append(expr)
    texts = [pl.col(r).str.strip_chars() for r in register.columns]
    filled = pl.any_horizontal([pl.col(r).is_not_null() for r in register.columns])
    scan = register.scan_raw(categorical=False)
    found = scan.filter(pl.any_horizontal(conditions) & filled).head(_FETCH_LIMIT)
    fetched = _to_pandas(_collect_scattered(found).with_columns(texts))
    row_code, row_role = _located_codes(classify(fetched, register, period, units))
    return fetched.assign(_code=row_code, _at=row_role).dropna(subset=["_code"])


def _collect_scattered(rows: pl.LazyFrame) -> pl.DataFrame:
    """A few rows scattered through a big file, collected in bounded memory.

    A Polars text cell is a view into the buffer its whole chunk of the file was parsed into:
    keeping one row per chunk would keep every chunk (3 GB for 500 rows of a 50M-row file).
    The text is copied out (as categories) before the chunk is let go."""
    text = [name for name, kind in rows.collect_schema().items() if kind == pl.String]
    copied = rows.with_columns([pl.col(name).cast(pl.Categorical) for name in text])
    collected = copied.collect(engine="streaming")
    return collected.with_columns([pl.col(name).cast(pl.String) for name in text])


def _located_codes(classes: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """The problem of each classified row and its column, counting a date that is not a date
    but kept no record out (no --period) as ``bad_date_unused``."""
    code = classes["_problem"].copy()
    role = classes["_role"].copy()
    if "_date_ok" in classes:
        unused = code.isna() & ~classes["_date_ok"].astype(bool)
        code[unused] = "bad_date_unused"
        role[unused] = "birth_date"
    return code, role


def _public(code: str) -> str:
    return "bad_date" if code == "bad_date_unused" else code


def _summary(register: Register, code: str, role: str, total: int, shown: int) -> pd.DataFrame:
    public = _public(code)
    params = {
        "file": register.where,
        "count": str(total),
        "code": public,
        "column": str(register.headers[role]),
        "shown": str(shown),
    }
    return pd.DataFrame(
        {
            "level": ["warning" if code == "bad_date_unused" else "error"],
            "code": [public],
            "file": [str(register.file)],
            "sheet": [register.sheet],
            "row": [None],
            "column": [register.headers[role]],
            "message_key": ["p_more_records"],
            "params": [params],
        }
    )


def _repeated_ids(
    register: Register,
    roles: list[str],
    period: str | None,
    units: set[str] | None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Rows whose id appeared on an earlier row, classified (to subtract them), and their
    problems. Ids are compared trimmed and upper-cased; candidates are found by a 64-bit hash,
    then confirmed on the text itself.

    The hashes are sorted and compared with their neighbours: 8 bytes per record (0.4 GB
    for 50M records), where a hash table of distinct ids takes several times that."""
    if hasattr(register.source, "repeated_ids"):  # found in a database or Spark
        texts = [pl.col(r).str.strip_chars() for r in ("id", *roles)]
        found = register.source.repeated_ids(register)  # type: ignore[union-attr]
        rows = _to_pandas(found.with_columns(texts).select([ROW, "id", *roles]))
        return _repeat_problems(register, rows, period, units)
    scan = register.scan()
    ident = pl.col("id").str.to_uppercase()
    every = (
        scan.filter(pl.col("id").is_not_null())
        .select(ident.hash().alias("_h"))
        .collect(engine="streaming")["_h"]
    )
    every.sort(in_place=True)
    sorted_hashes = every.to_numpy()
    repeated = sorted_hashes[1:][sorted_hashes[1:] == sorted_hashes[:-1]]
    hashes = pl.Series("_h", np.unique(repeated), dtype=pl.UInt64)
    del every, sorted_hashes
    if hashes.is_empty():
        return pd.DataFrame(), _no_problems()
    rows = _to_pandas(
        _collect_scattered(
            scan.filter(pl.col("id").is_not_null() & ident.hash().is_in(hashes.implode())).select(
                [ROW, "id", *roles]
            )
        )
    ).sort_values(ROW, kind="stable")
    return _repeat_problems(register, rows, period, units)


def _repeat_problems(
    register: Register,
    rows: pd.DataFrame,
    period: str | None,
    units: set[str] | None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """From the rows of the ids seen more than once (in row order): the repeats to subtract,
    classified, and their problems."""
    key = rows["id"].astype(str).str.upper()
    repeat = key.duplicated(keep="first")
    if not repeat.any():
        return pd.DataFrame(), _no_problems()
    first = rows.groupby(key)[ROW].transform("min")
    classes = classify(rows, register, period, units)
    counted = classes["_problem"].isna() & repeat
    later = rows[repeat]
    shown = later.head(LISTED_PER_PROBLEM)
    numbers = _row_numbers(
        register,
        np.concatenate([shown[ROW].to_numpy(np.int64), first[shown.index].to_numpy(np.int64)]),
    )
    params = [  # the id masked: a problem is shown on screen and in every report
        {"value": mask_id(v), "first": str(int(f))}
        for v, f in zip(shown["id"], numbers[len(shown) :], strict=True)
    ]
    problems = pd.DataFrame(
        {
            "level": "error",
            "code": "duplicate_id",
            "file": str(register.file),
            "sheet": register.sheet,
            "row": numbers[: len(shown)],
            "column": register.headers["id"],
            "message_key": "p_duplicate_id",
            "params": params,
        }
    )
    if len(later) > len(shown):
        problems = pd.concat(
            [problems, _summary(register, "duplicate_id", "id", len(later), len(shown))],
            ignore_index=True,
        )
    subtract = pd.concat([rows[counted], classes[counted]], axis=1)
    return subtract.loc[:, ~subtract.columns.duplicated()], problems


def to_records(aggregated: Aggregated) -> pd.DataFrame:
    """The unit rows of a register in the shape of report-form rows (see
    :mod:`fpmetrics.read.load`):
    counts under canonical names, ``_header_<field>`` naming the register column each count
    was read from, and the file. A register row has no single spreadsheet row (``_row`` empty).
    """
    from fpmetrics.normalise.fields import COUNT_FIELDS, RATE_FIELDS

    register = aggregated.register
    units = aggregated.units
    frame = pd.DataFrame(index=units.index)
    frame["township"] = units["township"].astype(str)
    for key in ("code", "village", "county", "period"):
        frame[key] = units[key].astype(object).where(units[key].notna(), None)
    sources = field_sources(register.kind)
    for field in (*COUNT_FIELDS, *RATE_FIELDS):
        given = field in aggregated.fields
        frame[field] = units[field].astype(float) if given else None
        role = sources[field][0] if given else None
        if role is not None and role not in register.headers:
            role = sources[field][1]
        frame[header_column(field)] = register.headers.get(role) if given else None
    for key in ("township", "code", "village", "county"):
        frame[header_column(key)] = register.headers.get(key)
    frame[header_column("period")] = (
        register.headers.get("birth_date") if register.kind == "births" else None
    )
    frame[FILE] = str(register.file)
    frame[SHEET] = register.sheet
    frame[ROW] = pd.NA
    for field in aggregated.fields:
        frame[excluded_column(field)] = units["_excluded"].astype(float)
    return frame.reset_index(drop=True)
