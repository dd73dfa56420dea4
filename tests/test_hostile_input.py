"""Issue 14, input files: hostile or odd inputs end in a located problem (exit 1) or one clear
line (exit 2); never an internal error, a crash, or time and memory set by a sheet's declared
size rather than its data."""

from __future__ import annotations

import json

import pytest

from conftest import HEADERS, assert_clean_error

CSV_HEADER = [HEADERS["township"], HEADERS["population"], HEADERS["births"], HEADERS["deaths"]]


def _csv(rows: list[list[object]]) -> str:
    return "\n".join(",".join(map(str, row)) for row in rows) + "\n"


def _refuse(name: str) -> None:
    raise AssertionError(f"non-finite number {name} in JSON")


def _no_bug(result) -> None:
    assert result.exit_code in (0, 1, 2), (result.exit_code, result.stderr)
    assert "internal error" not in result.stderr, result.stderr
    assert "Traceback" not in result.stderr


# ---------------------------------------------------------------- 7: numbers that are no count


@pytest.mark.parametrize("value", ["inf", "-inf", "1e309", "9" * 400, "1e30", "Infinity"])
def test_non_finite_or_huge_count_is_a_located_problem(build, cli, value):
    path = build.text(
        "c.csv", _csv([CSV_HEADER, ["甲镇", value, value, 10], ["乙镇", 20000, 200, 100]])
    )
    result = cli("check", path, "--format", "json", "--lang", "en")
    _no_bug(result)
    assert result.exit_code == 1
    data = json.loads(result.stdout, parse_constant=_refuse)  # no Infinity or NaN numbers
    found = {(p["code"], p["row"], p["column"]) for p in data["problems"]}
    assert ("too_large", 2, HEADERS["population"]) in found
    assert ("too_large", 2, HEADERS["births"]) in found
    message = next(p["message"] for p in data["problems"] if p["code"] == "too_large")
    assert len(message) < 200  # a 400-digit cell is cut short in the message


def test_minus_zero_is_zero(build, cli):
    path = build.text("c.csv", _csv([CSV_HEADER, ["甲镇", 20000, 200, "-0"]]))
    result = cli("check", path, "--format", "json")
    _no_bug(result)
    data = json.loads(result.stdout)
    assert not [p for p in data["problems"] if p["code"] in ("negative", "too_large")]


# ---------------------------------------------------------------- 4: a header without rows


@pytest.mark.parametrize("command", ["check", "score", "audit"])
def test_header_without_rows_does_not_crash(build, cli, command):
    path = build.text("empty.csv", _csv([CSV_HEADER]))
    result = cli(command, path, "--lang", "en")
    _no_bug(result)


@pytest.mark.slow
def test_unfilled_template_does_not_crash(cli, tmp_path):
    template = tmp_path / "t.xlsx"
    assert cli("template", template).exit_code == 0
    result = cli("check", template, "--format", "json")
    _no_bug(result)
    assert json.loads(result.stdout)["results"] == []
    prefilled = tmp_path / "p.xlsx"
    assert cli("template", prefilled, "--units", "甲镇,乙镇").exit_code == 0
    _no_bug(cli("check", prefilled, "--format", "json"))


# ---------------------------------------------------------------- 2, 3, 5, 6: CSV text

ROWS = [CSV_HEADER, ["甲镇", 20000, 200, 100], ["乙镇", 30000, 300, 150]]


def _units(result) -> set[str]:
    return {u["unit"] for u in json.loads(result.stdout)["units"]}


@pytest.mark.slow
def test_million_trailing_blank_lines_are_fast(build, cli):
    path = build.text("blank.csv", _csv(ROWS) + "\n" * 1_000_000 + ",,,\n" * 1000)
    result = cli("check", path, "--format", "json")
    _no_bug(result)
    assert _units(result) == {"甲镇", "乙镇"}


@pytest.mark.slow
def test_blank_lines_inside_a_table_are_skipped_fast(build, cli):
    path = build.text("blank.csv", _csv(ROWS[:2]) + "\n" * 200_000 + _csv(ROWS[2:]))
    result = cli("check", path, "--format", "json")
    _no_bug(result)
    assert _units(result) == {"甲镇", "乙镇"}


def test_cr_only_line_endings_read_like_crlf(build, cli):
    mac = build.bytes("mac.csv", _csv(ROWS).replace("\n", "\r").encode("utf-8"))
    unix = build.text("unix.csv", _csv(ROWS))
    a, b = cli("check", mac, "--format", "json"), cli("check", unix, "--format", "json")
    _no_bug(a)
    assert json.loads(a.stdout)["results"] == json.loads(b.stdout)["results"]


