"""Rule files: pydantic models, loading with ``extends``, and errors that name file and line."""

from __future__ import annotations

import math
from decimal import Decimal
from fractions import Fraction
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from fpmetrics.errors import InputError
from fpmetrics.i18n import Joined, Message, t
from fpmetrics.indicators.expressions import Expression, ExpressionError, parse_expression
from fpmetrics.normalise.field_decls import FieldDecl, FieldsSection, declared_catalog
from fpmetrics.normalise.fields import FIELDS, Catalog, activate, active
from fpmetrics.ruleset import rulefile


class RuleError(ValueError):
    """A mistake in a rule file found by a validator: ``key`` and ``params`` are the message
    (a :class:`~fpmetrics.i18n.Message` in :func:`_describe`); ``str()`` is the English one."""

    def __init__(self, key: str, /, **params: object) -> None:
        super().__init__(t(key, "en", **params))
        self.key = key
        self.params = params


_STRICT = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)
"""Every rule-file model: unknown keys and .inf / .nan are mistakes."""

# Ranges of the numbers in a rule file (docs/limits-rules.md): wide enough for any real rule,
# narrow enough that nothing that validates can overflow or divide into Infinity later.
SCALE_RANGE = (1e-6, 1e6)
BOUND_RANGE = (-1e9, 1e9)
POINTS_RANGE = (0.0, 1e6)
PER_RANGE = (1e-6, 1e6)
MAX_INDICATORS = 200
"""Indicators in a rule set, inherited ones included (the shipped set has 10): each costs
time on every run, and thousands would make a check take minutes."""
MAX_GROUPS = 50
MAX_HEADERS = 100


def _in_range(value: float, low: float, high: float) -> float:
    if not math.isfinite(value):
        raise RuleError("rule_finite")
    if not low <= value <= high:
        raise RuleError("rule_number_range", low=f"{low:g}", high=f"{high:g}", value=f"{value:g}")
    return value


def _ranged(low: float, high: float) -> AfterValidator:
    return AfterValidator(lambda v: v if v is None else _in_range(v, low, high))


EvidenceModel = Literal["binomial", "sex_ratio", "poisson", "poisson_difference", "none"]


def _is_share(numerator: str, denominator: str) -> bool:
    spec = FIELDS.get(numerator.strip())
    return spec is not None and spec.part_of == denominator.strip()


