"""Issue 3, point 5: files as they arrive: format from the bytes, legacy encodings, real .xls
and .ods, several sheets, several files and folders."""

from __future__ import annotations

import codecs
import random
import shutil

import pytest

from conftest import run_cli
from fpmetrics.errors import InputError
from realworld_builders import (
    MESSY_ODS,
    MESSY_XLS,
    MESSY_XLSX,
    SAMPLE_XLSX,
    assert_clean_failure,
    check,
    cli_json,
    json_results,
    load,
    problems,
    result,
    sheet,
    status,
    text_file,
    units,
    where,
    workbook,
)


@pytest.fixture(scope="module")
def reference():
    """The verdicts for the clean sample workbook."""
    report = check(SAMPLE_XLSX)
    assert report.summary["units"] == 18
    return report


def _verdicts(report) -> dict[tuple[str, str], tuple[str, float | None]]:
    def value(v: float) -> float | None:
        return None if v != v else round(v, 6)

    return {
        (r["unit"], r["indicator"]): (r["status"], value(r["value"]))
        for r in report.results.to_dict("records")
    }


def _same_as_reference(report, reference) -> None:
    assert report.summary == reference.summary
    assert _verdicts(report) == _verdicts(reference)


@pytest.mark.parametrize("path", [MESSY_XLS, MESSY_ODS, MESSY_XLSX], ids=["xls", "ods", "xlsx"])
def test_messy_workbook_gives_the_clean_verdicts(path, reference):
    report = check(path, lang="en")
    _same_as_reference(report, reference)
    # Three sheets joined on the township; the notes sheet holds no table and is skipped.
    assert [t.source.sheet for t in report.inputs.tables] == [
        "出生情况",
        "流动人口",
        "服务站与死亡",
    ]
    assert [len(t.data) for t in report.inputs.tables] == [18, 18, 18]
    # The one problem: the 合计 row (row 6, first) says one boy more than the townships.
    assert where(report, "totals_mismatch") == [("warning", "出生情况", 6, "出生人数男")]
    (mismatch,) = problems(report)
    assert mismatch["message"] == (
        "totals row says 3643, the townships add up to 3642 (difference -1)"
    )


@pytest.mark.parametrize(
    ("source", "name"),
    [(SAMPLE_XLSX, "county.xls"), (MESSY_XLS, "county.xlsx"), (MESSY_ODS, "county.xlsx")],
    ids=["xlsx-as-xls", "xls-as-xlsx", "ods-as-xlsx"],
)
def test_format_comes_from_the_bytes_not_the_extension(tmp_path, reference, source, name):
    renamed = tmp_path / name
    shutil.copyfile(source, renamed)
    _same_as_reference(check(renamed), reference)


BIRTHS = [
    ["某县2024年出生情况统计表"],
    ["乡镇(街道)", "出生男婴数", "出生女婴数", "年平均人口"],
    ["张秋镇", 106, 100, 40000],
    ["阿城镇", 120, 100, 30000],
    ["合计", 226, 200, 70000],
]


def _births_ok(report) -> None:
    assert units(report) == ["张秋镇", "阿城镇"]
    assert status(report, "张秋镇", "sex_ratio_at_birth") == ("pass", 106.0)
    assert status(report, "阿城镇", "sex_ratio_at_birth") == ("fail", 120.0)
    assert status(report, "阿城镇", "crude_birth_rate") == ("pass", 7.3333)
    assert list(report.inputs.tables[0].totals.index) == [5]
    assert problems(report) == []


@pytest.mark.parametrize(
    ("name", "encoding", "sep", "detected"),
    [
        ("gbk.csv", "gb18030", ",", "gb18030"),
        ("excel_utf8.csv", "utf-8-sig", ",", "utf-8-sig"),
        ("plain_utf8.csv", "utf-8", ",", "utf-8"),
        ("tabs.txt", "gbk", "\t", "gb18030"),
        ("unicode_text.txt", "utf-16", "\t", "utf-16"),
    ],
)
def test_text_encodings_and_delimiters(tmp_path, name, encoding, sep, detected):
    path = text_file(tmp_path / name, BIRTHS, encoding=encoding, sep=sep)
    raw = path.read_bytes()
    if encoding in ("gb18030", "gbk"):
        assert not raw.startswith(codecs.BOM_UTF8)
        with pytest.raises(UnicodeDecodeError):
            raw.decode("utf-8")
    if encoding == "utf-16":
        assert raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
    report = check(path)
    assert report.inputs.tables[0].source.encoding == detected
    assert report.inputs.tables[0].headers["township"] == "乡镇(街道)"
    _births_ok(report)


