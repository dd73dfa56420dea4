"""Issue 2, point 8: after a non-editable install, the CLI run from outside the repository
finds the shipped rule sets and checks the sample workbook."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import INDICATORS, REPO, SAMPLE_XLSX


def _run(args: list[str | Path], cwd: Path, env: dict[str, str], timeout: int = 300):
    proc = subprocess.run(
        [str(a) for a in args], cwd=cwd, env=env, capture_output=True, timeout=timeout
    )
    return proc


@pytest.mark.slow
def test_installed_wheel_finds_shipped_rules_from_anywhere(tmp_path):
    uv = shutil.which("uv")
    if uv is None:
        pytest.skip("uv is not on PATH: it builds and installs the wheel")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VIRTUAL_ENV", "FPMETRICS"))}
    env["UV_PYTHON_DOWNLOADS"] = "never"
    env["PYTHONIOENCODING"] = "utf-8"
    env["COLUMNS"] = "200"
    env.pop("PYTHONPATH", None)

    dist = tmp_path / "dist"
    proc = _run([uv, "build", "--wheel", "-o", dist], cwd=REPO, env=env)
    assert proc.returncode == 0, proc.stderr.decode()
    [wheel] = dist.glob("fpmetrics-*.whl")

    venv = tmp_path / "venv"
    proc = _run([uv, "venv", venv], cwd=tmp_path, env=env)
    assert proc.returncode == 0, proc.stderr.decode()
    python = venv / "bin" / "python"
    proc = _run([uv, "pip", "install", "--python", python, wheel], cwd=tmp_path, env=env)
    assert proc.returncode == 0, proc.stderr.decode()

    work = tmp_path / "elsewhere"
    work.mkdir()
    fpmetrics = venv / "bin" / "fpmetrics"

    # Installed, not editable: the package and its rules live in the venv.
    proc = _run(
        [
            python,
            "-c",
            "import fpmetrics.ruleset.rules as r; print(r.__file__); print(r.shipped_dir())",
        ],
        cwd=work,
        env=env,
    )
    assert proc.returncode == 0, proc.stderr.decode()
    module_file, rules_dir = proc.stdout.decode().split()
    assert str(venv) in module_file
    assert str(REPO) not in rules_dir
    assert (Path(rules_dir) / "default.yaml").is_file()

    proc = _run([fpmetrics, "rules", "list"], cwd=work, env=env)
    assert proc.returncode == 0, proc.stderr.decode()
    assert "default" in proc.stdout.decode()

    proc = _run([fpmetrics, "rules", "show", "default", "--lang", "en"], cwd=work, env=env)
    assert proc.returncode == 0, proc.stderr.decode()
    for key in INDICATORS:
        assert key in proc.stdout.decode()

    proc = _run([fpmetrics, "check", SAMPLE_XLSX, "--format", "json"], cwd=work, env=env)
    stderr = proc.stderr.decode()
    assert proc.returncode == 1, stderr  # the sample has failing townships
    assert "Traceback" not in stderr
    data = json.loads(proc.stdout.decode())
    assert data["ruleset"] == "default"
    assert data["summary"]["units"] == 18
    assert data["summary"]["checks"] == 180
    assert {r["indicator"] for r in data["results"]} == set(INDICATORS)

    # A rule file outside the repo can extend the shipped set by name.
    (work / "mine.yaml").write_text(
        "name: mine\ntitle: 测试\nextends: default\nindicators:\n"
        "  sex_ratio_at_birth:\n    max: 108\n",
        encoding="utf-8",
    )
    proc = _run(
        [fpmetrics, "check", SAMPLE_XLSX, "--rules", "mine.yaml", "--format", "json"],
        cwd=work,
        env=env,
    )
    assert proc.returncode in (0, 1), proc.stderr.decode()
    mine = json.loads(proc.stdout.decode())
    acheng = next(
        r
        for r in mine["results"]
        if (r["unit"], r["indicator"]) == ("阿城镇", "sex_ratio_at_birth")
    )
    assert acheng["status"] == "pass"  # 107.2 ≤ 108

    proc = _run([fpmetrics, "--version"], cwd=work, env=env)
    assert proc.returncode == 0
    assert proc.stdout.decode().startswith("fpmetrics ")