class Indicator(BaseModel):
    """One indicator: numerator / denominator × scale, checked against inclusive bounds."""

    model_config = _STRICT

    name: str = Field(description="Chinese name, shown by default")
    name_en: str = Field(
        default="", description="English name, shown with --lang en (default: name)"
    )
    short: str = Field(default="", description="short Chinese column header for tables")
    short_en: str = Field(default="", description="short English column header")
    numerator: str
    denominator: str
    scale: Annotated[float, _ranged(*SCALE_RANGE)] = Field(
        gt=0, description="100 for %, 1000 for ‰"
    )
    symbol: str = Field(default="", description="unit shown after the value: %, ‰ or empty")
    min: float | None = None
    max: float | None = None
    severity: Literal["fail", "warn"] = "fail"
    decimals: int = Field(default=2, ge=0, le=6, description="digits shown in tables")
    periods: int | None = Field(
        default=None, ge=1, le=100, description="the bound applies in each of the last N periods"
    )
    source: str = Field(
        default="",
        description="where the threshold comes from (a user's file may leave it out: "
        "`rules validate` warns; the shipped rule sets cite every threshold)",
    )
    enabled: bool = True
    model: EvidenceModel | None = Field(
        default=None, description="statistical model for the interval (default: inferred)"
    )
    min_count: int = Field(
        default=0,
        ge=0,
        le=1_000_000_000,
        description="below this many in the denominator (boys + girls for the sex ratio), "
        "the result notes that the unit is too small for a verdict to mean much",
    )

    @property
    def evidence_model(self) -> str:
        """The model given, or the one the formula implies."""
        if self.model is not None:
            return self.model
        num, den = self.numerator.replace(" ", ""), self.denominator.strip()
        spec = FIELDS.get(num)
        if spec is not None and spec.part_of == den:
            return "binomial"
        if num == "births_male" and den == "births_female":
            return "sex_ratio"
        if self.symbol == "‰" and num in FIELDS and den in FIELDS:
            return "poisson"
        return "none"

    @field_validator("numerator", "denominator")
    @classmethod
    def _parses(cls, text: str) -> str:
        try:
            parse_expression(text)
        except ExpressionError as exc:
            raise RuleError(exc.key, **exc.params) from None
        return text

    @field_validator("min", "max")
    @classmethod
    def _bound_makes_sense(cls, value: float | None, info: ValidationInfo) -> float | None:
        """Checked per key, so that an error names the line of the bound that is wrong."""
        if value is None:
            return value
        if not math.isfinite(value):
            raise RuleError("rule_bound_finite")
        _in_range(value, *BOUND_RANGE)
        data = info.data
        if info.field_name == "max" and data.get("min") is not None and data["min"] > value:
            raise RuleError("rule_max_below_min", max=f"{value:g}", min=f"{data['min']:g}")
        numerator, denominator = data.get("numerator"), data.get("denominator")
        scale = data.get("scale")
        share = numerator and denominator and scale and _is_share(numerator, denominator)
        if share and not 0 <= value <= scale:
            raise RuleError(
                "rule_share_impossible",
                bound=info.field_name,
                value=f"{value:g}",
                whole=denominator.strip(),
                scale=f"{scale:g}",
            )
        return value

    @model_validator(mode="after")
    def _has_a_bound(self) -> Indicator:
        if self.min is None and self.max is None:
            raise RuleError("rule_no_bound")
        return self

    @cached_property
    def numerator_expr(self) -> Expression:
        return parse_expression(self.numerator)

    @cached_property
    def denominator_expr(self) -> Expression:
        return parse_expression(self.denominator)

    @property
    def fields(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(self.numerator_expr.fields + self.denominator_expr.fields))

    def label(self, lang: str) -> str:
        return (self.name_en or self.name) if lang == "en" else self.name

    def short_label(self, lang: str) -> str:
        if lang == "en":
            return self.short_en or self.name_en or self.short or self.name
        return self.short or self.name

    def exact_bound(self, which: Literal["min", "max"]) -> Fraction | None:
        """The bound as an exact fraction, as written in the file (0.1 is 1/10, not a float)."""
        value = self.min if which == "min" else self.max
        return None if value is None else Fraction(Decimal(repr(value)))

    def formula_text(self) -> str:
        """ "(births - deaths) / population × 1000": a compound numerator or denominator is
        parenthesised, since ``/`` binds tighter than ``-``."""
        return f"{_operand(self.numerator)} / {_operand(self.denominator)} × {self.scale:g}"

    def bounds_text(self) -> str:
        lo, hi, sym = self.min, self.max, self.symbol
        if lo is not None and hi is not None:
            return f"{lo:g}–{hi:g}{sym}"
        if lo is not None:
            return f"≥ {lo:g}{sym}"
        return f"≤ {hi:g}{sym}"


def _operand(text: str) -> str:
    """An expression as an operand of ``/``: in parentheses unless it is a single term."""
    import ast

    node = ast.parse(text.strip(), mode="eval").body
    plain = ast.unparse(node)
    return f"({plain})" if isinstance(node, ast.BinOp | ast.UnaryOp) else plain


def _known_field(name: str) -> str:
    if name not in FIELDS:
        raise RuleError("rule_unknown_field", name=name)
    return name


FieldName = Annotated[str, AfterValidator(_known_field)]
Headers = Annotated[
    Annotated[list[str], Field(max_length=MAX_HEADERS)] | str,
    AfterValidator(lambda v: [v] if isinstance(v, str) else list(v)),
]


class Deduction(BaseModel):
    """Graded deduction: ``points`` off per ``per`` units outside the bound, at most ``cap``.

    Units are the indicator's own: percentage points for %, ‰ for ‰, ratio points for the
    sex ratio. The deduction is proportional (half a unit short costs half).
    """

    model_config = _STRICT

    points: Annotated[float, _ranged(*POINTS_RANGE)] = Field(gt=0)
    per: Annotated[float, _ranged(*PER_RANGE)] = Field(default=1, gt=0)
    cap: Annotated[float | None, _ranged(*POINTS_RANGE)] = Field(
        default=None, gt=0, description="default: the item's points"
    )


