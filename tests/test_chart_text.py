"""Issue 14: names with dollar signs are drawn as written in every chart (funnel PNG/SVG,
the HTML and xlsx reports): no mathtext, no ParseSyntaxException."""

from __future__ import annotations

import pytest

from conftest import run_cli
from scoring_builders import failing, town, write_csv

NAMES = ["$\\frac{x$", "$x$", "阿$城镇"]


@pytest.fixture
def dollars(tmp_path):
    """The three named townships far outside the funnel of migrant_archive_rate: labelled."""
    towns = [
        town(name, migrant_women=2000, migrant_archived=archived)
        for name, archived in zip(NAMES, (600, 1000, 1400), strict=True)
    ]
    towns += [town(f"镇{i}") for i in range(3)] + [failing("乙镇", "tech_staff_share")]
    return write_csv(tmp_path / "in.csv", towns)


@pytest.mark.parametrize("suffix", [pytest.param("png", marks=pytest.mark.slow), "svg"])
def test_funnel_chart_with_dollar_names(tmp_path, dollars, suffix):
    out = tmp_path / f"f.{suffix}"
    run = run_cli("funnel", "migrant_archive_rate", dollars, "-o", out)
    assert run.exit_code == 0, run
    assert out.stat().st_size > 1000


@pytest.mark.slow
@pytest.mark.parametrize("suffix", ["html", "xlsx"])
def test_reports_with_dollar_names(tmp_path, dollars, suffix):
    out = tmp_path / f"r.{suffix}"
    run = run_cli("score", dollars, "-o", out)
    assert run.exit_code == 1, run
    if suffix == "html":
        html = out.read_text(encoding="utf-8")
        assert "<svg" in html
        assert "$x$" in html.split("<svg", 1)[1]  # a chart label, as written, not as maths


def test_mathtext_is_off_while_drawing():
    import matplotlib

    from fpmetrics.report.funnel_chart import _rc

    with matplotlib.rc_context(_rc(True, "")):
        from matplotlib.text import Text

        assert Text(0, 0, "$x$").get_parse_math() is False
