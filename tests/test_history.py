"""The history (issue 21): runs kept in SQLite, the previous period on each result, and the
file's safety: one transaction per run, concurrent runs, an older schema migrated."""

from __future__ import annotations

import json
import multiprocessing
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pandas as pd
import pytest

from conftest import Build, assert_clean_error, plain_env, run_cli

HEADER = ["乡镇", "月份", "出生男婴数", "出生女婴数"]
JAN = [["阿城镇", "2024-01", 52, 50], ["张秋镇", "2024-01", 60, 50], ["定水镇", "2024-01", 70, 50]]
FEB = [["阿城镇", "2024-02", 60, 50], ["张秋镇", "2024-02", 52, 50], ["定水镇", "2024-02", 71, 50]]


def _sheets(build: Build) -> tuple[Path, Path]:
    return build.csv("jan.csv", [HEADER, *JAN]), build.csv("feb.csv", [HEADER, *FEB])


def _sex_ratio(data: dict) -> dict[str, dict]:
    return {r["unit"]: r for r in data["results"] if r["indicator"] == "sex_ratio_at_birth"}


def _runs(path: Path) -> list[tuple]:
    with sqlite3.connect(path) as db:
        return db.execute("SELECT id, periods, superseded_by FROM runs ORDER BY id").fetchall()


# ------------------------------------------------------------------ previous period


@pytest.mark.slow
def test_second_monthly_sheet_shows_previous_values_and_arrows(build, cli, tmp_path):
    jan, feb = _sheets(build)
    history = tmp_path / "history.db"
    first = cli("check", jan, "--history", history, "-f", "json")
    assert first.exit_code == 1, first.stderr
    assert all(r["previous"] is None for r in first.json()["results"])

    second = cli("check", feb, "--history", history, "-f", "json")
    sex = _sex_ratio(second.json())
    assert sex["阿城镇"]["previous"] == {"period": "2024-01", "value": 104.0, "status": "pass"}
    assert sex["张秋镇"]["previous"] == {"period": "2024-01", "value": 120.0, "status": "fail"}
    assert sex["定水镇"]["previous"]["value"] == 140.0
    # Indicators without data then or now have no previous value.
    births = [r for r in second.json()["results"] if r["indicator"] == "crude_birth_rate"]
    assert all(r["previous"] == {"period": "2024-01", "value": None, "status": "no_data"}
               for r in births)  # fmt: skip

    table = cli("check", feb, "--history", history)
    lines = table.stdout.splitlines()
    acheng = next(line for line in lines if line.lstrip().startswith("阿城镇"))
    zhangqiu = next(line for line in lines if line.lstrip().startswith("张秋镇"))
    assert "▲104.00" in acheng and "▼120.00" in zhangqiu
    assert "新出现不达标: 阿城镇" in table.stdout
    report = cli("check", feb, "--history", history, "-f", "markdown").stdout
    assert "| 阿城镇 2024-02 | **120.00○ ✗** ▲104.00 |" in report
    html = cli("check", feb, "--history", history, "-f", "html").stdout
    assert "▼120.00" in html


def test_a_township_that_newly_fails_is_listed_first(build, cli, tmp_path):
    history = tmp_path / "h.db"
    before = [["甲镇", "2024-01", 60, 50], ["乙镇", "2024-01", 52, 50]]
    after = [["甲镇", "2024-02", 61, 50], ["乙镇", "2024-02", 60, 50]]
    cli("check", build.csv("a.csv", [HEADER, *before]), "--history", history)
    data = cli("check", build.csv("b.csv", [HEADER, *after]), "--history", history, "-f", "json")
    units = [u["unit"] for u in data.json()["units"]]
    assert units == ["乙镇", "甲镇"]  # 乙镇 failed only now; 甲镇 failed before too
    assert data.json()["results"][0]["unit"] == "乙镇"


def test_without_a_history_previous_is_null_and_the_table_unchanged(build, cli):
    jan, _ = _sheets(build)
    data = cli("check", jan, "-f", "json").json()
    assert all(r["previous"] is None for r in data["results"])
    assert "▲" not in cli("check", jan).stdout


def test_history_from_the_environment(build, cli, tmp_path):
    jan, feb = _sheets(build)
    history = tmp_path / "env.db"
    cli("check", jan, "--history", history)
    data = cli("check", feb, "-f", "json", env={"FPMETRICS_HISTORY": str(history)}).json()
    assert _sex_ratio(data)["阿城镇"]["previous"]["period"] == "2024-01"
    assert len(_runs(history)) == 2


