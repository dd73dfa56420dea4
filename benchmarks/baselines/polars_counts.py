"""Polars baseline: a lazy scan_csv + group_by (streaming engine), the same counts as fpmetrics.

    python polars_counts.py FILE --kind births|migrants [--encoding gb18030] [--out counts.csv]

Polars scans UTF-8 only; a GB18030 file is transcoded first to a temporary UTF-8 copy, in
16 MB chunks, as fpmetrics does.
"""

from __future__ import annotations

import polars as pl
from common import arguments, utf8_file

YES_NO = ["是", "否"]


def births(path: str) -> pl.DataFrame:
    scan = pl.scan_csv(path, infer_schema=False)
    sex, outcome = pl.col("性别"), pl.col("妊娠结局").fill_null("")
    defect = pl.col("是否出生缺陷").fill_null("")
    born = pl.col("出生日期").str.to_date("%Y-%m-%d", strict=False)
    live = outcome.is_in(["活产", ""])
    counted = (
        (pl.col("乡镇") != "")
        & sex.is_in(["男", "女"])
        & pl.col("是否符合政策").is_in(YES_NO)
        & defect.is_in([*YES_NO, ""])
        & outcome.is_in(["活产", "死胎", "死产", ""])
        & born.is_not_null()
    )
    return (
        scan.filter(counted)
        .group_by(pl.col("乡镇").alias("township"), born.dt.year().alias("period"))
        .agg(
            (live & (sex == "男")).sum().alias("births_male"),
            (live & (sex == "女")).sum().alias("births_female"),
            (live & (pl.col("是否符合政策") == "是")).sum().alias("births_policy"),
            pl.len().alias("perinatal_births"),
            (defect == "是").sum().alias("birth_defects"),
        )
        .with_columns(births=pl.col("births_male") + pl.col("births_female"))
        .collect(engine="streaming")
    )


def migrants(path: str) -> pl.DataFrame:
    flags = {"migrant_archived": "是否建档", "migrant_certified": "是否查验证"}
    flags["migrant_contacted"] = "是否信息联系"
    ident = pl.col("身份证号").str.strip_chars().str.to_uppercase()
    counted = (pl.col("乡镇") != "") & pl.all_horizontal(
        [pl.col(c).is_in(YES_NO) for c in flags.values()]
    )
    first = ident.is_first_distinct() | ident.is_null()
    return (
        pl.scan_csv(path, infer_schema=False)
        .filter(first)
        .filter(counted)
        .group_by(pl.col("乡镇").alias("township"))
        .agg(
            pl.len().alias("migrant_women"),
            *[(pl.col(c) == "是").sum().alias(f) for f, c in flags.items()],
        )
        .with_columns(period=pl.lit(""))
        .collect(engine="streaming")
    )


def main() -> None:
    args = arguments()
    with utf8_file(args.file, args.encoding) as path:
        out = (births if args.kind == "births" else migrants)(path)
    out.write_csv(args.out)


if __name__ == "__main__":
    main()
