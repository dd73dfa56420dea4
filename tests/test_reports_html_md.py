"""Issue 4, point 3: the self-contained HTML report and the Markdown for pasting."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from conftest import run_cli
from scoring_builders import (
    COUNT_FIELDS,
    SAMPLE_MESSY_XLSX,
    SHORT_ZH,
    VETO_GROUP,
    failing,
    town,
    write_csv,
    write_csv_without_funnels,
)

SHORT_EN = [
    "SRB",
    "Tech staff",
    "Defects",
    "Archived",
    "Certified",
    "Contacted",
    "Policy births",
    "Stat. error",
    "Birth rate",
    "Growth",
]
SVG_NS = "http://www.w3.org/2000/svg"


class Tags(HTMLParser):
    """Start and end tags with their attributes, and the text of table cells."""

    def __init__(self) -> None:
        super().__init__()
        self.starts: list[tuple[str, dict[str, str | None]]] = []
        self.ends: list[str] = []
        self.cells: list[str] = []
        self._in_cell = False

    def handle_starttag(self, tag, attrs):
        self.starts.append((tag, dict(attrs)))
        if tag in ("td", "th"):
            self._in_cell = True
            self.cells.append("")

    def handle_endtag(self, tag):
        self.ends.append(tag)
        if tag in ("td", "th"):
            self._in_cell = False

    def handle_data(self, data):
        if self._in_cell:
            self.cells[-1] += data

    def count(self, tag: str) -> int:
        return sum(t == tag for t, _ in self.starts)


def parse(html: str) -> Tags:
    tags = Tags()
    tags.feed(html)
    tags.close()
    return tags


def split_funnels(html: str) -> tuple[str, str]:
    """The report up to the funnel plots, and the funnel plots' section."""
    start = html.index('<section class="funnels">')
    end = html.index("</section>", start) + len("</section>")
    return html[:start] + html[end:], html[start:end]


def html_report(tmp_path, command, *inputs, lang="zh") -> str:
    out = tmp_path / "report.html"
    run = run_cli(command, *inputs, "--output", out, "--lang", lang)
    assert run.exit_code in (0, 1), run
    assert run.stdout == ""
    return out.read_text(encoding="utf-8")


@pytest.fixture
def towns_csv(tmp_path):
    towns = [
        town("甲镇"),
        failing("<b>x</b>", "tech_staff_share"),
        failing("定水镇", "birth_stat_error_rate"),
    ]
    return write_csv(tmp_path / "in.csv", towns)


# ---------------------------------------------------------------- HTML


@pytest.mark.slow
def test_html_is_self_contained(tmp_path):
    html = html_report(tmp_path, "score", SAMPLE_MESSY_XLSX)
    assert html.lstrip().lower().startswith("<!doctype html")
    urls = re.findall(r"(?i)https?://[^\s\"'<>)]*", html)
    assert urls, "the SVG charts carry their namespace"
    assert set(urls) == {SVG_NS}
    tags = parse(html)
    assert tags.count("link") == 0
    assert "<?xml" not in html and "<!DOCTYPE svg" not in html
    for tag, attrs in tags.starts:  # nothing fetched; links only within the page
        assert not attrs.get("src") and not attrs.get("href"), (tag, attrs)
        assert (attrs.get("xlink:href") or "#").startswith("#"), (tag, attrs)
    assert tags.count("script") == 0
    assert tags.count("style") == 1  # inline CSS, and none inside the charts
    assert "@import" not in html and "@font-face" not in html
    assert not re.search(r"(?i)\.(woff2?|ttf|otf)\b", html)  # no font files
    # the funnel charts clip their curves to the plot: references to the page's own ids
    references = re.findall(r"url\(([^)]*)\)", html)
    assert references and all(r.startswith("#") for r in references)
    ids = set(re.findall(r' id="([^"]+)"', html))
    assert {r[1:] for r in references} <= ids


