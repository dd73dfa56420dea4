"""Regenerate the synthetic sample workbook and CSV in this folder.

The numbers are SYNTHETIC: drawn with a fixed seed around plausible levels for a county of
18 townships (births ≈ 9–11‰, deaths ≈ 6–7‰), then a few set by hand so that the sample
shows every kind of verdict. They are not statistics of any real place.

    uv run python sample_data/make_samples.py
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

HERE = Path(__file__).parent
TITLE = "阳谷县2024年度计划生育优质服务考核基础数据(合成示例数据,非真实统计)"

TOWNSHIPS = [
    ("侨润街道", 68000), ("博济桥街道", 52000), ("狮子楼街道", 47000), ("张秋镇", 61000),
    ("阿城镇", 55000), ("七级镇", 43000), ("安乐镇", 36000), ("定水镇", 32000),
    ("石佛镇", 29000), ("李台镇", 41000), ("寿张镇", 38000), ("十五里园镇", 34000),
    ("高庙王镇", 30000), ("闫楼镇", 27000), ("西湖镇", 31000), ("金斗营镇", 26000),
    ("大布乡", 24000), ("郭屯镇", 39000),
]  # fmt: skip

HEADERS = {
    "township": "乡镇(街道)",
    "population": "年平均人口",
    "births": "出生人数",
    "births_male": "出生男婴数",
    "births_female": "出生女婴数",
    "births_policy": "符合政策生育数",
    "births_reported": "上报出生数",
    "births_verified": "核查出生数",
    "perinatal_births": "围产儿数",
    "birth_defects": "出生缺陷数",
    "deaths": "死亡人数",
    "station_staff": "服务站在编人员数",
    "station_tech_staff": "在编专业技术人员数",
    "migrant_women": "流入已婚育龄妇女数",
    "migrant_archived": "已建档数",
    "migrant_certified": "已查验证数",
    "migrant_contacted": "信息联系数",
}


def build() -> pd.DataFrame:
    rng = np.random.default_rng(20241001)
    # Hand-set cases, so that the sample shows each kind of verdict.
    boys_girls = {"阿城镇": (268, 250), "高庙王镇": (155, 150)}  # 107.2 fails; 103.3 passes
    rows = []
    for name, population in TOWNSHIPS:
        births = int(population * rng.uniform(0.0088, 0.0112))
        male = round(births * rng.uniform(0.5075, 0.5160))  # sex ratio ≈ 103–107
        male, female = boys_girls.get(name, (male, births - male))
        births = male + female
        staff = int(rng.integers(6, 15))
        migrants = int(population * rng.uniform(0.004, 0.012))
        rows.append(
            {
                "township": name,
                "population": population,
                "births": births,
                "births_male": male,
                "births_female": female,
                "births_policy": births - int(rng.integers(0, max(2, births // 30))),
                "births_reported": births,
                "births_verified": births + int(rng.integers(0, max(2, births // 80))),
                "perinatal_births": births + int(rng.integers(0, 4)),
                "birth_defects": int(rng.binomial(births, 0.0035)),
                "deaths": int(population * rng.uniform(0.0058, 0.0072)),
                "station_staff": staff,
                "station_tech_staff": int(np.ceil(staff * rng.uniform(0.7, 0.95))),
                "migrant_women": migrants,
                "migrant_archived": int(migrants * rng.uniform(0.9, 0.99)),
                "migrant_certified": int(migrants * rng.uniform(0.9, 0.99)),
                "migrant_contacted": int(migrants * rng.uniform(0.9, 0.99)),
            }
        )
    frame = pd.DataFrame(rows).set_index("township")
    migrant_columns = [
        "migrant_women",
        "migrant_archived",
        "migrant_certified",
        "migrant_contacted",
    ]
    frame.loc["大布乡", migrant_columns] = 0  # no in-migrants: no data, not a failure
    frame.loc["闫楼镇", ["station_staff", "station_tech_staff"]] = [10, 7]  # exactly 70%: passes
    frame.loc["七级镇", ["station_staff", "station_tech_staff"]] = [9, 5]  # 55.6%: fails
    frame.loc["石佛镇", "migrant_archived"] = int(frame.loc["石佛镇", "migrant_women"] * 0.82)
    frame.loc["郭屯镇", ["perinatal_births", "birth_defects"]] = [410, 4]  # 9.76‰: fails
    frame.loc["金斗营镇", ["perinatal_births", "birth_defects"]] = [250, 1]
    frame.loc["定水镇", "births_verified"] = frame.loc["定水镇", "births"] + 17  # error > 3%: veto
    frame.loc["寿张镇", "births_policy"] = int(frame.loc["寿张镇", "births"] * 0.93)
    frame.loc["狮子楼街道", "population"] = 38500  # birth rate above 11.5‰
    return frame.reset_index()


def write(frame: pd.DataFrame) -> None:
    labelled = frame.rename(columns=HEADERS)
    labelled.to_csv(HERE / "county_2024.csv", index=False, encoding="utf-8-sig")

    wb = Workbook()
    ws = wb.active
    ws.title = "乡镇汇总"
    ws.append([TITLE])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(HEADERS))
    ws["A1"].font = Font(bold=True, size=13)
    ws["A1"].alignment = Alignment(horizontal="center")
    ws.append(list(HEADERS.values()))
    for cell in ws[2]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
    for row in labelled.itertuples(index=False):
        ws.append([v.item() if hasattr(v, "item") else v for v in row])
    ws.column_dimensions["A"].width = 14
    for letter in "BCDEFGHIJKLMNOPQ":
        ws.column_dimensions[letter].width = 11
    ws.freeze_panes = "B3"
    wb.properties.title = TITLE
    wb.save(HERE / "county_2024.xlsx")


if __name__ == "__main__":
    write(build())
