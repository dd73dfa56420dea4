"""Fields a rule file (or a --fields file) declares: the ``fields:`` section, its checks, and
the catalogue it makes with the built-in fields (docs/own-fields.md).

A declared field is a count like the built-in ones: its headers are matched, its values are
checked (non-negative integers, part <= whole), it appears in the template, in ``fpmetrics
fields``, in --explain and the JSON, and a register can count it from a column.

Mistakes that pydantic cannot see one key at a time are found here, each with its line: an id
that is a built-in field's, a header two fields claim, a ``part_of`` that is unknown or goes
round in a cycle.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from fpmetrics.i18n import Joined, Message
from fpmetrics.normalise.fields import (
    Catalog,
    FieldSpec,
    builtin_catalog,
    normalize_header,
    spec_from,
)

MAX_FIELDS = 100
"""Fields one file may declare (the shipped reproductive-health set declares 16)."""

_STRICT = ConfigDict(extra="forbid", frozen=True)


def _texts(value: Any) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


Texts = Annotated[Annotated[list[str], Field(max_length=100)] | str, AfterValidator(_texts)]


class RegisterDecl(BaseModel):
    """``register: {column: 是否采取避孕措施, values: 是}``, or the short form
    ``register: {是否采取避孕措施: 是}``: the rows of a register whose cell counts."""

    model_config = _STRICT

    column: Texts = Field(description="the register column's header (or several)")
    values: Texts = Field(default_factory=list, description="empty: any filled cell counts")

    @model_validator(mode="before")
    @classmethod
    def _short_form(cls, data: Any) -> Any:
        if isinstance(data, dict) and len(data) == 1 and not {"column", "values"} & set(data):
            ((column, values),) = data.items()
            return {"column": column, "values": [] if values is None else values}
        return data


class FieldDecl(BaseModel):
    """One declared count: names, meaning, headers, and optionally what it is part of and how
    a register counts it."""

    model_config = _STRICT

    name: str = Field(min_length=1, description="Chinese name: the template's header")
    name_en: str = Field(default="", description="English name (default: name)")
    meaning: str = Field(default="", description="what goes in the column, in Chinese")
    meaning_en: str = ""
    headers: Texts = Field(default_factory=list, description="headers accepted besides name")
    part_of: str | None = Field(default=None, description="the field this counts a part of")
    kind: Literal["count", "rate"] = "count"
    counted_in: RegisterDecl | None = Field(
        default=None, alias="register", description="how a register counts it"
    )

    def spec(self, name: str) -> FieldSpec:
        data = self.model_dump(by_alias=True)
        return spec_from(name, data, builtin=False)


class FieldsSection(BaseModel):
    """Only the ``fields:`` section of a file, validated before the rest (which may name the
    fields it declares); every other key is left for the rule set or the alias file."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    fields: dict[str, FieldDecl] = Field(default_factory=dict, max_length=MAX_FIELDS)


def _line(sources: list[tuple[Path, dict[tuple, int]]], *path: object) -> str:
    """``file:line`` of the key path, in the first file (the extending one) that has it."""
    for n in range(len(path), 0, -1):
        for file, lines in sources:
            if path[:n] in lines:
                return f"{file}:{lines[path[:n]]}"
    return str(sources[0][0])


def declared_catalog(
    declared: dict[str, FieldDecl],
    sources: list[tuple[Path, dict[tuple, int]]],
    base: Catalog | None = None,
) -> tuple[Catalog, list[Joined]]:
    """The catalogue ``base`` (built-in fields by default) extended with ``declared``, and
    the mistakes found (``  file:line: fields.x: message`` lines; empty when none)."""
    base = base or builtin_catalog()
    problems: list[Joined] = []

    def say(path: tuple, key: str, **params: object) -> None:
        dotted = ".".join(str(p) for p in path)
        problems.append(
            Joined(("  ", _line(sources, *path), ": ", dotted, ": ", Message(key, **params)), "")
        )

    specs: dict[str, FieldSpec] = {}
    for name, decl in declared.items():
        if not name.isidentifier() or not name.islower():
            say(("fields", name), "field_id_case", key=name)
        elif name in base.specs:
            existing = base.specs[name]
            key = "field_builtin_clash" if existing.builtin else "field_declared_twice"
            say(("fields", name), key, name=name)
        else:
            specs[name] = decl.spec(name)

    # A header names one field: a declared one may take no other field's header.
    owner: dict[str, str] = {}
    for spec in base.specs.values():
        for header in (spec.name, spec.zh, *spec.aliases):
            owner.setdefault(normalize_header(header), spec.name)
    for name, spec in specs.items():
        claimed = [(("fields", name), name), (("fields", name, "name"), spec.zh)]
        claimed += [(("fields", name, "headers", i), h) for i, h in enumerate(spec.aliases)]
        for path, header in claimed:
            other = owner.setdefault(normalize_header(header), name)
            if other != name:
                say(path, "field_header_taken", header=header, other=other)

    every = {**base.specs, **specs}
    for name, spec in specs.items():
        whole = spec.part_of
        if whole is None:
            continue
        if whole not in every or not every[whole].is_count or not spec.is_count:
            say(("fields", name, "part_of"), "field_part_unknown", name=whole)
            continue
        chain = [name]
        while whole is not None and whole not in chain:
            chain.append(whole)
            whole = every[whole].part_of if whole in every else None
        if whole == name:
            say(("fields", name, "part_of"), "field_part_cycle", chain=" → ".join([*chain, name]))
    return base.extended(specs), problems
