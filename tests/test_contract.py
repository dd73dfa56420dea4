"""One contract for scripts (issue 19): the same document shape for check, score, audit and
funnel; language-independent JSON; problems with a cell address and a hint; formats a
command cannot write refused; --help and terminal text for people and pipes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import SAMPLE_XLSX, assert_clean_error, run_process
from fpmetrics.report.schema import CheckOutput, FunnelOutput, ScoreOutput
from scoring_builders import write_rules

REPO = Path(__file__).resolve().parents[1]
MONTHLY = REPO / "sample_data" / "county_2024_monthly.csv"
MESSY = REPO / "sample_data" / "county_2024_messy.xlsx"
TEXT_FIELDS = {"name", "message", "hint", "explanation"}


def strict(text: str) -> dict:
    def reject(name: str) -> None:
        raise AssertionError(f"{name} is not JSON")

    return json.loads(text, parse_constant=reject)


@pytest.fixture(scope="module")
def both_languages(tmp_path_factory):
    """The four documents in Chinese and in English (run once: they take a few seconds)."""

    def run(*args: object) -> dict:
        done = run_process(*args)
        assert done.returncode in (0, 1), done.stderr.decode()
        return strict(done.stdout.decode())

    runs = {
        "check": ("check", MESSY, "-f", "json"),
        "score": ("score", SAMPLE_XLSX, "-f", "json"),
        "audit": ("audit", MONTHLY, "-f", "json"),
        "funnel": ("funnel", "sex_ratio_at_birth", SAMPLE_XLSX, "-f", "json"),
    }
    return {
        lang: {name: run(*args, "--lang", lang) for name, args in runs.items()}
        for lang in ("zh", "en")
    }


@pytest.mark.slow
def test_every_document_has_the_same_frame(both_languages):
    for name, doc in both_languages["zh"].items():
        keys = list(doc)
        assert keys[:3] == ["fpmetrics", "ruleset", "inputs"], name
        assert keys[-2:] == ["summary", "problems"], name
        assert doc["inputs"] and all(i["kind"] == "table" for i in doc["inputs"]), name
        assert isinstance(doc["summary"], dict) and isinstance(doc["problems"], list)
    docs = both_languages["zh"]
    CheckOutput.model_validate(docs["check"])
    ScoreOutput.model_validate(docs["score"])
    FunnelOutput.model_validate(docs["funnel"])
    assert docs["audit"]["summary"]["signals"] == len(docs["audit"]["signals"])


@pytest.mark.slow
def test_score_carries_units_as_check_does_and_counts_vetoes(both_languages):
    score = both_languages["zh"]["score"]
    assert {u["unit"] for u in score["units"]} == {s["unit"] for s in score["scores"]}
    assert all("status" in u for u in score["units"])  # `jq '.units[]'` works on score too
    summary = score["summary"]
    assert summary["vetoed"] == sum(s["vetoed"] for s in score["scores"]) == 3
    assert summary["award_eligible"] == sum(s["award_eligible"] for s in score["scores"])
    assert summary["units"] == len(score["scores"]) == 18


def _without_text(value: object) -> object:
    if isinstance(value, dict):
        return {k: _without_text(v) for k, v in value.items() if k not in TEXT_FIELDS}
    if isinstance(value, list):
        return [_without_text(v) for v in value]
    return value


@pytest.mark.slow
def test_json_is_the_same_in_every_language_apart_from_text(both_languages):
    for name in ("check", "score", "audit", "funnel"):
        zh, en = both_languages["zh"][name], both_languages["en"][name]
        assert _without_text(zh) == _without_text(en), name
    # the text fields are there, and in their language
    check_zh, check_en = both_languages["zh"]["check"], both_languages["en"]["check"]
    assert check_zh["results"][0]["name"] == "出生人口性别比"
    assert check_en["results"][0]["name"] == "Sex ratio at birth"
    assert check_zh["problems"][0]["hint"] != check_en["problems"][0]["hint"]


def test_the_environment_language_changes_no_id_code_or_number(cli):
    zh = strict(cli("score", MESSY, "-f", "json").stdout)
    en = strict(cli("score", MESSY, "-f", "json", env={"FPMETRICS_LANG": "en"}).stdout)
    assert en["results"][0]["name"] == "Sex ratio at birth"
    assert zh["results"][0]["name"] == "出生人口性别比"
    assert _without_text(zh) == _without_text(en)


def test_funnel_json_plain_keys_booleans_and_no_data_units(cli, build):
    towns = [
        {"township": "甲镇", "births_male": 512, "births_female": 488},
        {"township": "乙镇", "births_male": 700, "births_female": 500},
        {"township": "丙镇", "births_male": 510, "births_female": 490},
        {"township": "丁镇", "births_male": 0, "births_female": 0},  # no births: no data
    ]
    path = build.csv("srb.csv", build.grid(towns, fields=["births_male", "births_female"]))
    result = cli("funnel", "sex_ratio_at_birth", path, "-f", "json", "--target", "bound")
    assert result.exit_code == 0, result.stderr
    data = strict(result.stdout)
    FunnelOutput.model_validate(data)
    assert "units" not in data  # units means check verdicts everywhere else
    points = {p["unit"]: p for p in data["funnel"]}
    assert set(points) == {"甲镇", "乙镇", "丙镇", "丁镇"}
    for point in data["funnel"]:
        assert all("." not in key for key in point)
    empty = points["丁镇"]
    assert empty["no_data"] is True
    assert empty["value"] is None and empty["outside_95"] is None and empty["above"] is None
    high = points["乙镇"]  # 140: far above any limit
    assert high["outside_95"] is True and high["outside_998"] is True and high["above"] is True
    assert high["meets_standard"] is False
    assert points["甲镇"]["outside_95"] is False and points["甲镇"]["above"] is None
    assert points["甲镇"]["meets_standard"] is True
    assert data["summary"] == {
        "units": 4, "no_data": 1, "outside_95": 1, "outside_998": 1, "fail": 1,
    }  # fmt: skip
    assert data["problems"] == []


@pytest.mark.parametrize("fmt", ["xlsx", "csv", "html", "markdown"])
def test_funnel_refuses_a_format_it_cannot_write(cli, fmt):
    result = cli("funnel", "sex_ratio_at_birth", SAMPLE_XLSX, "-f", fmt)
    assert_clean_error(result)
    assert result.stdout == ""
    assert f"funnel 不能输出 {fmt} 格式" in result.stderr and "table, json" in result.stderr


def test_problem_cell_and_hint_in_json_and_terminal(cli, build):
    grid = build.grid(
        [build.town("甲镇"), build.town("乙镇", births="十二")],
        title=["某某县2024年计划生育统计表"],
    )
    header = grid[1]
    column = header.index("出生人数")
    path = build.xlsx("county.xlsx", grid)
    letter = chr(ord("A") + column)
    data = strict(cli("check", path, "-f", "json").stdout)
    problem = next(p for p in data["problems"] if p["code"] == "not_a_number")
    # title row 1, header row 2, 甲镇 row 3, 乙镇 row 4
    assert (problem["row"], problem["column"], problem["cell"]) == (4, "出生人数", f"{letter}4")
    assert problem["hint"].startswith("在该单元格填入非负整数")
    english = strict(cli("check", path, "-f", "json", "--lang", "en").stdout)
    assert english["problems"][0]["hint"].startswith("Type a whole number")
    table = cli("check", path)
    assert f"county.xlsx [乡镇汇总] {letter}4 (出生人数)" in table.stderr
    assert "→ 在该单元格填入非负整数" in table.stderr


def test_long_problem_lines_wrap_with_an_indent_and_keep_ids_whole(cli, build):
    name = "很长很长的乡镇名称甲乙丙丁戊己庚辛壬癸子丑寅卯辰巳午未申酉戌亥镇"
    grid = build.grid([build.town(name, births="abc"), build.town("乙镇")])
    path = build.csv("county.csv", grid)
    result = cli("check", path, env={"COLUMNS": "60"})
    lines = [x for x in result.stderr.splitlines() if x.strip()]
    start = next(i for i, x in enumerate(lines) if "county.csv" in x)
    follow = lines[start + 1 : start + 3]
    assert follow and all(x.startswith("    ") for x in follow), lines
    assert all(x == x.rstrip() for x in lines)
    assert '"abc"' in result.stderr  # the value is not split over two lines


@pytest.mark.slow
def test_piped_tables_have_no_trailing_spaces(run_fpmetrics, tmp_path):
    for args in (("score", SAMPLE_XLSX),):
        done = run_fpmetrics(*args)
        text = done.stdout.decode()
        assert text.count("\n") > 10
        assert not [x for x in text.splitlines() if x != x.rstrip()], args[0]


def test_table_files_and_captured_output_have_no_trailing_spaces(cli, tmp_path):
    out = tmp_path / "r.txt"
    assert cli("score", SAMPLE_XLSX, "-o", out).exit_code == 1
    lines = out.read_text(encoding="utf-8").splitlines()
    assert len(lines) > 10 and all(x == x.rstrip() for x in lines)
    check = cli("check", SAMPLE_XLSX)
    assert check.stdout.count("\n") > 10
    assert all(x == x.rstrip() for x in check.stdout.splitlines())


def test_trimmed_writer_keeps_partial_lines_until_their_end():
    import io

    from fpmetrics.report.plain_text import TrimmedWriter

    sink = io.StringIO()
    writer = TrimmedWriter(sink)
    writer.write("a  \nb ")
    writer.write("  c   ")
    assert sink.getvalue() == "a\n"
    writer.write("\n\n  d\t\n")
    writer.write("e  ")
    writer.flush()
    assert sink.getvalue() == "a\nb   c\n\n  d\ne"


def test_help_follows_the_language(cli, monkeypatch):
    zh = cli("--help")
    assert zh.exit_code == 0
    assert "用法:" in zh.stdout and "按省级考核指标检查各乡镇计划生育报表" in zh.stdout
    assert "Check township" not in zh.stdout
    check = cli("check", "--help")
    assert "选项" in check.stdout and "显示本帮助并退出" in check.stdout
    en = cli("check", "--help", "--lang", "en")
    assert "Usage:" in en.stdout and "Check every township" in en.stdout
    assert "显示本帮助" not in en.stdout
    monkeypatch.setenv("FPMETRICS_LANG", "en")
    from fpmetrics.help_lang import help_language

    assert help_language(["score", "--help"]) == "en"
    assert help_language(["score", "--lang", "zh", "--help"]) == "zh"
    assert help_language(["--lang=en"], {}) == "en"
    assert help_language([], {}) == "zh"


def test_totals_are_rounded_to_the_scheme_precision(cli, tmp_path):
    """Ten items of 9.9 points sum to 99.00000000000001 in floats; a deduction of a third
    of a point gives 9.666…: both are shown and written at the scheme's 2 decimals."""
    rules = write_rules(
        tmp_path / "r.yaml",
        default_points=9.9,
        points={"tech_staff_share": {"points": 9.9, "deduct": {"points": 1, "per": 3}}},
    )
    result = cli("score", SAMPLE_XLSX, "--rules", rules, "-f", "json")
    data = strict(result.stdout)
    for s in data["scores"]:
        assert s["total"] == round(s["total"], 2)
        assert len(repr(s["total"]).partition(".")[2]) <= 2, s["total"]
        for points in s["points"].values():
            assert points is None or points == round(points, 2)
        assert s["total"] == round(sum(p or 0 for p in s["points"].values()), 2)
    assert data["scores"][0]["max_total"] == 99
    assert "99.00000000000001" not in result.stdout
    shares = [s["points"]["tech_staff_share"] for s in data["scores"]]
    assert any(p not in (0, 9.9) for p in shares)  # a graded deduction happened