def test_field_over_128kb_in_first_256kb_is_read(build, cli):
    rows = [[*CSV_HEADER, "备注"], ["甲镇", 20000, 200, 100, "x" * 200_000], ["乙镇", 1, 0, 0, ""]]
    path = build.text("big.csv", _csv(rows))
    result = cli("check", path, "--format", "json")
    _no_bug(result)
    assert _units(result) == {"甲镇", "乙镇"}


@pytest.mark.slow
def test_very_long_line_is_refused_early(build, cli):
    path = build.bytes("line.csv", _csv(ROWS).encode() + b"1," * 3_000_000)
    result = cli("check", path, "--lang", "en")
    assert_clean_error(result)
    assert "line 4 is longer than 1 MB" in result.stderr


@pytest.mark.slow
def test_single_huge_line_is_refused_from_its_start(build, cli):
    path = build.bytes("one.csv", b"x" * 5_000_000)
    result = cli("check", path, "--lang", "en")
    assert_clean_error(result)
    assert "line 1 is longer than" in result.stderr


def test_bom_with_a_bad_byte_is_located(build, cli):
    data = ("\ufeff" + _csv(ROWS)).encode("utf-8")
    cut = data.index("乙镇".encode()) + 1  # inside the first character of line 3
    path = build.bytes("bom.csv", data[:cut] + b"\xff" + data[cut + 1 :])
    result = cli("check", path, "--lang", "en")
    assert_clean_error(result)
    assert "line 3" in result.stderr and "UTF-8" in result.stderr
    assert "CSV UTF-8" in result.stderr


@pytest.mark.slow
def test_wide_header_is_fast(build, cli):
    header = CSV_HEADER + [f"列{i}" for i in range(16384)]
    rows = [header, ["甲镇", 20000, 200, 100, *[""] * 16384]]
    result = cli("check", build.text("wide.csv", _csv(rows)), "--format", "json")
    _no_bug(result)
    assert _units(result) == {"甲镇"}


# ---------------------------------------------------------------- 1, 9: workbooks


def _stray_workbook(path, cell: str):
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "乡镇汇总"
    for row in [["标题"], [], *ROWS, ["丙镇", 1000, "abc", 5]]:
        sheet.append(row)
    sheet[cell] = "x"
    workbook.save(path)
    return path


@pytest.mark.parametrize("cell", ["XFD1048576", "A1048576", "Z200000"])
def test_one_stray_far_cell_is_read_by_its_data(tmp_path, cli, cell):
    path = _stray_workbook(tmp_path / "stray.xlsx", cell)
    assert path.stat().st_size < 20_000
    result = cli("check", path, "--format", "json")
    _no_bug(result)
    data = json.loads(result.stdout)
    assert {"甲镇", "乙镇", "丙镇"} <= {u["unit"] for u in data["units"]}
    # rows are still the spreadsheet's own: 丙镇 is row 6 (title, blank, header, 3 towns)
    assert ("not_a_number", 6) in {(p["code"], p["row"]) for p in data["problems"]}


def test_sparse_read_maps_rows_and_merges(tmp_path):
    from fpmetrics.read.sparse import read_sparse, xlsx_extents

    path = _stray_workbook(tmp_path / "stray.xlsx", "C900000")
    extent = xlsx_extents(path)["乡镇汇总"]
    assert (extent.rows, extent.cols) == (900000, 4)
    cells, merged = read_sparse(path, "乡镇汇总", [((0, 0), (0, 3)), ((1, 0), (1, 3))])
    assert list(cells.index) == [0, 2, 3, 4, 5, 899999]
    assert cells.iat[5, 2] == "x"
    assert merged == [((0, 0), (0, 3))]  # row 2 (blank) holds nothing: its merge is dropped


