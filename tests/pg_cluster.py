"""A throwaway PostgreSQL cluster for tests: initdb + pg_ctl in a temporary folder, on a free
local port, with password (SCRAM) logins. Root cannot run postgres: as root, the server runs
as the ``postgres`` user (Debian's package creates it)."""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

USER = "fpm"
PASSWORD = "s3cret-Pw9"  # what tests must never see in output


@dataclass
class Cluster:
    folder: Path
    port: int
    run_as: list[str]
    bin: Path

    def url(self, db: str = "registers", password: str | None = PASSWORD) -> str:
        secret = f":{password}" if password is not None else ""
        return f"postgresql://{USER}{secret}@127.0.0.1:{self.port}/{db}"

    def stop(self) -> None:
        subprocess.run(
            [*self.run_as, str(self.bin / "pg_ctl"), "-D", str(self.folder / "data"), "-m",
             "immediate", "stop"],
            capture_output=True, timeout=60, check=False,
        )  # fmt: skip
        shutil.rmtree(self.folder, ignore_errors=True)


def server_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(found[-1]).parent if found else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start() -> Cluster:
    """Start a cluster; raises RuntimeError with the reason when it cannot."""
    bin_dir = server_bin()
    if bin_dir is None:
        raise RuntimeError("PostgreSQL server binaries not found (apt-get install postgresql)")
    folder = Path(tempfile.mkdtemp(prefix="fpmetrics-pg-"))
    run_as: list[str] = []
    if os.geteuid() == 0:
        try:
            owner = pwd.getpwnam("postgres")
        except KeyError:
            raise RuntimeError("running as root and there is no postgres user") from None
        os.chown(folder, owner.pw_uid, owner.pw_gid)
        run_as = ["runuser", "-u", "postgres", "--"]
    pwfile = folder / "pw"
    pwfile.write_text(PASSWORD + "\n")
    if run_as:
        os.chown(pwfile, pwd.getpwnam("postgres").pw_uid, -1)
    data = folder / "data"
    init = subprocess.run(
        [*run_as, str(bin_dir / "initdb"), "-D", str(data), "-U", USER, "-E", "UTF8",
         "--no-locale", "--auth=scram-sha-256", f"--pwfile={pwfile}"],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    if init.returncode != 0:
        raise RuntimeError(f"initdb failed: {init.stderr.strip()[-500:]}")
    port = _free_port()
    options = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off"
    started = subprocess.run(
        [*run_as, str(bin_dir / "pg_ctl"), "-D", str(data), "-o", options, "-l",
         str(folder / "log"), "-w", "-t", "60", "start"],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    cluster = Cluster(folder, port, run_as, bin_dir)
    if started.returncode != 0:
        log = (
            (folder / "log").read_text(errors="replace")[-500:] if (folder / "log").exists() else ""
        )
        cluster.stop()
        raise RuntimeError(f"pg_ctl start failed: {started.stderr.strip()} {log}")
    return cluster


def load_csv(url: str, table: str, csv: Path, encoding: str = "utf8") -> None:
    """Create ``table`` with the CSV's header as text columns and copy the rows in, in order."""
    import polars as pl
    import psycopg
    from psycopg import sql

    frame = pl.read_csv(csv, infer_schema=False, encoding=encoding)
    with psycopg.connect(url, autocommit=True) as connection:
        columns = sql.SQL(", ").join(
            sql.SQL("{} text").format(sql.Identifier(name)) for name in frame.columns
        )
        connection.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(sql.Identifier(table)))
        connection.execute(sql.SQL("CREATE TABLE {} ({})").format(sql.Identifier(table), columns))
        copy = sql.SQL("COPY {} FROM STDIN").format(sql.Identifier(table))
        with connection.cursor() as cursor, cursor.copy(copy) as writer:
            for row in frame.iter_rows():
                writer.write_row(row)