def test_gbk_text_saved_as_xls_reads_as_csv(tmp_path):
    path = text_file(tmp_path / "出生.xls", BIRTHS, encoding="gbk")
    report = check(path)
    assert report.inputs.tables[0].source.encoding == "gb18030"
    _births_ok(report)


def test_html_table_saved_as_xls_is_refused_plainly(tmp_path):
    page = tmp_path / "出生.xls"
    page.write_text(
        '<html><head><meta charset="utf-8"></head><body><table>'
        "<tr><td>乡镇</td><td>出生男婴数</td></tr><tr><td>东镇</td><td>5</td></tr>"
        "</table></body></html>",
        encoding="utf-8",
    )
    with pytest.raises(InputError) as caught:
        load(page)
    assert "HTML" in caught.value.message
    proc = run_cli("check", page, "--lang", "en")
    assert_clean_failure(proc)
    assert "HTML" in proc.stderr
    assert "出生.xls" in proc.stderr


def test_random_bytes_named_xlsx_is_refused_plainly(tmp_path):
    junk = tmp_path / "报表.xlsx"
    junk.write_bytes(random.Random(3).randbytes(4096))
    proc = run_cli("check", junk, "--format", "json")
    assert_clean_failure(proc)
    assert "报表.xlsx" in proc.stderr


def test_broken_zip_named_xlsx_is_refused(tmp_path):
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"PK\x03\x04" + random.Random(4).randbytes(2048))
    with pytest.raises(InputError) as caught:
        load(broken)
    assert "broken.xlsx" in caught.value.message


def _two_tables_and_notes(tmp_path):
    return workbook(
        tmp_path / "县汇总.xlsx",
        {
            "出生": [
                ["乡镇", "出生男婴数", "出生女婴数"],
                ["张秋镇", 106, 100],
                ["阿城镇", 120, 100],
            ],
            "填表说明": [["本表由乡镇计生办填报"], ["出生人数按统计年度"]],
            "流动": [
                ["乡镇", "流入已婚育龄妇女数", "已建档数"],
                ["张秋镇", 100, 95],
                ["阿城镇", 100, 85],
            ],
        },
    )


def test_every_sheet_with_a_table_is_read(tmp_path):
    report = check(_two_tables_and_notes(tmp_path))
    assert [t.source.sheet for t in report.inputs.tables] == ["出生", "流动"]
    assert units(report) == ["张秋镇", "阿城镇"]
    assert status(report, "阿城镇", "sex_ratio_at_birth") == ("fail", 120.0)
    assert status(report, "阿城镇", "migrant_archive_rate") == ("fail", 85.0)
    assert status(report, "张秋镇", "migrant_archive_rate") == ("pass", 95.0)
    assert problems(report) == []


def test_sheet_option_reads_only_that_sheet(tmp_path):
    path = _two_tables_and_notes(tmp_path)
    report = check(path, sheet="流动")
    assert [t.source.sheet for t in report.inputs.tables] == ["流动"]
    assert result(report, "张秋镇", "sex_ratio_at_birth")["reason"] == "field_missing"
    proc = run_cli("check", path, "--sheet", "流动", "--format", "json")
    assert proc.exit_code == 1, proc.stderr  # 阿城镇 archives 85% < 90%
    results = json_results(cli_json(proc))
    assert results[("阿城镇", "migrant_archive_rate")] == ("fail", 85.0)
    assert results[("张秋镇", "sex_ratio_at_birth")] == ("no_data", None)


def test_missing_sheet_name_is_refused(tmp_path):
    proc = run_cli("check", _two_tables_and_notes(tmp_path), "--sheet", "死亡")
    assert_clean_failure(proc)
    assert "死亡" in proc.stderr
    assert "流动" in proc.stderr  # the sheets there are


def test_sheet_without_a_table_is_refused_when_asked_for(tmp_path):
    with pytest.raises(InputError) as caught:
        load(_two_tables_and_notes(tmp_path), sheet="填表说明")
    assert "填表说明" in caught.value.message


