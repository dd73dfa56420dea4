"""The history: each run's per-unit counts, values and verdicts, kept in one SQLite file.

SQLite (stdlib ``sqlite3``) is the embedded store: one file, no server. What is kept is what
the results say: unit names, periods, indicator values, numerators and denominators, statuses,
and the unit counts behind them. No id numbers and no register records are ever stored.

- One run is one transaction (``BEGIN IMMEDIATE`` … ``COMMIT``): a run killed halfway leaves
  the file as it was. The file is in WAL mode with a busy timeout, and a locked database is
  retried: two runs writing at once both land.
- The schema carries its version (table ``schema_version``); an older file is migrated in
  place, in one transaction, when a newer fpmetrics opens it.
- A run is keyed by its rule set, level and periods. The same inputs again (same file hashes)
  replace the earlier run: the history does not double. Revised inputs for the same periods
  make the new run the current one; the earlier run is kept as *superseded*, so
  ``history --diff`` shows what was revised after submission. Runs of inputs without periods
  are each kept (only the same inputs again replace one).
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from fpmetrics.errors import InputError

SCHEMA_VERSION = 2
BUSY_TIMEOUT_MS = 30_000
_RETRIES = 20

# Version 1 (fpmetrics before periods had bounds and runs had revisions): runs, inputs and
# results only. Kept here so the migration can be tested against a real v1 file.
SCHEMA_V1 = """
CREATE TABLE schema_version (version INTEGER NOT NULL);
CREATE TABLE runs (
    id INTEGER PRIMARY KEY, created TEXT NOT NULL, command TEXT NOT NULL,
    ruleset TEXT NOT NULL, level TEXT NOT NULL, periods TEXT NOT NULL,
    units INTEGER NOT NULL, fpmetrics TEXT NOT NULL
);
CREATE TABLE inputs (run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    name TEXT NOT NULL, sha256 TEXT NOT NULL);
CREATE TABLE results (run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    unit TEXT NOT NULL, code TEXT, period TEXT, indicator TEXT NOT NULL,
    value REAL, numerator REAL, denominator REAL, status TEXT NOT NULL);
"""

_MIGRATIONS = {
    # v1 → v2: period bounds on results, the year start and revision chain on runs, the
    # input key a re-run is recognised by, and the unit counts.
    1: """
ALTER TABLE runs ADD COLUMN year_start TEXT NOT NULL DEFAULT '01-01';
ALTER TABLE runs ADD COLUMN run_key TEXT NOT NULL DEFAULT '';
ALTER TABLE runs ADD COLUMN input_hash TEXT NOT NULL DEFAULT '';
ALTER TABLE runs ADD COLUMN superseded_by INTEGER;
ALTER TABLE results ADD COLUMN period_start TEXT;
ALTER TABLE results ADD COLUMN period_end TEXT;
CREATE TABLE counts (run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    unit TEXT NOT NULL, period TEXT, field TEXT NOT NULL, value REAL);
CREATE INDEX results_run ON results(run_id);
CREATE INDEX results_unit ON results(unit, indicator);
CREATE INDEX counts_run ON counts(run_id);
UPDATE runs SET run_key = ruleset || '|' || level || '|' || periods,
                input_hash = 'v1:' || id;
