"""One reader (a CSV in two encodings) and the machine renderers (JSON, CSV) without the CLI."""

from __future__ import annotations

import csv
import io
import json

import pytest

from fpmetrics.pipeline import run_check, run_score
from fpmetrics.read.readers import read_file
from fpmetrics.report.formats import worded
from fpmetrics.report.machine import to_csv, to_json
from fpmetrics.report.scores import score_json

TEXT = '乡镇,出生人数,出生男婴数,出生女婴数\r\n甲镇,205,105,100\r\n乙镇,"1,200",700,500\r\n'


@pytest.mark.parametrize("encoding", ["utf-8-sig", "gb18030"])
def test_read_file_gives_the_cells_of_a_csv_as_text(tmp_path, encoding):
    path = tmp_path / "出生.csv"
    path.write_bytes(TEXT.encode(encoding))
    [sheet] = read_file(path)
    assert sheet.file == path and sheet.sheet is None
    assert sheet.cells.shape == (3, 4)
    assert sheet.cells.iloc[0].tolist() == ["乡镇", "出生人数", "出生男婴数", "出生女婴数"]
    assert sheet.cells.iloc[2].tolist() == ["乙镇", "1,200", "700", "500"]  # read, not parsed


@pytest.fixture
def report(tmp_path, default_rules):
    path = tmp_path / "county.csv"
    path.write_text(TEXT.replace('"1,200"', "1200"), encoding="utf-8")
    return worded(run_check([path], default_rules), "zh")  # the renderers get worded reports


def test_to_json_renders_the_check_report(report):
    data = json.loads(to_json(report).text())
    assert list(data)[:3] == ["fpmetrics", "ruleset", "inputs"]
    sex = {r["unit"]: r for r in data["results"] if r["indicator"] == "sex_ratio_at_birth"}
    assert (sex["甲镇"]["status"], sex["甲镇"]["value"]) == ("pass", 105.0)
    assert (sex["乙镇"]["status"], sex["乙镇"]["value"]) == ("fail", 140.0)
    assert data["summary"]["units"] == 2
    assert {u["unit"]: u["status"] for u in data["units"]} == {"甲镇": "pass", "乙镇": "fail"}


def test_to_csv_renders_one_row_per_check(report):
    rows = list(csv.DictReader(io.StringIO(to_csv(report))))
    assert len(rows) == len(report.results) == 2 * 10
    statuses = {(r["unit"], r["indicator"]): r["status"] for r in rows}
    assert statuses[("乙镇", "sex_ratio_at_birth")] == "fail"
    assert statuses[("甲镇", "migrant_archive_rate")] == "no_data"  # no such column


def test_score_json_renders_the_score_report(report):
    data = json.loads(score_json(worded(run_score(report), "zh")).text())
    assert {s["unit"] for s in data["scores"]} == {"甲镇", "乙镇"}
    totals = {s["unit"]: s["total"] for s in data["scores"]}
    assert totals["甲镇"] > totals["乙镇"]  # 乙镇's sex ratio 140 scores nothing
