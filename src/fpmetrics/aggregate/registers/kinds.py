"""What each register kind looks like: its columns (roles), and which of them it needs."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from fpmetrics.i18n import Joined, Message, Words
from fpmetrics.normalise.fields import normalize_header

# Columns every register may carry: where the record belongs.
PLACE_ROLES: dict[str, list[str]] = {
    "township": [
        "乡镇", "乡镇(街道)", "乡镇名称", "乡镇街道", "所属乡镇", "所在乡镇", "街道", "服务站",
        "所属服务站", "计生服务站", "township", "station",
    ],
    "village": [
        "村", "村(居)", "村居", "村(社区)", "村社区", "村委会", "村(居)委会", "社区", "行政村",
        "村名", "村名称", "所属村", "village",
    ],
    "county": ["县", "县(区)", "县区", "县(市、区)", "所属县", "县名称", "county"],
    "code": ["统计用区划代码", "区划代码", "行政区划代码", "乡镇代码", "村代码", "code"],
}  # fmt: skip


@dataclass(frozen=True)
class Kind:
    name: str
    zh: str
    roles: dict[str, list[str]]
    required: tuple[str, ...]
    any_of: tuple[str, ...] = ()
    """At least one of these must be present, besides ``required``."""

    def label(self, lang: str) -> str:
        return self.name if lang == "en" else self.zh


KINDS: dict[str, Kind] = {
    "births": Kind(
        "births",
        "出生登记",
        {
            "birth_date": ["出生日期", "出生时间", "出生年月日", "出生年月", "birth_date", "date"],
            "sex": ["性别", "婴儿性别", "新生儿性别", "sex"],
            "policy": [
                "是否符合政策", "是否政策内", "符合政策", "政策内", "政策内出生", "within_policy",
                "policy",
            ],
            "defect": ["是否出生缺陷", "出生缺陷", "是否缺陷", "缺陷", "birth_defect", "defect"],
            "outcome": ["妊娠结局", "分娩结局", "出生结局", "结局", "outcome"],
            "id": ["出生医学证明编号", "出生证编号", "婴儿编号", "出生编号", "birth_id"],
        },
        required=("township", "birth_date", "sex"),
    ),
    "migrants": Kind(
        "migrants",
        "流入已婚育龄妇女",
        {
            "id": [
                "编号", "身份证号", "身份证号码", "公民身份号码", "证件号码", "个人编号", "id",
                "id_number",
            ],
            "archived": ["是否建档", "建档", "已建档", "是否已建档", "archived"],
            "certified": [
                "是否查验证", "是否查验", "查验证", "是否查验婚育证明", "婚育证明查验", "验证",
                "certified", "certificate_checked",
            ],
            "contacted": [
                "是否信息联系", "信息联系", "是否建立联系", "建立联系", "已联系", "contacted",
            ],
        },
        required=("township", "id"),
        any_of=("archived", "certified", "contacted"),
    ),
    "staff": Kind(
        "staff",
        "服务站人员",
        {
            "id": ["姓名", "编号", "人员编号", "工号", "身份证号", "name", "staff_id"],
            "established": ["是否在编", "在编", "编制", "在编情况", "编制情况", "established"],
            "technical": [
                "是否专业技术人员", "专业技术人员", "是否医疗卫生专业技术人员", "是否技术人员",
                "技术人员", "technical",
            ],
        },
        required=("township", "id", "established"),
    ),
}  # fmt: skip


DECLARED = "declared"
"""The kind of a register that counts fields a rule file declares (``register:`` of a field):
one row per person, a township column, and the declared columns."""

_PERSON_ID = [
    "身份证号", "身份证号码", "公民身份号码", "证件号码", "个人编号", "编号", "id", "id_number",
]  # fmt: skip


def declared_roles() -> dict[str, str]:
    """Declared field → the role (register column) it is counted from, in the active
    catalogue; the role is the column's first header as the rule file gives it."""
    from fpmetrics.normalise.fields import FIELDS

    return {n: s.register.column[0] for n, s in FIELDS.items() if s.register is not None}


def declared_kind() -> Kind | None:
    """The register kind of the active catalogue's declared fields, or None without any."""
    from fpmetrics.normalise.fields import FIELDS

    columns: dict[str, list[str]] = {}
    for spec in FIELDS.values():
        if spec.register is not None:
            headers = columns.setdefault(spec.register.column[0], [])
            headers += [h for h in spec.register.column if h not in headers]
    if not columns:
        return None
    roles = {"id": list(_PERSON_ID), **columns}
    return Kind(DECLARED, "自定义字段登记", roles, ("township",), tuple(columns))


def kind_spec(kind: str) -> Kind:
    """A built-in kind, or the declared one."""
    if kind == DECLARED:
        spec = declared_kind()
        assert spec is not None
        return spec
    return KINDS[kind]


def all_kinds() -> list[Kind]:
    """The built-in kinds, then the declared one when the active rule set has one."""
    declared = declared_kind()
    return [*KINDS.values(), *([declared] if declared else [])]


def role_aliases(kind: str) -> dict[str, str]:
    """Normalised header → role, for one kind (its own roles win over the place roles)."""
    if kind == DECLARED:  # changes with the rule set: not cached
        return _role_table(kind_spec(kind))
    return _builtin_role_aliases(kind)


@cache
def _builtin_role_aliases(kind: str) -> dict[str, str]:
    return _role_table(KINDS[kind])


def _role_table(spec: Kind) -> dict[str, str]:
    table = {normalize_header(a): role for role, names in PLACE_ROLES.items() for a in names}
    for role, names in spec.roles.items():
        table.update({normalize_header(a): role for a in names})
    return table


def match_roles(headers: list[str], kind: str) -> dict[str, int]:
    """Role → column index of the first header naming it."""
    aliases = role_aliases(kind)
    found: dict[str, int] = {}
    for index, header in enumerate(headers):
        role = aliases.get(normalize_header(header))
        if role is not None and role not in found:
            found[role] = index
    return found


def fits(kind: str, roles: dict[str, int]) -> bool:
    spec = kind_spec(kind)
    if not all(r in roles for r in spec.required):
        return False
    return not spec.any_of or any(r in roles for r in spec.any_of)


def detect(headers: list[str], forced: str | None = None) -> tuple[str, dict[str, int]] | None:
    """The register kind a header row names (the forced one, if given), with its columns."""
    for kind in [forced] if forced else [k.name for k in all_kinds()]:
        roles = match_roles(headers, kind)
        if fits(kind, roles):
            return kind, roles
    return None


def not_a_register(where: str, kind: str) -> Message:
    """The message for ``--kind KIND`` on a file whose header names no such register."""
    spec = kind_spec(kind)
    names = {**PLACE_ROLES, **spec.roles}
    needed: object = "、".join(names[r][0] for r in spec.required)
    if spec.any_of:
        any_of = Message("register_any_of", columns="/".join(names[r][0] for r in spec.any_of))
        needed = Joined((needed, any_of), "")
    kind_words = Words(spec.label("zh"), spec.label("en"))
    return Message("not_a_register", where=where, name=kind, kind=kind_words, columns=needed)
