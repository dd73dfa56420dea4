"""``fpmetrics rules show`` and ``fpmetrics fields``: listings a user reads and copies from.

Nothing is ever cut with "…": ids and headers are what users type. Long text wraps; on a
narrow terminal (or a pipe, which rich treats as 80 columns) the rule set is printed as one
block per indicator instead of a table.
"""

from __future__ import annotations

from collections.abc import Iterable

from rich import box
from rich.cells import cell_len
from rich.console import Console
from rich.table import Table
from rich.text import Text

from fpmetrics.i18n import t
from fpmetrics.normalise.fields import FIELDS
from fpmetrics.ruleset.rules import RuleSet

# Below this width the rule table would squeeze formulas and sources into slivers.
RULES_TABLE_MIN_WIDTH = 120


def _headers_text(headers: Iterable[str], lang: str) -> str:
    """Accepted headers in one cell; the separator ends with a space so that wrapping breaks
    between headers, never inside one."""
    return t("header_separator", lang).join(headers)


def _bounds(rule) -> str:
    return rule.bounds_text() + (f" (×{rule.periods})" if rule.periods else "")


def render_rules(ruleset: RuleSet, lang: str, out: Console) -> None:
    title = f"{ruleset.name}: {ruleset.label(lang)}"
    if out.width >= RULES_TABLE_MIN_WIDTH:
        _rules_table(ruleset, title, lang, out)
    else:
        _rules_blocks(ruleset, title, lang, out)
    _declared_fields(ruleset, lang, out)


def _rules_table(ruleset: RuleSet, title: str, lang: str, out: Console) -> None:
    table = Table(title=title, show_lines=True)
    longest = max((len(k) for k in ruleset.active), default=8)
    table.add_column(t("col_indicator", lang), no_wrap=True, min_width=longest)
    for key in ("col_formula", "col_bounds", "col_severity", "col_source"):
        table.add_column(t(key, lang), overflow="fold")
    for key, rule in ruleset.active.items():
        table.add_row(
            Text(f"{key}\n{rule.label(lang)}"),
            Text(rule.formula_text()),
            Text(_bounds(rule)),
            Text(rule.severity),
            Text(rule.source),
        )
    out.print(table)


def _rules_blocks(ruleset: RuleSet, title: str, lang: str, out: Console) -> None:
    out.print(Text(title, style="bold"))
    for key, rule in ruleset.active.items():
        out.print()
        head = Text(key, style="bold")
        head.append(f"  {rule.label(lang)}")
        out.print(head, overflow="fold")
        for label, value in (
            ("col_formula", rule.formula_text()),
            ("col_bounds", f"{_bounds(rule)}   {t('col_severity', lang)}: {rule.severity}"),
            ("col_source", rule.source),
        ):
            line = Text(f"  {t(label, lang)}: ", style="dim")
            line.append(value)
            out.print(line, overflow="fold")


def render_fields(lang: str, out: Console) -> None:
    table = Table(title=t("fields_title", lang), box=box.SIMPLE_HEAD, show_lines=False)
    longest = max(len(name) for name in FIELDS)
    widest_header = max(cell_len(a) + 1 for spec in FIELDS.values() for a in spec.aliases)
    table.add_column(t("col_field", lang), no_wrap=True, min_width=longest)
    table.add_column(t("col_meaning", lang), overflow="fold", ratio=2)
    table.add_column(t("col_headers", lang), overflow="fold", ratio=3, min_width=widest_header)
    for spec in FIELDS.values():
        table.add_row(spec.name, spec.meaning(lang), _headers_text(_headers(spec), lang))
    out.print(table)


def _headers(spec) -> list[str]:  # type: ignore[no-untyped-def]
    """The headers a field accepts: a declared field's Chinese name first (it need not list it
    among its headers); a built-in field's list as it is in rules/fields.yaml."""
    if spec.builtin or spec.zh in spec.aliases:
        return list(spec.aliases)
    return [spec.zh, *spec.aliases]


def _declared_fields(ruleset: RuleSet, lang: str, out: Console) -> None:
    """The fields a rule set declares (docs/own-fields.md), after its indicators."""
    if not ruleset.fields:
        return
    table = Table(title=t("rules_declared_fields", lang), box=box.SIMPLE_HEAD)
    table.add_column(t("col_field", lang), no_wrap=True)
    table.add_column(t("col_meaning", lang), overflow="fold", ratio=2)
    table.add_column(t("col_part_of", lang), no_wrap=True)
    table.add_column(t("col_headers", lang), overflow="fold", ratio=3)
    for name in ruleset.fields:
        spec = FIELDS.get(name)
        if spec is None:  # a rule set loaded before another one replaced the catalogue
            continue
        table.add_row(
            Text(f"{name}\n{spec.label(lang)}"),
            Text(spec.meaning(lang)),
            spec.part_of or "",
            Text(_headers_text(_headers(spec), lang)),
        )
    out.print(table)


def render_register_columns(lang: str, out: Console) -> None:
    """The columns a register (one row per birth, migrant woman, staff member) is recognised
    by: per kind, each column, whether it is needed, and the headers it accepts."""
    from fpmetrics.aggregate.registers.kinds import PLACE_ROLES, all_kinds

    table = Table(title=t("register_columns_title", lang), box=box.SIMPLE_HEAD)
    widest_header = max(
        cell_len(a) + 1
        for names in [*PLACE_ROLES.values(), *(n for k in all_kinds() for n in k.roles.values())]
        for a in names
    )
    table.add_column(t("col_register", lang), no_wrap=True)
    table.add_column(t("col_column", lang), no_wrap=True)
    table.add_column(t("col_needed", lang), no_wrap=True)
    table.add_column(t("col_headers", lang), overflow="fold", min_width=widest_header)
    every = all_kinds()
    for n, (role, names) in enumerate(PLACE_ROLES.items()):
        needed = t("needed_yes", lang) if all(role in k.required for k in every) else ""
        kind = t("every_register", lang) if n == 0 else ""
        table.add_row(kind, role, needed, _headers_text(names, lang))
    for spec in every:
        table.add_section()
        for n, (role, names) in enumerate(spec.roles.items()):
            if role in spec.required:
                needed = t("needed_yes", lang)
            elif role in spec.any_of:
                needed = t("needed_one_of", lang)
            else:
                needed = ""
            kind = spec.label(lang) if n == 0 else ""
            table.add_row(kind, role, needed, _headers_text(names, lang))
    out.print(table)
    out.print(t("register_columns_note", lang))
