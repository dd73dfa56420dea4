"""Writing output files: atomically, never over an input."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import InputError
from .i18n import t

if TYPE_CHECKING:
    from rich.console import Console


def refuse_inputs(output: Path, inputs: list[Path], lang: str) -> None:
    """An output path that is one of the inputs would destroy the data it was computed from."""
    if not output.exists():
        return
    from .io.sniff import is_own_report
    from .load import expand_inputs

    for path, named in expand_inputs(inputs, lang):  # a folder's files too
        if not named and is_own_report(path):
            continue  # an earlier report in the folder is skipped as input: it may be replaced
        try:
            if path.exists() and output.samefile(path):
                raise InputError(t("output_is_input", lang, file=output))
        except OSError:
            continue


def write_atomic(path: Path, data: bytes, lang: str) -> None:
    """Write to a temporary file beside ``path``, then rename: a reader never sees half a file."""
    directory = path.parent if str(path.parent) else Path(".")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    except OSError as exc:
        raise InputError(t("output_failed", lang, file=path, detail=exc.strerror)) from None
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise InputError(t("output_failed", lang, file=path, detail=exc.strerror)) from None


def write_reported(path: Path, data: bytes, lang: str, err: Console) -> None:
    """Write ``path`` atomically and say so on stderr."""
    write_atomic(path, data, lang)
    err.print(t("written", lang, file=path))


def deliver(data: str | bytes, fmt: str, output: Path | None, lang: str, err: Console) -> None:
    """A rendered document to stdout, or atomically to ``output``: a CSV file gets a UTF-8
    BOM so that Excel and WPS open it with the Chinese intact (stdout, read by scripts,
    never does)."""
    if output is None:
        sys.stdout.write(data if isinstance(data, str) else data.decode("utf-8"))
        sys.stdout.flush()
        return
    encoding = "utf-8-sig" if fmt == "csv" else "utf-8"
    write_reported(output, data if isinstance(data, bytes) else data.encode(encoding), lang, err)


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current
