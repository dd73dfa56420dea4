"""Time fpmetrics against hand-written DuckDB, Polars and pandas scripts on register CSVs.

Each engine runs as a separate whole process (interpreter start, imports, reading, counting,
writing the result): wall time, and peak memory (the resident set size of the process tree,
from psutil polling, and the kernel's exact peak of its largest process, through GNU time).
The best time of ``--repeats`` runs is shown (engines interleaved, their order rotated each
repeat) with the largest peak; a Markdown table goes to stdout.

    uv run --group bench --with pyarrow python benchmarks/run.py benchmarks/data/births_10M_utf8.csv
    uv run --group bench --with pyarrow python benchmarks/run.py --verify

``--verify`` checks, before any timing, that every baseline's counts equal the numerators
and denominators in fpmetrics' JSON output, on small registers with many bad codes (made in a
temporary folder when no file is given), so that the comparison is one of equal work.
"""

from __future__ import annotations

import argparse
import codecs
import contextlib
import csv
import json
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import psutil

HERE = Path(__file__).resolve().parent
BASELINES = HERE / "baselines"
_PROJECT_PYTHON = HERE.parent / ".venv" / "bin" / "python"
FPMETRICS_PYTHON = str(_PROJECT_PYTHON) if _PROJECT_PYTHON.exists() else sys.executable
"""fpmetrics runs in the project's own environment, as ``uv run fpmetrics`` does. The
``--with pyarrow`` environment the pandas baseline needs would be unfair to it: with pyarrow
installed, pandas imports it at start (~90 MB more, not a dependency of fpmetrics)."""
ENGINES = ("fpmetrics", "duckdb", "polars", "pandas")
REFERENCE = "duckdb"
KILLED = -1000
"""Return code of a run stopped by ``--max-memory-mb``."""

# fpmetrics JSON results: indicator → (field of the numerator, field of the denominator).
INDICATOR_FIELDS = {
    "sex_ratio_at_birth": ("births_male", "births_female"),
    "policy_birth_rate": ("births_policy", "births"),
    "birth_defect_rate": ("birth_defects", "perinatal_births"),
    "migrant_archive_rate": ("migrant_archived", "migrant_women"),
    "migrant_certificate_rate": ("migrant_certified", "migrant_women"),
    "migrant_contact_rate": ("migrant_contacted", "migrant_women"),
}
FIELDS = {
    "births": [
        "births_male",
        "births_female",
        "births",
        "births_policy",
        "perinatal_births",
        "birth_defects",
    ],
    "migrants": ["migrant_women", "migrant_archived", "migrant_certified", "migrant_contacted"],
}


@dataclass
class Register:
    path: Path
    kind: str
    encoding: str
    rows: int
    size: int


@dataclass
class Run:
    engine: str
    file: str
    seconds: float
    peak: int
    """Bytes."""
    returncode: int


@dataclass
class Result:
    engine: str
    register: Register
    runs: list[Run] = field(default_factory=list)

    @property
    def ok(self) -> list[Run]:
        return [r for r in self.runs if r.returncode in ok_codes(self.engine)]

    @property
    def best(self) -> Run | None:
        return min(self.ok, key=lambda r: r.seconds, default=None)

    @property
    def peak(self) -> int | None:
        """The largest peak over the runs (they vary a little with thread timing)."""
        return max((r.peak for r in self.ok), default=None)


def ok_codes(engine: str) -> set[int]:
    # fpmetrics exits 1 when some check fails: still a complete run.
    return {0, 1} if engine == "fpmetrics" else {0}


def inspect(path: Path) -> Register:
    """Kind (from the header), encoding (UTF-8 or GB18030) and data rows of a register."""
    with path.open("rb") as handle:
        head = handle.read(1 << 20)
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
        encoding = "utf-8"
    except UnicodeDecodeError:
        encoding = "gb18030"
    header = head.split(b"\n", 1)[0].decode(encoding, errors="replace")
    kind = "migrants" if "身份证号" in header else "births"
    lines = 0
    with path.open("rb") as handle:
        while block := handle.read(4 << 20):
            lines += block.count(b"\n")
    return Register(path, kind, encoding, lines - 1, path.stat().st_size)


