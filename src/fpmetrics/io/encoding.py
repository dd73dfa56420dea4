"""Text encoding of CSV input: BOM, then strict UTF-8, then the Chinese legacy encodings.

GB18030 must never be tried before UTF-8: it decodes UTF-8 bytes without error into
mojibake. Between GB18030 and Big5 we let charset-normalizer judge which reads as text.
"""

from __future__ import annotations

import codecs

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


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
    encoding = detect_encoding(data)
    if encoding is None:
        return None
    return data.decode(encoding), encoding