@pytest.mark.slow
def test_html_score_report_contents(tmp_path):
    html, funnels = split_funnels(html_report(tmp_path, "score", SAMPLE_MESSY_XLSX))
    tags = parse(html)
    # A ranking table: rank, township, points, rank from bottom, veto, award.
    for label in ("名次", "乡镇", "得分", "倒数", "一票否决", "可评奖"):
        assert label in tags.cells
    rows = [a.get("class") for t, a in tags.starts if t == "tr" and a.get("class") is not None]
    assert rows.count("vetoed") == 3
    assert VETO_GROUP + ": 出生率" in tags.cells
    # One chart per active indicator (all ten have data in the sample).
    assert tags.count("svg") == 10
    assert tags.ends.count("svg") == 10
    assert html.count(f'xmlns="{SVG_NS}"') == 10
    # One dot per township with a value: 18 × 10 checks less the 3 without data.
    assert tags.count("circle") == 18 * 10 - 3
    # The data problems, with file, sheet and row.
    assert "数据问题" in html
    assert "county_2024_messy.xlsx" in html
    assert "出生情况" in tags.cells
    assert "6" in tags.cells
    # The ranking comes in rank order.
    cells = tags.cells
    start = cells.index("可评奖") + 1
    first = cells[start : start + 6]
    assert first[0] == "1" and first[2] == "100.00"
    # and a funnel plot for each indicator but natural growth (a difference of two counts)
    assert funnels.count("<svg ") == 9


@pytest.mark.slow
def test_html_check_report_has_no_ranking(tmp_path, towns_csv):
    html, _ = split_funnels(html_report(tmp_path, "check", towns_csv))
    tags = parse(html)
    assert "名次" not in tags.cells
    assert tags.count("svg") == 10
    assert "没有发现数据问题" in html


def test_html_one_chart_per_indicator_with_data(tmp_path):
    migrant = {"migrant_women", "migrant_archived", "migrant_certified", "migrant_contacted"}
    fields = [f for f in COUNT_FIELDS if f not in migrant]
    path = write_csv(tmp_path / "in.csv", [town("甲镇"), town("乙镇")], fields=fields)
    html, funnels = split_funnels(html_report(tmp_path, "score", path))
    assert "<svg" not in funnels  # two townships: too few for a funnel
    tags = parse(html)
    assert tags.count("svg") == 7
    assert tags.count("circle") == 7 * 2


@pytest.mark.slow
def test_html_escapes_township_names(tmp_path, towns_csv):
    for command in ("check", "score"):
        html = html_report(tmp_path, command, towns_csv)
        assert "<b>x</b>" not in html, command
        assert "&lt;b&gt;x&lt;/b&gt;" in html, command
        # Read back as text, the name is intact.
        assert "<b>x</b>" in parse(html).cells, command


def test_html_escapes_script_in_names(tmp_path):
    path = write_csv(tmp_path / "in.csv", [town('"><script>alert(1)</script>'), town("甲镇")])
    html = html_report(tmp_path, "score", path)
    assert "<script" not in html.lower()
    assert parse(html).count("script") == 0


@pytest.mark.slow
def test_html_english(tmp_path, towns_csv):
    html = html_report(tmp_path, "score", towns_csv, lang="en")
    assert '<html lang="en"' in html
    cells = parse(html).cells
    assert "Rank" in cells and "Township" in cells


# ---------------------------------------------------------------- Markdown


def split_row(line: str) -> list[str]:
    """Cells of a Markdown table row, splitting on pipes that are not escaped."""
    assert line.startswith("|") and line.endswith("|"), line
    return [c.strip() for c in re.split(r"(?<!\\)\|", line[1:-1])]


def md_tables(text: str) -> list[list[list[str]]]:
    tables, current = [], []
    for line in text.splitlines():
        if line.startswith("|"):
            current.append(split_row(line))
        elif current:
            tables.append(current)
            current = []
    if current:
        tables.append(current)
    return tables


def test_markdown_matrix_and_ranking(tmp_path):
    towns = [
        town("甲镇"),
        failing("乙|镇", "tech_staff_share"),
        failing("丙镇", "policy_birth_rate"),
    ]
    path = write_csv(tmp_path / "in.csv", towns)
    run = run_cli("score", path, "--format", "markdown")
    assert run.exit_code == 1
    tables = md_tables(run.stdout)
    assert len(tables) == 3  # ranking, matrix, the evidence for each failure (issue 16)
    ranking, matrix, _evidence = tables
    for table in tables:  # every row has as many cells as the header: pipes are escaped
        assert {len(row) for row in table} == {len(table[0])}
        assert all(re.fullmatch(r"-+:?", c) for c in table[1])
    assert ranking[0][:2] == ["名次", "乡镇"]
    assert [r[1] for r in ranking[2:]] == ["甲镇", "乙\\|镇", "丙镇"]
    assert [r[0] for r in ranking[2:]] == ["1", "2", "3"]
    assert VETO_GROUP in ranking[4][4]

    header = matrix[0]
    assert header[0] == "乡镇"
    for short, cell in zip(SHORT_ZH, header[1:], strict=True):
        assert cell.startswith(short), (short, cell)
    rows = {r[0]: r[1:] for r in matrix[2:]}
    assert set(rows) == {"甲镇", "乙\\|镇", "丙镇"}
    tech = rows["乙\\|镇"][1]
    assert tech.startswith("**") and tech.endswith("**") and "60.0%" in tech
    assert rows["丙镇"][6].startswith("**") and "92.7%" in rows["丙镇"][6]
    # Passing values are not bold.
    assert not any("**" in c for c in rows["甲镇"])
    assert sum("**" in c for c in rows["乙\\|镇"]) == 1
    assert "\\|" in run.stdout and "乙|镇" not in run.stdout


