"""Official report forms, laid out as an office's spreadsheet holds them.

Each builder returns a :class:`Form`: the grid of cells (title rows, 表号/制表机关 lines, a
two-row header band, the 栏次 row, 合计 first, the townships, the 报出日期 footer) and its merged
ranges. ``Form.xlsx`` writes it with openpyxl, merges included; ``Form.csv`` writes the grid
alone (a CSV has no merges: the band is then read from the layout).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.utils import get_column_letter


@dataclass
class Form:
    rows: list[list[Any]]
    merges: list[str]
    header_rows: tuple[int, int]  # spreadsheet rows of the header band

    def xlsx(self, path: Path, merges: bool = True) -> Path:
        wb = Workbook()
        ws = wb.active
        ws.title = "表1"
        for row in self.rows:
            ws.append(row)
        if merges:
            for ref in self.merges:
                ws.merge_cells(ref)
        wb.save(path)
        return path

    def csv(self, path: Path, encoding: str = "utf-8-sig") -> Path:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        for row in self.rows:
            writer.writerow(["" if v is None else v for v in row])
        path.write_bytes(buffer.getvalue().encode(encoding))
        return path


def _ref(row: int, c0: int, row1: int, c1: int) -> str:
    return f"{get_column_letter(c0 + 1)}{row}:{get_column_letter(c1 + 1)}{row1}"


def _pad(cells: list[Any], width: int) -> list[Any]:
    return cells + [None] * (width - len(cells))


# 国人口统1表 年度人口与出生情况 (国统制[2008]78号): per township, the figures below.
NATIONAL_SINGLE = [
    "期末人口总数",
    "期末已婚育龄妇女人数",
    "期末领取独生子女证人数",
    "本期出生人数",
    "往年出生未报人数",
]
PARITIES = ["一孩出生", "二孩出生", "多孩出生"]

NATIONAL_TOWNS: dict[str, dict[str, int]] = {
    # population, married women, one-child certificates, births, unreported from earlier years,
    # then per parity (count, of them within plan)
    "城关镇": {"pop": 52000, "women": 9800, "cert": 3100, "births": 520, "late": 3,
            "p1": 300, "p1_plan": 298, "p2": 200, "p2_plan": 190, "p3": 20, "p3_plan": 6},
    "阿城镇": {"pop": 31000, "women": 6100, "cert": 1500, "births": 300, "late": 0,
            "p1": 180, "p1_plan": 180, "p2": 110, "p2_plan": 108, "p3": 10, "p3_plan": 2},
    "定水乡": {"pop": 12000, "women": 2300, "cert": 400, "births": 150, "late": 1,
            "p1": 90, "p1_plan": 88, "p2": 55, "p2_plan": 50, "p3": 5, "p3_plan": 0},
}  # fmt: skip


def national_form_1(towns: dict[str, dict[str, int]] = NATIONAL_TOWNS) -> Form:
    """国人口统1表 as a township or county office fills it in: 13 columns (地区 + 12 numbered)."""
    width = 1 + len(NATIONAL_SINGLE) + 2 * len(PARITIES)
    rows: list[list[Any]] = [
        _pad(["年度人口与出生情况"], width),
        _pad(["表号:国人口统1表", None, None, None, None, "制表机关:国家人口计生委"], width),
        _pad(["填报单位(盖章):阳谷县", None, None, None, None, "批准文号:国统制[2008]78号",
              None, None, None, None, "单位:人"], width),
    ]  # fmt: skip
    upper = ["地区", *NATIONAL_SINGLE]
    lower: list[Any] = [None] * len(upper)
    for parity in PARITIES:
        upper += [parity, None]
        lower += [None, "其中:计划内"]
    rows += [upper, lower]
    rows.append(["甲", *range(1, width)])
    keys = ["pop", "women", "cert", "births", "late", "p1", "p1_plan", "p2", "p2_plan", "p3"]
    keys.append("p3_plan")
    total = ["合计", *(sum(t[k] for t in towns.values()) for k in keys)]
    rows.append(total)
    rows += [[name, *(t[k] for k in keys)] for name, t in towns.items()]
    rows.append([None] * width)
    rows.append(
        _pad(["报出日期:2024年10月15日", None, None, None, "统计负责人:王某", None, None,
              "填表人:李某"], width)
    )  # fmt: skip
    head = 4
    merges = [_ref(1, 0, 1, width - 1)]
    merges += [_ref(head, c, head + 1, c) for c in range(1 + len(NATIONAL_SINGLE))]
    first = 1 + len(NATIONAL_SINGLE)
    merges += [_ref(head, first + 2 * i, head, first + 2 * i + 1) for i in range(len(PARITIES))]
    return Form(rows=rows, merges=merges, header_rows=(head, head + 1))


# A provincial birth form: parities split by sex, with 符合政策 (or 政策内, 合法生育) under each.
PROVINCIAL_PARITIES = ["一孩", "二孩", "三孩及以上"]
PROVINCIAL_TOWNS: dict[str, dict[str, int]] = {
    # population, deaths; per parity (boys, girls, within policy)
    "张秋镇": {"pop": 40000, "deaths": 260,
            "m1": 110, "f1": 100, "ok1": 210, "m2": 80, "f2": 72, "ok2": 150, "m3": 12, "f3": 6,
            "ok3": 9},
    "寿张镇": {"pop": 25000, "deaths": 150,
            "m1": 60, "f1": 58, "ok1": 118, "m2": 40, "f2": 41, "ok2": 80, "m3": 3, "f3": 2,
            "ok3": 1},
}  # fmt: skip


def provincial_birth_form(
    towns: dict[str, dict[str, Any]] = PROVINCIAL_TOWNS, policy_word: str = "其中:符合政策"
) -> Form:
    """乡镇(街道) | 年末总人口 | 死亡人数 | per parity {男, 女, 其中:符合政策}: no births column;
    births are the parities' boys and girls."""
    single = ["乡镇(街道)", "年末总人口", "死亡人数"]
    width = len(single) + 3 * len(PROVINCIAL_PARITIES)
    rows: list[list[Any]] = [
        _pad(["2024年度人口出生情况统计表"], width),
        _pad(["填报单位:阳谷县卫生健康局", None, None, None, None, None, "单位:人"], width),
    ]
    upper: list[Any] = list(single)
    lower: list[Any] = [None] * len(single)
    for parity in PROVINCIAL_PARITIES:
        upper += [parity, None, None]
        lower += ["男", "女", policy_word]
    rows += [upper, lower]
    rows.append(["甲", *range(1, width)])
    keys = ["pop", "deaths", "m1", "f1", "ok1", "m2", "f2", "ok2", "m3", "f3", "ok3"]
    total = ["合计", *(sum(t[k] for t in towns.values() if t.get(k) is not None) for k in keys)]
    rows.append(total)
    rows += [[name, *(t.get(k) for k in keys)] for name, t in towns.items()]
    rows.append(_pad(["填表人:", None, "审核人:", None, "报出日期:"], width))
    head = 3
    merges = [_ref(1, 0, 1, width - 1)]
    merges += [_ref(head, c, head + 1, c) for c in range(len(single))]
    merges += [
        _ref(head, len(single) + 3 * i, head, len(single) + 3 * i + 2)
        for i in range(len(PROVINCIAL_PARITIES))
    ]
    return Form(rows=rows, merges=merges, header_rows=(head, head + 1))