class ScoredItem(BaseModel):
    model_config = _STRICT

    points: Annotated[float, _ranged(*POINTS_RANGE)] = Field(
        ge=0, description="full points when the indicator is within bounds"
    )
    deduct: Deduction | None = Field(
        default=None, description="without it, a value outside the bounds scores 0"
    )


class Group(BaseModel):
    """A named set of indicators: a veto group, or an award gate."""

    model_config = _STRICT

    name: str
    name_en: str = ""
    indicators: list[str] = Field(min_length=1, max_length=MAX_INDICATORS)
    source: str = ""

    def label(self, lang: str) -> str:
        return (self.name_en or self.name) if lang == "en" else self.name


class Scoring(BaseModel):
    """The province's scheme: points per indicator, one-vote vetoes, award gates."""

    model_config = _STRICT

    indicators: dict[str, ScoredItem] = Field(max_length=MAX_INDICATORS)
    veto: list[Group] = Field(default_factory=list, max_length=MAX_GROUPS)
    award_gate: list[Group] = Field(default_factory=list, max_length=MAX_GROUPS)
    no_data: Literal["full", "zero"] = Field(
        default="full",
        description="points for a zero denominator (nothing to manage); missing data scores 0",
    )
    decimals: int = Field(
        default=2,
        ge=0,
        le=6,
        description="points are rounded to this many decimals, each indicator's before summing",
    )
    source: str = ""

    def max_total(self, active: set[str]) -> float:
        """Full marks over the indicators that are enabled."""
        total = sum(item.points for key, item in self.indicators.items() if key in active)
        return round(total, self.decimals)


class EvidenceSettings(BaseModel):
    """How intervals are computed: confidence level and the method for proportions."""

    model_config = _STRICT

    level: float = Field(default=0.95, gt=0.5, lt=1)
    method: Literal["wilson", "exact"] = Field(
        default="exact",
        description="kept for old rule files: the interval shown and the verdict are exact "
        "either way (Wilson could contradict the exact test; see docs/evidence.md)",
    )
    fdr: bool = Field(
        default=False,
        description="Benjamini–Hochberg over the county's results for each indicator (and "
        "period): a clear failure must also have a q-value below (1 − level)/2",
    )

    @property
    def alpha(self) -> float:
        """The one-sided error rate of a clear verdict: each tail of the interval."""
        return (1 - self.level) / 2


class AuditSettings(BaseModel):
    """Levels and minimum counts for ``fpmetrics audit``."""

    model_config = _STRICT

    alpha: float = Field(default=0.01, gt=0, lt=0.5, description="report signals with p < alpha")
    min_period_births: int = Field(
        default=10, ge=1, le=1_000_000_000, description="periods with fewer births are not compared"
    )
    digits_min_values: int = Field(
        default=50,
        ge=10,
        le=1_000_000_000,
        description="counts ≥ 10 needed for a terminal-digit test",
    )
    bunching_share: float = Field(
        default=0.03, gt=0, lt=1, description="window each side of a bound, as a share of it"
    )