def test_markdown_english_short_labels(tmp_path, towns_csv):
    run = run_cli("check", towns_csv, "--format", "markdown", "--lang", "en")
    matrix = md_tables(run.stdout)[0]  # then the evidence for each failure (issue 16)
    for short, cell in zip(SHORT_EN, matrix[0][1:], strict=True):
        assert cell.startswith(short), (short, cell)
    assert "Rank" not in matrix[0]


# ---------------------------------------------------------------- periods


@pytest.fixture
def periods_csv(tmp_path):
    towns = [
        town("甲镇", period=2023),
        failing("乙镇", "tech_staff_share", period=2023),
        failing("甲镇", "tech_staff_share", period=2024),
        town("乙镇", period=2024),
    ]
    return write_csv(tmp_path / "periods.csv", towns)


def test_markdown_ranking_says_which_period(periods_csv):
    """Ranks are per period: a ranking row without its period reads 甲镇 first and last."""
    run = run_cli("score", periods_csv, "--format", "markdown")
    ranking = md_tables(run.stdout)[0]
    assert ranking[0][0] == "名次"
    rows = ranking[2:]
    assert len(rows) == 4
    for row in rows:
        assert any("2023" in c or "2024" in c for c in row), row
    firsts = {next(p for p in ("2023", "2024") if p in " ".join(r)) for r in rows if r[0] == "1"}
    assert firsts == {"2023", "2024"}


@pytest.mark.slow
def test_html_ranking_says_which_period(tmp_path, periods_csv):
    html = html_report(tmp_path, "score", periods_csv)
    start = html.index("<table", html.index("名次") - 200)
    ranking = html[start : html.index("</table>", start)]
    rows = re.findall(r"<tr[ >].*?</tr>", ranking)[1:]
    assert len(rows) == 4
    for row in rows:
        assert "2023" in row or "2024" in row, row


@pytest.mark.slow
def test_summary_line_counts_townships_once_over_periods(tmp_path, periods_csv):
    """2 townships × 2 periods is not "4 个乡镇": Markdown and HTML say what the terminal says."""
    table = run_cli("check", periods_csv)
    line = "2 个乡镇 × 2 期, 40 项检查: 达标 38 · 不达标 2"
    assert line in table.stdout
    markdown = run_cli("check", periods_csv, "--format", "markdown").stdout
    assert line in markdown and "4 个乡镇" not in markdown
    html = html_report(tmp_path, "check", periods_csv)
    assert f"<p>{line}" in html and "4 个乡镇" not in html
    cards = re.findall(r'<div class="card"><b>(\d+)</b>([^<]+)</div>', html)
    # every card counts townships (2 fail somewhere: none passes everything)
    assert cards[:4] == [("2", "乡镇"), ("2", "统计期"), ("0", "全部达标"), ("2", "有不达标")]
    assert all(int(n) <= 2 for n, label in cards if label != "统计期")
    assert "以上各项均按乡镇计数" in html
    en = run_cli("check", periods_csv, "--format", "markdown", "--lang", "en").stdout
    assert "2 townships × 2 periods, 40 checks: 38 pass · 2 fail" in en


@pytest.mark.slow
def test_score_summary_counts_townships_once_over_periods(tmp_path, periods_csv):
    """The score summary names townships × periods, not 4 townships, everywhere."""
    table = run_cli("score", periods_csv).stdout
    assert "2 个乡镇 × 2 期: 否决" in table and "4 个乡镇" not in table
    markdown = run_cli("score", periods_csv, "--format", "markdown").stdout
    assert "2 个乡镇 × 2 期: 否决" in markdown
    html = html_report(tmp_path, "score", periods_csv)
    assert "2 个乡镇 × 2 期: 否决" in html and "4 个乡镇" not in html


