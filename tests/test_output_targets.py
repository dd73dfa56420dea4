"""Issue 14, output targets: -o over a rule, fields or units file; devices, FIFOs, symbolic
links; a rewritten report keeps its mode and hard links; no temporary file survives a kill."""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

import fpmetrics.files.output as output
from conftest import assert_clean_error, run_cli
from fpmetrics.errors import InputError
from scoring_builders import town, write_csv


@pytest.fixture
def data(tmp_path: Path) -> Path:
    return write_csv(tmp_path / "in.csv", [town("甲镇"), town("乙镇")])


# ---------------------------------------------------------------- other inputs


def _rules_copy(tmp_path: Path) -> Path:
    from fpmetrics.ruleset.rules import shipped_dir

    path = tmp_path / "my_rules.yaml"
    path.write_bytes((shipped_dir() / "default.yaml").read_bytes())
    return path


@pytest.mark.parametrize("command", ["check", "score"])
def test_output_over_the_rule_file_is_refused(tmp_path, data, command):
    rules = _rules_copy(tmp_path)
    before = rules.read_bytes()
    run = run_cli(command, data, "--rules", rules, "-o", rules, "--format", "json")
    assert_clean_error(run)
    assert rules.read_bytes() == before


def test_output_over_the_fields_file_is_refused(tmp_path, data):
    fields = tmp_path / "fields.yaml"
    fields.write_text("aliases:\n  population: [人口]\n", encoding="utf-8")
    before = fields.read_bytes()
    assert_clean_error(run_cli("check", data, "--fields", fields, "-o", fields, "-f", "json"))
    assert_clean_error(run_cli("check", data, "--fields", fields, "--records", fields))
    assert fields.read_bytes() == before


def test_output_over_the_units_file_is_refused(tmp_path, data):
    units = tmp_path / "units.txt"
    units.write_text("甲镇\n乙镇\n", encoding="utf-8")
    before = units.read_bytes()
    assert_clean_error(run_cli("check", data, "--units", units, "-o", units, "-f", "csv"))
    assert units.read_bytes() == before


def test_funnel_audit_and_template_refuse_the_rule_file(tmp_path, data):
    rules = _rules_copy(tmp_path)
    before = rules.read_bytes()
    assert_clean_error(run_cli("audit", data, "--rules", rules, "-o", rules, "-f", "json"))
    svg = tmp_path / "rules.svg"  # a rule file with a chart's suffix
    svg.write_bytes(before)
    assert_clean_error(run_cli("funnel", "sex_ratio_at_birth", data, "--rules", svg, "-o", svg))
    xlsx = tmp_path / "rules.xlsx"
    xlsx.write_bytes(before)
    assert_clean_error(run_cli("template", xlsx, "--rules", xlsx, "--force"))
    assert rules.read_bytes() == svg.read_bytes() == xlsx.read_bytes() == before


def test_output_and_records_naming_one_file_is_refused(tmp_path, data):
    assert_clean_error(
        run_cli("check", data, "-o", tmp_path / "x.csv", "--records", tmp_path / "x.csv")
    )
    assert not (tmp_path / "x.csv").exists()


# ---------------------------------------------------------------- devices, FIFOs, links


def test_dev_null_stays_a_device(data):
    run = run_cli("check", data, "-o", "/dev/null", "-f", "json")
    assert run.exit_code == 0, run
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


def test_device_is_written_not_replaced(tmp_path, monkeypatch):
    """Through the writer itself: a character device is opened, never renamed over."""
    calls: list[object] = []
    monkeypatch.setattr(output.os, "replace", lambda *a: calls.append(a))
    output.write_atomic(Path("/dev/null"), b"report")
    assert calls == []
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


def test_fifo_is_written_to_and_stays_a_fifo(tmp_path, data):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received: list[bytes] = []

    def reader() -> None:
        with open(fifo, "rb") as fh:
            received.append(fh.read())

    thread = threading.Thread(target=reader)
    thread.start()
    run = run_cli("check", data, "-o", fifo, "-f", "json")
    thread.join(10)
    assert run.exit_code == 0, run
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)
    assert json.loads(received[0])["results"]


