"""Issue 3, points 1–2: where the table is, and merged multi-row headers."""

from __future__ import annotations

import pytest

from realworld_builders import (
    check,
    load,
    problems,
    result,
    sheet,
    status,
    text_file,
    units,
    where,
)

# A county form as a township sends it: title, 填报单位 / 单位:人, a two-row header with
# merged group headers (出生人数 over 男/女/合计, 出生统计核查 over 上报/核查), a 栏次 row,
# the 合计 row first (one figure off), the units, a blank row and the signature row.
COUNTY_FORM = [
    ["阳谷县2024年度出生人口情况统计表"],
    ["填报单位:阳谷县卫生健康局(盖章)", *[None] * 8, "单位:人"],
    ["序号", "乡镇(街道)", "统计用区划代码", "出生人数", None, None, "出生统计核查", None,
     "年平均\n人口", "死亡人数\n(人)"],
    [None, None, None, "男", "女", "合计", "上报出生数", "核查出生数", None, None],
    ["甲", "乙", "丙", 1, 2, 3, 4, 5, 6, 7],
    [None, "合计", None, 278, 250, 528, 526, 530, 90000, 530],
    [1, "张秋镇", "371521100000", 106, 100, 206, 206, 210, 40000, 180],
    [2, "阿城镇", "371521101000", 120, 100, 220, 220, 220, 30000, 200],
    [3, "定水镇", "371521102000", 52, 50, 102, 100, 102, 20000, 150],
    [],
    ["填表人:王某", None, None, "审核人:李某", None, None, "填报日期:2025年1月6日"],
]  # fmt: skip
COUNTY_MERGES = ["A1:J1", "A3:A4", "B3:B4", "C3:C4", "D3:F3", "G3:H3", "I3:I4", "J3:J4"]


@pytest.fixture
def county_form(tmp_path):
    return sheet(tmp_path / "阳谷县.xlsx", COUNTY_FORM, COUNTY_MERGES, title="出生")


def test_county_form_header_band_columns_and_unit_rows(county_form):
    (table,) = load(county_form).tables
    assert table.header_rows == [3, 4]
    assert table.columns == {
        "township": 1,
        "code": 2,
        "births_male": 3,
        "births_female": 4,
        "births": 5,
        "births_reported": 6,
        "births_verified": 7,
        "population": 8,
        "deaths": 9,
    }
    assert table.headers["births_male"] == "出生人数男"
    assert table.headers["births"] == "出生人数合计"
    # 出生统计核查 over 核查出生数: the joined text is unknown, the lowest cell alone names it.
    assert table.headers["births_verified"] == "出生统计核查核查出生数"
    assert table.headers["population"] == "年平均人口"
    assert table.headers["deaths"] == "死亡人数(人)"
    assert table.ignored == ["序号"]
    # Title, 填报单位, 栏次, 合计, blank and signature rows are not units.
    assert list(table.data["township"]) == ["张秋镇", "阿城镇", "定水镇"]
    assert list(table.data.index) == [7, 8, 9]
    assert list(table.totals.index) == [6]


def test_county_form_verdicts(county_form):
    report = check(county_form)
    assert units(report) == ["张秋镇", "阿城镇", "定水镇"]
    assert status(report, "张秋镇", "sex_ratio_at_birth") == ("pass", 106.0)
    assert status(report, "阿城镇", "sex_ratio_at_birth") == ("fail", 120.0)
    assert status(report, "定水镇", "sex_ratio_at_birth") == ("pass", 104.0)
    assert status(report, "张秋镇", "birth_stat_error_rate") == ("pass", 1.9048)
    assert status(report, "定水镇", "birth_stat_error_rate") == ("pass", 1.9608)
    assert status(report, "阿城镇", "crude_birth_rate") == ("pass", 7.3333)
    assert status(report, "定水镇", "natural_growth_rate") == ("pass", -2.4)
    # 12-digit area codes stay text.
    assert result(report, "张秋镇", "sex_ratio_at_birth")["code"] == "371521100000"


def test_county_form_totals_row_cross_check(county_form):
    report = check(county_form, lang="en")
    # The 合计 row says 530 verified births; the units add up to 532.
    assert where(report, "totals_mismatch") == [("warning", "出生", 6, "出生统计核查核查出生数")]
    (mismatch,) = problems(report, "totals_mismatch")
    assert mismatch["message"] == (
        "totals row says 530, the townships add up to 532 (difference 2)"
    )
    assert len(problems(report)) == 1