@pytest.mark.slow
def test_summary_line_without_periods(tmp_path, towns_csv):
    html = html_report(tmp_path, "check", towns_csv)
    assert "<p>3 个乡镇, 30 项检查: 达标 28 · 不达标 2" in html
    cards = re.findall(r'<div class="card"><b>(\d+)</b>([^<]+)</div>', html)
    assert cards[:3] == [("3", "乡镇"), ("1", "全部达标"), ("2", "有不达标")]  # no period card


# ---------------------------------------------------------------- score summaries, absent data


@pytest.fixture
def absent_csv(tmp_path):
    """No policy-birth or staff columns: the veto is unverified, the gate lacks data."""
    fields = [f for f in COUNT_FIELDS if f not in ("births_policy", "station_staff")]
    return write_csv(tmp_path / "absent.csv", [town("甲镇")], fields=fields)


def test_score_markdown_has_the_score_title_and_summary(tmp_path, towns_csv):
    run = run_cli("score", towns_csv, "--format", "markdown")
    assert run.stdout.startswith("## 考核计分与排名")
    assert "3 个乡镇: 否决 1 个,可评奖 1 个;满分 100" in run.stdout
    check = run_cli("check", towns_csv, "--format", "markdown")
    assert check.stdout.startswith("## 考核指标检查")
    assert "否决" not in check.stdout


def test_score_markdown_award_column_gives_the_reason(towns_csv):
    ranking = md_tables(run_cli("score", towns_csv, "--format", "markdown").stdout)[0]
    award = {row[1]: row[-1] for row in ranking[2:]}
    assert award["甲镇"] == "是"
    assert award["&lt;b&gt;x&lt;/b&gt;"] == "否 (优质服务: 技术人员占比)"  # HTML escaped


def test_score_markdown_shows_unverified_vetoes(absent_csv):
    run = run_cli("score", absent_csv, "--format", "markdown")
    ranking = md_tables(run.stdout)[0]
    [row] = ranking[2:]
    assert row[-2] == f"{VETO_GROUP} 未核实(缺数据): 政策生育率"
    assert row[-1] == "否 (优质服务 缺数据: 技术人员占比; 一票否决项未核实)"
    assert "1 个乡镇的一票否决项缺数据、未能核实" in run.stdout


@pytest.mark.slow
def test_score_html_has_the_score_title_and_summary(tmp_path, towns_csv):
    html = html_report(tmp_path, "score", towns_csv)
    assert "<h1>考核计分与排名" in html
    assert "3 个乡镇: 否决 1 个,可评奖 1 个;满分 100" in html
    cards = re.findall(r'<div class="card"><b>(\d+)</b>([^<]+)</div>', html)
    assert ("1", "一票否决") in cards and ("1", "可评奖") in cards
    check = html_report(tmp_path, "check", towns_csv)
    assert "<h1>考核指标检查" in check and "可评奖" not in check


def test_score_html_shows_unverified_vetoes(tmp_path, absent_csv):
    html = html_report(tmp_path, "score", absent_csv)
    assert f'<span class="unverified">{VETO_GROUP} 未核实(缺数据): 政策生育率</span>' in html
    assert "否 (优质服务 缺数据: 技术人员占比; 一票否决项未核实)" in html
    assert ("1", "否决项未核实") in re.findall(r'<div class="card"><b>(\d+)</b>([^<]+)</div>', html)


@pytest.mark.slow
def test_html_chart_titles_say_who_has_no_data(tmp_path):
    """The chart title used to end in a cryptic "· 1 —"."""
    many = [town(f"{n}镇", migrant_women=0, migrant_archived=0, migrant_certified=0,
                 migrant_contacted=0) for n in "子丑寅卯辰巳"]  # fmt: skip
    path = write_csv(tmp_path / "in.csv", [town("甲镇", births_policy=None), *many])
    html = html_report(tmp_path, "score", path)
    assert " · 1 —" not in html and "— </div>" not in html
    assert "<b>符合政策生育率 (≥ 95%)</b> · 无数据: 甲镇<br>" in html
    assert "<b>流入已婚育龄妇女建档管理率 (≥ 90%)</b> · 6 个乡镇无数据<br>" in html
    en = html_report(tmp_path, "score", path, lang="en")
    assert " · no data: 甲镇<br>" in en and " · 6 townships without data<br>" in en


