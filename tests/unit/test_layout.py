"""The package's shape (issue 18): the stages in their own packages, imports one way, and
the renderers computing no results of their own."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "src" / "fpmetrics"
STAGES = [
    "read",
    "normalise",
    "validate",
    "aggregate",
    "indicators",
    "ruleset",
    "scoring",
    "analyses",
]
# What a renderer must not call: the runs and the computations behind a report.
COMPUTING = {
    "fpmetrics.pipeline",
    "fpmetrics.api",
    "fpmetrics.analyses.funnel.build_funnel",
    "fpmetrics.analyses.funnel.report_funnels",
    "fpmetrics.analyses.audit.run_audit",
    "fpmetrics.scoring.points.score_units",
    "fpmetrics.indicators.compute.evaluate",
}


def _imports(path: Path) -> set[str]:
    """Every module (and module.name) a file imports, at the top or inside a function."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def test_every_stage_is_a_package():
    for stage in [*STAGES, "report"]:
        assert (PACKAGE / stage / "__init__.py").is_file(), stage
    loose = {p.stem for p in PACKAGE.glob("*.py")}
    assert loose <= {
        "__init__", "api", "cli", "errors", "frame_columns", "help_lang", "i18n", "models",
        "pipeline", "wording",
    }, loose  # fmt: skip


def test_no_stage_imports_the_report_layer():
    offenders = [
        f"{path.relative_to(PACKAGE)}: {name}"
        for stage in STAGES
        for path in (PACKAGE / stage).rglob("*.py")
        for name in _imports(path)
        if name.startswith("fpmetrics.report")
    ]
    offenders += [
        f"{name}: {module}"
        for name in ("pipeline.py", "api.py", "wording.py")
        for module in _imports(PACKAGE / name)
        if module.startswith("fpmetrics.report")
    ]
    assert offenders == []


def test_renderers_compute_nothing():
    offenders = [
        f"{path.relative_to(PACKAGE)}: {name}"
        for path in (PACKAGE / "report").rglob("*.py")
        for name in _imports(path)
        if name in COMPUTING
    ]
    assert offenders == []
