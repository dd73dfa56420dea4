"""Canonical fields of a township report and the headers that name them.

The record a township reports is declared once, as the pydantic model :class:`UnitRecord`.
Its field metadata (Chinese and English names, accepted headers, which count is part of
which) drives header matching, the vectorised column checks in :mod:`fpmetrics.validate`,
and ``fpmetrics fields``. Rows are never validated through the model one by one.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass
from functools import cache

import numpy as np
import pandas as pd
from pydantic import BaseModel, Field


def _meta(
    zh: str, en: str, aliases: list[str], part_of: str | None = None, kind: str = "count"
) -> dict:
    return {"zh": zh, "en": en, "aliases": aliases, "part_of": part_of, "kind": kind}


class UnitRecord(BaseModel):
    """One row of an aggregate report: a unit (township), optionally a period, and counts.

    ``description`` says in Chinese what goes in the column (the template's 填表说明 and
    ``fpmetrics fields``); ``en`` in the metadata says it in English.
    """

    township: str = Field(
        description="填报单位:乡镇、街道或办事处",
        json_schema_extra=_meta(
            "乡镇(街道)",
            "township",
            [
                "乡镇",
                "乡镇(街道)",
                "乡镇名称",
                "乡镇街道",
                "单位",
                "单位名称",
                "街道",
                "地区",
                "township",
                "unit",
            ],
        ),
    )
    code: str | None = Field(
        description="统计用区划代码(12 位)",
        default=None,
        json_schema_extra=_meta(
            "统计用区划代码",
            "area code",
            ["统计用区划代码", "区划代码", "行政区划代码", "乡镇代码", "单位代码", "代码", "code"],
        ),
    )
    village: str | None = Field(
        description="村(居)委会",
        default=None,
        json_schema_extra=_meta(
            "村(居)",
            "village",
            [
                "村",
                "村(居)",
                "村居",
                "村(社区)",
                "村委会",
                "村(居)委会",
                "行政村",
                "村名称",
                "village",
            ],
        ),
    )
    county: str | None = Field(
        description="县(区)",
        default=None,
        json_schema_extra=_meta("县(区)", "county", ["县", "县(区)", "县区", "县名称", "county"]),
    )
    period: str | None = Field(
        description="数据所属的年度或月份(可不填)",
        default=None,
        json_schema_extra=_meta(
            "统计期", "period", ["年度", "年份", "月份", "统计期", "period", "year", "month"]
        ),
    )
    births_male: int | None = Field(
        description="活产男婴数",
        default=None,
        ge=0,
        json_schema_extra=_meta(
            "出生男婴数",
            "live births, boys",
            ["出生男婴数", "男婴", "男婴数", "出生人数男", "出生男", "births_male", "boys"],
        ),
    )
    births_female: int | None = Field(
        description="活产女婴数",
        default=None,
        ge=0,
        json_schema_extra=_meta(
            "出生女婴数",
            "live births, girls",
            ["出生女婴数", "女婴", "女婴数", "出生人数女", "出生女", "births_female", "girls"],
        ),
    )
    births: int | None = Field(
        description="活产婴儿总数(男婴与女婴都填时可不填;填写时须等于两者之和)",
        default=None,
        ge=0,
        json_schema_extra=_meta(
            "出生人数",
            "live births, total",
            ["出生人数", "出生人数合计", "出生数", "出生总数", "本期出生人数", "births"],
        ),
    )
    births_policy: int | None = Field(
        description="出生人数中符合政策生育的人数",
        default=None,
        ge=0,
        json_schema_extra=_meta(
            "符合政策生育数",
            "births within policy",
            [
                "符合政策生育数",
                "符合政策出生数",
                "政策内出生数",
                "计划内出生数",
                "政策内",
                "出生人数政策内",
                "出生人数符合政策",
                "出生人数计划内",
                "计划内",
                "符合政策",
                "合法生育",
                "合法生育数",
                "births_policy",
            ],
            part_of="births",
        ),
    )
    births_reported: int | None = Field(
        description="本单位上报的出生人数",
        default=None,
        ge=0,
        json_schema_extra=_meta(
            "上报出生数",
            "births as reported",
            ["上报出生数", "报告出生数", "births_reported"],
        ),
    )
    births_verified: int | None = Field(
        description="核查(抽样调查)核实的出生人数",
        default=None,
        ge=0,
        json_schema_extra=_meta(
            "核查出生数",
            "births found by the survey",
            ["核查出生数", "核实出生数", "调查出生数", "births_verified"],
        ),
    )
    perinatal_births: int | None = Field(
        description="围产儿数(孕满 28 周至出生后 7 天)",
        default=None,
        ge=0,
        json_schema_extra=_meta(
            "围产儿数", "perinatal births", ["围产儿数", "围产儿", "perinatal_births"]
        ),
    )
    birth_defects: int | None = Field(
        description="围产儿中出生缺陷的例数",
        default=None,
        ge=0,
        json_schema_extra=_meta(
            "出生缺陷数",
            "birth defects",
            ["出生缺陷数", "出生缺陷例数", "出生缺陷", "birth_defects"],
            part_of="perinatal_births",
        ),
    )
    population: int | None = Field(
        description="年平均人口(或年末总人口)",
        default=None,
        ge=0,
        json_schema_extra=_meta(
            "年平均人口",
            "average population",
            [
                "年平均人口",
                "年平均人数",
                "总人口",
                "年末总人口",
                "期末人口总数",
                "人口数",
                "population",
            ],
        ),
    )
    deaths: int | None = Field(
        description="统计期内死亡人数",
        default=None,
        ge=0,
        json_schema_extra=_meta("死亡人数", "deaths", ["死亡人数", "死亡数", "deaths"]),
    )
    station_staff: int | None = Field(
        description="乡镇计划生育服务站在编人员数",
        default=None,
        ge=0,
        json_schema_extra=_meta(
            "服务站在编人员数",
            "station staff on establishment",
            ["服务站在编人员数", "在编人员数", "在编人数", "station_staff"],
        ),
    )
    station_tech_staff: int | None = Field(
        description="在编人员中医疗卫生专业技术人员数",
        default=None,
        ge=0,
        json_schema_extra=_meta(
            "在编专业技术人员数",
            "of them, medical/technical staff",
            [
                "在编专业技术人员数",
                "在编医疗卫生专业技术人员数",
                "专业技术人员数",
                "station_tech_staff",
            ],
            part_of="station_staff",
        ),
    )
    migrant_women: int | None = Field(
        description="流入本地的已婚育龄妇女人数",
        default=None,
        ge=0,
        json_schema_extra=_meta(
            "流入已婚育龄妇女数",
            "in-migrant married women of reproductive age",
            [
                "流入已婚育龄妇女数",
                "流入已婚育龄妇女总数",
                "流入已婚育龄妇女",
                "流入已婚育龄妇女人数",
                "migrant_women",
            ],
        ),
    )
    migrant_archived: int | None = Field(
        description="流入已婚育龄妇女中已建档的人数",
        default=None,
        ge=0,
        json_schema_extra=_meta(
            "已建档数",
            "of them, with a file",
            ["已建档数", "建档数", "已建档", "建档", "建档人数", "已建档人数", "migrant_archived"],
            part_of="migrant_women",
        ),
    )
    migrant_certified: int | None = Field(
        description="流入已婚育龄妇女中已查验(发放)婚育证明的人数",
        default=None,
        ge=0,
        json_schema_extra=_meta(
            "已查验证数",
            "of them, certificate checked",
            [
                "已查验证数",
                "查验证数",
                "发证数",
                "已发证数",
                "查验数",
                "查验婚育证明",
                "查验婚育证明数",
                "查验婚育证明人数",
                "已查验婚育证明",
                "婚育证明查验",
                "验证",
                "验证数",
                "持证验证",
                "migrant_certified",
            ],
            part_of="migrant_women",
        ),
    )
    migrant_contacted: int | None = Field(
        description="流入已婚育龄妇女中已与户籍地建立信息联系(反馈)的人数",
        default=None,
        ge=0,
        json_schema_extra=_meta(
            "信息联系数",
            "of them, information contact established",
            [
                "信息联系数",
                "信息反馈数",
                "已信息联系数",
                "信息反馈",
                "信息反馈人数",
                "信息联系",
                "信息联系人数",
                "migrant_contacted",
            ],
            part_of="migrant_women",
        ),
    )
    reported_sex_ratio: float | None = Field(
        description="报表上填写的出生人口性别比(用于与人数核对)",
        default=None,
        json_schema_extra=_meta(
            "出生人口性别比(上报)",
            "sex ratio as reported",
            ["出生人口性别比", "出生性别比", "性别比", "reported_sex_ratio"],
            kind="rate",
        ),
    )
    reported_policy_rate: float | None = Field(
        description="报表上填写的符合政策生育率(%)(用于与人数核对)",
        default=None,
        json_schema_extra=_meta(
            "符合政策生育率(上报)",
            "policy-compliant birth rate as reported (%)",
            ["符合政策生育率", "政策生育率", "计划生育率", "reported_policy_rate"],
            kind="rate",
        ),
    )


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

    def label(self, lang: str) -> str:
        return self.en if lang == "en" else self.zh

    def meaning(self, lang: str) -> str:
        """What the field counts, in the output language (the header itself in Chinese is
        :attr:`zh`; this says what goes in it)."""
        return self.en if lang == "en" else (self.meaning_zh or self.zh)


def _build_specs() -> dict[str, FieldSpec]:
    specs = {}
    for name, info in UnitRecord.model_fields.items():
        extra = info.json_schema_extra or {}
        assert isinstance(extra, dict)
        specs[name] = FieldSpec(
            name=name,
            zh=str(extra["zh"]),
            en=str(extra["en"]),
            aliases=tuple(extra["aliases"]),  # type: ignore[arg-type]
            is_count=name not in KEY_FIELDS and extra.get("kind") == "count",
            part_of=extra.get("part_of"),  # type: ignore[arg-type]
            kind="key" if name in KEY_FIELDS else str(extra.get("kind")),
            meaning_zh=info.description or "",
        )
    return specs


KEY_FIELDS: tuple[str, ...] = ("township", "code", "village", "county", "period")
FIELDS: dict[str, FieldSpec] = _build_specs()
COUNT_FIELDS: tuple[str, ...] = tuple(n for n, s in FIELDS.items() if s.is_count)
RATE_FIELDS: tuple[str, ...] = tuple(n for n, s in FIELDS.items() if s.kind == "rate")

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