def test_html_chart_of_an_indicator_without_any_data(tmp_path):
    fields = [f for f in COUNT_FIELDS if f != "births_policy"]
    path = write_csv(tmp_path / "in.csv", [town("甲镇"), town("乙镇")], fields=fields)
    html = html_report(tmp_path, "score", path)
    assert "<b>符合政策生育率 (≥ 95%)</b> · 无数据: 甲镇、乙镇</div>" in html


# ---------------------------------------------------------------- funnel plots

FUNNEL_NAMES_ZH = [  # the indicators with a funnel model in the default rules, in order
    "出生人口性别比", "在编医疗卫生专业技术人员占比", "出生缺陷发生率",
    "流入已婚育龄妇女建档管理率", "流入已婚育龄妇女发证(查验)率", "流入已婚育龄妇女信息联系率",
    "符合政策生育率", "出生统计误差率", "人口出生率",
]  # fmt: skip


def funnel_svgs(section: str) -> list[str]:
    return re.findall(r'<div class="chart funnel">(<svg .*?</svg>)</div>', section, flags=re.S)


@pytest.mark.slow
def test_html_funnel_plots(tmp_path):
    """The chart `fpmetrics funnel` draws, one per indicator with a funnel, as inline SVG whose
    text stays text (the browser draws it with its own Chinese fonts)."""
    from scoring_builders import SAMPLE_XLSX

    html = html_report(tmp_path, "score", SAMPLE_XLSX)
    _, section = split_funnels(html)
    assert '<h2>漏斗图</h2>\n<section class="funnels">' in html
    assert html.index("<h2>各指标分布</h2>") < html.index("<h2>漏斗图</h2>")  # after the bands
    assert html.index("<h2>漏斗图</h2>") < html.index("<h2>数据问题</h2>")
    svgs = funnel_svgs(section)
    assert len(svgs) == len(FUNNEL_NAMES_ZH) == section.count("<svg ")
    for svg, name in zip(svgs, FUNNEL_NAMES_ZH, strict=True):
        assert svg.startswith(f'<svg role="img" aria-label="{name} — 漏斗图 (精确控制限)"')
        assert f">{name} — 漏斗图</text>" in svg  # the title, as text
        assert "<style" not in svg and "xmlns:xlink" not in svg and " width=" not in svg[:200]
        assert 'viewBox="0 0 576 360"' in svg
    migrant = svgs[3]
    for unit in ("石佛镇", "李台镇", "狮子楼街道", "西湖镇"):  # outside the limits: named
        assert f">{unit}</text>" in migrant, unit
    assert "每个点是一个乡镇" in section
    assert "不画漏斗图(不是比例或率): 自然增长率" in section
    ids = re.findall(r' id="([^"]+)"', "".join(svgs))
    assert len(ids) == len(set(ids))  # every chart's ids its own


@pytest.mark.slow
def test_html_funnel_heading_and_english(tmp_path):
    from scoring_builders import SAMPLE_XLSX

    html = html_report(tmp_path, "check", SAMPLE_XLSX, lang="en")
    _, section = split_funnels(html)
    assert '<h2>Funnel plots</h2>\n<section class="funnels">' in html
    svgs = funnel_svgs(section)
    assert len(svgs) == 9
    assert svgs[0].startswith('<svg role="img" aria-label="Sex ratio at birth — funnel plot')
    assert ">95% limits</text>" in svgs[0] and ">passing range</text>" in svgs[0]
    assert "No funnel plot (not a proportion or a rate): Growth" in section


@pytest.mark.slow
def test_html_funnel_skips_indicators_without_values(tmp_path):
    """No policy-birth column, no in-migrants anywhere: no chart for those, and no crash."""
    path = write_csv_without_funnels(tmp_path / "in.csv")
    html = html_report(tmp_path, "check", path)
    _, section = split_funnels(html)
    svgs = funnel_svgs(section)
    titles = [re.search(r'aria-label="([^"]+) — 漏斗图', s).group(1) for s in svgs]
    assert titles == ["出生人口性别比", "在编医疗卫生专业技术人员占比", "出生缺陷发生率",
                      "出生统计误差率", "人口出生率"]  # fmt: skip
    assert (
        "不画漏斗图(有数值的乡镇少于 3 个): 流入建档率、流入发证率、流入联系率、政策生育率"
        in section
    )