def command(engine: str, register: Register, out: str = "/dev/null") -> list[str]:
    """The whole process of one engine; its result goes to ``out``."""
    if engine == "fpmetrics":
        return [
            FPMETRICS_PYTHON,
            "-m",
            "fpmetrics.cli",
            "check",
            str(register.path),
            "--period",
            "year",
            "--format",
            "json",
            *(["--output", out] if out != "/dev/null" else []),
        ]
    script = BASELINES / f"{engine}_counts.py"
    return [
        sys.executable,
        str(script),
        str(register.path),
        "--kind",
        register.kind,
        "--encoding",
        register.encoding,
        "--out",
        out,
    ]


TIME = shutil.which("time", path="/usr/bin:/bin")
"""GNU time: a tiny launcher whose ``%M`` is the child's own peak. (The kernel's ru_maxrss of
a child spawned straight from this process starts at this process's peak RSS: vfork/exec
carries it over; a lean launcher keeps that floor at ~2 MB.)"""


def measure(
    cmd: list[str], interval: float = 0.02, limit: int | None = None
) -> tuple[float, int, int, str]:
    """Wall seconds, peak bytes, return code and the end of stderr of a whole process.

    The peak is the larger of the process tree's summed RSS (psutil, polled every
    ``interval``) and the kernel's exact peak of its largest process (GNU time's ``%M``).
    With ``limit`` (bytes), the tree is killed once its memory passes it: the run then
    reports return code ``KILLED`` and the peak seen."""
    with tempfile.TemporaryFile() as errors, tempfile.NamedTemporaryFile("r") as maxrss:
        launch = [TIME, "-f", "%M", "-o", maxrss.name, *cmd] if TIME else cmd
        began = time.perf_counter()
        proc = subprocess.Popen(launch, stdout=subprocess.DEVNULL, stderr=errors)
        peak = 0
        done = threading.Event()
        killed = threading.Event()

        def poll() -> None:
            nonlocal peak
            try:
                root = psutil.Process(proc.pid)
            except psutil.NoSuchProcess:
                return
            while not done.is_set():
                total = 0
                try:
                    for p in [root, *root.children(recursive=True)]:
                        total += p.memory_info().rss
                except psutil.NoSuchProcess:
                    pass
                peak = max(peak, total)
                if limit is not None and total > limit:
                    killed.set()
                    for p in [*root.children(recursive=True), root]:
                        with contextlib.suppress(psutil.NoSuchProcess):
                            p.kill()
                    return
                done.wait(interval)

        poller = threading.Thread(target=poll, daemon=True)
        poller.start()
        proc.wait()
        seconds = time.perf_counter() - began
        done.set()
        poller.join()
        if killed.is_set():
            proc.returncode = KILLED
        errors.seek(0)
        tail = errors.read()[-2000:].decode("utf-8", errors="replace")
        lines = maxrss.read().split()
    kernel = int(lines[-1]) * 1024 if lines and lines[-1].isdigit() else 0  # KiB
    return seconds, max(peak, kernel), proc.returncode, tail


def warm(path: Path) -> None:
    """Read the file once so that every engine starts with it in the page cache."""
    with path.open("rb") as handle:
        while handle.read(4 << 20):
            pass


def bench(
    registers: list[Register], engines: Iterable[str], repeats: int, limit: int | None = None
) -> list[Result]:
    results = []
    for register in registers:
        warm(register.path)
        mine = {e: Result(e, register) for e in engines}
        order = list(mine.items())
        for repeat in range(repeats):
            # Each engine takes each place in turn: a run right after pandas' 2.4 GB (memory
            # being handed back) is not always the same engine's.
            shift = repeat % len(order)
            for engine, result in order[shift:] + order[:shift]:
                seconds, peak, code, tail = measure(command(engine, register), limit=limit)
                result.runs.append(Run(engine, str(register.path), seconds, peak, code))
                note = "" if code in ok_codes(engine) else f"  FAILED (exit {code})\n{tail}"
                if code == KILLED:
                    note = f"  KILLED: memory above --max-memory-mb after {seconds:.0f} s"
                print(
                    f"  {register.path.name} {engine:<9} run {repeat + 1}: "
                    f"{seconds:6.2f} s {peak / 1e6:7.0f} MB{note}",
                    file=sys.stderr,
                    flush=True,
                )
        results.extend(mine.values())
    return results