# 流入已婚育龄妇女 服务管理情况: the in-migrant form, 小计 and 其中 columns.
MIGRANT_TOWNS: dict[str, dict[str, int]] = {
    "侨润办事处": {"women": 400, "archived": 380, "checked": 350, "feedback": 372},
    "狮子楼办事处": {"women": 250, "archived": 240, "checked": 245, "feedback": 200},
    "十五里园镇": {"women": 60, "archived": 50, "checked": 58, "feedback": 59},
}


def migrant_form(towns: dict[str, dict[str, int]] = MIGRANT_TOWNS) -> Form:
    """乡镇(街道) | 流入已婚育龄妇女 {小计, 其中:建档, 其中:查验婚育证明, 其中:信息反馈}."""
    width = 5
    rows: list[list[Any]] = [
        _pad(["流动人口计划生育服务管理情况统计表"], width),
        _pad(["填报单位(盖章):", None, None, None, "单位:人"], width),
        ["乡镇(街道)", "流入已婚育龄妇女", None, None, None],
        [None, "小计", "其中:建档", "其中:查验婚育证明", "其中:信息反馈"],
        ["甲", 1, 2, 3, 4],
    ]
    keys = ["women", "archived", "checked", "feedback"]
    rows.append(["合计", *(sum(t[k] for t in towns.values()) for k in keys)])
    rows += [[name, *(t[k] for k in keys)] for name, t in towns.items()]
    rows.append(_pad(["报出日期:", None, "统计负责人:", "填表人:"], width))
    merges = [_ref(1, 0, 1, width - 1), _ref(3, 0, 4, 0), _ref(3, 1, 3, 4)]
    return Form(rows=rows, merges=merges, header_rows=(3, 4))