GROUP_HEADER_UNSAVED = [
    ["乡镇", "出生人数", None, None, "流入已婚育龄妇女", None, None],
    [None, "男", "女", "合计", "总数", "已建档数", "信息联系数"],
    ["东镇", 53, 50, 103, 40, 38, 35],
    ["西镇", 60, 50, 110, 20, 17, 19],
]


@pytest.mark.parametrize("kind", ["xlsx", "gb18030-csv"])
def test_group_header_carried_right_when_merge_not_saved(tmp_path, kind):
    if kind == "xlsx":
        path = sheet(tmp_path / "group.xlsx", GROUP_HEADER_UNSAVED)  # blank cells, no merge
    else:
        path = text_file(tmp_path / "group.csv", GROUP_HEADER_UNSAVED, encoding="gb18030")
    (table,) = load(path).tables
    assert table.columns == {
        "township": 0,
        "births_male": 1,
        "births_female": 2,
        "births": 3,
        "migrant_women": 4,
        "migrant_archived": 5,
        "migrant_contacted": 6,
    }
    report = check(path)
    assert status(report, "东镇", "sex_ratio_at_birth") == ("pass", 106.0)
    assert status(report, "西镇", "sex_ratio_at_birth") == ("fail", 120.0)
    assert status(report, "东镇", "migrant_archive_rate") == ("pass", 95.0)
    assert status(report, "西镇", "migrant_archive_rate") == ("fail", 85.0)
    assert status(report, "东镇", "migrant_contact_rate") == ("fail", 87.5)
    assert status(report, "西镇", "migrant_contact_rate") == ("pass", 95.0)
    assert result(report, "东镇", "migrant_certificate_rate")["reason"] == "field_missing"
    assert problems(report) == []


TRADITIONAL = {
    "merged": (
        [
            ["鄉鎮", "出生人數", None, "流入已婚育齡婦女", None, None, None],
            [None, "男", "女", "總數", "已建檔數", "已發證數", "信息聯繫數"],
            ["張秋鎮", 105, 100, 100, 95, 92, 89],
        ],
        ["A1:A2", "B1:C1", "D1:G1"],
    ),
    "flat": (
        [
            [
                "鄉鎮(街道)",
                "出生人數男",
                "出生人數女",
                "流入已婚育齡婦女總數",
                "已建檔數",
                "已發證數",
                "信息聯繫數",
            ],
            ["張秋鎮", 105, 100, 100, 95, 92, 89],
        ],
        [],
    ),
}


@pytest.mark.parametrize("layout", sorted(TRADITIONAL))
def test_traditional_character_headers(tmp_path, layout):
    rows, merges = TRADITIONAL[layout]
    path = sheet(tmp_path / "trad.xlsx", rows, merges)
    (table,) = load(path).tables
    assert set(table.columns) == {
        "township",
        "births_male",
        "births_female",
        "migrant_women",
        "migrant_archived",
        "migrant_certified",
        "migrant_contacted",
    }
    report = check(path)
    assert units(report) == ["張秋鎮"]  # the unit name is kept as written
    assert status(report, "張秋鎮", "sex_ratio_at_birth") == ("pass", 105.0)
    assert status(report, "張秋鎮", "migrant_archive_rate") == ("pass", 95.0)
    assert status(report, "張秋鎮", "migrant_certificate_rate") == ("pass", 92.0)
    assert status(report, "張秋鎮", "migrant_contact_rate") == ("fail", 89.0)