def human(rows: int) -> str:
    if rows >= 1_000_000:
        return f"{rows / 1e6:g}M"
    if rows >= 1_000:
        return f"{rows / 1e3:g}k"
    return str(rows)


def table(results: list[Result]) -> str:
    lines = [
        "| register | rows | encoding | file MB | engine | best s | runs s | peak MB (max) "
        "| time ÷ DuckDB | memory ÷ DuckDB |",
        "|---|---:|---|---:|---|---:|---|---:|---:|---:|",
    ]
    reference = {r.register.path: r for r in results if r.engine == REFERENCE}
    for result in results:
        reg, best, peak = result.register, result.best, result.peak
        runs = " / ".join(
            f"{r.seconds:.2f}"
            if r in result.ok
            else (
                f"killed at {r.peak / 1e6:,.0f} MB, {r.seconds:.0f} s"
                if r.returncode == KILLED
                else "fail"
            )
            for r in result.runs
        )
        ref = reference.get(reg.path)
        ratio_t = ratio_m = "–"
        if ref is not None and best and ref.best and peak and ref.peak:
            ratio_t = f"{best.seconds / ref.best.seconds:.2f}×"
            ratio_m = f"{peak / ref.peak:.2f}×"
        lines.append(
            f"| {reg.kind} | {human(reg.rows)} | {reg.encoding} | {reg.size / 1e6:,.0f} "
            f"| {result.engine} | {best.seconds:.2f} | {runs} | {peak / 1e6:,.0f} "
            f"| {ratio_t} | {ratio_m} |"
            if best and peak
            else f"| {reg.kind} | {human(reg.rows)} | {reg.encoding} | {reg.size / 1e6:,.0f} "
            f"| {result.engine} | fail | {runs} | – | – | – |"
        )
    return "\n".join(lines)


# --- verification -------------------------------------------------------------------------

Counts = dict[tuple[str, str], dict[str, int]]


def fpmetrics_counts(path: Path, kind: str) -> Counts:
    data = json.loads(path.read_text(encoding="utf-8"))
    counts: Counts = {}
    for item in data["results"]:
        pair = INDICATOR_FIELDS.get(item["indicator"])
        if pair is None or item["numerator"] is None:
            continue
        key = (item["unit"], item["period"] or "")
        for name, value in zip(pair, (item["numerator"], item["denominator"]), strict=True):
            if name in FIELDS[kind]:
                counts.setdefault(key, {})[name] = int(value)
    return counts


def baseline_counts(path: Path, kind: str) -> Counts:
    counts: Counts = {}
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            period = row["period"] or ""
            period = period.removesuffix(".0")  # a year read as a float somewhere
            counts[(row["township"], period)] = {f: int(float(row[f])) for f in FIELDS[kind]}
    return counts


def differences(expected: Counts, got: Counts, kind: str) -> list[str]:
    found = []
    for key in sorted(set(expected) | set(got)):
        for name in FIELDS[kind]:
            want = expected.get(key, {}).get(name, 0)
            have = got.get(key, {}).get(name, 0)
            if want != have:
                found.append(f"{key} {name}: fpmetrics {want}, baseline {have}")
    return found


