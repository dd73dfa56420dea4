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


def _to_fullwidth(number: int) -> str:
    return str(number).translate(str.maketrans("0123456789", "０１２３４５６７８９"))


def write_messy(frame: pd.DataFrame) -> None:
    """The same county as three sheets of the kind clerks send: titles, merged two-row
    headers, a 栏次 row, a totals row (first, one figure off), traditional characters,
    full-width digits, thousands separators, padded names and a signature row."""
    from openpyxl.styles import Border, Side

    thin = Side(style="thin")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    wb = Workbook()

    # Sheet 1: births, with a merged two-row header and a 栏次 row.
    ws = wb.active
    ws.title = "出生情况"
    ws.append(["阳谷县2024年度出生人口情况统计表(合成示例数据)"])
    ws.merge_cells("A1:L1")
    ws.append(
        [
            "填报单位:阳谷县卫生健康局(盖章)",
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            "单位:人",
        ]
    )
    ws.append(
        [
            "序号",
            "乡镇(街道)",
            "统计用区划代码",
            "出生人数",
            None,
            None,
            None,
            "出生统计核查",
            None,
            "围产儿数\n(例)",
            "出生缺陷数\n(例)",
            "年平均人口",
        ]
    )
    ws.append(
        [
            None,
            None,
            None,
            "合计",
            "男",
            "女",
            "其中:政策内",
            "上报出生数",
            "核查出生数",
            None,
            None,
            None,
        ]
    )
    for rng in ("A3:A4", "B3:B4", "C3:C4", "D3:G3", "H3:I3", "J3:J4", "K3:K4", "L3:L4"):
        ws.merge_cells(rng)
    ws.append(["甲", "乙", "丙", 1, 2, 3, 4, 5, 6, 7, 8, 9])
    columns = ["births", "births_male", "births_female", "births_policy", "births_reported",
               "births_verified", "perinatal_births", "birth_defects", "population"]  # fmt: skip
    sums = frame[columns].sum()
    sums["births_male"] += 1  # a totals row that does not add up: fpmetrics warns
    ws.append(["", "合计", "", *[int(v) for v in sums]])
    for n, row in enumerate(frame.itertuples(index=False), start=1):
        name = f"  {row.township} " if n % 5 == 0 else row.township  # padded names
        values: list[object] = [int(getattr(row, c)) for c in columns]
        if n % 4 == 0:
            values[0] = _to_fullwidth(values[0])  # full-width digits stored as text
        values[-1] = f"{values[-1]:,}"  # thousands separators stored as text
        ws.append([n, name, f"3715210{n:02d}000", *values])
    ws.append([])
    ws.append(["填表人:王某", None, None, "审核人:李某", None, None, "填报日期:2025年1月6日"])
    for row in ws.iter_rows(min_row=3, max_row=6 + len(frame), max_col=12):
        for cell in row:
            cell.border = border
            cell.alignment = Alignment(wrap_text=True, vertical="center")
    ws.column_dimensions["B"].width = 14
    ws.column_dimensions["C"].width = 16

    # Sheet 2: in-migrant women, traditional-character headers, a rate column (ignored).
    ws = wb.create_sheet("流动人口")
    ws.append(["流入已婚育齡婦女服務管理情況"])
    ws.append(
        ["鄉鎮(街道)", "流入已婚育齡婦女總數", "已建檔數", "已發證數", "信息聯繫數", "建檔率(%)"]
    )
    for row in frame.itertuples(index=False):
        rate = row.migrant_archived / row.migrant_women if row.migrant_women else "—"
        ws.append([row.township, int(row.migrant_women), int(row.migrant_archived),
                   int(row.migrant_certified), int(row.migrant_contacted), rate])  # fmt: skip
        ws.cell(ws.max_row, 6).number_format = "0.0%"
    migrant = ["migrant_women", "migrant_archived", "migrant_certified", "migrant_contacted"]
    ws.append(["全縣", *[int(frame[c].sum()) for c in migrant]])

    # Sheet 3: station staff and deaths.
    ws = wb.create_sheet("服务站与死亡")
    ws.append(["乡镇服务站人员及死亡人口"])
    ws.append(["单位", "服务站在编人员数(人)", "在编医疗卫生专业技术人员数(人)", "死亡人数(人)"])
    for row in frame.itertuples(index=False):
        ws.append(
            [row.township, int(row.station_staff), int(row.station_tech_staff), int(row.deaths)]
        )

    # A notes sheet without a table: skipped.
    wb.create_sheet("填表说明").append(["本表为合成示例数据,仅用于演示 fpmetrics。"])
    wb.save(HERE / "county_2024_messy.xlsx")


def write_monthly(frame: pd.DataFrame) -> None:
    """Births by township and month, with the sex ratio as the townships reported it.

    Three townships carry what `fpmetrics audit` looks for: 张秋镇 reports a series far
    smoother than binomial noise allows, 阿城镇 swings from 200 to 43 between two months, and
    定水镇 reports a ratio no whole numbers of its births can give; 李台镇's reported ratio
    disagrees with its own counts.
    """
    rng = np.random.default_rng(20240101)
    rows = []
    for row in frame.itertuples(index=False):
        monthly = rng.multinomial(int(row.births), [1 / 12] * 12)
        for month, births in enumerate(monthly, start=1):
            births = int(births)
            boys = int(rng.binomial(births, 0.512))
            if row.township == "张秋镇":
                boys = round(births * 105 / 205)  # always ≈ 105: too smooth
            if row.township == "阿城镇" and month in (8, 9):
                births, boys = (60, 42) if month == 8 else (55, 12)
            girls = births - boys
            ratio = f"{100 * boys / girls:.2f}" if girls else ""
            if row.township == "定水镇" and month == 5:
                births, boys, girls, ratio = 23, 12, 11, "107.00"  # impossible from 23 births
            if row.township == "李台镇" and month == 3:
                ratio = f"{100 * (boys + 2) / (girls - 2):.2f}"  # not what the counts say
            rows.append(
                {
                    "乡镇": row.township,
                    "月份": f"2024-{month:02d}",
                    "出生男婴数": boys,
                    "出生女婴数": girls,
                    "出生人口性别比": ratio,
                }
            )
    pd.DataFrame(rows).to_csv(HERE / "county_2024_monthly.csv", index=False, encoding="utf-8-sig")


