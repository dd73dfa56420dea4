"""Builders for the scoring, report, template and export-safety tests (issue 4).

Self-contained on purpose (no dependence on conftest internals): townships are dicts of
canonical fields written as CSV with the canonical Chinese headers, rule files are YAML
that ``extends: default``, and the CLI runs in-process through ``fpmetrics.cli:main``.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
SAMPLE_XLSX = REPO / "sample_data" / "county_2024.xlsx"
SAMPLE_MESSY_XLSX = REPO / "sample_data" / "county_2024_messy.xlsx"

# The ten indicators of the shipped `default` rule set, in rule order.
INDICATORS = [
    "sex_ratio_at_birth",
    "tech_staff_share",
    "birth_defect_rate",
    "migrant_archive_rate",
    "migrant_certificate_rate",
    "migrant_contact_rate",
    "policy_birth_rate",
    "birth_stat_error_rate",
    "crude_birth_rate",
    "natural_growth_rate",
]
# Short Chinese labels (rules/default.yaml `short:`), in rule order.
SHORT_ZH = [
    "性别比",
    "技术人员占比",
    "出生缺陷",
    "流入建档率",
    "流入发证率",
    "流入联系率",
    "政策生育率",
    "统计误差率",
    "出生率",
    "自然增长率",
]
VETO_GROUP = "三控制一达标"
VETO_INDICATORS = [
    "crude_birth_rate",
    "natural_growth_rate",
    "birth_stat_error_rate",
    "policy_birth_rate",
]
AWARD_GROUP = "优质服务"
AWARD_INDICATORS = [
    "tech_staff_share",
    "birth_defect_rate",
    "migrant_archive_rate",
    "migrant_certificate_rate",
    "migrant_contact_rate",
]

# Canonical field → its canonical Chinese header (fpmetrics.normalise.fields: `zh`).
HEADERS = {
    "township": "乡镇(街道)",
    "period": "年度",
    "population": "年平均人口",
    "births": "出生人数",
    "births_male": "出生男婴数",
    "births_female": "出生女婴数",
    "births_policy": "符合政策生育数",
    "births_reported": "上报出生数",
    "births_verified": "核查出生数",
    "perinatal_births": "围产儿数",
    "birth_defects": "出生缺陷数",
    "deaths": "死亡人数",
    "station_staff": "服务站在编人员数",
    "station_tech_staff": "在编专业技术人员数",
    "migrant_women": "流入已婚育龄妇女数",
    "migrant_archived": "已建档数",
    "migrant_certified": "已查验证数",
    "migrant_contacted": "信息联系数",
}
COUNT_FIELDS = [f for f in HEADERS if f not in ("township", "period")]

# Passes all ten default indicators: sex ratio 105, tech staff 80%, defects 4.76‰,
# migrant rates 95%, policy births 97.56%, stat. error 0%, birth rate 10.25‰, growth 4.25‰.
PASSING: dict[str, int] = {
    "population": 20000,
    "births": 205,
    "births_male": 105,
    "births_female": 100,
    "births_policy": 200,
    "births_reported": 205,
    "births_verified": 205,
    "perinatal_births": 210,
    "birth_defects": 1,
    "deaths": 120,
    "station_staff": 10,
    "station_tech_staff": 8,
    "migrant_women": 100,
    "migrant_archived": 95,
    "migrant_certified": 95,
    "migrant_contacted": 95,
}

# Overrides that make exactly one indicator fail (value in the comment), all else passing.
FAILS: dict[str, dict[str, int]] = {
    "sex_ratio_at_birth": {"births_male": 110, "births": 210, "births_verified": 210,
                           "births_reported": 210, "births_policy": 205},  # 110
    "tech_staff_share": {"station_tech_staff": 6},  # 60%
    "birth_defect_rate": {"birth_defects": 2, "perinatal_births": 200},  # 10‰
    "migrant_archive_rate": {"migrant_archived": 80},  # 80%
    "migrant_certificate_rate": {"migrant_certified": 80},  # 80%
    "migrant_contact_rate": {"migrant_contacted": 80},  # 80%
    "policy_birth_rate": {"births_policy": 190},  # 92.68%
    "birth_stat_error_rate": {"births_verified": 215},  # 4.65%
    "crude_birth_rate": {"population": 15000, "deaths": 200},  # 13.67‰ (growth 0.33‰)
    "natural_growth_rate": {"deaths": 60},  # 7.25‰
}  # fmt: skip


def town(name: str, **overrides: Any) -> dict[str, Any]:
    """A township passing everything, with ``overrides`` (canonical fields) applied."""
    unknown = set(overrides) - set(COUNT_FIELDS) - {"period"}
    assert not unknown, f"unknown fields: {unknown}"
    return {"township": name, **PASSING, **overrides}


def failing(name: str, *indicators: str, **overrides: Any) -> dict[str, Any]:
    """A township failing exactly ``indicators`` (from :data:`FAILS`)."""
    merged: dict[str, Any] = {}
    for key in indicators:
        clash = {f for f in FAILS[key] if f in merged and merged[f] != FAILS[key][f]}
        assert not clash, f"{indicators} cannot be combined (fields {clash})"
        merged.update(FAILS[key])
    merged.update(overrides)
    return town(name, **merged)


def write_csv(path: Path, towns: list[dict[str, Any]], fields: list[str] | None = None) -> Path:
    """UTF-8 CSV with a header row of canonical Chinese headers, one row per township."""
    if fields is None:
        fields = list(COUNT_FIELDS)
        if any("period" in t for t in towns):
            fields = ["period", *fields]
    columns = ["township", *fields]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([HEADERS[c] for c in columns])
    for row in towns:
        writer.writerow(["" if row.get(c) is None else row.get(c, "") for c in columns])
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path


def write_csv_without_funnels(path: Path) -> Path:
    """Three townships without in-migrants, one failing birth defects, and no policy-birth
    column: indicators with no value anywhere, for the reports' funnel sections."""
    towns = [town(n, migrant_women=0, migrant_archived=0, migrant_certified=0,
                  migrant_contacted=0) for n in ("甲镇", "乙镇", "丙镇")]  # fmt: skip
    towns.append(failing("丁镇", "birth_defect_rate"))
    fields = [f for f in COUNT_FIELDS if f != "births_policy"]
    return write_csv(path, towns, fields=fields)


