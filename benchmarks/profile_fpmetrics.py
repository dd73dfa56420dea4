"""Where fpmetrics spends time and memory on a register: one ``check`` run, phase by phase.

Wraps (at run time, without touching the source) the functions of the register pipeline,
Polars' ``LazyFrame.collect`` and the renderer, then runs ``fpmetrics check FILE --period year
--format json`` in this process. Prints, per phase: calls, seconds (including nested phases),
resident memory when it started and ended, and the peak while it ran (psutil, 10 ms polling).

    uv run --group bench python benchmarks/profile_fpmetrics.py benchmarks/data/births_10M_utf8.csv
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import os
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import psutil

_PROCESS = psutil.Process()


def rss() -> int:
    return _PROCESS.memory_info().rss


@dataclass
class Frame:
    label: str
    peak: int


@dataclass
class Stat:
    label: str
    depth: int
    order: int
    calls: int = 0
    seconds: float = 0.0
    rss_before: int = 0
    rss_after: int = 0
    peak: int = 0


class Probe:
    def __init__(self, interval: float = 0.01) -> None:
        self.stats: dict[str, Stat] = {}
        self.active: list[Frame] = []
        self.peak = rss()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, args=(interval,), daemon=True)
        self._thread.start()

    def _poll(self, interval: float) -> None:
        while not self._stop.wait(interval):
            now = rss()
            self.peak = max(self.peak, now)
            for frame in list(self.active):
                frame.peak = max(frame.peak, now)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def wrap(self, owner: Any, name: str, label: str | None = None, per_call: bool = False) -> None:
        """Measure calls of ``owner.name``; ``per_call``: one line per call (``#1``, ``#2``)."""
        original: Callable[..., Any] = getattr(owner, name)
        base = label or f"{getattr(owner, '__name__', owner)}.{name}"
        count = 0

        @functools.wraps(original)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            nonlocal count
            count += 1
            label = f"{base} #{count}" if per_call else base
            before = rss()
            frame = Frame(label, before)
            stat = self.stats.get(label)
            if stat is None:
                stat = self.stats[label] = Stat(label, len(self.active), len(self.stats))
                stat.rss_before = before
            self.active.append(frame)
            began = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                stat.seconds += time.perf_counter() - began
                self.active.remove(frame)
                stat.calls += 1
                stat.rss_after = rss()
                stat.peak = max(stat.peak, frame.peak, stat.rss_after)

        setattr(owner, name, wrapper)
        # The same function imported by name into other fpmetrics modules: wrap it there too.
        for module in list(sys.modules.values()):
            named = (getattr(module, "__name__", "") or "").startswith("fpmetrics")
            if named and module is not owner and getattr(module, name, None) is original:
                setattr(module, name, wrapper)

    def report(self) -> str:
        lines = [
            "| phase | calls | seconds | RSS before MB | RSS after MB | peak MB |",
            "|---|---:|---:|---:|---:|---:|",
        ]
        for s in sorted(self.stats.values(), key=lambda s: s.order):
            name = "&nbsp;&nbsp;" * s.depth + s.label
            lines.append(
                f"| {name} | {s.calls} | {s.seconds:.2f} | {s.rss_before / 1e6:,.0f} "
                f"| {s.rss_after / 1e6:,.0f} | {s.peak / 1e6:,.0f} |"
            )
        return "\n".join(lines)


def instrument(probe: Probe) -> None:
    import polars as pl

    import fpmetrics.aggregate.registers.aggregate as aggregate
    import fpmetrics.aggregate.registers.codes as codes
    import fpmetrics.aggregate.registers.source as source
    import fpmetrics.pipeline as pipeline
    import fpmetrics.read.load as load
    import fpmetrics.report.formats as render

    probe.wrap(pipeline, "run_check")
    probe.wrap(load, "load_inputs")
    probe.wrap(source, "csv_register")
    probe.wrap(source, "_transcode", "source._transcode (GB18030 → UTF-8)")
    probe.wrap(aggregate, "aggregate", per_call=True)
    probe.wrap(aggregate, "_combinations", per_call=True)
    probe.wrap(pl.LazyFrame, "collect", "polars LazyFrame.collect", per_call=True)
    probe.wrap(aggregate, "_to_pandas", per_call=True)
    probe.wrap(aggregate, "classify", per_call=True)
    for name in ("sex", "yes_no", "outcome", "dates", "period_of"):
        probe.wrap(codes, name, f"codes.{name}")
    probe.wrap(aggregate, "_unit_sums")
    probe.wrap(aggregate, "_problem_rows")
    probe.wrap(aggregate, "_repeated_ids")
    probe.wrap(aggregate, "to_records")
    for name in (
        "check_records",
        "unit_counts",
        "evaluate",
        "period_windows",
        "check_totals",
        "unit_verdicts",
    ):
        if hasattr(pipeline, name):
            probe.wrap(pipeline, name)
    probe.wrap(render, "emit")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file")
    parser.add_argument("extra", nargs="*", help="more fpmetrics options (after --)")
    args = parser.parse_args(argv)

    began = time.perf_counter()
    rss_start = rss()
    import fpmetrics.cli as cli  # noqa: I001 - the order is the measurement
    import pandas  # noqa: F401
    import polars  # noqa: F401
    import fpmetrics.pipeline
    import fpmetrics.report.formats  # noqa: F401

    imported = time.perf_counter() - began
    rss_imported = rss()

    probe = Probe()
    instrument(probe)
    sys.argv = ["fpmetrics", "check", args.file, "--period", "year", "--format", "json"]
    sys.argv += args.extra
    code = 0
    run_began = time.perf_counter()
    with (
        open(os.devnull, "w") as sink,
        contextlib.redirect_stdout(sink),
        contextlib.redirect_stderr(sink),
    ):
        try:
            cli.main()
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
    ran = time.perf_counter() - run_began
    probe.stop()
    print(f"file: {args.file}  exit code: {code}")
    print(
        f"imports (fpmetrics.cli, pandas, polars, pipeline, render): {imported:.2f} s, "
        f"RSS {rss_start / 1e6:,.0f} → {rss_imported / 1e6:,.0f} MB"
    )
    print(f"check run: {ran:.2f} s, peak RSS {probe.peak / 1e6:,.0f} MB\n")
    print(probe.report())
    return 0


if __name__ == "__main__":
    sys.exit(main())
