"""A register in a real MySQL-protocol server (MariaDB, Debian's package): the same JSON as
the CSV path; faults one line, exit 2, no password. Skipped with the reason when the server
or the ``sql`` extra is missing."""

from __future__ import annotations

import pytest

import mysql_server
from conftest import BIRTHS_REGISTER, MIGRANTS_REGISTER, check_json

BIRTHS, MIGRANTS = BIRTHS_REGISTER, MIGRANTS_REGISTER


@pytest.fixture(scope="module")
def mysql():
    pytest.importorskip("pymysql", reason="the sql extra is not installed (uv sync --extra sql)")
    pytest.importorskip("sqlglot", reason="the sql extra is not installed (uv sync --extra sql)")
    if mysql_server.binaries() is None:
        pytest.skip("MariaDB server binaries missing (bash .ci/install-services.sh)")
    try:
        server = mysql_server.start()
    except RuntimeError as exc:
        pytest.skip(f"could not start MariaDB: {exc}")
    try:
        mysql_server.load_csv(server, "births", BIRTHS)
        mysql_server.load_csv(server, "migrants", MIGRANTS, "gb18030")
        yield server
    finally:
        server.stop()


@pytest.mark.slow
@pytest.mark.parametrize(
    ("table", "sample", "options"),
    [("births", BIRTHS, ()), ("births", BIRTHS, ("--period", "month")), ("migrants", MIGRANTS, ())],
    ids=["births", "births-month", "migrants"],
)
def test_mysql_table_gives_the_csv_json(mysql, cli, table, sample, options):
    url = mysql.url()
    from_db = check_json(cli, url, "--table", table, *options)
    from_csv = check_json(cli, sample, *options)
    masked = url.replace(mysql_server.PASSWORD, "***")
    assert from_csv["problems"]
    assert {p["file"] for p in from_db["problems"]} == {masked}
    for data, where in ((from_db, f"{masked} [{table}]"), (from_csv, str(sample))):
        data["inputs"] = None  # where the rows came from: the one entry allowed to differ
        for problem in data["problems"]:
            problem["file"] = problem["sheet"] = None
            problem["message"] = problem["message"].replace(where, "WHERE")
    assert from_db == from_csv


@pytest.mark.slow
@pytest.mark.parametrize(
    ("password", "table", "needle"),
    [
        ("wrong-Pw", "births", "refused the login"),
        (mysql_server.PASSWORD, "no_such_table", "has no no_such_table"),
    ],
    ids=["wrong-password", "missing-table"],
)
def test_mysql_faults(mysql, cli, password, table, needle):
    result = cli("check", mysql.url(password=password), "--table", table, "--lang", "en")
    assert result.exit_code == 2, result.stderr
    text = result.stderr.strip()
    assert len(text.splitlines()) == 1 and needle in text, text
    assert mysql_server.PASSWORD not in text and "wrong-Pw" not in text
