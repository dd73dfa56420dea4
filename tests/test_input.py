"""Issue 2, point 1: input formats, encodings, header matching, unit names, totals rows."""

from __future__ import annotations

import shutil

import pytest

from conftest import HEADERS, INDICATORS, REPO, TEST_DATA, assert_clean_error, by_key

# Three townships: one passing, one failing (sex ratio 107.2), one with no in-migrants.
TOWNS = [
    ("张秋镇", {}),
    ("阿城镇", {"births_male": 268, "births_female": 250, "births": 518}),  # 107.2 fails
    ("大布乡", {"migrant_women": 0, "migrant_archived": 0, "migrant_certified": 0,
              "migrant_contacted": 0}),
]  # fmt: skip


def _grid(build, **kwargs):
    return build.grid([build.town(name, **over) for name, over in TOWNS], **kwargs)


def _verdicts(data):
    return [(r["unit"], r["indicator"], r["status"], r["value"]) for r in data["results"]]


@pytest.fixture
def reference(build, cli):
    """The verdicts for TOWNS read from a plain UTF-8 CSV."""
    path = build.csv("reference.csv", _grid(build))
    data = cli("check", path, "--format", "json").json()
    assert {r["unit"] for r in data["results"]} == {"张秋镇", "阿城镇", "大布乡"}
    return _verdicts(data)


@pytest.mark.parametrize(
    ("encoding", "name"),
    [
        ("utf-8", "data.csv"),
        ("utf-8-sig", "data.csv"),
        ("gb18030", "data.csv"),
        ("gb18030", "data.txt"),
        # Detected from the bytes, not the extension: GBK text someone saved as ".xls".
        ("gb18030", "data.xls"),
        ("utf-8-sig", "data.xlsx"),
    ],
)
def test_csv_encodings_are_detected(build, cli, reference, encoding, name):
    path = build.csv(name, _grid(build), encoding=encoding)
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") == (encoding == "utf-8-sig")
    if encoding == "gb18030":
        with pytest.raises(UnicodeDecodeError):
            raw.decode("utf-8")  # the fixture really is not UTF-8
    result = cli("check", path, "--format", "json")
    assert result.exit_code == 1, result.stderr  # 阿城镇 fails
    data = result.json()
    assert _verdicts(data) == reference
    assert [u["unit"] for u in data["units"]] == ["张秋镇", "阿城镇", "大布乡"]


def test_gb18030_with_traditional_headers_and_names(build, cli):
    grid = build.grid(
        [build.town("張秋鎮")],
        fields=["births", "births_male", "births_female", "migrant_women", "migrant_archived"],
        headers={
            "township": "鄉鎮",
            "births": "出生人數合計",
            "migrant_women": "流入已婚育齡婦女總數",
            "migrant_archived": "已建檔數",
        },
    )
    path = build.csv("traditional.csv", grid, encoding="gb18030")
    data = cli("check", path, "--format", "json").json()
    results = by_key(data)
    # The unit name is kept as written (traditional), the headers are understood.
    assert results[("張秋鎮", "migrant_archive_rate")]["status"] == "pass"
    assert results[("張秋鎮", "migrant_archive_rate")]["value"] == pytest.approx(95.0)
    assert results[("張秋鎮", "sex_ratio_at_birth")]["value"] == pytest.approx(105.0)


def test_xlsx_gives_the_same_verdicts_as_csv(build, cli, reference):
    path = build.xlsx("data.xlsx", _grid(build))
    data = cli("check", path, "--format", "json").json()
    assert _verdicts(data) == reference


def test_ods_gives_the_same_verdicts_as_csv(build, cli, reference):
    path = build.ods("data.ods", _grid(build))
    data = cli("check", path, "--format", "json").json()
    assert _verdicts(data) == reference


def test_xlsx_content_with_a_csv_name_is_read_as_a_workbook(build, cli, reference, tmp_path):
    xlsx = build.xlsx("data.xlsx", _grid(build))
    renamed = tmp_path / "exported.csv"
    shutil.copy(xlsx, renamed)
    data = cli("check", renamed, "--format", "json").json()
    assert _verdicts(data) == reference


