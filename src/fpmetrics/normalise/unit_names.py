"""``--units``: the townships' names, from a file (one per line) or a list on the command
line."""

from __future__ import annotations

import re
from pathlib import Path

from fpmetrics.errors import InputError
from fpmetrics.i18n import Message
from fpmetrics.normalise.fields import clean_name

HEADER_LINES = ("乡镇", "乡镇(街道)", "township")


def parse_units(value: str | None) -> frozenset[str] | None:
    """The names ``value`` gives: a file of names (one per line; a header line 乡镇 is
    skipped; a CSV line's first cell) or names separated by commas or 、."""
    if value is None:
        return None
    path = Path(value)
    if path.is_file():
        from fpmetrics.read.encoding import BadBytes, decode_text
        from fpmetrics.read.readers import bad_bytes_message

        try:
            decoded = decode_text(path.read_bytes())
        except BadBytes as exc:
            raise InputError(bad_bytes_message(path, exc)) from None
        if decoded is None:
            raise InputError("file_encoding_unknown", file=path)
        names = [clean_name(line.split(",")[0]) for line in decoded[0].splitlines()]
        names = [n for n in names if n and n not in HEADER_LINES]
    else:
        names = [clean_name(u) for u in re.split(r"[,,、\n]", value) if clean_name(u)]
    if not names:
        raise InputError("bad_option", detail=Message("opt_units_empty"))
    return frozenset(names)
