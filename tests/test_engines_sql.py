"""A register in a real PostgreSQL: the same JSON as the CSV path, counted in the database;
credentials never shown; each fault one clear line and exit 2.

The session fixture starts a throwaway cluster (initdb + pg_ctl, a temporary folder, a free
local port); the tests are skipped with the reason when the server binaries or the ``sql``
extra are missing (.ci/install-services.sh installs the server)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time

import pytest

import pg_cluster
from conftest import BIRTHS_REGISTER, MIGRANTS_REGISTER, check_json

BIRTHS, MIGRANTS = BIRTHS_REGISTER, MIGRANTS_REGISTER


@pytest.fixture(scope="session")
def pg():
    pytest.importorskip("psycopg", reason="the sql extra is not installed (uv sync --extra sql)")
    pytest.importorskip("sqlglot", reason="the sql extra is not installed (uv sync --extra sql)")
    if pg_cluster.server_bin() is None:
        pytest.skip("PostgreSQL server binaries missing (bash .ci/install-services.sh)")
    try:
        cluster = pg_cluster.start()
    except RuntimeError as exc:
        pytest.skip(f"could not start a PostgreSQL cluster: {exc}")
    import psycopg

    try:
        with psycopg.connect(cluster.url("postgres"), autocommit=True) as connection:
            connection.execute("CREATE DATABASE registers")
        pg_cluster.load_csv(cluster.url(), "births", BIRTHS)
        pg_cluster.load_csv(cluster.url(), "migrants", MIGRANTS, "gb18030")
        with psycopg.connect(cluster.url(), autocommit=True) as connection:
            connection.execute(
                'CREATE TABLE typed AS SELECT "出生医学证明编号", "乡镇", "村(居)", '
                '"出生日期"::date AS "出生日期", "性别", "是否符合政策", "是否出生缺陷", '
                '"妊娠结局" FROM births WHERE "出生日期" <> \'2024-02-30\''
            )
            connection.execute(
                'CREATE TABLE blobs AS SELECT convert_to("乡镇", \'UTF8\') AS "乡镇", '
                '"出生日期", "性别" FROM births'
            )
        yield cluster
    finally:
        cluster.stop()


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PG", "FPMETRICS_"))}
    env.update(PYTHONIOENCODING="utf-8", COLUMNS="200", **extra)
    return env


def _located_nowhere(data: dict, *where: str) -> dict:
    """The JSON with where the rows are (file, table, the location in summary lines) blanked."""
    data["inputs"] = None  # where the rows came from: the one entry allowed to differ
    for problem in data["problems"]:
        problem["file"] = problem["sheet"] = None
        for text in where:
            problem["message"] = problem["message"].replace(text, "WHERE")
    return data


@pytest.mark.slow
@pytest.mark.parametrize(
    ("table", "sample", "options"),
    [
        ("births", BIRTHS, ()),
        ("births", BIRTHS, ("--period", "year")),
        ("births", BIRTHS, ("--period", "month")),
        ("births", BIRTHS, ("--period", "quarter")),
        ("births", BIRTHS, ("--period", "half")),
        ("births", BIRTHS, ("--period", "year", "--units", "侨润街道,博济桥街道")),
        ("migrants", MIGRANTS, ()),
    ],
    ids=[
        "births",
        "births-year",
        "births-month",
        "births-quarter",
        "births-half",
        "births-units",
        "migrants",
    ],
)
def test_table_gives_the_csv_json(pg, cli, table, sample, options):
    url = pg.url()
    from_db = check_json(cli, url, "--table", table, *options)
    from_csv = check_json(cli, sample, *options)
    assert from_csv["problems"], "the sample registers carry problems to compare"
    masked = url.replace(pg_cluster.PASSWORD, "***")
    assert {p["file"] for p in from_db["problems"]} == {masked}
    assert {p["sheet"] for p in from_db["problems"]} == {table}
    where = (f"{masked} [{table}]", masked)
    assert _located_nowhere(from_db, *where) == _located_nowhere(from_csv, str(sample))


@pytest.mark.slow
def test_query_gives_the_csv_json(pg, cli):
    url = pg.url()
    query = "select * from births where \"乡镇\" <> '侨润街道'"
    from_db = check_json(cli, url, "--query", query, "--period", "year")
    assert from_db["results"]
    assert "侨润街道" not in {r["unit"] for r in from_db["results"]}
    from_table = check_json(cli, url, "--table", "births", "--period", "year")
    want = [r for r in from_table["results"] if r["unit"] != "侨润街道"]
    assert from_db["results"] == want


@pytest.mark.slow
def test_typed_date_column_reads_as_its_text(pg, cli):
    url = pg.url()
    got = check_json(cli, url, "--table", "typed", "--period", "month")
    query = "select * from births where \"出生日期\" <> '2024-02-30'"
    want = check_json(cli, url, "--query", query, "--period", "month")
    assert got["results"] == want["results"]


@pytest.mark.slow
def test_the_password_is_never_shown(pg, cli):
    for options in ((), ("--format", "json"), ("--format", "markdown"), ("--lang", "en")):
        result = cli("check", pg.url(), "--table", "births", *options)
        assert result.exit_code == 1, result.stderr
        assert pg_cluster.PASSWORD not in result.stdout + result.stderr
        assert "***@" in result.stdout + result.stderr


@pytest.mark.slow
def test_password_from_pgpassword(pg, cli, monkeypatch):
    monkeypatch.setenv("PGPASSWORD", pg_cluster.PASSWORD)
    result = cli("check", pg.url(password=None), "--table", "migrants", "--format", "json")
    assert result.exit_code == 1, result.stderr
    assert result.json()["problems"][0]["code"] == "duplicate_id"
    assert pg_cluster.PASSWORD not in result.stdout + result.stderr


def _one_line_fault(result, *needles: str) -> str:
    code = getattr(result, "returncode", getattr(result, "exit_code", None))
    assert code == 2, (code, result.stderr)
    text = result.stderr.strip()
    assert len(text.splitlines()) == 1, text
    assert "Traceback" not in text and "internal error" not in text
    assert pg_cluster.PASSWORD not in text and "wrong-Pw" not in text
    for needle in needles:
        assert needle in text, text
    return text


@pytest.mark.slow
def test_no_password_and_no_terminal(pg, cli, monkeypatch):
    monkeypatch.delenv("PGPASSWORD", raising=False)
    monkeypatch.setenv("PGPASSFILE", "/nonexistent")
    result = cli("check", pg.url(password=None), "--table", "births", "--lang", "en")
    _one_line_fault(result, "refused the login", "no password supplied")


@pytest.mark.slow
def test_wrong_password(pg, cli):
    result = cli("check", pg.url(password="wrong-Pw"), "--table", "births", "--lang", "en")
    _one_line_fault(result, "refused the login", "password authentication failed", "***")


@pytest.mark.slow
def test_unreachable_server(pg, cli):
    closed = pg_cluster._free_port()
    url = f"postgresql://fpm:{pg_cluster.PASSWORD}@127.0.0.1:{closed}/registers"
    result = cli("check", url, "--table", "births", "--lang", "en")
    _one_line_fault(result, "Cannot connect to database", "***")


@pytest.mark.slow
def test_missing_table(pg, cli):
    result = cli("check", pg.url(), "--table", "no_such_table", "--lang", "en")
    _one_line_fault(result, "has no no_such_table", "does not exist")


@pytest.mark.slow
def test_column_of_the_wrong_type(pg, cli):
    result = cli("check", pg.url(), "--table", "blobs", "--lang", "en")
    _one_line_fault(result, "column 乡镇 is of type bytea")


@pytest.mark.slow
def test_connection_dropped_mid_query(pg):
    """The backend is terminated while the grouping query runs (each row made slow)."""
    import psycopg

    slow = "select * from births where pg_sleep(0.004) is not null"
    process = subprocess.Popen(
        [sys.executable, "-m", "fpmetrics.cli", "check", pg.url(), "--query", slow, "--lang",
         "en"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True,
        env=_env(),
    )  # fmt: skip
    killed = threading.Event()

    def kill() -> None:
        with psycopg.connect(pg.url(), autocommit=True) as connection:
            for _ in range(1200):
                row = connection.execute(
                    "select pg_terminate_backend(pid) from pg_stat_activity where "
                    "application_name = 'fpmetrics' and state = 'active' and "
                    "query like '%pg_sleep%'"  # the text shown is cut at 1 kB
                ).fetchone()
                if row is not None and row[0]:
                    killed.set()
                    return
                time.sleep(0.1)

    killer = threading.Thread(target=kill)
    killer.start()
    out, err = process.communicate(timeout=300)
    killer.join()
    assert killed.is_set(), "the query was never seen running"
    result = subprocess.CompletedProcess(process.args, process.returncode, out, err)
    _one_line_fault(result, "lost during the query")


@pytest.mark.slow
def test_no_table_or_query(pg, cli):
    result = cli("check", pg.url(), "--lang", "en")
    _one_line_fault(result, "needs --table NAME or --query")


@pytest.mark.slow
def test_records_refused_on_a_database(pg, cli, tmp_path):
    result = cli("check", pg.url(), "--table", "births", "--records", tmp_path / "r.csv",
                 "--lang", "en")  # fmt: skip
    _one_line_fault(result, "--records works on file registers")
    assert not (tmp_path / "r.csv").exists()


@pytest.mark.parametrize(
    ("url", "blocked"),
    [
        ("postgresql://u@127.0.0.1:1/db", "psycopg"),
        ("mysql://u@127.0.0.1:1/db", "pymysql"),
        ("postgresql://u@127.0.0.1:1/db", "sqlglot"),
    ],
)
def test_without_the_extra_names_it(cli, monkeypatch, url, blocked):
    import importlib.util

    find = importlib.util.find_spec

    def without(name, package=None):
        return None if name.split(".")[0] == blocked else find(name, package)

    monkeypatch.setattr(importlib.util, "find_spec", without)
    result = cli("check", url, "--table", "births", "--lang", "en")
    _one_line_fault(result, "pip install 'fpmetrics[sql]'")


def test_mysql_url_compiles_the_same_queries():
    """The queries compile to MySQL's dialect (CONCAT for ``||``, the dates' list filled in
    after compiling)."""
    pytest.importorskip("sqlglot", reason="the sql extra is not installed")
    from fpmetrics.aggregate.registers.engines import define

    columns = {"township": "乡镇", "birth_date": "出生日期", "sex": "性别", "id": "编号"}
    sql = define.combinations(columns, ["township", "birth_date", "sex"], "month",
                              "ROW_NUMBER() OVER () + 1")  # fmt: skip
    compiled = define.compile_sql(sql, "mysql", "births")
    assert f"IN ({define.DATES})" in compiled and "CONCAT('#', s.`birth_date`)" in compiled
    assert "REGEXP" not in compiled and "SUBSTRING(s.`birth_date`, 1, 7)" in compiled
    assert "AS SIGNED" in compiled and "`乡镇`" in compiled
    assert "FROM births AS t" in compiled
    repeated = define.compile_sql(define.repeated_ids(columns, "1"), "mysql", "(select 1)")
    assert "HAVING COUNT(*) > 1" in repeated


def test_masked_url():
    from fpmetrics.aggregate.registers.engines.sql import mask_url

    assert mask_url("postgresql://a:b%40c@h:5/d") == "postgresql://a:***@h:5/d"
    assert mask_url("postgresql://a@h/d") == "postgresql://a@h/d"
    assert mask_url("mysql://a:p@ss@h/d") == "mysql://a:***@h/d"


def test_every_url_in_a_message_is_masked():
    from fpmetrics.aggregate.registers.engines import mask_credentials

    text = (
        "无法读取 postgresql://a:b%40c@h:5/d。以及 mysql+pymysql://u:p@ss@h/d, postgresql:/u:s@h/d"
    )
    assert mask_credentials(text) == (
        "无法读取 postgresql://a:***@h:5/d。以及 mysql+pymysql://u:***@h/d, postgresql:/u:***@h/d"
    )
    for kept in ("postgresql://a@h/d", "https://a:b@h/", "postgresql://h:5/d"):
        assert mask_credentials(kept) == kept


@pytest.mark.parametrize("command", [["funnel", "sex_ratio_at_birth"], ["audit"]])
def test_file_only_commands_refuse_a_database_masked(cli, command):
    """funnel and audit read files: a database URL is refused in one line, its password
    masked (taken for a file name, it was shown whole)."""
    result = cli(*command, "postgresql://u:Secret-9@127.0.0.1:1/db", "--lang", "en")
    _one_line_fault(result, f"{command[0]} reads files only, not a database")
    assert "Secret-9" not in result.stdout + result.stderr
    assert "postgresql://u:***@127.0.0.1:1/db" in result.stderr


def test_a_url_taken_for_a_path_is_masked(cli):
    """A URL mistyped with one slash is a file name that does not exist; the message that
    says so still masks the password."""
    result = cli("check", "postgresql:/u:Secret-9@127.0.0.1:1/db", "--lang", "en")
    assert result.exit_code == 2
    assert "Secret-9" not in result.stdout + result.stderr and "u:***@" in result.stderr


@pytest.mark.slow
def test_an_existing_output_file_is_replaced(pg, cli, tmp_path):
    """-o over an earlier report with a database input: the URL is not taken for an input
    file (it was: 'file not found', with the password)."""
    target = tmp_path / "report.json"
    target.write_text("earlier", encoding="utf-8")
    result = cli("check", pg.url(), "--table", "births", "-o", target)
    assert result.exit_code == 1, result.stderr
    assert json.loads(target.read_text(encoding="utf-8"))["results"]
    assert pg_cluster.PASSWORD not in result.stdout + result.stderr


@pytest.mark.slow
def test_rows_located_by_ctid_number_as_the_export(pg, cli, tmp_path):
    """A table with deleted rows (gaps and dead tuples in its pages): the rows are located by
    ctid and the listed ones numbered by counting the live rows before them, as a CSV export
    of the table (without the deleted rows) numbers them."""
    import polars as pl
    import psycopg

    url = pg.url()
    sample = pl.read_csv(BIRTHS, infer_schema=False)
    whole = tmp_path / "whole.csv"  # 1,500 rows again at the end: repeated ids, listed 1,000
    pl.concat([sample, sample.head(1500)]).write_csv(whole)
    pg_cluster.load_csv(url, "gaps", whole)
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(
            "DELETE FROM gaps WHERE ctid IN (SELECT ctid FROM (SELECT ctid, "
            "ROW_NUMBER() OVER () AS r FROM gaps) AS x WHERE r % 7 = 3)"
        )
    kept = pl.read_csv(whole, infer_schema=False).with_row_index("_i")
    csv = tmp_path / "gaps.csv"
    kept.filter(pl.col("_i") % 7 != 2).drop("_i").write_csv(csv)
    from_db = check_json(cli, url, "--table", "gaps", "--period", "year")
    from_csv = check_json(cli, csv, "--period", "year")
    assert {p["code"] for p in from_csv["problems"]} >= {"duplicate_id", "bad_date"}
    masked = url.replace(pg_cluster.PASSWORD, "***")
    where = (f"{masked} [gaps]", masked)
    assert _located_nowhere(from_db, *where) == _located_nowhere(from_csv, str(csv))


@pytest.mark.slow
def test_ctid_only_for_a_plain_table(pg):
    """A table's rows are located by ctid (parallel workers allowed); a query's are numbered."""
    from types import SimpleNamespace

    from fpmetrics.aggregate.registers.engines.sql import sql_register

    table = SimpleNamespace(table="births", query=None)
    query = SimpleNamespace(table=None, query="select * from births")
    assert sql_register(pg.url(), table, "en", None).source.row_keys
    assert not sql_register(pg.url(), query, "en", None).source.row_keys


@pytest.mark.slow
def test_session_settings_unless_pgoptions(pg, monkeypatch):
    """A table's session gets fpmetrics' settings (the benchmark gives psql the same ones);
    with PGOPTIONS set, the user's stand."""
    from types import SimpleNamespace

    from fpmetrics.aggregate.registers.engines.sql import (
        SESSION_SETTINGS,
        TABLE_SETTINGS,
        sql_register,
    )

    table = SimpleNamespace(table="births", query=None)

    def shown(source) -> dict[str, str]:
        connection = source.connect()
        names = {**SESSION_SETTINGS, **TABLE_SETTINGS}
        return {n: connection.execute(f"SHOW {n}").fetchone()[0] for n in names}

    assert shown(sql_register(pg.url(), table, "en", None).source) == {
        **SESSION_SETTINGS,
        **TABLE_SETTINGS,
    }
    monkeypatch.setenv("PGOPTIONS", "-c work_mem=8MB")
    mine = shown(sql_register(pg.url(), table, "en", None).source)
    assert mine["work_mem"] == "8MB" and mine["parallel_tuple_cost"] != "0.01"