def verify(registers: list[Register], engines: list[str]) -> bool:
    """Every baseline's counts equal fpmetrics' numerators and denominators."""
    ok = True
    with tempfile.TemporaryDirectory(prefix="fpbench-") as tmp:
        for register in registers:
            reference = Path(tmp) / "fpmetrics.json"
            _, _, code, tail = measure(command("fpmetrics", register, str(reference)))
            if code not in ok_codes("fpmetrics"):
                print(f"fpmetrics failed on {register.path} (exit {code}):\n{tail}")
                return False
            expected = fpmetrics_counts(reference, register.kind)
            total = sum(v.get(FIELDS[register.kind][0], 0) for v in expected.values())
            for engine in (e for e in engines if e != "fpmetrics"):
                out = Path(tmp) / f"{engine}.csv"
                _, _, code, tail = measure(command(engine, register, str(out)))
                if code != 0:
                    print(f"{engine} failed on {register.path} (exit {code}):\n{tail}")
                    ok = False
                    continue
                diff = differences(expected, baseline_counts(out, register.kind), register.kind)
                status = "same counts" if not diff else f"{len(diff)} DIFFERENCES"
                print(
                    f"verify {register.path.name} ({register.kind}, {register.encoding}): "
                    f"{engine}: {status} ({len(expected)} units, "
                    f"{FIELDS[register.kind][0]} = {total:,})"
                )
                for line in diff[:20]:
                    print(f"    {line}")
                ok &= not diff
    return ok


def verification_registers(folder: Path, rows: int) -> list[Register]:
    """Small registers with many bad codes and repeats (bad rate 1e-3), both encodings."""
    sys.path.insert(0, str(HERE))
    from generate import write

    paths = [
        write(kind, rows, encoding, folder, bad_rate=1e-3)
        for kind in ("births", "migrants")
        for encoding in ("utf-8", "gb18030")
    ]
    return [inspect(p) for p in paths]


def load_results(path: Path) -> list[Result]:
    """Results saved with ``--json``."""
    results = []
    for item in json.loads(path.read_text(encoding="utf-8")):
        register = Register(**{**item["register"], "path": Path(item["register"]["path"])})
        runs = [Run(**run) for run in item["runs"]]
        results.append(Result(item["engine"], register, runs))
    return results


def save_results(results: list[Result], path: Path) -> None:
    raw = [
        {"engine": r.engine, "register": {**asdict(r.register), "path": str(r.register.path)}}
        | {"runs": [asdict(run) for run in r.runs]}
        for r in results
    ]
    path.write_text(json.dumps(raw, ensure_ascii=False, indent=1), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", type=Path, help="register CSVs to time")
    parser.add_argument("--engines", default=",".join(ENGINES), help="comma-separated")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument(
        "--verify", action="store_true", help="check the baselines' counts against fpmetrics"
    )
    parser.add_argument("--verify-rows", type=int, default=200_000)
    parser.add_argument("--json", type=Path, help="also write the raw runs here")
    parser.add_argument(
        "--table", type=Path, nargs="+", help="print the table of runs saved with --json, and stop"
    )
    parser.add_argument(
        "--fpmetrics-python",
        help="the Python of another fpmetrics install to time (a clean, non-editable one: "
        "python -m venv v && v/bin/pip install dist/fpmetrics-*.whl)",
    )
    parser.add_argument(
        "--max-memory-mb",
        type=float,
        help="kill a run whose process tree passes this much memory (reported as such)",
    )
    args = parser.parse_args(argv)
    if args.fpmetrics_python:
        global FPMETRICS_PYTHON
        FPMETRICS_PYTHON = args.fpmetrics_python
    engines = [e.strip() for e in args.engines.split(",") if e.strip()]
    unknown = set(engines) - set(ENGINES)
    if unknown:
        parser.error(f"unknown engines: {', '.join(sorted(unknown))}")
    if args.table:
        print(table([r for path in args.table for r in load_results(path)]))
        return 0

    if args.verify:
        with tempfile.TemporaryDirectory(prefix="fpbench-data-") as tmp:
            small = verification_registers(Path(tmp), args.verify_rows)
            if not verify(small, engines):
                return 1
    if not args.files:
        return 0
    registers = [inspect(p) for p in args.files]
    limit = int(args.max_memory_mb * 1e6) if args.max_memory_mb else None
    results = bench(registers, engines, args.repeats, limit)
    print(table(results))
    if args.json:
        save_results(results, args.json)
    return 0 if all(r.best for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