VILLAGES = ["东村", "西村", "南村", "北村", "中心村"]


def write_registers(frame: pd.DataFrame) -> None:
    """Individual records, as the population information system exports them.

    Births (2023 and 2024, one row per birth; 2024 has the county sample's boys, girls,
    policy births and defects, with stillbirths making up its perinatal births where it has
    more of them than births), in-migrant married women (GB18030, as
    Windows Excel saves CSV) and station staff, plus the population and deaths that another
    office sends. A few records are wrong on purpose: a sex of 不详, a date that is not a
    date, an id entered twice.
    """
    rng = np.random.default_rng(20231001)
    births = []
    for row in frame.itertuples(index=False):
        years = {
            2023: (int(rng.binomial(row.births, 0.51)), row.births, row.births_policy),
            2024: (row.births_male, row.births, row.births_policy),
        }
        for year, (boys, total, policy) in years.items():
            if year == 2023:
                total = int(total * rng.uniform(0.95, 1.08))
                boys = int(rng.binomial(total, 0.512))
                policy = total - int(rng.integers(0, max(2, total // 40)))
            stillborn = max(0, int(row.perinatal_births - row.births)) if year == 2024 else 1
            defects = int(row.birth_defects) if year == 2024 else int(rng.binomial(total, 0.003))
            n = total + stillborn
            days = rng.integers(0, 365, n)
            record = pd.DataFrame(
                {
                    "乡镇": row.township,
                    "村(居)": rng.choice(VILLAGES, n),
                    "出生日期": (pd.Timestamp(f"{year}-01-01") + pd.to_timedelta(days, "D"))
                    .strftime("%Y-%m-%d")
                    .to_numpy(),
                    "性别": np.where(np.arange(n) < boys, "男", "女"),
                    "是否符合政策": np.where(np.arange(n) < policy, "是", "否"),
                    "是否出生缺陷": "否",
                    "妊娠结局": np.where(np.arange(n) < total, "活产", "死胎"),
                }
            )
            record.loc[rng.choice(n, defects, replace=False), "是否出生缺陷"] = "是"
            if stillborn:
                record.loc[total:, "性别"] = rng.choice(["男", "女"], stillborn)
            births.append(record.sample(frac=1, random_state=int(rng.integers(1 << 31))))
    register = pd.concat(births, ignore_index=True).sort_values("出生日期", kind="stable")
    register.insert(0, "出生医学证明编号", [f"Q37{n:07d}" for n in range(len(register))])
    register.iloc[57, register.columns.get_loc("性别")] = "不详"
    register.iloc[1203, register.columns.get_loc("出生日期")] = "2024-02-30"
    register.to_csv(HERE / "births_register_2023_2024.csv", index=False, encoding="utf-8-sig")

    women = []
    for row in frame.itertuples(index=False):
        n = int(row.migrant_women)
        women.append(
            pd.DataFrame(
                {
                    "乡镇": row.township,
                    "身份证号": [f"3715{int(rng.integers(10**13, 10**14))}" for _ in range(n)],
                    "是否建档": np.where(np.arange(n) < row.migrant_archived, "是", "否"),
                    "是否查验证": np.where(np.arange(n) < row.migrant_certified, "是", "否"),
                    "是否信息联系": np.where(np.arange(n) < row.migrant_contacted, "是", "否"),
                }
            )
        )
    migrants = pd.concat(women, ignore_index=True)
    repeat = migrants.iloc[[40]].assign(是否建档="否")  # the same woman entered again
    migrants = pd.concat([migrants.iloc[:300], repeat, migrants.iloc[300:]], ignore_index=True)
    migrants.to_csv(HERE / "migrants_register.csv", index=False, encoding="gb18030")

    staff = []
    for row in frame.itertuples(index=False):
        n, technical = int(row.station_staff), int(row.station_tech_staff)
        names = [f"{row.township[:2]}{i + 1:02d}" for i in range(n + 2)]
        staff.append(
            pd.DataFrame(
                {
                    "服务站": row.township,
                    "姓名": names,
                    "是否在编": ["在编"] * n + ["编外"] * 2,  # two contract staff: not counted
                    "是否专业技术人员": ["是"] * technical + ["否"] * (n - technical) + ["是"] * 2,
                }
            )
        )
    with pd.ExcelWriter(HERE / "station_staff.xlsx", engine="openpyxl") as writer:
        pd.concat(staff).to_excel(writer, sheet_name="服务站人员", index=False)

    others = frame[["township", "population", "deaths", "births_reported", "births_verified"]]
    others.rename(columns=HEADERS).to_csv(
        HERE / "county_2024_population.csv", index=False, encoding="utf-8-sig"
    )


if __name__ == "__main__":
    samples = build()
    write(samples)
    write_messy(samples)
    write_monthly(samples)
    write_registers(samples)