@pytest.mark.slow
def test_score_records_and_shows_previous_too(build, cli, tmp_path):
    jan, feb = _sheets(build)
    history = tmp_path / "h.db"
    cli("score", jan, "--history", history)
    data = cli("score", feb, "--history", history, "-f", "json").json()
    sex = [r for r in data["results"] if r["indicator"] == "sex_ratio_at_birth"]
    assert sex[0]["previous"]["period"] == "2024-01"


# ------------------------------------------------------------------ what is stored


@pytest.mark.slow
def test_same_inputs_again_replace_the_run_and_revised_inputs_supersede_it(build, cli, tmp_path):
    jan, _ = _sheets(build)
    history = tmp_path / "h.db"
    cli("check", jan, "--history", history)
    cli("check", jan, "--history", history)
    assert len(_runs(history)) == 1  # not doubled
    revised = build.csv("jan2.csv", [HEADER, ["阿城镇", "2024-01", 58, 50], *JAN[1:]])
    cli("check", revised, "--history", history)
    (old, _, by), (new, _, none) = _runs(history)
    assert by == new and none is None
    # The revision does not count as the previous period of the revised period.
    data = cli("check", revised, "--history", history, "-f", "json").json()
    assert _sex_ratio(data)["阿城镇"]["previous"] is None
    assert _runs(history)[0][0] == old  # the superseded run is kept


def test_no_id_numbers_or_records_are_stored(build, cli, tmp_path):
    ids = ["371579545759378528", "371579545759378529"]
    rows = [["阿城镇", "2024-03-01", "男", ids[0]], ["阿城镇", "2024-03-02", "女", ids[1]]]
    path = build.csv("births.csv", [["乡镇", "出生日期", "性别", "出生医学证明编号"], *rows])
    history = tmp_path / "h.db"
    cli("check", path, "--history", history)
    raw = history.read_bytes() + b"".join(
        p.read_bytes() for p in tmp_path.glob("h.db-*") if p.is_file()
    )
    assert all(i.encode() not in raw for i in ids)
    with sqlite3.connect(history) as db:
        tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        (digest,) = db.execute("SELECT sha256 FROM inputs").fetchone()
        counts = dict(db.execute("SELECT field, value FROM counts WHERE unit = '阿城镇'"))
    assert tables == {"schema_version", "runs", "inputs", "results", "counts"}
    from fpmetrics.analyses.history import file_hash

    assert digest == file_hash(path)
    assert counts["births_male"] == 1 and counts["births_female"] == 1


def test_a_file_that_is_not_a_history_is_a_clean_error_and_left_alone(build, cli):
    jan, _ = _sheets(build)
    other = build.text("notes.db", "这不是数据库\n" * 200)
    before = other.read_bytes()
    assert_clean_error(cli("check", jan, "--history", other))
    assert other.read_bytes() == before


# ------------------------------------------------------------------ safety


def _record(path: str, month: str, rows: int = 3) -> int:
    from fpmetrics.analyses.history import RunRecord, record

    results = pd.DataFrame(
        {
            "unit": [f"镇{n}" for n in range(rows)],
            "period": month,
            "indicator": "sex_ratio_at_birth",
            "value": 104.0,
            "status": "pass",
        }
    )
    counts = pd.DataFrame({"unit": ["镇0"], "period": [month], "field": ["births"], "value": [1]})
    run = RunRecord("check", "default", "01-01", "township", [("x.csv", month)], results, counts)
    return record(Path(path), run)


def test_two_runs_writing_at_once_both_land(tmp_path):
    history = str(tmp_path / "h.db")
    _record(history, "2023-12")  # the schema exists; the two below race on the writes
    context = multiprocessing.get_context("fork")
    months = [f"2024-{m:02d}" for m in range(1, 13)]
    with context.Pool(2) as pool:
        ids = pool.starmap(_record, [(history, m, 300) for m in months])
    assert len(set(ids)) == 12
    with sqlite3.connect(history) as db:
        assert db.execute("SELECT count(*) FROM runs").fetchone()[0] == 13
        assert db.execute("SELECT count(*) FROM results").fetchone()[0] == 12 * 300 + 3


