"""The library API (issue 18): fpmetrics.check/score/audit/funnel and the reports'
renderers give exactly what the commands give."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

import fpmetrics

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_data"
COUNTY = str(SAMPLE / "county_2024.csv")


def test_public_names_are_listed_and_importable():
    for name in fpmetrics.__all__:
        assert getattr(fpmetrics, name) is not None, name
    assert callable(fpmetrics.check) and callable(fpmetrics.audit)
    assert issubclass(fpmetrics.InputError, Exception)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_check_json_is_the_commands_json(cli, lang):
    report = fpmetrics.check([COUNTY])
    assert isinstance(report, fpmetrics.CheckReport)
    result = cli("check", COUNTY, "-f", "json", "--lang", lang)
    assert report.to_json(lang=lang) == result.stdout
    assert report.exit_code() == result.exit_code == 1


def test_score_csv_and_markdown_are_the_commands(cli):
    scores = fpmetrics.score([COUNTY, str(SAMPLE / "station_staff.xlsx")])
    assert isinstance(scores, fpmetrics.ScoreReport)
    shown = cli("score", COUNTY, str(SAMPLE / "station_staff.xlsx"), "-f", "csv")
    assert scores.to_csv() == shown.stdout
    shown = cli("score", COUNTY, str(SAMPLE / "station_staff.xlsx"), "-f", "markdown")
    assert scores.to_markdown() == shown.stdout


def test_audit_and_funnel_json_are_the_commands(cli):
    monthly = str(SAMPLE / "county_2024_monthly.csv")
    assert fpmetrics.audit([monthly]).to_json() == cli("audit", monthly, "-f", "json").stdout
    chart = fpmetrics.funnel("sex_ratio_at_birth", [COUNTY])
    shown = cli("funnel", "sex_ratio_at_birth", COUNTY, "-f", "json", "--lang", "en")
    assert chart.to_json(lang="en") == shown.stdout
    assert chart.chart("svg").lstrip().startswith(b"<?xml")


@pytest.mark.slow
def test_xlsx_is_written_atomically_where_asked(tmp_path):
    report = fpmetrics.check([COUNTY])
    data = report.to_xlsx(tmp_path / "r.xlsx", lang="en")
    assert data[:2] == b"PK"
    assert (tmp_path / "r.xlsx").read_bytes() == data
    assert list(tmp_path.iterdir()) == [tmp_path / "r.xlsx"]  # no temporary file left


def test_a_format_a_report_does_not_have_is_refused():
    signals = fpmetrics.audit([str(SAMPLE / "county_2024_monthly.csv")])
    with pytest.raises(fpmetrics.InputError):
        signals.to_html()


def test_a_run_that_cannot_be_done_raises_input_error(tmp_path):
    with pytest.raises(fpmetrics.InputError):
        fpmetrics.check([str(tmp_path / "missing.csv")])
    with pytest.raises(fpmetrics.InputError):
        fpmetrics.funnel("sex_ratio_at_birth", [COUNTY], overdispersion="lots")


def test_options_reach_the_run():
    births = str(SAMPLE / "births_register_2023_2024.csv")
    quarterly = fpmetrics.check([births], period="quarter")
    assert quarterly.results["period_start"].nunique() == 8  # 2023 and 2024, by quarter
    county = fpmetrics.check([births], by="county")
    assert county.results["unit"].nunique() == 1


def test_history_records_the_run(tmp_path):
    first = fpmetrics.check([COUNTY], history=tmp_path / "h.sqlite")
    second = fpmetrics.check([COUNTY], history=tmp_path / "h.sqlite")
    assert first.history_run == 1 and second.history_run == 2


@pytest.mark.slow
def test_the_documented_example_runs(monkeypatch, capsys):
    """docs/library.md's example, run as written from the project folder."""
    text = (ROOT / "docs" / "library.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    assert blocks
    monkeypatch.chdir(ROOT)
    for block in blocks:
        exec(compile(block, "docs/library.md", "exec"), {})
    assert "fail" in capsys.readouterr().out


def test_library_json_parses_and_keeps_the_contract():
    document = json.loads(fpmetrics.check([COUNTY]).to_json())
    assert {"summary", "results", "problems", "units"} <= set(document)
