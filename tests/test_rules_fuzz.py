"""Issue 14: seeded mutants of the shipped rule files, run through the CLI as a user would.

Each mutant (lines deleted, duplicated or swapped, characters flipped, anchors and aliases,
huge and non-finite numbers, deep nesting, long expressions, other encodings, truncation) is
given to ``rules validate``, and when it validates, to ``score`` on the sample county with
``--format json``. Asserted: exit code 0, 1 or 2; no traceback and no "internal error"; strict
JSON (no Infinity/NaN); the rule file and the data file unchanged. Bounded to ~40 s.
"""

from __future__ import annotations

import hashlib
import json
import random
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import REPO, SAMPLE_CSV

SEED = 14
BUDGET_SECONDS = 40.0
MAX_MUTANTS = 400

NUMBERS = [b".inf", b"-.inf", b".nan", b"1e309", b"5e-324", b"1.0e300", b"-0", b"9" * 400,
           b"9" * 4000, b"0", b"-1", b"0x10", b"1_000", b"~", b"true", b"''"]  # fmt: skip
CHARACTERS = b":-[]{}&*!#|>\"'\t\x00\x07 ,?%@`\\\n9."


def _lines(data: bytes) -> list[bytes]:
    return data.split(b"\n")


def _delete(rng: random.Random, data: bytes) -> bytes:
    lines = _lines(data)
    del lines[rng.randrange(len(lines))]
    return b"\n".join(lines)


def _duplicate(rng: random.Random, data: bytes) -> bytes:
    lines = _lines(data)
    i = rng.randrange(len(lines))
    lines.insert(i, lines[i])
    return b"\n".join(lines)


def _swap(rng: random.Random, data: bytes) -> bytes:
    lines = _lines(data)
    i, j = rng.randrange(len(lines)), rng.randrange(len(lines))
    lines[i], lines[j] = lines[j], lines[i]
    return b"\n".join(lines)


def _flip(rng: random.Random, data: bytes) -> bytes:
    i = rng.randrange(len(data))
    return data[:i] + bytes([rng.choice(CHARACTERS)]) + data[i + 1 :]


def _number(rng: random.Random, data: bytes) -> bytes:
    """A number (bound, scale, points, decimals, …) replaced by a hostile one."""
    lines = _lines(data)
    numeric = [i for i, line in enumerate(lines) if line.rstrip()[-1:].isdigit()]
    if not numeric:  # an earlier mutation re-encoded or cut the file
        return data
    i = rng.choice(numeric)
    head, _, _ = lines[i].rpartition(b" ")
    lines[i] = head + b" " + rng.choice(NUMBERS)
    return b"\n".join(lines)


def _expression(rng: random.Random, data: bytes) -> bytes:
    lines = _lines(data)
    formulas = [i for i, line in enumerate(lines) if b"numerator:" in line]
    if not formulas:
        return data
    i = rng.choice(formulas)
    term = rng.choice([b"births", b"-births", b"(births)", b"births * 1e300", b"abs(births"])
    n = rng.choice([3, 30, 300, 30_000])
    joiner = rng.choice([b" + ", b" * ", b"-", b""])
    lines[i] = b"    numerator: " + joiner.join([term] * n)
    return b"\n".join(lines)


def _alias(rng: random.Random, data: bytes) -> bytes:
    snippets = [
        b"x0: &x0 [a, a, a, a, a, a, a, a, a]\n"
        + b"".join(b"x%d: &x%d [" % (k, k) + b", ".join([b"*x%d" % (k - 1)] * 9) + b"]\n"
                   for k in range(1, 10)),
        b"loop: &loop [1, *loop]\n",
        b"ref: *nowhere\n",
        b"base: &base {max: 170}\n",
        b"indicators: &all\n",
    ]  # fmt: skip
    lines = _lines(data)
    lines.insert(rng.randrange(len(lines)), rng.choice(snippets).rstrip(b"\n"))
    return b"\n".join(lines)


def _nest(rng: random.Random, data: bytes) -> bytes:
    depth = rng.choice([10, 40, 1000, 10_000])
    opening, closing = rng.choice([(b"[", b"]"), (b"{a: ", b"}")])
    lines = _lines(data)
    i = rng.randrange(len(lines))
    lines[i] = lines[i] + b" " + opening * depth + b"1" + closing * depth
    return b"\n".join(lines)


def _encode(rng: random.Random, data: bytes) -> bytes:
    text = data.decode("utf-8", errors="replace")
    encoding = rng.choice(["gbk", "gb18030", "utf-16", "utf-16-le", "utf-32", "utf-8-sig"])
    return text.encode(encoding, errors="replace")


def _truncate(rng: random.Random, data: bytes) -> bytes:
    return data[: rng.randrange(len(data))]


MUTATIONS: list[Callable[[random.Random, bytes], bytes]] = [
    _delete, _duplicate, _swap, _flip, _flip, _number, _number, _expression, _alias, _nest,
    _encode, _truncate,
]  # fmt: skip


def _strict_json(text: str) -> object:
    def refuse(constant: str) -> None:
        raise AssertionError(f"{constant} in JSON output")

    return json.loads(text, parse_constant=refuse)


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _clean(result, what: str) -> None:
    assert result.exit_code in (0, 1, 2), (what, result.exit_code, result.stderr[-500:])
    for text in (result.stderr, result.stdout):
        assert "internal error" not in text, (what, text[-800:])
        assert "Traceback" not in text, (what, text[-800:])


@pytest.mark.slow
def test_mutated_rule_files_never_crash(cli, tmp_path):
    rng = random.Random(SEED)
    sources = sorted((REPO / "rules").glob("*.yaml"))
    assert sources
    originals = [path.read_bytes() for path in sources]
    data = tmp_path / "county.csv"
    data.write_bytes(SAMPLE_CSV.read_bytes())
    data_digest = _digest(data)
    started = time.monotonic()
    ran = validated = 0
    outcomes: set[int] = set()
    while ran < MAX_MUTANTS and time.monotonic() - started < BUDGET_SECONDS:
        mutant = rng.choice(originals)
        names = []
        for _ in range(rng.choice([1, 1, 2, 3])):
            mutation = rng.choice(MUTATIONS)
            names.append(mutation.__name__)
            if mutant:
                mutant = mutation(rng, mutant)
        path = tmp_path / f"mutant_{ran}.yaml"
        path.write_bytes(mutant)
        digest = _digest(path)
        what = f"mutant {ran} ({'+'.join(names)}): {path}"
        lang = rng.choice([(), ("--lang", "en")])
        result = cli("rules", "validate", path, *lang)
        _clean(result, what)
        outcomes.add(result.exit_code)
        if result.exit_code == 0:
            validated += 1
            run = cli("score", data, "--rules", path, "--format", "json", *lang)
            _clean(run, what)
            if run.exit_code in (0, 1):
                _strict_json(run.stdout)
        assert _digest(path) == digest, what
        ran += 1
    print(f"fuzz: {ran} mutants, {validated} validated, exit codes {sorted(outcomes)}")
    assert _digest(data) == data_digest
    assert [p.read_bytes() for p in sources] == originals
    # Enough mutants ran to mean something, and both outcomes occurred.
    assert ran >= 50, ran
    assert validated > 0 and 2 in outcomes, (validated, outcomes)
