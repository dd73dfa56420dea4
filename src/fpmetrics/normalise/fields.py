"""Canonical fields of a township report and the headers that name them.

The record a township reports is declared as data, in the shipped fields file
``rules/fields.yaml``; a rule file (or a --fields file) may declare more fields the same way
(docs/own-fields.md). The field metadata (Chinese and English names, accepted headers, which
count is part of which, how a register counts it) drives header matching, the vectorised
column checks in :mod:`fpmetrics.validate.checks`, the template and ``fpmetrics fields``.

``FIELDS``, ``COUNT_FIELDS`` and ``RATE_FIELDS`` are live views of the active
:class:`Catalog`: loading a rule set activates its catalogue.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterator, Mapping, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from functools import cache, cached_property
from pathlib import Path

import numpy as np
import pandas as pd
import yaml


@dataclass(frozen=True)
class RegisterCount:
    """How a register (one row per person) counts a field: the rows whose ``column`` (any of
    its accepted headers) holds one of ``values``; with no values, every non-empty cell."""

    column: tuple[str, ...]
    values: tuple[str, ...] = ()


@dataclass(frozen=True)
class FieldSpec:
    name: str
    zh: str
    en: str
    aliases: tuple[str, ...]
    is_count: bool
    part_of: str | None
    kind: str  # key, count or rate (a rate as a sheet reports it: used by `audit` only)
    meaning_zh: str = ""
    meaning_en: str = ""
    register: RegisterCount | None = None
    builtin: bool = True

    def label(self, lang: str) -> str:
        return self.en if lang == "en" else self.zh

    def meaning(self, lang: str) -> str:
        """What the field counts, in the output language (the header itself in Chinese is
        :attr:`zh`; this says what goes in it)."""
        if lang == "en":
            return self.meaning_en or self.en
        return self.meaning_zh or self.zh


@dataclass(frozen=True)
class Catalog:
    """The fields a run knows: the built-in ones (``rules/fields.yaml``) and those a rule
    file or a --fields file declares, in that order."""

    specs: dict[str, FieldSpec]

    @cached_property
    def counts(self) -> tuple[str, ...]:
        return tuple(n for n, s in self.specs.items() if s.is_count)

    @cached_property
    def rates(self) -> tuple[str, ...]:
        return tuple(n for n, s in self.specs.items() if s.kind == "rate")

    def extended(self, declared: dict[str, FieldSpec]) -> Catalog:
        return Catalog({**self.specs, **declared})


def spec_from(name: str, data: dict, builtin: bool) -> FieldSpec:
    """A field as a fields file declares it (already validated: :mod:`fpmetrics.ruleset.rules`)."""
    kind = str(data.get("kind") or "count")
    register = data.get("register")
    headers = data.get("headers") or []
    return FieldSpec(
        name=name,
        zh=str(data["name"]),
        en=str(data.get("name_en") or data["name"]),
        aliases=tuple([headers] if isinstance(headers, str) else headers),
        is_count=kind == "count",
        part_of=data.get("part_of"),
        kind=kind,
        meaning_zh=str(data.get("meaning") or ""),
        meaning_en=str(data.get("meaning_en") or ""),
        register=None
        if not register
        else RegisterCount(tuple(register["column"]), tuple(register.get("values") or ())),
        builtin=builtin,
    )


def builtin_file() -> Path:
    """``fields.yaml`` beside the shipped rule sets (installed package or source checkout)."""
    packaged = Path(__file__).resolve().parents[1] / "rules" / "fields.yaml"
    if packaged.is_file():
        return packaged
    return Path(__file__).resolve().parents[3] / "rules" / "fields.yaml"


@cache
def builtin_catalog() -> Catalog:
    """The built-in fields, read from the shipped fields file (trusted: it ships with us)."""
    with builtin_file().open(encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    return Catalog({n: spec_from(n, d, builtin=True) for n, d in data["fields"].items()})


_ACTIVE: ContextVar[Catalog | None] = ContextVar("fpmetrics_fields", default=None)


def active() -> Catalog:
    """The catalogue in use: the last rule set loaded sets it (built-in fields by default)."""
    return _ACTIVE.get() or builtin_catalog()


def activate(catalog: Catalog | None) -> None:
    """Use ``catalog`` from now on (None: the built-in fields only)."""
    _ACTIVE.set(catalog)


class _LiveFields(Mapping[str, FieldSpec]):
    """``FIELDS``: the active catalogue's fields, looked up at each use."""

    def __getitem__(self, name: str) -> FieldSpec:
        return active().specs[name]

    def __iter__(self) -> Iterator[str]:
        return iter(active().specs)

    def __len__(self) -> int:
        return len(active().specs)

    def __contains__(self, name: object) -> bool:
        return name in active().specs


