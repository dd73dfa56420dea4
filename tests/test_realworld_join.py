"""Issue 3, point 5: inputs that each carry some of the fields, joined on the township."""

from __future__ import annotations

from realworld_builders import check, problems, result, sheet, status, text_file, units, where

BIRTHS = [
    ["出生情况"],
    ["乡镇", "出生男婴数", "出生女婴数", "年平均人口"],
    ["张秋镇", 106, 100, 40000],
    ["阿城镇", 120, 100, 30000],
    ["定水镇", 52, 50, 20000],
]
MIGRANTS = [
    ["乡镇(街道)", "流入已婚育龄妇女总数", "已建档数", "已查验证数", "信息联系数"],
    ["  张秋镇 ", 100, 95, 90, 80],  # padded: still the same township
    ["阿城镇", 100, 85, 92, 95],
    ["闫楼镇", 40, 40, 40, 40],
]


def test_births_and_migrants_from_two_offices(tmp_path):
    births = sheet(tmp_path / "births.xlsx", BIRTHS, title="出生")
    migrants = text_file(tmp_path / "migrants.csv", MIGRANTS, encoding="gb18030")
    report = check([births, migrants], lang="en")
    assert units(report) == ["张秋镇", "阿城镇", "定水镇", "闫楼镇"]

    assert status(report, "张秋镇", "sex_ratio_at_birth") == ("pass", 106.0)
    assert status(report, "张秋镇", "migrant_archive_rate") == ("pass", 95.0)
    assert status(report, "张秋镇", "migrant_contact_rate") == ("fail", 80.0)
    assert status(report, "阿城镇", "sex_ratio_at_birth") == ("fail", 120.0)
    assert status(report, "阿城镇", "migrant_certificate_rate") == ("pass", 92.0)

    # 定水镇 is not in the migrants file, 闫楼镇 not in the births file.
    missing = problems(report, "unit_missing_from_input")
    assert [(p["level"], p["file"], p["sheet"], p["row"], p["column"]) for p in missing] == [
        ("warning", str(births), "出生", 5, "乡镇"),
        ("warning", str(migrants), None, 4, "乡镇(街道)"),
    ]
    missing_migrants, missing_births = (p["message"] for p in missing)
    assert "定水镇" in missing_migrants and str(migrants) in missing_migrants
    assert "闫楼镇" in missing_births and str(births) in missing_births
    assert "; " in missing_migrants and "、" not in missing_migrants  # English list, not 、
    assert len(problems(report)) == 2

    for indicator in ("migrant_archive_rate", "migrant_certificate_rate", "migrant_contact_rate"):
        row = result(report, "定水镇", indicator)
        assert (row["status"], row["reason"]) == ("no_data", "value_missing")
    assert status(report, "定水镇", "sex_ratio_at_birth") == ("pass", 104.0)
    assert status(report, "定水镇", "crude_birth_rate") == ("pass", 5.1)
    for indicator in ("sex_ratio_at_birth", "crude_birth_rate"):
        row = result(report, "闫楼镇", indicator)
        assert (row["status"], row["reason"]) == ("no_data", "value_missing")
    assert status(report, "闫楼镇", "migrant_archive_rate") == ("pass", 100.0)


def test_same_field_for_the_same_township_in_two_inputs(tmp_path):
    header = ["乡镇", "出生男婴数", "出生女婴数"]
    first = sheet(tmp_path / "a.xlsx", [header, ["张秋镇", 106, 100], ["阿城镇", 104, 100]])
    second = sheet(
        tmp_path / "b.xlsx",
        [["乡镇", "出生男婴数", "出生女婴数", "年平均人口"], ["张秋镇", 110, 100, 40000]],
    )
    report = check([first, second], lang="en")
    duplicates = problems(report, "duplicate_unit")
    assert [(p["level"], p["file"], p["row"], p["column"]) for p in duplicates] == [
        ("error", str(first), 2, "乡镇"),
        ("error", str(second), 2, "乡镇"),
    ]
    for p in duplicates:
        assert "张秋镇" in p["message"]
        # Where each copy is: file, [sheet] and row.
        assert f"{first} [报表]:2" in p["message"] and f"{second} [报表]:2" in p["message"]
    assert status(report, "张秋镇", "sex_ratio_at_birth") == ("invalid", None)
    assert status(report, "张秋镇", "crude_birth_rate") == ("invalid", None)
    assert status(report, "阿城镇", "sex_ratio_at_birth") == ("pass", 104.0)
    # 阿城镇 has no population in b.xlsx: a warning, and no data for the birth rate.
    assert where(report, "unit_missing_from_input") == [("warning", "报表", 3, "乡镇")]
    row = result(report, "阿城镇", "crude_birth_rate")
    assert (row["status"], row["reason"]) == ("no_data", "value_missing")


def test_conflicting_fields_message_names_sheets_and_joins_in_the_language(tmp_path):
    header = ["乡镇", "出生男婴数", "出生女婴数"]
    first = sheet(tmp_path / "a.xlsx", [header, ["张秋镇", 106, 100]], title="出生")
    second = text_file(tmp_path / "b.csv", [header, ["张秋镇", 110, 100]])
    for lang, joined in (("en", "出生男婴数, 出生女婴数"), ("zh", "出生男婴数、出生女婴数")):
        report = check([first, second], lang=lang)
        for p in problems(report, "duplicate_unit"):
            assert joined in p["message"], p["message"]
            assert f"{first} [出生]:2" in p["message"]  # the workbook's sheet
            assert f"{second}:2" in p["message"] and f"{second} [" not in p["message"]
