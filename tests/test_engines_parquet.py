"""Parquet registers (one file, a hive-partitioned folder): the same JSON as the CSV path."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from conftest import BIRTHS_REGISTER, MIGRANTS_REGISTER, assert_clean_error, check_json

BIRTHS, MIGRANTS = BIRTHS_REGISTER, MIGRANTS_REGISTER


def _without_files(data: dict) -> dict:
    """The JSON with the problems' ``file`` (the input's own path) blanked."""
    data["inputs"] = None  # where the rows came from: the one entry allowed to differ
    for problem in data["problems"]:
        problem["file"] = None
    return data


def _read(path: Path) -> pl.DataFrame:
    encoding = "gb18030" if path == MIGRANTS else "utf8"
    return pl.read_csv(path, infer_schema=False, encoding=encoding)


@pytest.mark.parametrize(
    ("sample", "period"),
    [(BIRTHS, None), (BIRTHS, "year"), (BIRTHS, "month"), (MIGRANTS, None)],
    ids=["births", "births-year", "births-month", "migrants"],
)
def test_parquet_file_gives_the_csv_json(cli, tmp_path, sample, period):
    target = tmp_path / "register.parquet"
    _read(sample).write_parquet(target)
    extra = ("--period", period) if period else ()
    from_csv = check_json(cli, sample, *extra)
    from_parquet = check_json(cli, target, *extra)
    assert from_csv["problems"], "the sample registers carry problems to compare"
    assert {p["file"] for p in from_parquet["problems"]} == {str(target)}
    assert _without_files(from_parquet) == _without_files(from_csv)


def test_typed_parquet_columns_read_as_their_text(cli, tmp_path):
    """A date column stored as a date, the policy column as a boolean-like text: same counts."""
    frame = _read(BIRTHS)
    typed = frame.with_columns(
        pl.col("出生日期").str.to_date("%Y-%m-%d", strict=False).alias("出生日期")
    )
    target = tmp_path / "typed.parquet"
    typed.write_parquet(target)
    got = check_json(cli, target, "--period", "year")
    want = check_json(cli, BIRTHS, "--period", "year")
    # The invalid date 2024-02-30 cannot be stored as a date: it is a missing date here.
    assert got["results"] != [] and len(got["results"]) == len(want["results"])
    assert [r["unit"] for r in got["results"]] == [r["unit"] for r in want["results"]]


def test_hive_partitioned_folder(cli, tmp_path):
    folder = tmp_path / "births"
    frame = _read(BIRTHS).with_columns(year=pl.col("出生日期").str.slice(0, 4))
    frame.write_parquet(folder, partition_by=["year"])
    assert (folder / "year=2023").is_dir() and (folder / "year=2024").is_dir()
    for period in (None, "year"):
        extra = ("--period", period) if period else ()
        got = check_json(cli, folder, *extra)
        want = check_json(cli, BIRTHS, *extra)
        # Partitions regroup the rows (2023's first): row numbers follow the files' order.
        for data in (got, want):
            data["inputs"] = None
            for problem in data["problems"]:
                problem["file"] = problem["row"] = problem["cell"] = None
        assert got == want


def test_not_a_register_parquet_exits_2(cli, tmp_path):
    target = tmp_path / "other.parquet"
    pl.DataFrame({"a": ["1"], "b": ["2"]}).write_parquet(target)
    result = cli("check", target, "--lang", "en")
    assert result.exit_code == 2
    assert_clean_error(result)
    assert "name no register" in result.stderr


def test_corrupt_parquet_exits_2(cli, tmp_path):
    target = tmp_path / "broken.parquet"
    target.write_bytes(b"PAR1 this is not parquet")
    result = cli("check", target, "--lang", "en")
    assert result.exit_code == 2
    assert_clean_error(result)
    assert "broken.parquet" in result.stderr


def test_table_option_without_database_exits_2(cli):
    result = cli("check", BIRTHS, "--table", "births", "--lang", "en")
    assert result.exit_code == 2
    assert "--table" in result.stderr


@pytest.mark.slow
def test_records_from_parquet_are_the_csv_records(cli, tmp_path):
    target = tmp_path / "births.parquet"
    _read(BIRTHS).write_parquet(target)
    from_parquet, from_csv = tmp_path / "p.csv", tmp_path / "c.csv"
    assert cli("check", target, "--records", from_parquet).exit_code == 1
    assert cli("check", BIRTHS, "--records", from_csv).exit_code == 1
    got = from_parquet.read_text(encoding="utf-8-sig").replace(str(target), "FILE")
    want = from_csv.read_text(encoding="utf-8-sig").replace(str(BIRTHS), "FILE")
    assert got.count("\n") > 100 and got == want


def test_history_of_a_partitioned_folder_hashes_its_files(cli, tmp_path):
    """--history records a folder input by the hash of its files: the same folder again
    replaces the run; a changed partition is a revision."""
    import sqlite3

    folder = tmp_path / "births"
    frame = _read(BIRTHS).with_columns(year=pl.col("出生日期").str.slice(0, 4))
    frame.write_parquet(folder, partition_by=["year"])
    history = tmp_path / "h.db"
    for _ in range(2):
        result = cli("check", folder, "--period", "year", "--history", history)
        assert result.exit_code in (0, 1), result.stderr
    db = sqlite3.connect(history)
    hashes = {row[0] for row in db.execute("select sha256 from inputs")}
    runs = db.execute("select count(*) from runs").fetchone()[0]
    db.close()
    assert len(hashes) == 1 and all(len(h) == 64 for h in hashes)
    assert runs == 1  # the same folder again replaced the run


def test_output_over_a_file_of_a_partitioned_folder_is_refused(cli, tmp_path):
    folder = tmp_path / "births"
    _read(BIRTHS).with_columns(year=pl.col("出生日期").str.slice(0, 4)).write_parquet(
        folder, partition_by=["year"]
    )
    part = folder / "year=2023" / "00000000.parquet"
    before = part.read_bytes()
    result = cli("check", folder, "-f", "json", "-o", part)
    assert result.exit_code == 2 and "输入" in result.stderr, result.stderr
    assert part.read_bytes() == before
