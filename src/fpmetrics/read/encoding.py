"""Text encoding of CSV input: BOM, then strict UTF-8, then the Chinese legacy encodings.

GB18030 must never be tried before UTF-8: it decodes UTF-8 bytes without error into
mojibake. Between GB18030 and Big5 we let charset-normalizer judge which reads as text.
"""

from __future__ import annotations

import codecs
from pathlib import Path

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


class BadBytes(ValueError):
    """Bytes that are not in the encoding the file's BOM declares (files joined together)."""

    def __init__(self, encoding: str, offset: int, line: int) -> None:
        super().__init__(f"byte {offset} (line {line}) is not {encoding}")
        self.encoding = encoding.removesuffix("-sig").upper()
        self.offset = offset
        self.line = line


def bad_bytes(data: bytes, encoding: str, exc: UnicodeDecodeError) -> BadBytes:
    """Where ``exc`` (from decoding ``data``, a file's whole text) happened."""
    start = exc.start + (3 if encoding == "utf-8-sig" else 0)  # counted after the BOM
    return BadBytes(encoding, start, data[:start].count(b"\n") + 1)


def find_bad_utf8(path: Path, chunk: int = 16 * 1024 * 1024) -> BadBytes | None:
    """The first bytes of ``path`` that are not UTF-8, read in chunks (bounded memory)."""
    decoder = codecs.getincrementaldecoder("utf-8")(errors="strict")
    offset = lines = 0
    with path.open("rb") as handle:
        while True:
            data = handle.read(chunk)
            pending = len(decoder.getstate()[0])  # the end of a character cut by the chunk
            try:
                decoder.decode(data, final=not data)
            except UnicodeDecodeError as exc:
                start = max(exc.start - pending, 0)
                line = lines + data[:start].count(b"\n") + 1
                return BadBytes("utf-8", offset + start, line)
            if not data:
                return None
            offset += len(data)
            lines += data.count(b"\n")


def detect_encoding(data: bytes) -> str | None:
    """The encoding to decode ``data`` with, or None when nothing plausible fits."""
    for bom, name in _BOMS:
        if data.startswith(bom):
            return name
    try:
        data.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        data.decode("gb18030")
        gb_ok = True
    except UnicodeDecodeError:
        gb_ok = False
    try:
        data.decode("big5")
        big5_ok = True
    except UnicodeDecodeError:
        big5_ok = False
    if gb_ok and not big5_ok:
        return "gb18030"
    if big5_ok and not gb_ok:
        return "big5"
    if gb_ok and big5_ok:
        from charset_normalizer import from_bytes

        best = from_bytes(data[:65536], cp_isolation=["gb18030", "big5"]).best()
        if best is not None and best.encoding == "big5":
            return "big5"
        return "gb18030"
    return None


def decode_text(data: bytes) -> tuple[str, str] | None:
    """The text and its encoding, or None when no encoding fits; :class:`BadBytes` when a BOM
    declares an encoding that some bytes are not in."""
    encoding = detect_encoding(data)
    if encoding is None:
        return None
    try:
        return data.decode(encoding), encoding
    except UnicodeDecodeError as exc:
        raise bad_bytes(data, encoding, exc) from None
