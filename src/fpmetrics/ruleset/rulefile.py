"""Reading a YAML rule or fields file without trusting it: size, encoding, nesting, aliases
and duplicate keys, each refused with the line it is on (docs/limits-rules.md).

A rule file is a few KB of hand-written YAML. Anything far outside that is a mistake or an
attack, and is refused before it can cost time or memory:

- the file is read only up to :data:`MAX_FILE_BYTES`;
- it must be UTF-8 (a GBK/GB18030 or UTF-16 file is named as such, with what to do);
- before the node tree is built, one pass over the parser's events refuses nesting deeper
  than :data:`MAX_DEPTH` and more than :data:`MAX_NODES` nodes counted *with every alias
  expanded* (a "billion laughs" file has 90 aliases in 10 lines but a billion nodes);
- the node tree is then walked once, without recursion, for the line of every key, and a key
  given twice in one mapping is an error naming both lines (YAML loaders keep the last one
  silently).
"""

from __future__ import annotations

import codecs
from typing import Any

import yaml

MAX_FILE_BYTES = 1_000_000
"""A rule file larger than this (1 MB; the shipped one is under 10 KB) is refused unread."""

MAX_DEPTH = 32
"""Nesting levels of mappings and sequences (the shipped rule set uses 5)."""

MAX_NODES = 100_000
"""Values in the file, each alias counted as the whole value it stands for (the shipped rule
set has about 250)."""

MAX_EXTENDS = 8
"""Rule files in one ``extends`` chain (a province's file extending the shipped one is 2)."""


def shorten(text: str, limit: int = 80) -> str:
    """A key or value as quoted in a message: one line, at most ``limit`` characters."""
    flat = " ".join(str(text).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


class RuleFileError(Exception):
    """A rule file refused before its content is judged: ``key`` and ``params`` make the
    message (:mod:`fpmetrics.i18n`); ``line`` is 1-based, or None for the whole file."""

    def __init__(self, key: str, line: int | None = None, /, **params: object) -> None:
        super().__init__(key)
        self.key = key
        self.line = line
        self.params = params


# ---------------------------------------------------------------- bytes → text


_WIDE_BOMS = (
    (codecs.BOM_UTF32_LE, "UTF-32"),
    (codecs.BOM_UTF32_BE, "UTF-32"),
    (codecs.BOM_UTF16_LE, "UTF-16"),
    (codecs.BOM_UTF16_BE, "UTF-16"),
)


def decode(data: bytes) -> str:
    """UTF-8 text (a UTF-8 BOM is dropped), or :class:`RuleFileError` saying what was found."""
    for bom, name in _WIDE_BOMS:  # UTF-32 LE starts with the UTF-16 LE BOM: checked first
        if data.startswith(bom):
            raise RuleFileError("rules_not_utf8", 1, found=name)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        found = _guess(data)
        # A legacy encoding: the line of the first character UTF-8 cannot read. A wide one
        # (UTF-16) is wrong from the first character on.
        line = 1 if found == "UTF-16" else data[: exc.start].count(b"\n") + 1
        raise RuleFileError("rules_not_utf8", line, found=found) from None


def _guess(data: bytes) -> str:
    """What a file that is not UTF-8 most likely is, for the message."""
    sample = data[:4096]
    if sample.count(0) * 4 >= len(sample):  # every other byte zero: UTF-16 without a BOM
        return "UTF-16"
    try:
        data.decode("gb18030")
        return "GBK/GB18030"
    except UnicodeDecodeError:
        pass
    try:
        data.decode("big5")
        return "Big5"
    except UnicodeDecodeError:
        return "?"


# ---------------------------------------------------------------- events: depth and size


def check_shape(text: str, loader: type) -> None:
    """Refuse deep nesting and alias bombs from the event stream, before any node is built.

    Each anchor's size (its nodes, aliases inside it expanded) is known when it closes; an
    alias adds that size. The pass stops at the first event over a limit, so a hostile file
    costs what the limit allows and no more.
    """
    parser = loader(text)
    try:
        depth = 0
        nodes = 0
        sizes: dict[str, int] = {}
        open_anchors: list[tuple[str | None, int]] = []
        while parser.check_event():
            event = parser.get_event()
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    raise RuleFileError("rules_too_deep", _line(event), limit=MAX_DEPTH)
                nodes += 1
                open_anchors.append((event.anchor, nodes))
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
                anchor, start = open_anchors.pop()
                if anchor is not None:
                    sizes[anchor] = nodes - start + 1
            elif isinstance(event, yaml.ScalarEvent):
                nodes += 1
                if event.anchor is not None:
                    sizes[event.anchor] = 1
            elif isinstance(event, yaml.AliasEvent):
                if any(anchor == event.anchor for anchor, _ in open_anchors):
                    raise RuleFileError("rules_alias_loop", _line(event), anchor=event.anchor)
                nodes += sizes.get(event.anchor, 1)  # an unknown anchor: the composer says so
            if nodes > MAX_NODES:
                raise RuleFileError("rules_too_many_nodes", _line(event), limit=MAX_NODES)
    finally:
        parser.dispose()


def _line(item: yaml.Event | yaml.Node) -> int:
    return item.start_mark.line + 1


# ---------------------------------------------------------------- nodes: lines and duplicates


def line_map(root: yaml.Node) -> dict[tuple, int]:
    """The line of every key path (``("indicators", "x", "max")``) and list item.

    Walked with a stack, not recursion, and with aliases followed (their size is bounded by
    :func:`check_shape`). A key given twice in one mapping raises :class:`RuleFileError`
    naming both lines. Run before the data is built: building it folds ``<<`` merge keys into
    the mapping, after which an override would look like a duplicate.
    """
    out: dict[tuple, int] = {}
    stack: list[tuple[yaml.Node, tuple, int]] = [(root, (), 1)]
    while stack:
        node, path, depth = stack.pop()
        if depth > MAX_DEPTH and not isinstance(node, yaml.ScalarNode):  # through aliases
            raise RuleFileError("rules_too_deep", _line(node), limit=MAX_DEPTH)
        out.setdefault(path, _line(node))
        if isinstance(node, yaml.MappingNode):
            seen: dict[Any, int] = {}
            for key, value in node.value:
                if not isinstance(key, yaml.ScalarNode):
                    continue  # a list or mapping as a key: building the data refuses it
                line = _line(key)
                if key.value != "<<":
                    identity = (key.tag, key.value)
                    if identity in seen:
                        dotted = shorten(".".join(str(p) for p in (*path, key.value)))
                        raise RuleFileError(
                            "rules_duplicate_key", line, key=dotted, first=seen[identity]
                        )
                    seen[identity] = line
                child = (*path, key.value)
                out[child] = line
                stack.append((value, child, depth + 1))
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                stack.append((item, (*path, i), depth + 1))
    return out