@pytest.mark.slow
@pytest.mark.parametrize("fixture", ["county_2024_messy.xls", "county_2024_messy.ods"])
def test_legacy_xls_and_ods_fixtures_read_like_the_xlsx(cli, fixture):
    """tests/data: the messy sample saved by LibreOffice as BIFF8 .xls and as .ods."""
    path = TEST_DATA / fixture
    if not path.exists():
        pytest.fail(f"fixture {path} is missing")
    messy = REPO / "sample_data" / "county_2024_messy.xlsx"
    xlsx = cli("check", messy, "--format", "json").json()
    other = cli("check", path, "--format", "json").json()
    assert _verdicts(other) == _verdicts(xlsx)
    assert other["summary"]["units"] == 18


# ---------------------------------------------------------------------- header matching


@pytest.mark.parametrize(
    ("header", "field", "fields", "indicator", "expected"),
    [
        # births total, traditional
        ("出生人數合計", "births", ["population"], "crude_birth_rate", 205 / 20000 * 1000),
        ("出生人数合计", "births", ["population"], "crude_birth_rate", 205 / 20000 * 1000),
        ("已建檔數", "migrant_archived", ["migrant_women"], "migrant_archive_rate", 95.0),
        ("已建档数(人)", "migrant_archived", ["migrant_women"], "migrant_archive_rate", 95.0),
        ("已建档数（人）", "migrant_archived", ["migrant_women"], "migrant_archive_rate", 95.0),
        ("已建档数 (人)", "migrant_archived", ["migrant_women"], "migrant_archive_rate", 95.0),
        ("流入已婚育龄妇女 数", "migrant_women", ["migrant_archived"], "migrant_archive_rate",
         95.0),
        ("流入已婚育齡婦女總數", "migrant_women", ["migrant_archived"], "migrant_archive_rate",
         95.0),
        ("围产儿数\n(例)", "perinatal_births", ["birth_defects"], "birth_defect_rate",
         1 / 210 * 1000),
        ("圍產兒數", "perinatal_births", ["birth_defects"], "birth_defect_rate", 1 / 210 * 1000),
        ("在編專業技術人員數", "station_tech_staff", ["station_staff"], "tech_staff_share", 80.0),
        ("在编医疗卫生专业技术人员数", "station_tech_staff", ["station_staff"],
         "tech_staff_share", 80.0),
        ("上報出生數", "births_reported", ["births_verified"], "birth_stat_error_rate", 0.0),
        ("出生人數男", "births_male", ["births_female"], "sex_ratio_at_birth", 105.0),
        ("出生缺陷例数", "birth_defects", ["perinatal_births"], "birth_defect_rate",
         1 / 210 * 1000),
        ("符合政策生育數", "births_policy", ["births"], "policy_birth_rate", 200 / 205 * 100),
        ("信息聯繫數", "migrant_contacted", ["migrant_women"], "migrant_contact_rate", 95.0),
        ("已發證數", "migrant_certified", ["migrant_women"], "migrant_certificate_rate", 95.0),
        ("ＭＩＧＲＡＮＴ＿ＷＯＭＥＮ", "migrant_women", ["migrant_archived"],
         "migrant_archive_rate", 95.0),
    ],
)  # fmt: skip
def test_header_variants_are_matched(build, cli, header, field, fields, indicator, expected):
    grid = build.grid([build.town("张秋镇")], fields=[field, *fields], headers={field: header})
    path = build.csv("headers.csv", grid)
    data = cli("check", path, "--format", "json").json()
    result = by_key(data)[("张秋镇", indicator)]
    assert result["status"] == "pass", result
    assert result["value"] == pytest.approx(expected)


@pytest.mark.parametrize("header", ["鄉鎮", "乡镇名称", "单位", "乡镇（街道）", "township"])
def test_township_header_variants(build, cli, header):
    grid = build.grid([build.town("张秋镇")], headers={"township": header})
    data = cli("check", build.csv("t.csv", grid), "--format", "json").json()
    assert data["summary"]["units"] == 1
    assert data["summary"]["pass"] == 10


def test_header_as_written_is_reported_as_the_problem_column(build, cli):
    grid = build.grid(
        [build.town("张秋镇", migrant_archived="九十")],
        headers={"migrant_archived": "已建档数(人)"},
    )
    data = cli("check", build.csv("t.csv", grid), "--format", "json").json()
    [problem] = data["problems"]
    assert problem["column"] == "已建档数(人)"
    assert problem["code"] == "not_a_number"


