"""Issue 14: a carriage return or line feed inside a name is quoted in every CSV written
(-o .csv for check, score and audit; --records), so the rows read back whole."""

from __future__ import annotations

import csv
import io

import pandas as pd
import pytest

from conftest import run_cli
from fpmetrics.report.safety import csv_text
from register_builders import BIRTH_HEADER, births
from scoring_builders import failing, town, write_csv

NAMES = ["阿\r城镇", "张\r\n秋镇", "七\n级镇"]


def _read_back(raw: bytes) -> tuple[list[dict[str, str]], pd.DataFrame]:
    text = raw.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    frame = pd.read_csv(io.BytesIO(raw), encoding="utf-8-sig", dtype=str, keep_default_na=False)
    return rows, frame


def test_csv_text_quotes_cr_and_lf():
    frame = pd.DataFrame({"unit": [*NAMES, "甲镇"], "value": [1, 2, 3, 4]})
    rows, back = _read_back(csv_text(frame).encode())
    assert [r["unit"] for r in rows] == [*NAMES, "甲镇"]
    assert back["unit"].tolist() == [*NAMES, "甲镇"]


def test_csv_text_without_cr_keeps_lf_line_ends():
    text = csv_text(pd.DataFrame({"unit": ["甲镇", "七\n级镇"], "value": [1, 2]}))
    assert "\r" not in text and text.endswith("\n")


@pytest.fixture
def named(tmp_path):
    towns = [town(NAMES[0]), failing(NAMES[1], "tech_staff_share"), town(NAMES[2])]
    return write_csv(tmp_path / "in.csv", towns)


@pytest.mark.parametrize("command", ["check", "score"])
def test_report_csv_keeps_names_whole(tmp_path, named, command):
    out = tmp_path / "out.csv"
    assert run_cli(command, named, "-o", out).exit_code == 1
    rows, frame = _read_back(out.read_bytes())
    assert set(NAMES) <= {r["unit"] for r in rows}
    assert set(NAMES) <= set(frame["unit"])
    assert len(frame) == len(rows)


def test_audit_csv_keeps_names_whole(tmp_path):
    towns = [town(NAMES[0], births_reported=130), town(NAMES[1]), town("甲镇")]  # stat. error
    path = write_csv(tmp_path / "in.csv", towns)
    out = tmp_path / "audit.csv"
    assert run_cli("audit", path, "-o", out).exit_code == 0
    rows, frame = _read_back(out.read_bytes())
    assert NAMES[0] in {r["unit"] for r in rows}
    assert NAMES[0] in set(frame["unit"]) and len(rows) == len(frame)


def test_records_csv_keeps_names_whole(tmp_path):
    rows = births(NAMES[0], 100, 95, defects=3)  # a birth defect rate too high
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows([BIRTH_HEADER, *rows])
    path = tmp_path / "births.csv"
    path.write_text(buffer.getvalue(), encoding="utf-8")
    out = tmp_path / "behind.csv"
    assert run_cli("check", path, "--records", out).exit_code == 1
    table, frame = _read_back(out.read_bytes())
    assert len(table) == 3 and {r["unit"] for r in table} == {NAMES[0]}
    assert set(frame["乡镇"]) == {NAMES[0]}