def test_header_cells_with_line_breaks_spaces_units_and_qizhong(tmp_path):
    rows = [
        ["乡镇\n(街道)", "出生 人数", "其中:\n符合政策生育数(人)", "围产儿数\n(例)",
         "出生缺陷数 (例)", "服务站在编\n人员数(人)", "在编医疗卫生专业技术人员数（人）",
         "年平均人口 (人)", "　死亡人数　"],
        ["东镇", 200, 188, 202, 2, 10, 6, 25000, 120],
    ]  # fmt: skip
    path = sheet(tmp_path / "breaks.xlsx", rows)
    (table,) = load(path).tables
    assert list(table.columns) == [
        "township",
        "births",
        "births_policy",
        "perinatal_births",
        "birth_defects",
        "station_staff",
        "station_tech_staff",
        "population",
        "deaths",
    ]
    assert table.ignored == []
    report = check(path)
    assert status(report, "东镇", "policy_birth_rate") == ("fail", 94.0)
    assert status(report, "东镇", "birth_defect_rate") == ("fail", 9.901)
    assert status(report, "东镇", "tech_staff_share") == ("fail", 60.0)
    assert status(report, "东镇", "crude_birth_rate") == ("pass", 8.0)
    assert status(report, "东镇", "natural_growth_rate") == ("pass", 3.2)


def test_three_row_header_band_joined_top_down(tmp_path):
    rows = [
        ["乡镇", "出生人数", None, None, "年平均人口"],
        [None, "合计", "其中", None, None],
        [None, None, "男", "女", None],
        ["东镇", 203, 103, 100, 20000],
    ]
    merges = ["A1:A3", "B1:D1", "E1:E3", "B2:B3", "C2:D2"]
    path = sheet(tmp_path / "three.xlsx", rows, merges)
    (table,) = load(path).tables
    assert table.header_rows == [1, 2, 3]
    assert table.columns == {
        "township": 0,
        "births": 1,
        "births_male": 2,
        "births_female": 3,
        "population": 4,
    }
    assert table.headers["births_male"] == "出生人数其中男"
    report = check(path)
    assert units(report) == ["东镇"]
    assert status(report, "东镇", "sex_ratio_at_birth") == ("pass", 103.0)
    assert status(report, "东镇", "crude_birth_rate") == ("pass", 10.15)


def test_group_header_with_a_unit_in_brackets_over_sub_headers(tmp_path):
    """出生人数(人) merged over 男/女/合计: the unit is ignored in the group cell too."""
    rows = [
        ["乡镇", "出生人数(人)", None, None],
        [None, "男", "女", "合计"],
        ["东镇", 106, 100, 206],
    ]
    path = sheet(tmp_path / "unit_in_group.xlsx", rows, ["A1:A2", "B1:D1"])
    (table,) = load(path).tables
    assert table.header_rows == [1, 2]
    assert table.columns == {"township": 0, "births_male": 1, "births_female": 2, "births": 3}
    report = check(path)
    assert units(report) == ["东镇"]
    assert status(report, "东镇", "sex_ratio_at_birth") == ("pass", 106.0)
    assert problems(report) == []


NUMBERED = [
    ["序号", "乡镇", "出生男婴数", "出生女婴数", "年平均人口"],
    [1, 2, 3, 4, 5],
    [1, "东镇", 106, 100, 20000],
    [2, "西镇", 98, 100, 20000],
]


@pytest.mark.parametrize("kind", ["xlsx-numbers", "xlsx-text", "csv"])
def test_bare_column_number_row_under_the_header_is_dropped(tmp_path, kind):
    """栏次 1 2 3 … under the header is not a township, however the numbers are stored."""
    if kind == "csv":
        path = text_file(tmp_path / "numbered.csv", NUMBERED, encoding="gb18030")
    else:
        rows = [list(r) for r in NUMBERED]
        if kind == "xlsx-text":
            rows[1] = [str(v) for v in rows[1]]
        path = sheet(tmp_path / "numbered.xlsx", rows)
    report = check(path)
    assert units(report) == ["东镇", "西镇"]
    assert status(report, "东镇", "sex_ratio_at_birth") == ("pass", 106.0)
    assert status(report, "西镇", "sex_ratio_at_birth") == ("fail", 98.0)
    assert problems(report) == []


def _late_header(start_row: int) -> list[list[object]]:
    rows: list[list[object]] = [[f"说明第{n}行"] for n in range(1, start_row)]
    rows.append(["乡镇", "出生男婴数", "出生女婴数"])
    rows.append(["东镇", 104, 100])
    return rows


def test_header_band_found_in_row_30(tmp_path):
    path = sheet(tmp_path / "late.xlsx", _late_header(30))
    (table,) = load(path).tables
    assert table.header_rows == [30]
    assert list(table.data.index) == [31]
    assert status(check(path), "东镇", "sex_ratio_at_birth") == ("pass", 104.0)
