"""Issue 14, personal data: an id number is never shown in full, in any message or report;
``--records`` masks ids unless ``--full-ids`` asks for them."""

from __future__ import annotations

import csv
import io
import zipfile

import pandas as pd
import pytest

from fpmetrics.validate.privacy import mask_id, mask_ids
from register_builders import MIGRANT_HEADER, migrants

FULL = "371521199000000003"
MASKED = "3715**********0003"


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("110105199001014514", "1101**********4514"),
        (" 11010519900101451X ", "1101**********451X"),
        ("123456789", "1234*6789"),
        ("A0012", "A***2"),
        ("ab", "**"),
        ("", ""),
    ],
)
def test_mask_id(value, masked):
    assert mask_id(value) == masked
    assert mask_ids(pd.Series([value])).tolist() == [masked]


def test_mask_ids_keeps_missing_values():
    out = mask_ids(pd.Series(["110105199001014514", None, float("nan")], dtype=object))
    assert out.iloc[0] == "1101**********4514" and out.iloc[1:].isna().all()


@pytest.fixture
def repeated(build):
    rows = migrants("七级镇", 10, archived=8)
    rows.append(rows[3])  # row 12 repeats row 5: id FULL
    assert rows[3][1] == FULL
    return build.csv("migrants.csv", [MIGRANT_HEADER, *rows])


def _xlsx_text(path) -> str:
    with zipfile.ZipFile(path) as zf:
        return "".join(zf.read(n).decode("utf-8") for n in zf.namelist() if n.endswith(".xml"))


@pytest.mark.slow
def test_duplicate_id_is_masked_on_screen_and_in_every_report(cli, repeated, tmp_path):
    shown = cli("check", repeated)
    assert shown.exit_code == 1
    assert FULL not in shown.stdout + shown.stderr
    assert MASKED in shown.stdout + shown.stderr
    data = cli("check", repeated, "-f", "json").json()
    [problem] = [p for p in data["problems"] if p["code"] == "duplicate_id"]
    assert MASKED in problem["message"] and problem["row"] == 12
    for suffix in ("json", "csv", "md", "html", "xlsx"):
        out = tmp_path / f"report.{suffix}"
        assert cli("score", repeated, "-o", out).exit_code in (0, 1)
        text = _xlsx_text(out) if suffix == "xlsx" else out.read_text(encoding="utf-8-sig")
        assert FULL not in text, suffix
        if suffix == "md":  # Markdown escapes the stars: \* renders as *
            assert MASKED.replace("*", "\\*") in text
        elif suffix != "csv":  # the CSV holds results only, no problems
            assert MASKED in text, suffix


def _records(path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"))))


def test_records_mask_ids_unless_full_ids_is_asked_for(cli, build, repeated):
    out = build.root / "behind.csv"
    assert cli("check", repeated, "--records", out).exit_code == 1
    ids = [r["身份证号"] for r in _records(out)]
    assert ids and all("**********" in i for i in ids)
    assert not any(i in out.read_text(encoding="utf-8-sig") for i in (FULL, "371521199000000008"))
    assert cli("check", repeated, "--records", out, "--full-ids").exit_code == 1
    assert {r["身份证号"] for r in _records(out)} == {"371521199000000008", "371521199000000009"}


def test_records_help_says_it_exports_personal_data(cli):
    english = cli("check", "--help", "--lang", "en").stdout
    assert "personal" in english and "--full-ids" in english
    chinese = cli("check", "--help").stdout  # --help follows the language: Chinese by default
    assert "个人数据" in chinese and "--full-ids" in chinese