class ReportingPeriods(BaseModel):
    """The periods the indicators are reported in: the year starts on ``year_start``
    (``10-01``: the statistical year, previous 1 October to 30 September); halves and
    quarters follow from it. ``--period`` groups register births by them."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    year_start: Literal["01-01", "10-01"] = "01-01"
    source: str = ""

    @property
    def start_month(self) -> int:
        return int(self.year_start.split("-")[0])


class RuleSet(BaseModel):
    model_config = _STRICT

    name: str
    title: str
    title_en: str = ""
    description: str = ""
    extends: str | None = None
    fields: dict[str, FieldDecl] = Field(
        default_factory=dict, description="the rule set's own count fields (field_decls.py)"
    )
    aliases: dict[FieldName, Headers] = Field(
        default_factory=dict, description="extra headers per canonical field"
    )
    indicators: dict[str, Indicator] = Field(max_length=MAX_INDICATORS)
    scoring: Scoring | None = None
    evidence: EvidenceSettings = Field(default_factory=EvidenceSettings)
    audit: AuditSettings = Field(default_factory=AuditSettings)
    periods: ReportingPeriods = Field(default_factory=ReportingPeriods)

    @model_validator(mode="after")
    def _scoring_names_indicators(self) -> RuleSet:
        if self.scoring is None:
            return self
        known = set(self.indicators)  # a disabled indicator simply does not score
        named = list(self.scoring.indicators)
        for group in (*self.scoring.veto, *self.scoring.award_gate):
            named += group.indicators
        unknown = sorted(set(named) - known)
        if unknown:
            raise RuleError("rule_scoring_unknown", indicators=", ".join(unknown))
        return self

    @field_validator("indicators")
    @classmethod
    def _ids(cls, value: dict[str, Indicator]) -> dict[str, Indicator]:
        for key in value:
            if not key.isidentifier() or not key.islower():
                raise RuleError("rule_id_case", key=key)
        return value

    @property
    def active(self) -> dict[str, Indicator]:
        return {k: v for k, v in self.indicators.items() if v.enabled}

    def label(self, lang: str) -> str:
        return (self.title_en or self.title) if lang == "en" else self.title


# ---------------------------------------------------------------- locating rule sets


def rules_file(name: str) -> Path | str:
    """The file ``--rules NAME`` names: a path, or a shipped rule set's own file (neither to
    be written over). An unknown name is left to :func:`load_ruleset` to report."""
    try:
        return resolve(name)
    except InputError:
        return name


def shipped_dir() -> Path:
    """Shipped rule sets: inside the installed package, or ``rules/`` in a source checkout."""
    packaged = Path(__file__).resolve().parents[1] / "rules"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[3] / "rules"


BUILTIN_FIELDS_FILE = "fields"
"""``rules/fields.yaml`` declares the built-in fields: it is not a rule set."""


def shipped_names() -> list[str]:
    names = (p.stem for p in shipped_dir().glob("*.yaml"))
    return sorted(n for n in names if n != BUILTIN_FIELDS_FILE)


def resolve(name_or_path: str, relative_to: Path | None = None) -> Path:
    candidate = Path(name_or_path)
    if relative_to is not None and not candidate.is_absolute():
        near = relative_to.parent / candidate
        if near.is_file():
            return near
    if candidate.is_file():
        return candidate
    shipped = shipped_dir() / f"{name_or_path}.yaml"
    if shipped.is_file() and name_or_path != BUILTIN_FIELDS_FILE:
        return shipped
    raise InputError("rules_not_found", name=name_or_path, shipped=", ".join(shipped_names()))


# ---------------------------------------------------------------- reading YAML with lines


_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml's safe loader where PyYAML was built with it (its wheels are): several times
faster than the pure-Python one, with the same line numbers in errors."""


def _read_yaml(path: Path) -> tuple[dict[str, Any], dict[tuple, int]]:
    try:
        with path.open("rb") as handle:
            raw = handle.read(rulefile.MAX_FILE_BYTES + 1)
        if len(raw) > rulefile.MAX_FILE_BYTES:
            raise rulefile.RuleFileError(
                "rules_too_large", None, limit=rulefile.MAX_FILE_BYTES // 1_000_000
            )
        text = rulefile.decode(raw)
    except OSError as exc:
        raise InputError("file_unreadable", file=path, detail=str(exc)) from None
    except rulefile.RuleFileError as exc:
        raise _refused(exc, path) from None
    try:
        lines, data = _parse_yaml(text)
    except rulefile.RuleFileError as exc:
        raise _refused(exc, path) from None
    except yaml.YAMLError as exc:
        line = _yaml_error_line(exc, text)
        # A reader error has no "problem": its first line, not 'in "<unicode string>"'.
        detail = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise InputError("rules_yaml", file=path, line=line, detail=detail) from None
    if not isinstance(data, dict):
        detail = Joined(("  ", Message("rule_not_mapping")), "")
        raise InputError("rules_invalid", file=path, detail=detail)
    return data, lines


