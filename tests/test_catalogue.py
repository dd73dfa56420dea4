"""One message catalogue (i18n.MESSAGES) and one written-down DataFrame protocol
(frame_columns), checked against the source and against a real load of the sample data."""

from __future__ import annotations

import ast
import functools
import re
import string
from pathlib import Path

import pytest

from fpmetrics import frame_columns as fc
from fpmetrics.i18n import LANGS, MESSAGES, join, t
from fpmetrics.normalise.fields import COUNT_FIELDS

SRC = Path(__file__).resolve().parents[1] / "src" / "fpmetrics"
SAMPLES = Path(__file__).resolve().parents[1] / "sample_data"


@functools.cache
def _parsed(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"))


def _modules(under: Path = SRC) -> list[tuple[Path, ast.Module]]:
    return [(p, _parsed(p)) for p in sorted(under.rglob("*.py"))]


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def _calls(name: str) -> list[tuple[Path, ast.Call]]:
    """Every call ``name(...)`` in the package, with its file."""
    return [
        (path, node)
        for path, tree in _modules()
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == name
    ]


def _where(path: Path, node: ast.AST) -> str:
    return f"{path.relative_to(SRC)}:{node.lineno}"


def test_every_message_has_both_languages_with_the_same_placeholders():
    assert LANGS == ("zh", "en")
    for key, texts in MESSAGES.items():
        assert isinstance(texts, tuple) and len(texts) == 2, key
        zh, en = texts
        assert isinstance(zh, str) and zh.strip(), f"{key}: empty Chinese text"
        assert isinstance(en, str) and en.strip(), f"{key}: empty English text"
        assert _placeholders(zh) == _placeholders(en), key


def test_every_literal_key_the_source_asks_for_exists():
    """t("key", ...), InputError("key", ...) and Message("key", ...) name a
    message; t(f"status_{s}", ...) names a family of messages (at least one key starts with
    the literal part); workbook's _l("key") is xlsx_<key>."""
    seen, missing = 0, []
    calls = [c for name in ("t", "InputError", "Message") for c in _calls(name)]
    for path, call in calls:
        if not call.args:
            continue
        first = call.args[0]
        if isinstance(first, ast.Constant) and isinstance(first.value, str):
            seen += 1
            if first.value not in MESSAGES:
                missing.append(f"{_where(path, call)}: {first.value}")
        elif isinstance(first, ast.JoinedStr) and isinstance(first.values[0], ast.Constant):
            seen += 1
            prefix = first.values[0].value
            if not any(k.startswith(prefix) for k in MESSAGES):
                missing.append(f"{_where(path, call)}: {prefix}…")
    for path, call in _calls("_l"):
        first = call.args[0]
        if isinstance(first, ast.Constant) and f"xlsx_{first.value}" not in MESSAGES:
            missing.append(f"{_where(path, call)}: xlsx_{first.value}")
    assert missing == []
    assert seen > 250  # the scan found the calls (a refactor of t() must update this test)


def test_literal_keys_get_every_placeholder_they_need():
    """A call that fills in values passes all its message's placeholders (a missing one is
    a KeyError when that message is first shown, often on a rare error path)."""
    for path, call in _calls("t"):
        first = call.args[0] if call.args else None
        if not (isinstance(first, ast.Constant) and first.value in MESSAGES):
            continue
        given = {k.arg for k in call.keywords}
        if None in given or not given:  # **values, or a text formatted later
            continue
        needed = _placeholders(MESSAGES[first.value][0])
        assert needed <= given, f"{_where(path, call)}: {first.value} needs {needed - given}"


def _translation_tables(tree: ast.Module) -> list[str]:
    """Module-level dicts of (Chinese, English) pairs, or named like the old tables."""
    chinese = re.compile(r"[\u4e00-\u9fff]")
    found = []
    for node in tree.body:
        if not isinstance(node, ast.Assign | ast.AnnAssign):
            continue
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        names = [n.id for n in targets if isinstance(n, ast.Name)]
        if any(n in ("_WORDS", "_LABELS", "_TEXT") for n in names):
            found += names
            continue
        value = node.value
        if isinstance(value, ast.Dict) and value.values:
            pairs = [
                v
                for v in value.values
                if isinstance(v, ast.Tuple)
                and len(v.elts) == 2
                and all(isinstance(e, ast.Constant) and isinstance(e.value, str) for e in v.elts)
                and chinese.search(v.elts[0].value)
            ]
            if len(pairs) == len(value.values):
                found += names
    return found


def test_no_translation_tables_left_in_the_renderers():
    for path, tree in _modules(SRC / "report"):
        assert _translation_tables(tree) == [], path.name


def test_the_table_detector_finds_a_table():
    tree = ast.parse('_WORDS = {"a": ("概况", "Summary")}\nX = {"b": ("是", "yes")}')
    assert _translation_tables(tree) == ["_WORDS", "X"]


# Language branches kept on purpose, as they choose between values, not wordings:
# subject.py turns the input's own period label (2024年度) into the English one (2024);
# scores.py names a missing column by its Chinese header, or in English by its field id
# (both are headers a user can type).
KEPT_BRANCHES = {"report/subject.py": 1, "report/scores.py": 1}


def test_no_language_branches_in_the_renderers_and_the_command_line():
    files = [*sorted((SRC / "report").glob("*.py")), SRC / "cli.py", SRC / "help_lang.py"]
    for path in files:
        tree = _parsed(path)
        branches = [
            node
            for node in ast.walk(tree)
            if isinstance(node, ast.Compare)
            and any(
                isinstance(c, ast.Constant) and c.value in LANGS
                for c in [node.left, *node.comparators]
            )
            and any(isinstance(n, ast.Name) and n.id == "lang" for n in ast.walk(node))
        ]
        assert len(branches) == KEPT_BRANCHES.get(str(path.relative_to(SRC)), 0), path.name


def test_lists_and_labels_come_from_the_catalogue():
    assert join(["甲", "乙"], "zh") == "甲、乙"
    assert join(["a", "b"], "en") == "a, b"
    assert t("html_lang", "en") == "en" and t("html_lang", "zh") == "zh-CN"
    assert t("xlsx_results_cut", "en", total=60000, shown=50000).startswith("60,000 result rows")


# ---- the DataFrame protocol --------------------------------------------------------------


@pytest.fixture(scope="module")
def sample_records():
    """The load stage's rows for a monthly township table and a register without periods
    (joined to the latest month)."""
    from fpmetrics.read.load import load_inputs

    paths = ["county_2024_monthly.csv", "migrants_register.csv"]
    return load_inputs([SAMPLES / p for p in paths]).records


@pytest.fixture(scope="module")
def sample_units():
    from fpmetrics.pipeline import run_check
    from fpmetrics.ruleset.rules import load_ruleset

    return run_check([SAMPLES / "county_2024.csv"], load_ruleset("default")).units


def _protocol(column: str) -> bool:
    return column in (*fc.LOCATION, fc.TABLE, fc.UNDATED) or column.startswith(
        (fc.HEADER_PREFIX, fc.EXCLUDED_PREFIX, fc.BAD_PREFIX)
    )


def test_protocol_names_are_the_columns_a_load_produces(sample_records):
    records = sample_records
    assert (fc.FILE, fc.SHEET, fc.ROW) == fc.LOCATION == ("_file", "_sheet", "_row")
    assert {fc.FILE, fc.SHEET, fc.ROW, fc.TABLE, fc.header_column("township")} <= set(records)
    # Every bookkeeping column of a real load is one the protocol names.
    assert [c for c in records if c.startswith("_") and not _protocol(c)] == []
    table = records[records[fc.FILE].str.endswith("county_2024_monthly.csv")]
    assert table[fc.TABLE].nunique() == 1
    assert table[fc.ROW].iloc[0] == 2  # the first township under the header row
    assert table[fc.header_column("births_male")].iloc[0] == "出生男婴数"
    assert table[fc.header_column("township")].iloc[0] == "乡镇"
    assert table[fc.header_column("births")].isna().all()  # the table has no such column
    register = records[records[fc.FILE].str.endswith("migrants_register.csv")]
    assert register[fc.ROW].isna().all()  # a unit row sums many records: no one row
    assert register[fc.excluded_column("migrant_archived")].notna().all()
    assert not table[fc.UNDATED].any()
    assert register[fc.UNDATED].all()  # no periods: joined to the table's latest month
    assert set(register["period"]) == {"2024-12"}


def test_every_count_field_has_its_bad_column_in_the_unit_counts(sample_units):
    units = sample_units
    assert {fc.bad_column(f) for f in COUNT_FIELDS} <= set(units)
    assert [c for c in units if c.startswith("_") and not _protocol(c)] == []
    assert units[fc.bad_column("births")].dtype == bool
