"""Hand-written pandas baseline: read_csv(engine="pyarrow") + groupby, the same counts as fpmetrics.

    python pandas_counts.py FILE --kind births|migrants [--encoding gb18030] [--out counts.csv]

Births, per township and year: boys and girls (live births), policy births, perinatal births
and birth defects. Migrants, per township: women, archived, certified, contacted. A record
with an unknown code, no township or (births) a date that is not a date is not counted; a
migrant whose id number appeared on an earlier row is not counted again.
"""

from __future__ import annotations

import pandas as pd
from common import arguments

try:
    import pyarrow  # noqa: F401

    ENGINE = "pyarrow"
except ImportError:  # the comparison needs pyarrow: uv run --with pyarrow
    ENGINE = "c"

YES_NO = ["是", "否"]


def births(path: str, encoding: str) -> pd.DataFrame:
    columns = ["乡镇", "出生日期", "性别", "是否符合政策", "是否出生缺陷", "妊娠结局"]
    df = pd.read_csv(
        path, engine=ENGINE, encoding=encoding, usecols=columns, dtype=str, keep_default_na=False
    ).fillna("")
    when = pd.to_datetime(df["出生日期"], format="%Y-%m-%d", errors="coerce")
    sex, outcome = df["性别"], df["妊娠结局"]
    counted = (
        (df["乡镇"] != "")
        & sex.isin(["男", "女"])
        & df["是否符合政策"].isin(YES_NO)
        & df["是否出生缺陷"].isin([*YES_NO, ""])
        & outcome.isin(["活产", "死胎", "死产", ""])
        & when.notna()
    )
    live = counted & outcome.isin(["活产", ""])
    frame = pd.DataFrame(
        {
            "township": df["乡镇"],
            "period": when.dt.year,
            "births_male": live & (sex == "男"),
            "births_female": live & (sex == "女"),
            "births_policy": live & sex.isin(["男", "女"]) & (df["是否符合政策"] == "是"),
            "perinatal_births": counted,
            "birth_defects": counted & (df["是否出生缺陷"] == "是"),
        }
    )[counted]
    out = frame.groupby(["township", "period"]).sum().reset_index()
    out["births"] = out["births_male"] + out["births_female"]
    return out


def migrants(path: str, encoding: str) -> pd.DataFrame:
    df = pd.read_csv(
        path, engine=ENGINE, encoding=encoding, dtype=str, keep_default_na=False
    ).fillna("")
    flags = {"migrant_archived": "是否建档", "migrant_certified": "是否查验证"}
    flags["migrant_contacted"] = "是否信息联系"
    counted = df["乡镇"] != ""
    for column in flags.values():
        counted &= df[column].isin(YES_NO)
    ident = df["身份证号"].str.strip().str.upper()
    counted &= ~(ident.duplicated(keep="first") & (ident != ""))
    frame = pd.DataFrame({"township": df["乡镇"], "migrant_women": counted})
    for field, column in flags.items():
        frame[field] = counted & (df[column] == "是")
    out = frame[counted].groupby("township").sum().reset_index()
    out.insert(1, "period", "")
    return out


def main() -> None:
    args = arguments()
    out = (births if args.kind == "births" else migrants)(args.file, args.encoding)
    out.to_csv(args.out, index=False)


if __name__ == "__main__":
    main()
