"""Writing output files: atomically, never over an input (see docs/safety-output.md).

- A new file or a regular file is replaced atomically: the data goes to a temporary file in
  the same folder, which is renamed over the destination, so a reader never sees half a
  report. An existing file keeps its permissions (and owner, where allowed).
- A regular file with other hard links is rewritten in place (its space reserved first), so
  every name still shows the same, new report.
- A symbolic link is followed: the file it points to is replaced, the link stays.
- A device or FIFO (``/dev/null``, a named pipe) is written to directly, never replaced;
  ``/dev/stdout``, ``/dev/stderr`` and ``/dev/fd/N`` write to the open descriptor.
- The temporary file is anonymous where the system allows it (Linux ``O_TMPFILE``): a killed
  run leaves nothing. Elsewhere it is named ``.<name>.<pid>.<random>.fpmetrics.tmp``, and a
  later write to the same destination removes those of processes that no longer run.
"""

from __future__ import annotations

import codecs
import contextlib
import errno
import os
import re
import secrets
import stat
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from fpmetrics.errors import InputError
from fpmetrics.files import cleanup
from fpmetrics.i18n import t

if TYPE_CHECKING:
    from rich.console import Console

TEMP_SUFFIX = ".fpmetrics.tmp"
_OPEN_DESCRIPTORS = re.compile(r"^/(?:dev/fd|proc/self/fd)/(\d+)$")
_STANDARD = {"/dev/stdout": 1, "/dev/stderr": 2}
_PIECES_PER_WRITE = 4096


@dataclass(frozen=True)
class Pieces:
    """A text document as the pieces it is built from, in order. A province's JSON is tens of
    MB of text: written piece by piece (:func:`deliver`), it is never held whole, neither as
    one text nor as its UTF-8 bytes beside that text (~40 MB less at the peak, measured)."""

    parts: list[str]

    def text(self) -> str:
        return "".join(self.parts)

    def chunks(self) -> Iterator[str]:
        """The text in runs of joined pieces (a few MB at most), one at a time."""
        step = _PIECES_PER_WRITE
        for start in range(0, len(self.parts), step):
            yield "".join(self.parts[start : start + step])

    def encoded(self, encoding: str) -> bytearray:
        data = bytearray()
        encoder = codecs.getincrementalencoder(encoding)()  # a BOM once, as str.encode
        for chunk in self.chunks():
            data += encoder.encode(chunk)
        data += encoder.encode("", final=True)
        return data


def refuse_inputs(
    output: Path, inputs: list[Path], others: tuple[Path | str | None, ...] = ()
) -> None:
    """An output path that is one of the inputs would destroy the data it was computed from.

    ``others`` are the other files a run reads (``--rules``, ``--fields``, ``--units``): a
    value that is not an existing file (a shipped rule set's name, a list of names) is not."""
    if not output.exists():
        return
    from fpmetrics.aggregate.registers.engines import is_parquet
    from fpmetrics.read.load import expand_inputs
    from fpmetrics.read.sniff import is_own_report

    parquet = [p for p in inputs if p.is_dir() and is_parquet(p)]  # a partitioned register
    for folder in parquet:
        for path in folder.rglob("*"):
            _refuse_same(output, path)
    spreadsheets = [p for p in inputs if p not in parquet]
    for path, named in expand_inputs(spreadsheets):  # a folder's files too
        if not named and is_own_report(path):
            continue  # an earlier report in the folder is skipped as input: it may be replaced
        _refuse_same(output, Path(path))
    for other in others:
        if other is not None and str(other):
            _refuse_same(output, Path(other))


def _refuse_same(output: Path, path: Path) -> None:
    try:
        if path.is_file() and output.samefile(path):
            raise InputError("output_is_input", file=output)
    except OSError:
        return


def write_atomic(path: Path, data: bytes | bytearray) -> None:
    """Write ``data`` to ``path`` as the module docstring says; any failure is an
    :class:`InputError` naming the file, and leaves an existing file as it was."""
    try:
        descriptor = _open_descriptor(path)
        if descriptor is not None:
            _write_all(descriptor, data)
            return
        try:
            info = os.stat(path)  # follows a symbolic link
        except FileNotFoundError:
            info = None
        if info is not None and stat.S_ISDIR(info.st_mode):
            raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR))
        if info is not None and not stat.S_ISREG(info.st_mode):
            _write_device(path, data)
            return
        target = Path(os.path.realpath(path)) if os.path.islink(path) else path
        if info is not None and info.st_nlink > 1:
            _write_in_place(target, data)
            return
        _replace(target, data, info)
    except OSError as exc:
        detail = exc.strerror or str(exc)
        raise InputError("output_failed", file=path, detail=detail) from None


def write_reported(path: Path, data: bytes | bytearray, lang: str, err: Console) -> None:
    """Write ``path`` atomically and say so on stderr."""
    write_atomic(path, data)
    err.print(t("written", lang, file=path))


def deliver(
    data: str | bytes | Pieces, fmt: str, output: Path | None, lang: str, err: Console
) -> None:
    """A rendered document to stdout, or atomically to ``output``: a CSV file gets a UTF-8
    BOM so that Excel and WPS open it with the Chinese intact (stdout, read by scripts,
    never does)."""
    if output is None:
        if isinstance(data, Pieces):
            for chunk in data.chunks():
                sys.stdout.write(chunk)
        else:
            sys.stdout.write(data if isinstance(data, str) else data.decode("utf-8"))
        sys.stdout.flush()
        return
    encoding = "utf-8-sig" if fmt == "csv" else "utf-8"
    if isinstance(data, Pieces):
        encoded: bytes | bytearray = data.encoded(encoding)
    else:
        encoded = data if isinstance(data, bytes) else data.encode(encoding)
    write_reported(output, encoded, lang, err)