def _refused(exc: rulefile.RuleFileError, path: Path) -> InputError:
    """A rule file refused unread or unbuilt: ``file:line: what``."""
    where = f"{path}:{exc.line}" if exc.line is not None else str(path)
    return InputError(Message(exc.key, at=where, **exc.params))


def _parse_yaml(text: str) -> tuple[dict[tuple, int], Any]:
    """Parsed once into nodes, after one pass over the events that refuses hostile shapes
    (:mod:`fpmetrics.ruleset.rulefile`); the node tree gives the line numbers, and the data is built
    from it."""
    rulefile.check_shape(text, _YAML_LOADER)
    loader = _YAML_LOADER(text)  # the pure-Python reader rejects bad characters here already
    try:
        node = loader.get_single_node()
        if node is None:
            return {}, None
        lines = rulefile.line_map(node)  # before building: that folds `<<` merges into nodes
        return lines, loader.construct_document(node)
    finally:
        loader.dispose()


def _yaml_error_line(exc: yaml.YAMLError, text: str) -> int | str:
    """The 1-based line of a YAML error: from its mark, or from the character position of a
    reader error (a control character), which has no mark."""
    mark = getattr(exc, "problem_mark", None)
    if mark is not None:
        return mark.line + 1
    position = getattr(exc, "position", None)
    if not isinstance(position, int):
        return "?"
    if _YAML_LOADER is not yaml.SafeLoader:  # libyaml counts bytes of the UTF-8 text
        return text.encode("utf-8")[:position].count(b"\n") + 1
    return text.count("\n", 0, position) + 1  # the pure-Python reader counts characters


