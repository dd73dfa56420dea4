"""What the baseline scripts share: their command line, and the UTF-8 copy of a GB18030 file
for the engines that read UTF-8 only. Standard library only, so that each baseline's process
imports nothing but its own engine."""

from __future__ import annotations

import argparse
import codecs
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    parser.add_argument("file")
    parser.add_argument("--kind", choices=["births", "migrants"], required=True)
    parser.add_argument("--encoding", default="utf-8")
    parser.add_argument("--out", default="/dev/null")
    return parser.parse_args()


@contextmanager
def utf8_file(path: str, encoding: str) -> Iterator[str]:
    """``path`` itself when it is UTF-8, else a temporary UTF-8 copy (16 MB chunks, as
    fpmetrics does), removed afterwards."""
    if encoding.replace("_", "-").lower() in ("utf-8", "utf8"):
        yield path
        return
    decoder = codecs.getincrementaldecoder(encoding)()
    handle, target = tempfile.mkstemp(suffix=".csv")
    try:
        with open(path, "rb") as src, os.fdopen(handle, "w", encoding="utf-8", newline="") as dst:
            while chunk := src.read(16 * 1024 * 1024):
                dst.write(decoder.decode(chunk))
            dst.write(decoder.decode(b"", final=True))
        yield target
    finally:
        os.unlink(target)