class _LiveNames(Sequence[str]):
    """``COUNT_FIELDS`` / ``RATE_FIELDS``: names from the active catalogue at each use."""

    def __init__(self, which: str) -> None:
        self._which = which

    def _names(self) -> tuple[str, ...]:
        return getattr(active(), self._which)

    def __getitem__(self, index):  # type: ignore[no-untyped-def, override]
        return self._names()[index]

    def __len__(self) -> int:
        return len(self._names())

    def __iter__(self) -> Iterator[str]:
        return iter(self._names())

    def __contains__(self, name: object) -> bool:
        return name in self._names()

    def __repr__(self) -> str:
        return repr(self._names())


KEY_FIELDS: tuple[str, ...] = ("township", "code", "village", "county", "period")
FIELDS: Mapping[str, FieldSpec] = _LiveFields()
COUNT_FIELDS: Sequence[str] = _LiveNames("counts")
RATE_FIELDS: Sequence[str] = _LiveNames("rates")

_TRAILING_UNIT = re.compile(r"[(\[](?:人|例|个|户|%|‰|‰|人次|名|数|次)[)\]]$")
_SEPARATORS = re.compile(r"[\s/\-_·・.。:：、|]+")


@cache
def _converter():
    import opencc  # lazy: only header matching needs it

    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    """Traditional → simplified Chinese (OpenCC ``t2s``); other text is unchanged."""
    if text.isascii():
        return text
    return _converter().convert(text)


INVISIBLE = "[\ufeff\u200b\u200c\u200d\u2060\u00ad]"
"""Characters that show as nothing: a BOM left inside joined CSVs, zero-width spaces, soft
hyphens. Removed from every place name, so ``\ufeff阿城镇`` is the same township as ``阿城镇``."""
_INVISIBLE = re.compile(INVISIBLE)


def clean_name(name: str) -> str:
    """A place name as compared: invisible characters removed, spaces (also U+3000 and
    U+00A0) stripped at both ends."""
    return _INVISIBLE.sub("", name).strip()


def clean_names(names: pd.Series) -> pd.Series:
    """:func:`clean_name` on a column (None and NaN stay)."""
    text = names.astype("string").str.replace(INVISIBLE, "", regex=True).str.strip()
    kept = np.where(names.notna().to_numpy(), text.to_numpy(dtype=object), names.to_numpy())
    return pd.Series(kept, index=names.index, dtype=object)


def normalize_header(text: object) -> str:
    """The form headers are compared in (see indicators.md, "Header matching normalises")."""
    if text is None:
        return ""
    return _normalize_header(str(text))


@functools.lru_cache(maxsize=65536)
def _normalize_header(text: str) -> str:
    """Cached: each header cell is tried in many bands and against every register kind."""
    s = unicodedata.normalize("NFKC", text)
    s = to_simplified(s)
    s = re.sub(r"\s+", "", s)
    previous = None
    while previous != s:  # "出生人数(人)(合计)" style stacks are rare; strip repeatedly
        previous = s
        s = _TRAILING_UNIT.sub("", s)
    s = _SEPARATORS.sub("", s)
    s = s.replace("其中", "")  # "出生人数 其中:政策内" names a subset; the marker adds nothing
    return s.lower()


def alias_table(extra: dict[str, list[str]] | None = None) -> dict[str, str]:
    """Normalised header → canonical field name, including user aliases (which win)."""
    table: dict[str, str] = {}
    for spec in FIELDS.values():
        for alias in (spec.name, spec.zh, *spec.aliases):
            table.setdefault(normalize_header(alias), spec.name)
    for field, aliases in (extra or {}).items():
        for alias in aliases:
            table[normalize_header(alias)] = field
    return table