def _merge(base: dict[str, Any], child: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in child.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _resolved(
    path: Path, seen: tuple[Path, ...] = ()
) -> tuple[dict[str, Any], list[tuple[Path, dict[tuple, int]]]]:
    real = path.resolve()
    if real in seen:
        raise InputError("rules_cycle", file=path)
    data, lines = _read_yaml(path)
    sources = [(path, lines)]
    parent = data.get("extends")
    if isinstance(parent, str) and parent:
        if len(seen) + 1 >= rulefile.MAX_EXTENDS:
            line = lines.get(("extends",), 1)
            limit = rulefile.MAX_EXTENDS
            raise InputError(Message("rules_extends_too_long", at=f"{path}:{line}", limit=limit))
        base, base_sources = _resolved(resolve(parent, relative_to=path), (*seen, real))
        data = _merge(base, data)
        sources += base_sources
    return data, sources


# pydantic's own error types as catalogue messages (context keys as pydantic gives them).
# Any other type keeps pydantic's English message.
_PYDANTIC_MESSAGES = {
    "extra_forbidden": "rule_unknown_key",
    "missing": "rule_missing",
    "float_parsing": "rule_number",
    "float_type": "rule_number",
    "finite_number": "rule_finite",
    "int_parsing": "rule_integer",
    "int_type": "rule_integer",
    "int_from_float": "rule_integer",
    "bool_parsing": "rule_bool",
    "bool_type": "rule_bool",
    "string_type": "rule_text",
    "string_too_short": "rule_empty",
    "too_short": "rule_too_short",
    "too_long": "rule_too_long",
    "literal_error": "rule_literal",
    "greater_than": "rule_gt",
    "greater_than_equal": "rule_ge",
    "less_than": "rule_lt",
    "less_than_equal": "rule_le",
    "dict_type": "rule_mapping",
    "model_type": "rule_mapping",
    "model_attributes_type": "rule_mapping",
    "list_type": "rule_list",
}


def _message(error: dict) -> Message | str:
    ctx = error.get("ctx") or {}
    cause = ctx.get("error")
    if isinstance(cause, RuleError):
        return Message(cause.key, **cause.params)
    key = _PYDANTIC_MESSAGES.get(error["type"])
    if key is None:
        return error["msg"].removeprefix("Value error, ")
    values = {k: v for k, v in ctx.items() if k != "error"}
    if error["type"] == "literal_error":  # "'fail' or 'warn'" → fail、warn / fail, warn
        import re

        choices = re.findall(r"'([^']*)'", str(ctx.get("expected", "")))
        values["expected"] = Joined(choices) if choices else ctx.get("expected", "")
    message = Message(key, **values)
    try:
        message.render("zh"), message.render("en")
    except (KeyError, IndexError):  # a context key this pydantic version does not give
        return error["msg"]
    return message


def _describe(exc: ValidationError, sources: list[tuple[Path, dict[tuple, int]]]) -> Joined:
    lines: list[Joined] = []
    for error in exc.errors(include_url=False):
        loc = tuple(p for p in error["loc"] if p != "[key]")
        # min and max are judged together: if this file sets only the other one, that is the
        # line the user wrote (an extending file raising min above an inherited max).
        partner = {"min": "max", "max": "min"}.get(str(loc[-1])) if loc else None
        candidates = [loc] + ([(*loc[:-1], partner)] if partner else [])
        where = None
        for path, line_map in sources:  # the extending file first: that is what the user edits
            exact = [c for c in candidates if c in line_map]
            if exact:
                where = f"{path}:{line_map[exact[0]]}"
                break
            for n in range(len(loc) - 1, -1, -1):
                if loc[:n] in line_map:
                    where = f"{path}:{line_map[loc[:n]]}"
                    break
            if where:
                break
        message = _message(error)
        dotted = rulefile.shorten(".".join(str(p) for p in loc)) or Message("rule_top_level")
        lines.append(Joined(("  ", where or sources[0][0], ": ", dotted, ": ", message), ""))
    return Joined(lines, "\n")


class AliasFile(BaseModel):
    """A user's own headers and fields: ``aliases: {births_male: [男孩数]}`` and/or a
    ``fields:`` section like a rule file's."""

    model_config = _STRICT

    fields: dict[str, FieldDecl] = Field(default_factory=dict)
    aliases: dict[FieldName, Headers] = Field(default_factory=dict)


def _declare(
    data: dict[str, Any],
    sources: list[tuple[Path, dict[tuple, int]]],
    base: Catalog | None = None,
) -> Catalog:
    """The file's ``fields:`` checked, then made the active catalogue (on ``base``), so that
    the rest of the file, and the run, know them. Mistakes: :class:`InputError`, exit 2."""
    path = sources[0][0]
    try:
        section = FieldsSection.model_validate({"fields": data.get("fields") or {}})
    except ValidationError as exc:
        raise InputError("rules_invalid", file=path, detail=_describe(exc, sources)) from None
    catalog, problems = declared_catalog(section.fields, sources, base)
    if problems:
        raise InputError("rules_invalid", file=path, detail=Joined(problems, "\n"))
    activate(catalog)
    return catalog


def load_aliases(path: Path) -> dict[str, list[str]]:
    """A --fields file: its fields join the active catalogue (the rule set's); its aliases
    are returned."""
    if not path.is_file():
        raise InputError("file_missing", file=path)
    data, lines = _read_yaml(path)
    _declare(data, [(path, lines)], base=active())
    try:
        return AliasFile.model_validate(data).aliases  # type: ignore[return-value]
    except ValidationError as exc:
        detail = _describe(exc, [(path, lines)])
        raise InputError("rules_invalid", file=path, detail=detail) from None


def load_ruleset(name_or_path: str) -> RuleSet:
    """The rule set, validated; its fields (built-in and declared) become the active
    catalogue."""
    path = resolve(name_or_path)
    data, sources = _resolved(path)
    activate(None)
    _declare(data, sources)
    try:
        return RuleSet.model_validate(data)
    except ValidationError as exc:
        raise InputError("rules_invalid", file=path, detail=_describe(exc, sources)) from None


def missing_sources(name_or_path: str) -> list[str]:
    """``file:line: indicators.x`` of each enabled indicator without a ``source``: a user's
    file may leave it out, but a threshold nobody can trace is worth a warning."""
    path = resolve(name_or_path)
    data, sources = _resolved(path)
    out = []
    for key, item in (data.get("indicators") or {}).items():
        if isinstance(item, dict) and item.get("enabled", True) and not item.get("source"):
            where = None
            for file, lines in sources:
                if ("indicators", key) in lines:
                    where = f"{file}:{lines[('indicators', key)]}"
                    break
            out.append(f"{where or path}: indicators.{key}")
    return out