def write_rules(
    path: Path,
    points: dict[str, Any] | None = None,
    default_points: float = 10,
    veto: list[dict[str, Any]] | None = None,
    award_gate: list[dict[str, Any]] | None = None,
    no_data: str | None = None,
    indicators: dict[str, dict[str, Any]] | None = None,
    extra: dict[str, Any] | None = None,
) -> Path:
    """A rule file that ``extends: default`` and replaces the whole scoring scheme.

    Every one of the ten indicators gets ``default_points`` and no deduction unless
    ``points`` gives it a number (no deduction) or a dict (``{points, deduct}``). ``veto`` and
    ``award_gate`` default to none (lists replace the default's lists when merged).
    """
    items: dict[str, Any] = {}
    for key in INDICATORS:
        spec = (points or {}).get(key, default_points)
        if isinstance(spec, dict):
            items[key] = {"points": spec["points"], "deduct": spec.get("deduct")}
        else:
            items[key] = {"points": spec, "deduct": None}
    scoring: dict[str, Any] = {
        "indicators": items,
        "veto": veto or [],
        "award_gate": award_gate or [],
    }
    if no_data is not None:
        scoring["no_data"] = no_data
    data: dict[str, Any] = {"extends": "default", "name": "test_scheme", "scoring": scoring}
    if indicators:
        data["indicators"] = indicators
    if extra:
        data.update(extra)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def scores_by_unit(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {s["unit"]: s for s in data["scores"]}


def statuses(data: dict[str, Any]) -> dict[tuple[str, str], str]:
    return {(r["unit"], r["indicator"]): r["status"] for r in data["results"]}


# ---------------------------------------------------------------- printing through LibreOffice


def print_to_pdf(tmp_path: Path, *workbooks: Path) -> Path:
    """Convert ``workbooks`` to PDF with LibreOffice, with a small unscaled calibration
    table first; the PDF directory. Skips the test where LibreOffice is not installed."""
    import shutil
    import subprocess

    from openpyxl import Workbook

    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        pytest.skip("LibreOffice (soffice) is not installed: the PDF print check needs it")
    calibration = Workbook()
    for _ in range(10):
        calibration.active.append(["测试乡镇", 12.5, 100.0, "达标"])
    calibration.save(tmp_path / "calibration.xlsx")
    outdir = tmp_path / "pdf"
    profile = (tmp_path / "lo-profile").as_uri()
    subprocess.run(
        [soffice, f"-env:UserInstallation={profile}", "--headless", "--convert-to", "pdf",
         "--outdir", str(outdir), str(tmp_path / "calibration.xlsx"), *map(str, workbooks)],
        capture_output=True,
        timeout=180,
        check=False,
    )  # fmt: skip
    return outdir


def print_scales(outdir: Path, pdf: Path) -> list[float]:
    """Per page of ``pdf``: its body text's size relative to the unscaled calibration table
    (median height of the word boxes, pdftotext -bbox). Skips the test without poppler-utils."""
    import re
    import shutil
    import statistics
    import subprocess

    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed: print scales are not measured")

    def heights(path: Path) -> list[float]:
        text = subprocess.run(
            ["pdftotext", "-bbox", str(path), "-"], capture_output=True, text=True, check=True
        ).stdout
        pages = []
        for page in text.split("<page ")[1:]:
            boxes = re.findall(r'yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)"', page)
            pages.append(statistics.median(float(b) - float(a) for a, b in boxes))
        return pages

    [full] = heights(outdir / "calibration.pdf")
    return [h / full for h in heights(pdf)]