@pytest.mark.slow
def test_dev_stdout_writes_to_the_open_stdout(run_fpmetrics, tmp_path, data):
    done = run_fpmetrics("check", data, "-o", "/dev/stdout", "-f", "json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["results"]


def test_symlink_is_followed_and_kept(tmp_path, data):
    real = tmp_path / "reports" / "real.json"
    real.parent.mkdir()
    real.write_text("old")
    link = tmp_path / "latest.json"
    link.symlink_to(real)
    assert run_cli("check", data, "-o", link).exit_code == 0
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert json.loads(real.read_text())["results"]
    assert sorted(p.name for p in real.parent.iterdir()) == ["real.json"]


def test_dangling_symlink_creates_its_target(tmp_path, data):
    link = tmp_path / "latest.json"
    link.symlink_to(tmp_path / "new.json")
    assert run_cli("check", data, "-o", link).exit_code == 0
    assert link.is_symlink() and json.loads((tmp_path / "new.json").read_text())["results"]


def test_symlink_to_an_input_is_refused(tmp_path, data):
    link = tmp_path / "out.csv"
    link.symlink_to(data)
    before = data.read_bytes()
    assert_clean_error(run_cli("check", data, "-o", link))
    assert data.read_bytes() == before


def test_directory_is_refused(tmp_path, data):
    (tmp_path / "dir.json").mkdir()
    assert_clean_error(run_cli("check", data, "-o", tmp_path / "dir.json"))


# ---------------------------------------------------------------- mode, owner, hard links


def test_rewritten_report_keeps_its_mode(tmp_path, data):
    out = tmp_path / "private.json"
    out.write_text("old")
    out.chmod(0o600)
    assert run_cli("check", data, "-o", out).exit_code == 0
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert json.loads(out.read_text())["results"]


def test_rewritten_report_keeps_its_hard_links(tmp_path, data):
    out = tmp_path / "report.json"
    out.write_text("old")
    out.chmod(0o640)
    other = tmp_path / "copy.json"
    os.link(out, other)
    assert run_cli("check", data, "-o", out).exit_code == 0
    assert out.samefile(other) and other.stat().st_nlink == 2
    assert json.loads(other.read_text())["results"]
    assert stat.S_IMODE(out.stat().st_mode) == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["copy.json", "in.csv", "report.json"]


def test_in_place_rewrite_shrinks_the_file(tmp_path):
    out = tmp_path / "r.txt"
    out.write_bytes(b"x" * 10_000)
    os.link(out, tmp_path / "other.txt")
    output.write_atomic(out, b"short")
    assert (tmp_path / "other.txt").read_bytes() == b"short"


def test_new_file_follows_the_umask(tmp_path):
    umask = os.umask(0o027)
    try:
        output.write_atomic(tmp_path / "new.txt", b"x")
    finally:
        os.umask(umask)
    assert stat.S_IMODE((tmp_path / "new.txt").stat().st_mode) == 0o640


# ---------------------------------------------------------------- killed writers


def test_stale_temporary_files_of_dead_runs_are_removed(tmp_path):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)  # fmt: skip
    pid = int(dead.stdout)
    stale = tmp_path / f".report.json.{pid}.abc123{output.TEMP_SUFFIX}"
    live = tmp_path / f".report.json.{os.getppid()}.def456{output.TEMP_SUFFIX}"
    unrelated = tmp_path / ".report.json.notes"
    # a live writer's temporary file of report.json.5, which starts like report.json's
    other = tmp_path / f".report.json.{pid}.{os.getppid()}.abc{output.TEMP_SUFFIX}"
    for path in (stale, live, unrelated, other):
        path.write_text("partial")
    output.write_atomic(tmp_path / "report.json", b"{}")
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == sorted([live.name, unrelated.name, other.name, "report.json"])


def test_named_fallback_leaves_no_temporary_file(tmp_path, monkeypatch):
    monkeypatch.delattr(output.os, "O_TMPFILE", raising=False)
    out = tmp_path / "r.json"
    out.write_text("old")
    output.write_atomic(out, b"new")
    assert out.read_bytes() == b"new"
    assert [p.name for p in tmp_path.iterdir()] == ["r.json"]


def test_failure_is_an_input_error_naming_the_file(tmp_path):
    with pytest.raises(InputError, match="nowhere"):
        output.write_atomic(tmp_path / "nowhere" / "r.json", b"{}")


_SLOW_WRITER = """
import os, sys, time
import fpmetrics.files.output as output
real = os.write
def slow(fd, data):
    n = real(fd, bytes(data[:65536]))
    time.sleep(0.01)
    return n
output.os.write = slow
print("ready", flush=True)
output.write_atomic(__import__("pathlib").Path(sys.argv[1]), b"x" * 50_000_000)
"""


@pytest.mark.skipif(not hasattr(os, "O_TMPFILE"), reason="O_TMPFILE is Linux only")
def test_sigkill_during_a_write_leaves_no_file(tmp_path):
    """Killed halfway through a large write: the old report is whole and nothing is left."""
    out = tmp_path / "report.xlsx"
    out.write_bytes(b"old report")
    proc = subprocess.Popen([sys.executable, "-c", _SLOW_WRITER, str(out)],
                            stdout=subprocess.PIPE, text=True)  # fmt: skip
    assert proc.stdout.readline().strip() == "ready"
    time.sleep(0.5)
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    assert out.read_bytes() == b"old report"
    assert [p.name for p in tmp_path.iterdir()] == ["report.xlsx"]


def test_output_over_a_shipped_rule_file_is_refused(tmp_path, data):
    from fpmetrics.ruleset.rules import shipped_dir

    shipped = shipped_dir() / "default.yaml"
    before = shipped.read_bytes()
    assert_clean_error(run_cli("check", data, "-o", shipped, "-f", "json"))
    assert_clean_error(run_cli("check", data, "--rules", "default", "--records", shipped))
    assert shipped.read_bytes() == before


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="needs root")
def test_rewritten_report_keeps_its_owner_as_root(tmp_path):
    out = tmp_path / "clerk.json"
    out.write_text("old")
    os.chown(out, 4321, 4321)
    out.chmod(0o640)
    output.write_atomic(out, b"{}")
    info = out.stat()
    assert (info.st_uid, info.st_gid, stat.S_IMODE(info.st_mode)) == (4321, 4321, 0o640)
