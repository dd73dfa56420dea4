"""Issue 14: Markdown reports escape HTML and Markdown marks in names and rule text."""

from __future__ import annotations

import pytest

from conftest import run_cli
from fpmetrics.report.markdown import md_text
from scoring_builders import failing, town, write_csv

HOSTILE = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "*粗*_斜_`码`[链](http://x)",
]


@pytest.mark.parametrize(
    ("text", "escaped"),
    [
        ("<script>", "&lt;script&gt;"),
        ("a & b", "a &amp; b"),
        ("*x* _y_ `z`", "\\*x\\* \\_y\\_ \\`z\\`"),
        ("[a](b)", "\\[a\\](b)"),
        ("乙|镇", "乙\\|镇"),
        ("阿\r\n城\r镇\n", "阿 城 镇 "),
    ],
)
def test_md_text(text, escaped):
    assert md_text(text) == escaped


def test_markdown_report_has_no_raw_html_or_marks_from_names(tmp_path):
    towns = [town(HOSTILE[0]), failing(HOSTILE[1], "tech_staff_share"), town(HOSTILE[2])]
    path = write_csv(tmp_path / "in.csv", towns)
    for command in ("check", "score"):
        text = run_cli(command, path, "--format", "markdown").stdout
        assert "<script" not in text and "<img" not in text
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
        assert "&lt;img src=x onerror=alert(1)&gt;" in text
        assert "\\*粗\\*\\_斜\\_\\`码\\`\\[链\\](http://x)" in text
        assert "**60.0%○ ✗**" in text  # the report's own bold still works (○: could be chance)


def test_rule_text_is_escaped_in_markdown(tmp_path):
    from fpmetrics.ruleset.rules import shipped_dir

    rules = (shipped_dir() / "default.yaml").read_text(encoding="utf-8")
    assert "\ntitle:" in rules or rules.startswith("title:")
    lines = rules.splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith("title:"))
    lines[at] = "title: '<img src=x onerror=alert(1)>'"
    path = tmp_path / "r.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    data = write_csv(tmp_path / "in.csv", [town("甲镇")])
    text = run_cli("check", data, "--rules", path, "--format", "markdown").stdout
    assert "<img" not in text and "&lt;img src=x onerror=alert(1)&gt;" in text