# ---------------------------------------------------------------- the ways of writing


def _open_descriptor(path: Path) -> int | None:
    """``/dev/stdout``, ``/dev/stderr``, ``/dev/fd/N``: the descriptor this process has open."""
    text = str(path)
    if text in _STANDARD:
        if text == "/dev/stdout":
            sys.stdout.flush()
        return _STANDARD[text]
    match = _OPEN_DESCRIPTORS.match(text)
    return int(match.group(1)) if match else None


def _write_all(fd: int, data: bytes | bytearray) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _write_device(path: Path, data: bytes | bytearray) -> None:
    """A character device or FIFO: opened and written, never created, truncated or replaced
    (opening a FIFO waits for its reader, as a shell redirection does)."""
    fd = os.open(path, os.O_WRONLY | getattr(os, "O_NOCTTY", 0))
    try:
        _write_all(fd, data)
    finally:
        os.close(fd)


def _write_in_place(path: Path, data: bytes | bytearray) -> None:
    """A file with other hard links: rewritten in its own inode, so all its names see the new
    report. The space is reserved before the first byte changes, so a full disk leaves the old
    report whole."""
    fd = os.open(path, os.O_WRONLY)
    try:
        if data and hasattr(os, "posix_fallocate"):
            try:
                os.posix_fallocate(fd, 0, len(data))
            except OSError as exc:
                if exc.errno not in (errno.EOPNOTSUPP, errno.EINVAL, errno.ENOSYS):
                    raise
        _write_all(fd, data)
        os.ftruncate(fd, len(data))
    finally:
        os.close(fd)


def _replace(path: Path, data: bytes | bytearray, old: os.stat_result | None) -> None:
    """Write a temporary file in ``path``'s folder, give it the old file's mode (or the
    umask's), and rename it over ``path``."""
    directory = path.parent if str(path.parent) else Path(".")
    _remove_stale(directory, path.name)
    named = _via_anonymous(directory, path.name, data, old)
    if named is None:  # no O_TMPFILE here: a named temporary file from the start
        fd, named = tempfile.mkstemp(
            prefix=_temp_prefix(path.name), suffix=TEMP_SUFFIX, dir=directory
        )
        cleanup.register(Path(named))  # removed if the run is stopped while writing
        try:
            _fill(fd, data, old)
        except OSError:
            Path(named).unlink(missing_ok=True)
            raise
        finally:
            os.close(fd)
    else:
        cleanup.register(Path(named))
    try:
        os.replace(named, path)
    except OSError:
        Path(named).unlink(missing_ok=True)
        raise
    finally:
        cleanup.forget(Path(named))


def _fill(fd: int, data: bytes | bytearray, old: os.stat_result | None) -> None:
    _write_all(fd, data)
    if old is None:
        os.fchmod(fd, 0o666 & ~_umask())
        return
    os.fchmod(fd, stat.S_IMODE(old.st_mode))
    if (old.st_uid, old.st_gid) != (os.geteuid(), os.getegid()):
        with contextlib.suppress(OSError):  # only root may give a file away
            os.fchown(fd, old.st_uid, old.st_gid)


def _via_anonymous(directory: Path, name: str, data: bytes | bytearray, old: os.stat_result | None):
    """Linux: the data in an ``O_TMPFILE`` file that gets a name only once it is complete
    (a run killed while writing leaves nothing). None where that is not possible."""
    flag = getattr(os, "O_TMPFILE", 0)
    if not flag or not os.path.isdir("/proc/self/fd"):
        return None
    try:
        fd = os.open(directory, flag | os.O_WRONLY, 0o600)
    except OSError as exc:
        if exc.errno in (errno.EOPNOTSUPP, errno.EISDIR, errno.EINVAL, errno.ENOENT):
            return None  # ENOENT (no such folder) is reported by mkstemp just the same
        raise
    try:
        _fill(fd, data, old)
        folder = os.open(directory, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
        try:
            for _ in range(100):
                candidate = f"{_temp_prefix(name)}{secrets.token_hex(4)}{TEMP_SUFFIX}"
                try:  # linkat(AT_SYMLINK_FOLLOW): src_dir_fd makes Python use linkat
                    os.link(f"/proc/self/fd/{fd}", candidate, src_dir_fd=folder,
                            dst_dir_fd=folder, follow_symlinks=True)  # fmt: skip
                    return str(directory / candidate)
                except FileExistsError:
                    continue
                except OSError as exc:
                    if exc.errno in (errno.EXDEV, errno.EPERM, errno.ENOENT, errno.ENOSYS):
                        return None
                    raise
            return None
        finally:
            os.close(folder)
    finally:
        os.close(fd)


def _temp_prefix(name: str) -> str:
    return f".{name}.{os.getpid()}."


def _remove_stale(directory: Path, name: str) -> None:
    """Temporary files beside ``name`` left by runs that were killed (their process is gone)."""
    prefix = f".{name}."
    try:
        entries = [e for e in os.scandir(directory) if e.name.startswith(prefix)]
    except OSError:
        return
    for entry in entries:
        rest = entry.name[len(prefix) :]
        pid, _, tail = rest.partition(".")
        token = tail[: -len(TEMP_SUFFIX)] if tail.endswith(TEMP_SUFFIX) else "."
        if not pid.isdigit() or not token or "." in token or _alive(int(pid)):
            continue  # not exactly .<name>.<pid>.<token>.fpmetrics.tmp, or its writer runs
        with contextlib.suppress(OSError):
            os.unlink(entry.path)


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, ValueError):
        return True  # another user's process: leave its file alone
    return True


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current
