"""A throwaway MySQL-protocol server for tests: MariaDB (Debian's ``mariadb-server``) in a
temporary folder on a free local port, a user with a password. As root, it runs as ``mysql``."""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

USER = "fpm"
PASSWORD = "my-S3cret-7"


@dataclass
class Server:
    folder: Path
    port: int
    process: subprocess.Popen

    def url(self, password: str | None = PASSWORD) -> str:
        secret = f":{password}" if password is not None else ""
        return f"mysql://{USER}{secret}@127.0.0.1:{self.port}/registers"

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
        shutil.rmtree(self.folder, ignore_errors=True)


def binaries() -> tuple[str, str] | None:
    server = shutil.which("mariadbd") or shutil.which("mysqld") or "/usr/sbin/mariadbd"
    install = shutil.which("mariadb-install-db") or shutil.which("mysql_install_db")
    return (server, install) if Path(server).exists() and install else None


def start() -> Server:
    found = binaries()
    if found is None:
        raise RuntimeError("MariaDB server binaries not found (apt-get install mariadb-server)")
    server, install = found
    folder = Path(tempfile.mkdtemp(prefix="fpmetrics-mysql-"))
    user = []
    if os.geteuid() == 0:
        owner = pwd.getpwnam("mysql")
        os.chown(folder, owner.pw_uid, owner.pw_gid)
        user = ["--user=mysql"]
    data = folder / "data"
    made = subprocess.run(
        [install, "--no-defaults", f"--datadir={data}", *user, "--skip-test-db",
         "--auth-root-authentication-method=normal"],
        capture_output=True, text=True, timeout=180, check=False,
    )  # fmt: skip
    if made.returncode != 0:
        raise RuntimeError(f"mariadb-install-db failed: {made.stderr.strip()[-400:]}")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    process = subprocess.Popen(
        [server, "--no-defaults", f"--datadir={data}", f"--socket={folder}/sock",
         f"--port={port}", "--bind-address=127.0.0.1", *user, "--skip-log-bin",
         f"--pid-file={folder}/pid", "--innodb-buffer-pool-size=32M"],
        stdout=subprocess.DEVNULL, stderr=open(folder / "log", "w"),  # noqa: SIM115
    )  # fmt: skip
    import pymysql

    for _ in range(240):
        try:
            root = pymysql.connect(host="127.0.0.1", port=port, user="root", password="")
            break
        except pymysql.Error:
            if process.poll() is not None:
                raise RuntimeError((folder / "log").read_text()[-400:]) from None
            time.sleep(0.25)
    else:
        process.kill()
        raise RuntimeError("MariaDB did not start in 60 s")
    with root.cursor() as cursor:
        cursor.execute("CREATE DATABASE registers CHARACTER SET utf8mb4")
        cursor.execute(f"CREATE USER '{USER}'@'%' IDENTIFIED BY '{PASSWORD}'")
        cursor.execute(f"GRANT ALL ON registers.* TO '{USER}'@'%'")
    root.close()
    return Server(folder, port, process)


def load_csv(server: Server, table: str, csv: Path, encoding: str = "utf8") -> None:
    """``table`` with the CSV's header as text columns, the rows inserted in order."""
    import polars as pl
    import pymysql

    frame = pl.read_csv(csv, infer_schema=False, encoding=encoding)
    connection = pymysql.connect(
        host="127.0.0.1", port=server.port, user=USER, password=PASSWORD, database="registers"
    )
    columns = ", ".join(f"`{name}` TEXT" for name in frame.columns)
    marks = ", ".join(["%s"] * len(frame.columns))
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE `{table}` ({columns}) CHARACTER SET utf8mb4")
        cursor.executemany(f"INSERT INTO `{table}` VALUES ({marks})", list(frame.iter_rows()))
    connection.commit()
    connection.close()