# ---------------------------------------------------------------------- unit names


def test_unit_names_are_trimmed_and_otherwise_kept(build, cli):
    towns = [
        build.town(" 张秋镇\u3000"),
        build.town("\u3000\u3000阿城镇  "),
        build.town("張秋鎮"),  # traditional: kept, not converted
        build.town("十五里园镇"),
    ]
    data = cli("check", build.csv("t.csv", build.grid(towns)), "--format", "json").json()
    assert [u["unit"] for u in data["units"]] == ["张秋镇", "阿城镇", "張秋鎮", "十五里园镇"]
    assert {r["unit"] for r in data["results"]} == {"张秋镇", "阿城镇", "張秋鎮", "十五里园镇"}


def test_unit_names_trimmed_in_xlsx(build, cli):
    grid = build.grid([build.town("  张秋镇\u3000"), build.town("阿城镇\t")])
    data = cli("check", build.xlsx("t.xlsx", grid), "--format", "json").json()
    assert [u["unit"] for u in data["units"]] == ["张秋镇", "阿城镇"]


def test_unit_name_with_no_break_space_is_trimmed(build, cli):
    """A trailing U+00A0 (copied from a web page) is whitespace like any other."""
    grid = build.grid([build.town("张秋镇\u00a0"), build.town("阿城镇")])
    data = cli("check", build.xlsx("t.xlsx", grid), "--format", "json").json()
    assert [u["unit"] for u in data["units"]] == ["张秋镇", "阿城镇"]


# ---------------------------------------------------------------------- table location


@pytest.mark.parametrize("total", ["合计", "总计", "全县", "全县合计", "合 计", "總計", " 合计 "])
def test_totals_rows_are_not_units(build, cli, total):
    towns = [build.town("张秋镇"), build.town("阿城镇")]
    summed = {f: 2 * v for f, v in build.town("x").items() if f != "township"}
    grid = build.grid([*towns, {"township": total, **summed}])
    data = cli("check", build.csv("t.csv", grid), "--format", "json").json()
    assert [u["unit"] for u in data["units"]] == ["张秋镇", "阿城镇"]
    assert data["summary"]["units"] == 2
    assert data["summary"]["checks"] == 20
    assert not [p for p in data["problems"] if p["level"] == "error"]


def test_title_rows_above_the_header(build, cli):
    grid = build.grid(
        [build.town("张秋镇"), build.town("阿城镇", station_tech_staff="x")],
        title=["阳谷县2024年度计划生育基础数据", "填报单位:阳谷县卫生健康局"],
    )
    for path in (build.csv("t.csv", grid), build.xlsx("t.xlsx", grid)):
        data = cli("check", path, "--format", "json").json()
        assert [u["unit"] for u in data["units"]] == ["张秋镇", "阿城镇"]
        [problem] = data["problems"]
        # title rows 1-2, header row 3, 张秋镇 row 4, 阿城镇 row 5
        assert problem["row"] == 5
        assert problem["column"] == HEADERS["station_tech_staff"]


def test_sheet_option_selects_one_sheet(build, cli):
    path = build.xlsx(
        "two.xlsx",
        {
            "说明": [["本表为合成示例数据"], ["填表说明: 按乡镇填写"]],
            "上半年": build.grid([build.town("张秋镇")]),
            "下半年": build.grid([build.town("阿城镇")]),
        },
    )
    only = cli("check", path, "--sheet", "下半年", "--format", "json").json()
    assert [u["unit"] for u in only["units"]] == ["阿城镇"]
    both = cli("check", path, "--format", "json").json()
    assert {u["unit"] for u in both["units"]} == {"张秋镇", "阿城镇"}


def test_unknown_sheet_is_a_clean_error(build, cli):
    path = build.xlsx("one.xlsx", build.grid([build.town("张秋镇")]))
    assert_clean_error(cli("check", path, "--sheet", "没有这个表"))


def test_all_ten_indicators_evaluated_for_a_complete_row(build, cli):
    data = cli("check", build.csv("t.csv", build.grid([build.town("张秋镇")])), "-f", "json")
    data = data.json()
    assert [r["indicator"] for r in data["results"]] == INDICATORS
    assert {r["status"] for r in data["results"]} == {"pass"}