""",
}

RESULT_COLUMNS = [
    "unit", "code", "period", "period_start", "period_end", "indicator", "value", "numerator",
    "denominator", "status",
]  # fmt: skip


@dataclass(frozen=True)
class RunRecord:
    """What a run writes: its description and its rows."""

    command: str
    ruleset: str
    year_start: str
    level: str
    inputs: list[tuple[str, str]]  # (file name, sha256)
    results: pd.DataFrame
    counts: pd.DataFrame  # unit, period, field, value

    @property
    def periods(self) -> list[str]:
        labels = self.results["period"].dropna().astype(str).unique().tolist()
        from fpmetrics.normalise.periods import period_key

        return sorted(labels, key=period_key)

    @property
    def run_key(self) -> str:
        return f"{self.ruleset}|{self.level}|{json.dumps(self.periods, ensure_ascii=False)}"

    @property
    def input_hash(self) -> str:
        joined = "\n".join(sorted(h for _, h in self.inputs))
        return hashlib.sha256(joined.encode()).hexdigest()


def file_hash(path: Path) -> str:
    """SHA-256 of an input file; of a folder (a partitioned Parquet register), of its files'
    relative names and bytes in name order; "" for a database or Spark table, whose contents
    are not hashed (a re-run of the same periods replaces the earlier run)."""
    if not isinstance(path, Path):
        return ""
    digest = hashlib.sha256()
    files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    for file in files:
        if path.is_dir():
            digest.update(str(file.relative_to(path)).encode() + b"\0")
        with file.open("rb") as handle:
            while chunk := handle.read(1 << 20):
                digest.update(chunk)
    return digest.hexdigest()


def _error(path: Path, exc: Exception) -> InputError:
    return InputError("history_unreadable", file=path, detail=str(exc))


def _retrying(action, path: Path):  # type: ignore[no-untyped-def]
    """``action()``, retried while another run holds the database (beyond the busy timeout:
    a WAL checkpoint or a schema change can still report "locked" at once)."""
    for attempt in range(_RETRIES):
        try:
            return action()
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) and "busy" not in str(exc):
                raise _error(path, exc) from None
            time.sleep(0.05 * (attempt + 1))
        except sqlite3.DatabaseError as exc:
            raise _error(path, exc) from None
    raise InputError("history_busy", file=path)


@contextmanager
def connect(path: Path, create: bool = True) -> Iterator[sqlite3.Connection]:
    """The history at ``path``, at the current schema version (created or migrated)."""
    if not create and not path.is_file():
        raise InputError("file_missing", file=path)
    if path.is_dir():
        raise InputError("history_unreadable", file=path, detail="is a directory")
    try:
        db = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
    except sqlite3.Error as exc:
        raise _error(path, exc) from None
    try:
        db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        db.execute("PRAGMA foreign_keys = ON")
        # The version first: a file this fpmetrics does not know is left exactly as it is.
        _retrying(lambda: _prepare(db, path), path)
        _retrying(lambda: db.execute("PRAGMA journal_mode = WAL"), path)
        yield db
    finally:
        db.close()


def _version(db: sqlite3.Connection) -> int:
    tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    if "schema_version" not in tables:
        return 0 if not tables else -1
    row = db.execute("SELECT version FROM schema_version").fetchone()
    return int(row[0]) if row else -1


def _prepare(db: sqlite3.Connection, path: Path) -> None:
    """Create the schema in a new file, or migrate an older one, in one transaction."""
    version = _version(db)
    if version == SCHEMA_VERSION:
        return
    if version > SCHEMA_VERSION or version < 0:
        raise InputError("history_version", file=path, version=version)
    db.execute("BEGIN IMMEDIATE")
    try:
        version = _version(db)  # another run may have done it while this one waited
        if version == 0:
            _script(db, SCHEMA_V1)
            db.execute("INSERT INTO schema_version VALUES (1)")
            version = 1
        while version < SCHEMA_VERSION:
            _script(db, _MIGRATIONS[version])
            version += 1
            db.execute("UPDATE schema_version SET version = ?", (version,))
        db.execute("COMMIT")
    except BaseException:
        db.execute("ROLLBACK")
        raise


def _script(db: sqlite3.Connection, script: str) -> None:
    """Statements one by one: ``executescript`` would commit the open transaction first."""
    for statement in script.split(";"):
        if statement.strip():
            db.execute(statement)


def record(path: Path, run: RunRecord) -> int:
    """Write one run, in one transaction; returns its id. Identical inputs for the same
    periods replace the earlier run; revised inputs supersede it (kept for ``--diff``)."""
    with connect(path) as db:
        return _retrying(lambda: _write(db, run), path)


def _write(db: sqlite3.Connection, run: RunRecord) -> int:
    from fpmetrics import __version__

    db.execute("BEGIN IMMEDIATE")  # outside the try: if it fails there is nothing to undo
    try:
        same = db.execute(
            "SELECT id, input_hash FROM runs WHERE run_key = ? AND superseded_by IS NULL",
            (run.run_key,),
        ).fetchall()
        created = datetime.now(UTC).isoformat(timespec="seconds")
        cursor = db.execute(
            "INSERT INTO runs (created, command, ruleset, level, periods, units, fpmetrics,"
            " year_start, run_key, input_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                created,
                run.command,
                run.ruleset,
                run.level,
                json.dumps(run.periods, ensure_ascii=False),
                int(run.results["unit"].nunique()),
                __version__,
                run.year_start,
                run.run_key,
                run.input_hash,
            ),
        )
        run_id = int(cursor.lastrowid or 0)
        for old, old_hash in same:
            if not run.periods and old_hash != run.input_hash:
                continue  # runs without periods cannot be told to be revisions: both stay
            if old_hash == run.input_hash:  # the same inputs again: not a second run
                db.execute(
                    "UPDATE runs SET superseded_by = ? WHERE superseded_by = ?", (run_id, old)
                )
                db.execute("DELETE FROM runs WHERE id = ?", (old,))
            else:  # a revision: the earlier run stays, superseded
                db.execute("UPDATE runs SET superseded_by = ? WHERE id = ?", (run_id, old))
        db.executemany(
            "INSERT INTO inputs (run_id, name, sha256) VALUES (?, ?, ?)",
            [(run_id, name, digest) for name, digest in run.inputs],
        )
        rows = run.results.reindex(columns=RESULT_COLUMNS).astype(object)
        rows = rows.where(rows.notna(), None)
        db.executemany(
            f"INSERT INTO results (run_id, {', '.join(RESULT_COLUMNS)}) "
            f"VALUES (?{', ?' * len(RESULT_COLUMNS)})",
            [(run_id, *row) for row in rows.itertuples(index=False, name=None)],
        )
        counts = run.counts.reindex(columns=["unit", "period", "field", "value"]).astype(object)
        counts = counts.where(counts.notna(), None)
        db.executemany(
            "INSERT INTO counts (run_id, unit, period, field, value) VALUES (?, ?, ?, ?, ?)",
            [(run_id, *row) for row in counts.itertuples(index=False, name=None)],
        )
        db.execute("COMMIT")
    except BaseException:
        db.execute("ROLLBACK")
        raise
    return run_id


# ------------------------------------------------------------------ reading


def runs(db: sqlite3.Connection) -> pd.DataFrame:
    """Every run, oldest first, with its inputs and whether a later revision superseded it."""
    frame = pd.read_sql_query(
        "SELECT id, created, command, ruleset, year_start, level, periods, units,"
        " superseded_by, fpmetrics FROM runs ORDER BY id",
        db,
    )
    inputs = pd.read_sql_query("SELECT run_id, name, sha256 FROM inputs ORDER BY rowid", db)
    grouped = inputs.groupby("run_id")
    names = grouped["name"].agg(list)
    hashes = grouped["sha256"].agg(list)
    frame["periods"] = frame["periods"].map(json.loads)
    frame["inputs"] = frame["id"].map(names).map(lambda v: v if isinstance(v, list) else [])
    frame["sha256"] = frame["id"].map(hashes).map(lambda v: v if isinstance(v, list) else [])
    frame["superseded_by"] = frame["superseded_by"].astype(object)
    frame["superseded_by"] = frame["superseded_by"].where(frame["superseded_by"].notna(), None)
    return frame


def results(db: sqlite3.Connection, run_ids: list[int] | None = None) -> pd.DataFrame:
    """Result rows (with their run's id and time) of the given runs, or of all current runs."""
    where = (
        f"r.run_id IN ({', '.join('?' * len(run_ids))})"
        if run_ids is not None
        else "runs.superseded_by IS NULL"
    )
    return pd.read_sql_query(
        f"SELECT r.run_id, runs.created, runs.level, {', '.join('r.' + c for c in RESULT_COLUMNS)}"
        f" FROM results r JOIN runs ON runs.id = r.run_id WHERE {where} ORDER BY r.rowid",
        db,
        params=run_ids or (),
    )


def current_results(path: Path, level: str) -> pd.DataFrame:
    """The results of the current (not superseded) runs at ``level``; empty if no file."""
    if not path.is_file():
        return pd.DataFrame(columns=["run_id", "created", "level", *RESULT_COLUMNS])
    with connect(path) as db:
        found = results(db)
    return found[found["level"] == level].reset_index(drop=True)


def run_record(report, command: str) -> RunRecord:  # type: ignore[no-untyped-def]
    """What a check (``CheckReport``) leaves in the history: per-unit counts, values and
    verdicts, and the hash of each input. Nothing below the unit: no records, no ids."""
    from fpmetrics.normalise.fields import COUNT_FIELDS

    units = report.units
    present = [f for f in COUNT_FIELDS if f in units.columns]
    counts = units[["township", "period", *present]].melt(
        id_vars=["township", "period"], var_name="field", value_name="value"
    )
    counts = counts[counts["value"].notna()].rename(columns={"township": "unit"})
    return RunRecord(
        command=command,
        ruleset=report.ruleset.name,
        year_start=report.ruleset.periods.year_start,
        level=report.level,
        inputs=[(str(f), file_hash(f)) for f in report.inputs.files],
        results=report.results,
        counts=counts,
    )