@pytest.mark.slow
def test_rows_numbered_from_keys_numbered_before(pg):
    """Listed rows are numbered by counting from the nearest row numbered before (the repeated
    ids' rows, then the bad values'): the same numbers as counting from the table's start,
    with deleted rows in between, in any order of calls."""
    from types import SimpleNamespace

    import numpy as np
    import psycopg

    from fpmetrics.aggregate.registers.engines.sql import sql_register

    url = pg.url()
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("DROP TABLE IF EXISTS numbered")
        connection.execute("CREATE TABLE numbered AS SELECT * FROM births")
        connection.execute(
            "DELETE FROM numbered WHERE ctid IN (SELECT ctid FROM (SELECT ctid, "
            "ROW_NUMBER() OVER () AS r FROM numbered) AS x WHERE r % 5 = 2)"
        )
        found = connection.execute(
            "SELECT ctid::text, ROW_NUMBER() OVER (ORDER BY ctid) + 1 FROM numbered"
        ).fetchall()
    block_item = [tuple(int(x) for x in tid.strip("()").split(",")) for tid, _ in found]
    keys = np.array([b * 65536 + i for b, i in block_item], dtype=np.int64)
    want = np.array([n for _, n in found], dtype=np.int64)
    rng = np.random.default_rng(7)
    first = rng.choice(keys.size, 40, replace=False)  # some rows, then others around them
    second = np.concatenate([rng.choice(keys.size, 60, replace=False), first[:5], [0]])
    options = SimpleNamespace(table="numbered", query=None)
    source = sql_register(url, options, "en", None).source
    assert source.row_keys
    assert (source.row_numbers(keys[first]) == want[first]).all()
    assert (source.row_numbers(keys[second]) == want[second]).all()
    assert (source.row_numbers(keys[first]) == want[first]).all()  # all known: no query
    fresh = sql_register(url, options, "en", None).source
    assert (fresh.row_numbers(keys[second]) == want[second]).all()
    assert (fresh.row_numbers(keys[[3, 3, 1]]) == want[[3, 3, 1]]).all()  # repeats, order


@pytest.mark.slow
def test_ids_on_three_rows_are_found_as_in_the_csv(pg, cli, tmp_path):
    """An id on two rows comes back by its first and last row's address; an id on three or
    more rows (here also written in other case and with spaces) is looked for again: the
    problems are the CSV path's."""
    import polars as pl

    url = pg.url()
    sample = pl.read_csv(BIRTHS, infer_schema=False)
    id_column = sample.columns[0]
    third = sample.head(40).with_columns(
        (pl.lit(" ") + pl.col(id_column).str.to_lowercase() + pl.lit(" ")).alias(id_column)
    )
    whole = tmp_path / "thrice.csv"
    pl.concat([sample, sample.head(300), third]).write_csv(whole)
    pg_cluster.load_csv(url, "thrice", whole)
    from_db = check_json(cli, url, "--table", "thrice", "--period", "year")
    from_csv = check_json(cli, whole, "--period", "year")
    repeats = [p for p in from_csv["problems"] if p["code"] == "duplicate_id"]
    assert len(repeats) >= 340
    masked = url.replace(pg_cluster.PASSWORD, "***")
    where = (f"{masked} [thrice]", masked)
    assert _located_nowhere(from_db, *where) == _located_nowhere(from_csv, str(whole))