@pytest.mark.slow
def test_two_cli_runs_at_once_both_land(build, tmp_path):
    jan, feb = _sheets(build)
    history = tmp_path / "h.db"
    env = plain_env()
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "fpmetrics.cli", "check", str(p), "--history", str(history)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        for p in (jan, feb)
    ]
    for proc in procs:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 1, err.decode()
    assert sorted(json.loads(r[1]) for r in _runs(history)) == [["2024-01"], ["2024-02"]]


_KILLED_WRITER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    import pandas as pd
    from fpmetrics.analyses import history
    class Pausing:
        # The connection, paused forever after the results are written, inside the run's
        # transaction: the parent kills the process there.
        def __init__(self, db):
            self.db = db
        def execute(self, *args):
            return self.db.execute(*args)
        def executemany(self, sql, rows):
            done = self.db.executemany(sql, rows)
            if "INTO results" in sql:
                print("mid-write", flush=True)
                time.sleep(600)
            return done

    results = pd.DataFrame({"unit": [f"镇{n}" for n in range(5000)], "period": "2024-02",
                            "indicator": "sex_ratio_at_birth", "value": 1.0, "status": "fail"})
    run = history.RunRecord("check", "default", "01-01", "township", [("feb.csv", "ab")],
                            results, pd.DataFrame(columns=["unit", "period", "field", "value"]))
    with history.connect(Path(sys.argv[1])) as db:
        history._write(Pausing(db), run)
    """
)


@pytest.mark.slow
def test_a_run_killed_mid_write_leaves_the_history_as_it_was(tmp_path):
    from fpmetrics.analyses.history import connect, runs

    path = tmp_path / "h.db"
    _record(str(path), "2024-01")
    before = path.read_bytes()
    with sqlite3.connect(path) as db:
        rows_before = db.execute("SELECT * FROM results").fetchall()
    child = subprocess.Popen(
        [sys.executable, "-c", _KILLED_WRITER, str(path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert child.stdout is not None
    line = child.stdout.readline()
    assert line.strip() == b"mid-write", child.stderr.read() if child.stderr else b""
    os.kill(child.pid, signal.SIGKILL)
    child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert db.execute("SELECT * FROM results").fetchall() == rows_before
    with connect(path) as db:
        listed = runs(db)
    assert listed["periods"].tolist() == [["2024-01"]]
    assert path.read_bytes()[:16] == before[:16]
    # And the history takes the next run as usual.
    _record(str(path), "2024-02")
    assert len(_runs(path)) == 2


def test_an_old_version_file_is_migrated(tmp_path):
    from fpmetrics.analyses.history import SCHEMA_V1, SCHEMA_VERSION, connect, results, runs

    path = tmp_path / "v1.db"
    with sqlite3.connect(path) as db:  # a file as fpmetrics wrote it with schema version 1
        db.executescript(SCHEMA_V1)
        db.execute("INSERT INTO schema_version VALUES (1)")
        db.execute(
            "INSERT INTO runs VALUES (1, '2024-02-05T08:00:00+00:00', 'check', 'default',"
            " 'township', '[\"2024-01\"]', 1, '0.2.0')"
        )
        db.execute("INSERT INTO inputs VALUES (1, 'jan.csv', 'aa')")
        db.execute(
            "INSERT INTO results VALUES (1, '阿城镇', NULL, '2024-01', 'sex_ratio_at_birth',"
            " 104.0, 52, 50, 'pass')"
        )
    with connect(path) as db:
        (version,) = db.execute("SELECT version FROM schema_version").fetchone()
        listed = runs(db)
        found = results(db)
    assert version == SCHEMA_VERSION
    assert listed["inputs"].tolist() == [["jan.csv"]] and listed["year_start"].tolist() == ["01-01"]
    assert found[["unit", "period", "value", "status"]].values.tolist() == [
        ["阿城镇", "2024-01", 104.0, "pass"]
    ]
    # The migrated file works as a history: a later month sees January as its previous one.
    from fpmetrics.analyses.changes import attach_previous
    from fpmetrics.analyses.history import current_results

    now = pd.DataFrame({"unit": ["阿城镇"], "period": ["2024-02"], "period_start": ["2024-02-01"],
                        "indicator": ["sex_ratio_at_birth"], "value": [110.0],
                        "status": ["fail"]})  # fmt: skip
    previous = attach_previous(now, current_results(path, "township"))["previous"][0]
    assert previous == {"period": "2024-01", "value": 104.0, "status": "pass"}


def test_a_history_from_a_newer_fpmetrics_is_refused_and_left_alone(build, cli, tmp_path):
    path = tmp_path / "new.db"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
        db.execute("INSERT INTO schema_version VALUES (99)")
    before = path.read_bytes()
    jan, _ = _sheets(build)
    result = cli("check", jan, "--history", path)
    assert_clean_error(result)
    assert "99" in result.stderr
    assert path.read_bytes() == before


# ------------------------------------------------------------------ fpmetrics history


@pytest.fixture(scope="module")
def kept(tmp_path_factory) -> Path:
    """A history of January, February, and a revision of February (runs 1, 2, 3); built once
    for the tests of the ``history`` command, which only read it."""
    build = Build(tmp_path_factory.mktemp("kept"))
    jan, feb = _sheets(build)
    history = build.root / "kept.db"
    run_cli("check", jan, "--history", history)
    run_cli("check", feb, "--history", history)
    revised = build.csv("feb2.csv", [HEADER, ["阿城镇", "2024-02", 55, 50], *FEB[1:]])
    run_cli("check", revised, "--history", history)
    return history


def test_history_lists_runs(kept, cli):
    data = cli("history", kept, "-f", "json").json()
    listed = data["runs"]
    assert [r["periods"] for r in listed] == [["2024-01"], ["2024-02"], ["2024-02"]]
    assert [r["superseded_by"] for r in listed] == [None, listed[2]["run"], None]
    assert [i["file"].rsplit("/", 1)[-1] for i in listed[1]["inputs"]] == ["feb.csv"]
    assert listed[0]["ruleset"] == "default" and listed[0]["units"] == 3
    assert len(listed[0]["inputs"][0]["sha256"]) == 64
    table = cli("history", kept)
    assert table.exit_code == 0
    assert "feb2.csv" in table.stdout and f"已被运行 {listed[2]['run']}" in table.stdout


def test_history_unit_shows_one_townships_series(kept, cli):
    data = cli("history", kept, "--unit", "阿城镇", "-f", "json").json()
    sex = [s for s in data["series"] if s["indicator"] == "sex_ratio_at_birth"]
    assert [(s["period"], s["value"], s["status"]) for s in sex] == [
        ("2024-01", 104.0, "pass"),
        ("2024-02", 110.0, "fail"),  # the current revision of February
    ]
    assert sex[1]["numerator"] == 55 and sex[1]["period_end"] == "2024-02-29"
    table = cli("history", kept, "--unit", "阿城镇").stdout
    assert "出生人口性别比" in table and "110.00" in table and "120.00" not in table


def test_history_diff_shows_revised_figures(kept, cli):
    listed = cli("history", kept, "-f", "json").json()["runs"]
    a, b = listed[1]["run"], listed[2]["run"]
    data = cli("history", kept, "--diff", a, b, "-f", "json").json()
    assert data["results"] == [
        {"unit": "阿城镇", "period": "2024-02", "indicator": "sex_ratio_at_birth",
         "before": {"value": 120.0, "status": "fail"},
         "after": {"value": 110.0, "status": "fail"}, "change": "changed"}
    ]  # fmt: skip
    fields = {c["field"]: (c["before"], c["after"]) for c in data["counts"]}
    assert fields["births_male"] == (60, 55)
    table = cli("history", kept, "--diff", a, b, "--lang", "en").stdout
    assert "120.00 FAIL" in table and "110.00 FAIL" in table
    same = cli("history", kept, "--diff", a, a)
    assert same.exit_code == 0 and "没有差别" in same.stdout


def test_history_commands_refuse_what_is_not_there(kept, cli, tmp_path):
    assert_clean_error(cli("history", tmp_path / "none.db"))
    assert not (tmp_path / "none.db").exists()
    assert_clean_error(cli("history", kept, "--unit", "无此镇"))
    assert_clean_error(cli("history", kept, "--diff", 1, 99))


# ------------------------------------------------------------------ audit --history


@pytest.mark.slow
def test_audit_reads_earlier_periods_from_the_history(build, cli, tmp_path):
    history = tmp_path / "h.db"
    for month in ("01", "02", "03"):
        rows = [["阿城镇", f"2024-{month}", 100, 98], ["张秋镇", f"2024-{month}", 90, 88]]
        cli("check", build.csv(f"m{month}.csv", [HEADER, *rows]), "--history", history)
    april = build.csv("m04.csv", [HEADER, ["阿城镇", "2024-04", 200, 80],
                                  ["张秋镇", "2024-04", 91, 88]])  # fmt: skip
    alone = cli("audit", april, "-f", "json").json()
    assert not [s for s in alone["signals"] if s["signal"] == "sex_ratio_jump"]
    data = cli("audit", april, "--history", history, "-f", "json").json()
    jumps = [s for s in data["signals"] if s["signal"] == "sex_ratio_jump"]
    assert [(s["unit"], s["period"]) for s in jumps] == [("阿城镇", "2024-03→2024-04")]
    assert jumps[0]["detail"]["from"] == {"boys": 100.0, "girls": 98.0}


def test_history_units_take_the_current_revision_and_skip_this_runs_periods():
    from fpmetrics.analyses.history_audit import with_earlier_periods

    units = pd.DataFrame({"township": ["阿城镇"], "period": ["2024-02"], "births_male": [5.0],
                          "births_female": [4.0], "_bad_births_male": [False]})  # fmt: skip
    earlier = pd.DataFrame({"township": ["阿城镇", "阿城镇"], "period": ["2024-01", "2024-02"],
                            "births_male": [1.0, 9.0], "births_female": [2.0, 9.0]})  # fmt: skip
    joined = with_earlier_periods(units, earlier)
    assert joined[["period", "births_male"]].values.tolist() == [["2024-01", 1.0], ["2024-02", 5.0]]
    assert joined["_bad_births_male"].tolist() == [False, False]


@pytest.mark.slow
def test_runs_without_periods_are_each_kept_and_compared_in_turn(build, cli, tmp_path):
    history = tmp_path / "h.db"
    header = ["乡镇", "出生男婴数", "出生女婴数"]
    cli("check", build.csv("y1.csv", [header, ["阿城镇", 52, 50]]), "--history", history)
    data = cli("check", build.csv("y2.csv", [header, ["阿城镇", 60, 50]]), "--history", history)
    assert [r[2] for r in _runs(history)] == [None, None]  # neither supersedes the other
    sex = _sex_ratio(cli("check", build.csv("y3.csv", [header, ["阿城镇", 61, 50]]),
                         "--history", history, "-f", "json").json())  # fmt: skip
    assert sex["阿城镇"]["previous"] == {"period": None, "value": 120.0, "status": "fail"}
    assert data.exit_code == 1


def test_an_input_named_as_the_history_is_refused_and_untouched(build, cli):
    jan, _ = _sheets(build)
    before = jan.read_bytes()
    assert_clean_error(cli("check", jan, "--history", jan))
    assert jan.read_bytes() == before


@pytest.mark.slow
def test_the_workbook_report_has_the_change_from_the_previous_period(build, cli, tmp_path):
    from openpyxl import load_workbook

    jan, feb = _sheets(build)
    history = tmp_path / "h.db"
    cli("check", jan, "--history", history)
    out = tmp_path / "report.xlsx"
    assert cli("check", feb, "--history", history, "-o", out).exit_code == 1
    sheet = load_workbook(out)["明细"]
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    header = next(r for r in values if "与上期比" in r)
    at = header.index("与上期比")
    assert "▲104.00" in [r[at] for r in values]


def test_no_data_before_is_not_newly_failing():
    from fpmetrics.analyses.changes import newly_failing

    results = pd.DataFrame(
        {
            "unit": ["甲镇", "乙镇", "丙镇"],
            "period": ["2024-02"] * 3,
            "status": ["fail", "fail", "fail"],
            "previous": [
                {"period": "2024-01", "value": None, "status": "no_data"},
                {"period": "2024-01", "value": 99.0, "status": "warn"},
                None,
            ],
        }
    )
    assert newly_failing(results)["unit"].tolist() == ["乙镇"]


def test_a_run_that_cannot_be_done_is_not_recorded(build, cli, tmp_path):
    jan, _ = _sheets(build)
    rules = build.text("noscore.yaml", "name: x\ntitle: x\nindicators:\n"
                       "  sex_ratio_at_birth: {name: 性别比, numerator: births_male,"
                       " denominator: births_female, scale: 100, max: 107}\n")  # fmt: skip
    history = tmp_path / "h.db"
    assert_clean_error(cli("score", jan, "-r", rules, "--history", history))
    assert not history.exists() or _runs(history) == []