def test_several_files_one_township_each(tmp_path):
    header = ["乡镇", "出生男婴数", "出生女婴数", "年平均人口"]
    east = sheet(tmp_path / "东镇.xlsx", [["东镇出生情况"], header, ["东镇", 106, 100, 20000]])
    west = text_file(tmp_path / "西镇.csv", [header, ["西镇", 98, 100, 20000]], "gb18030")
    report = check([east, west])
    assert units(report) == ["东镇", "西镇"]
    assert status(report, "东镇", "sex_ratio_at_birth") == ("pass", 106.0)
    assert status(report, "西镇", "sex_ratio_at_birth") == ("fail", 98.0)
    assert problems(report) == []


def test_a_folder_of_township_files(tmp_path):
    folder = tmp_path / "各乡镇报表"
    header = ["乡镇", "出生男婴数", "出生女婴数", "年平均人口"]
    sheet(folder / "01张秋镇.xlsx", [["张秋镇2024年报"], header, ["张秋镇", 106, 100, 20000]])
    sheet(
        folder / "02阿城镇.xlsx", [header, ["阿城镇", 120, 100, 20000], ["合计", 120, 100, 20000]]
    )
    (folder / "城关").mkdir()
    text_file(folder / "城关" / "城关镇.csv", [header, ["城关镇", 104, 100, 20000]], "gb18030")
    (folder / "说明.md").write_text("各乡镇报表, 2024", encoding="utf-8")
    (folder / "~$01张秋镇.xlsx").write_bytes(b"\x00lock file of an open workbook")
    proc = run_cli("check", folder, "--format", "json")
    assert proc.exit_code == 1, proc.stderr  # 阿城镇's sex ratio fails
    data = cli_json(proc)
    results = json_results(data)
    assert {unit for unit, _ in results} == {"张秋镇", "阿城镇", "城关镇"}
    assert results[("张秋镇", "sex_ratio_at_birth")] == ("pass", 106.0)
    assert results[("阿城镇", "sex_ratio_at_birth")] == ("fail", 120.0)
    assert results[("城关镇", "sex_ratio_at_birth")] == ("pass", 104.0)
    assert results[("城关镇", "crude_birth_rate")] == ("pass", 10.2)
    assert data["problems"] == []


def test_a_notes_file_in_a_folder_is_skipped_with_a_warning(tmp_path):
    folder = tmp_path / "各乡镇报表"
    header = ["乡镇", "出生男婴数", "出生女婴数"]
    sheet(folder / "张秋镇.xlsx", [header, ["张秋镇", 106, 100]])
    text_file(folder / "说明.txt", [["报送说明: 请于 4 月 10 日前报送"]], "gb18030")
    proc = run_cli("check", folder, "--format", "json")
    assert proc.exit_code == 0, proc.stderr
    data = cli_json(proc)
    skipped = [p for p in data["problems"] if p["code"] == "file_skipped"]
    assert [(p["level"], p["file"]) for p in skipped] == [("warning", str(folder / "说明.txt"))]
    assert {r["unit"] for r in data["results"]} == {"张秋镇"}
    # Named on the command line, the same file is still an error: the user asked for it.
    assert_clean_failure(run_cli("check", folder / "说明.txt"))


def test_a_folder_without_any_table_is_refused(tmp_path):
    folder = tmp_path / "空"
    folder.mkdir()
    text_file(folder / "说明.txt", [["报送说明"]], "utf-8")
    proc = run_cli("check", folder)
    assert_clean_failure(proc)
    assert "说明.txt" in proc.stderr


@pytest.mark.slow
def test_a_report_saved_in_the_input_folder_is_not_read_back(tmp_path):
    """score 各乡镇报表/ -o 各乡镇报表/report.xlsx, then check the folder again: the report
    is fpmetrics' own output, not a township sheet, and may be written again."""
    folder = tmp_path / "各乡镇报表"
    folder.mkdir()
    shutil.copy(SAMPLE_XLSX, folder / "county.xlsx")
    report = folder / "report.xlsx"
    first = run_cli("score", folder, "-o", report)
    assert first.exit_code == 1 and report.exists(), first.stderr
    again = run_cli("check", folder, "--format", "json")
    data = cli_json(again)
    assert data["summary"]["invalid"] == 0 and data["summary"]["units"] == 18
    skipped = [p for p in data["problems"] if p["code"] == "file_skipped"]
    assert [p["file"] for p in skipped] == [str(report)]
    assert run_cli("score", folder, "-o", report).exit_code == 1  # replacing it is allowed
    # The report named as an input is still an input: writing over it is refused.
    assert_clean_failure(run_cli("score", report, "-o", report))
