"""Reports that read right on a phone and on paper (issue 19): HTML at 400 px without
sideways scrolling, titles naming the county and period, the Excel ranking and print setup."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from openpyxl import load_workbook

from conftest import SAMPLE_XLSX

CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="module")
def sample_html(tmp_path_factory) -> str:
    from fpmetrics.pipeline import run_check, run_score
    from fpmetrics.ruleset.rules import load_ruleset

    return run_score(run_check([SAMPLE_XLSX], load_ruleset("default"))).to_html("zh")


@pytest.mark.slow
def test_html_charts_scale_and_show_every_value(sample_html):
    svgs = re.findall(r'<div class="chart"><b>.*?</svg>', sample_html, re.S)
    assert len(svgs) >= 9
    for svg in svgs:
        tag = re.search(r"<svg [^>]*>", svg).group(0)
        assert "viewBox=" in tag and 'width="100%"' in tag, tag
        assert not re.search(r'\swidth="\d+"', tag), tag  # no fixed pixel width
        dots = svg.count("<circle")
        # each dot's value is written as text (not only in a hover <title>)
        values = re.findall(r'<text x="\d+" y="[\d.]+" fill="#[0-9a-f]{6}">([^<]+)</text>', svg)
        assert len(values) == dots, (dots, values[:3])
    assert ".chart svg{width:100%" in sample_html
    assert "td.name{white-space:nowrap}" in sample_html or "td.name{" in sample_html
    assert '<td class="name">阿城镇</td>' in sample_html
    assert sample_html.count('<div class="wide"><table>') >= 3  # tables scroll in a box


@pytest.mark.slow
def test_titles_name_the_county_and_period(sample_html, cli, tmp_path):
    assert "<h1>阳谷县 2024年度 考核计分与排名" in sample_html
    out = tmp_path / "r.md"
    assert cli("check", SAMPLE_XLSX, "-o", out).exit_code == 1
    assert out.read_text(encoding="utf-8").startswith("## 阳谷县 2024年度 ")
    html = tmp_path / "r.html"
    cli("check", SAMPLE_XLSX, "-o", html, "--title", "莘县")
    assert "<h1>莘县 2024年度 " in html.read_text(encoding="utf-8")
    xlsx = tmp_path / "r.xlsx"
    cli("score", SAMPLE_XLSX, "-o", xlsx)
    wb = load_workbook(xlsx)
    headings = [ws["A1"].value for ws in wb.worksheets]
    assert all("阳谷县 2024年度" in h for h in headings), headings


def test_title_period_from_the_period_column(cli, build):
    rows = [["乡镇", "月份", "流入已婚育龄妇女数", "已建档数"]]
    rows += [["甲镇", f"2024-{m:02d}", 100, 95] for m in (1, 2, 3)]
    path = build.csv("q1.csv", rows)
    out = build.root / "q1.md"
    cli("check", path, "-o", out, "--title", "某县")
    assert out.read_text(encoding="utf-8").startswith("## 某县 2024-01–2024-03 ")


def _header(ws) -> int:
    return next(r for r in range(1, 12) if ws.cell(row=r, column=1).value in ("名次", "乡镇"))


@pytest.mark.slow
def test_excel_ranking_and_print_setup(cli, tmp_path):
    out = tmp_path / "r.xlsx"
    data = json.loads(cli("score", SAMPLE_XLSX, "-f", "json").stdout)
    cli("score", SAMPLE_XLSX, "-o", out)
    wb = load_workbook(out)
    ranking = wb["排名"]
    h = _header(ranking)
    labels = [c.value for c in ranking[h]]
    assert labels[2] == "乡镇" and ranking.freeze_panes == f"D{h + 1}"  # 名次…乡镇 stay
    assert "性别比\n满分20" in labels
    reasons = labels.index("不能评奖原因") + 1
    vetoed = {s["unit"] for s in data["scores"] if s["vetoed"]}
    assert len(vetoed) == 3
    for r in range(h + 1, ranking.max_row + 1):
        unit = ranking.cell(row=r, column=3).value
        if unit in vetoed:
            assert ranking.cell(row=r, column=reasons).value.startswith("一票否决(三控制一达标")
    for ws in wb.worksheets:  # the footer has room: 0.5" between it and the table
        margins = ws.page_margins
        assert margins.bottom - margins.footer >= 0.45, ws.title
        assert ws.oddFooter.center.text == "&P / &N"
    details = wb["明细"]
    h = _header(details)
    labels = [c.value for c in details[h]]
    value_at, bounds_at = labels.index("数值") + 1, labels.index("标准") + 1
    assert details.cell(row=h + 1, column=bounds_at).alignment.horizontal == "center"
    # every value on its own scale, as the JSON's value: % and ‰ alike
    by_key = {(r["unit"], r["name"]): r["value"] for r in data["results"]}
    indicator_at = labels.index("指标") + 1
    seen = set()
    for r in range(h + 1, details.max_row + 1):
        unit = details.cell(row=r, column=1).value
        name = details.cell(row=r, column=indicator_at).value
        cell = details.cell(row=r, column=value_at)
        if isinstance(cell.value, float | int) and by_key.get((unit, name)) is not None:
            assert cell.value == pytest.approx(by_key[(unit, name)]), (unit, name)
            symbol = (
                '"%"' if '"%"' in cell.number_format else '"‰"' if "‰" in cell.number_format else ""
            )
            seen.add(symbol)
            assert not cell.number_format.rstrip('●○"').endswith("0%"), cell.number_format
    assert {'"%"', '"‰"', ""} <= seen


@pytest.mark.slow
def test_html_at_400_px_has_no_horizontal_scroll(sample_html, tmp_path):
    """The report in a 400 px wide frame in headless Chromium: the page is no wider than
    the frame (tables scroll in their own box, charts shrink)."""
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        pytest.skip("chromium is not installed (apt-get install chromium; .ci/run does)")
    wrapper = (
        '<!DOCTYPE html><html><body style="margin:0">'
        '<iframe id="f" style="width:400px;height:800px;border:0"></iframe><script>'
        "const f=document.getElementById('f');f.onload=()=>{const d=f.contentDocument;"
        "document.title='SW='+d.documentElement.scrollWidth+';IW='+f.contentWindow.innerWidth;};"
        f"f.srcdoc={json.dumps(sample_html)};</script></body></html>"
    )
    page = tmp_path / "wrapper.html"
    page.write_text(wrapper, encoding="utf-8")
    profile = tmp_path / "profile"
    done = subprocess.run(
        [
            CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium"),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--no-first-run",
            f"--user-data-dir={profile}",
            "--window-size=1000,900",
            "--virtual-time-budget=5000",
            "--dump-dom",
            page.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    found = re.search(r"<title>SW=(\d+);IW=(\d+)</title>", done.stdout)
    assert found, (done.returncode, done.stderr[-2000:])
    scroll_width, inner_width = map(int, found.groups())
    assert inner_width == 400
    assert scroll_width <= inner_width, (scroll_width, inner_width)


def test_funnel_chart_names_every_failing_township_and_colours_by_good_or_bad(build):
    """A rate of 99% above the limits of a "≥ 90%" rule is good news (green, not red); a
    township that fails the standard inside the limits is named and ringed."""
    from fpmetrics.analyses.funnel import build_funnel
    from fpmetrics.pipeline import run_check
    from fpmetrics.report.funnel_chart import _flagged, bad_side, draw
    from fpmetrics.ruleset.rules import load_ruleset

    counts = {"甲镇": (600, 594), "乙镇": (300, 279), "丙镇": (50, 44), "丁镇": (400, 372),
              "戊镇": (500, 465), "己镇": (350, 326)}  # fmt: skip
    rows = [["乡镇", "流入已婚育龄妇女数", "已建档数"]]
    rows += [[name, n, k] for name, (n, k) in counts.items()]
    ruleset = load_ruleset("default")
    report = run_check([build.csv("m.csv", rows)], ruleset)
    rule = ruleset.active["migrant_archive_rate"]
    funnel = build_funnel(report.results, "migrant_archive_rate", rule)
    units = funnel.units.set_index("unit")
    assert units.loc["甲镇", "outside_99.8"] == "high"  # 99% of 600 against ~93%
    bad = bad_side(funnel).set_axis(funnel.units["unit"])
    assert not bad["甲镇"]  # high on a ≥ rule: good
    # 丙镇 (88%) fails the ≥ 90% standard but, with 50 women, lies inside the limits
    assert units.loc["丙镇", "status"] == "fail" and units.loc["丙镇", "outside_95"] == ""
    named = set(_flagged(funnel)["unit"])
    assert {"丙镇", "甲镇"} <= named
    svg = draw(funnel, "zh", "svg", svg_text=True).decode()
    assert "丙镇" in svg and "甲镇" in svg
    assert "#548235" in svg.lower()  # the good outlier in green