def test_damaged_xlsx_says_what_to_do(build, cli, tmp_path):
    import zipfile

    good = build.xlsx("good.xlsx", [[HEADERS["township"], HEADERS["births"]], ["甲镇", 1]])
    bad = tmp_path / "bad.xlsx"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(bad, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename.startswith("xl/worksheets/"):
                data = data.replace(b' r="', b' r "', 1)
            dst.writestr(item, data)
    result = cli("check", bad, "--lang", "en")
    assert_clean_error(result)
    message = result.stderr.strip()
    assert "damaged" in message and "save it again as .xlsx" in message
    assert message.index("damaged") < message.index("attribute")  # library words come after
    truncated = build.bytes("cut.xlsx", good.read_bytes()[:2000])
    result = cli("check", truncated, "--lang", "en")
    assert_clean_error(result)
    assert "damaged" in result.stderr


# ---------------------------------------------------------------- 8: invisible characters


@pytest.mark.parametrize("prefix", ["\ufeff", "\u200b", "\u3000", "\u00a0", "\u2060"])
def test_invisible_prefix_makes_a_duplicate_not_a_second_township(build, cli, prefix):
    rows = [*ROWS, [prefix + "甲镇", 100, 1, 1]]
    result = cli("check", build.text("joined.csv", _csv(rows)), "--format", "json")
    _no_bug(result)
    data = json.loads(result.stdout)
    assert {u["unit"] for u in data["units"]} == {"甲镇", "乙镇"}
    assert "duplicate_unit" in {p["code"] for p in data["problems"]}


def test_register_names_with_invisible_characters_are_one_township(build, cli):
    header = ["乡镇", "出生日期", "性别"]
    rows = [header, ["甲镇", "2024-01-02", "男"], ["\ufeff甲镇", "2024-02-03", "女"]]
    rows += [["甲镇\u200b", "2024-03-04", "女"]]
    result = cli("check", build.text("births.csv", _csv(rows)), "--format", "json")
    _no_bug(result)
    data = json.loads(result.stdout)
    assert {u["unit"] for u in data["units"]} == {"甲镇"}
    srb = next(r for r in data["results"] if r["indicator"] == "sex_ratio_at_birth")
    assert (srb["numerator"], srb["denominator"]) == (1, 2)  # all three births counted


def test_clean_names_function():
    import pandas as pd

    from fpmetrics.normalise.fields import clean_name, clean_names

    assert clean_name("\ufeff 阿城\u200b镇\u3000") == "阿城镇"
    cleaned = clean_names(pd.Series(["\u00a0甲镇", None], dtype=object))
    assert cleaned.iloc[0] == "甲镇" and cleaned.iloc[1] is None


# ---------------------------------------------------------------- 10: cardinality


def test_too_many_townships_refused_before_per_unit_work(build, cli, monkeypatch):
    import fpmetrics.read.limits

    monkeypatch.setattr(fpmetrics.read.limits, "MAX_UNITS", 50)
    births = [["乡镇", "出生日期", "性别"], *[[f"镇{i}", "2024-01-02", "男"] for i in range(60)]]
    result = cli("check", build.text("births.csv", _csv(births)), "--lang", "en")
    assert_clean_error(result)
    assert "60 distinct township names, over the 50 limit" in result.stderr
    table = [CSV_HEADER, *[[f"镇{i}", 100, 1, 1] for i in range(60)]]
    result = cli("check", build.text("table.csv", _csv(table)), "--lang", "en")
    assert_clean_error(result)
    ok = [CSV_HEADER, *[[f"镇{i}", 100, 1, 1] for i in range(50)]]
    _no_bug(cli("check", build.text("ok.csv", _csv(ok)), "--format", "json"))


def test_register_with_a_giant_line_is_refused_before_polars(build, cli):
    head = _csv([["乡镇", "出生日期", "性别"], ["甲镇", "2024-01-02", "男"]]).encode()
    path = build.bytes(
        "births.csv", head + b"y" * 2_000_000 + b"\n" + "乙镇,2024-01-02,女\n".encode()
    )
    result = cli("check", path, "--lang", "en")
    assert_clean_error(result)
    assert "line 3 is longer than 1 MB" in result.stderr


def test_file_lines_checked_across_blocks(tmp_path):
    from fpmetrics.errors import InputError
    from fpmetrics.read.readers import check_file_lines

    ok = tmp_path / "ok.csv"
    ok.write_bytes((b"a" * 900 + b"\r\n") * 5000)
    check_file_lines(ok, block=1000)  # lines cross block edges but stay short
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"a\nb\n" + b"c" * (1024 * 1024 + 5) + b"\nd\n")
    with pytest.raises(InputError) as info:
        check_file_lines(bad, block=4096)
    assert info.value.code == "line_too_long" and "line 3" in info.value.render("en")


@pytest.mark.slow
def test_infinite_totals_row_is_no_crash(build, cli):
    rows = [*ROWS, ["合计", "inf", "1e309", "9" * 400]]
    result = cli("check", build.text("t.csv", _csv(rows)), "--format", "json")
    _no_bug(result)
    json.loads(result.stdout, parse_constant=_refuse)
    result = cli("audit", build.text("t2.csv", _csv(rows)), "--lang", "en")
    _no_bug(result)
