"""Text for pipes and files: no trailing spaces (rich pads table cells to their width)."""

from __future__ import annotations

import re
from typing import TextIO

_TRAILING = re.compile(r"[ \t]+$", re.MULTILINE)


def trim_lines(text: str) -> str:
    """``text`` with the spaces at the end of each line removed."""
    return _TRAILING.sub("", text)


class TrimmedWriter:
    """A text stream that writes whole lines without their trailing spaces (a partial
    line waits for its end, or for :meth:`flush`); everything else is the wrapped stream's."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._pending = ""

    def write(self, text: str) -> int:
        head, newline, tail = (self._pending + text).rpartition("\n")
        if newline:
            self._stream.write(trim_lines(head) + "\n")
        self._pending = tail
        return len(text)

    def flush(self) -> None:
        if self._pending:
            self._stream.write(self._pending.rstrip(" \t"))
            self._pending = ""
        self._stream.flush()

    def __getattr__(self, name: str) -> object:
        return getattr(self._stream, name)
