"""Columns that hold a part of a field, as the official report forms split them.

国人口统1表 splits the births within policy over its parity groups: 一孩出生 {count,
其中:计划内}, 二孩出生 {…}, 多孩出生 {…}. No single column holds ``births_policy``; the three
计划内 columns add up to it. Provincial forms do the same with 政策内, 符合政策 or 合法生育, and
with 男/女 under each parity. Here the form's structure decides what a column counts: under a
parity group, the group's own count (its lower cell empty, or 小计/合计) is a part of
``births``, 计划内 a part of ``births_policy``, 男 a part of ``births_male``. Under any other
group, 小计/合计 is the group's own field (流入已婚育龄妇女 over 小计 → ``migrant_women``).

A column claiming a whole field always wins over parts of it (the parts are then unused).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from fpmetrics.normalise.fields import normalize_header

_PARITY = re.compile(
    r"^(?:第?[一二三四五1-5][孩胎](?:及以上|以上)?|多孩|多胎)"
    r"(?:出生|生育)?(?:人数|数|婴儿数)?$"
)
_TOTAL_WORDS = frozenset({"小计", "合计", "总计", "计", "总数", "人数", "数", "出生人数", "出生数"})
_PART_WORDS: dict[str, frozenset[str]] = {
    "births_policy": frozenset(
        {
            "计划内",
            "计划内出生",
            "计划内人数",
            "政策内",
            "政策内出生",
            "政策内人数",
            "符合政策",
            "符合政策生育",
            "符合政策人数",
            "符合政策出生",
            "合法生育",
            "合法生育数",
            "合法生育人数",
        }
    ),
    "births_male": frozenset({"男", "男孩", "男婴", "男性"}),
    "births_female": frozenset({"女", "女孩", "女婴", "女性"}),
}
PARTABLE = ("births", "births_policy", "births_male", "births_female")
"""Fields a form may split over parity groups."""


@dataclass
class BandMatch:
    """What the columns of a header band name: whole fields and parts of fields."""

    whole: dict[int, str] = field(default_factory=dict)
    parts: dict[str, list[int]] = field(default_factory=dict)

    def fields(self) -> set[str]:
        return set(self.whole.values()) | set(self.parts)

    def columns_used(self) -> int:
        """Columns that give a field: one per whole field, and every part."""
        return len(set(self.whole.values())) + sum(len(c) for c in self.parts.values())


def is_parity(text: str) -> bool:
    """一孩, 二孩出生, 三孩及以上, 多孩 … (normalised header text)."""
    return bool(_PARITY.match(text))


def part_of_parity(normalised: list[str], aliases: dict[str, str] | None = None) -> str | None:
    """The field a column under a parity group counts a part of, or None.

    ``normalised`` is the column's header parts, top-down, normalised. Under a parity, a
    header that names one of :data:`PARTABLE` (built in, or a user's alias from a fields
    file: 符合生育政策 → births_policy) is a part of that field.
    """
    for i, part in enumerate(normalised):
        if not is_parity(part):
            continue
        tail = "".join(normalised[i + 1 :])
        if tail == "" or tail in _TOTAL_WORDS:
            return "births"
        for name, words in _PART_WORDS.items():
            if tail in words:
                return name
        named = (aliases or {}).get(tail)
        return named if named in PARTABLE else None
    return None


def match_band(labels: list[tuple[str, ...]], aliases: dict[str, str]) -> BandMatch:
    """Column index → field, and the columns that are parts of a field.

    Per column: a parity group decides (see the module docstring); then 小计/合计 under a
    group is the group's field; then the whole joined header, its lower parts, and the
    lowest cell alone (``出生统计核查`` over ``上报出生数`` → ``上报出生数``).
    """
    match = BandMatch()
    parts: dict[str, list[int]] = {}
    for c, written in enumerate(labels):
        normalised = [normalize_header(part) for part in written]  # 出生人数(人) over 男
        normalised = [n for n in normalised if n]
        if not normalised:
            continue
        part = part_of_parity(normalised, aliases)
        if part is not None:  # 一孩出生 over 政策内 is a part, though 政策内 alone names the whole
            parts.setdefault(part, []).append(c)
            continue
        if len(normalised) >= 2 and normalised[-1] in _TOTAL_WORDS:
            group = aliases.get("".join(normalised[:-1]))
            if group is not None:
                match.whole[c] = group
                continue
        whole = _whole_by_alias(normalised, aliases)
        if whole is not None:
            match.whole[c] = whole
    claimed = set(match.whole.values())
    match.parts = {name: cols for name, cols in parts.items() if name not in claimed}
    return match


def _whole_by_alias(normalised: list[str], aliases: dict[str, str]) -> str | None:
    for k in range(len(normalised)):
        found = aliases.get("".join(normalised[k:]))
        if found is not None:
            return found
    return None
