"""``--engine spark`` in local mode (a real Spark, Java 17): the same JSON as the embedded
engine over the same Parquet files, and over a table in Spark's catalog."""

from __future__ import annotations

import shutil

import polars as pl
import pytest

from conftest import BIRTHS_REGISTER, MIGRANTS_REGISTER, check_json

BIRTHS, MIGRANTS = BIRTHS_REGISTER, MIGRANTS_REGISTER


@pytest.fixture(scope="module")
def spark(tmp_path_factory):
    pytest.importorskip(
        "pyspark", reason="the spark extra is not installed (uv sync --extra spark)"
    )
    pytest.importorskip("sqlglot", reason="the spark extra is not installed")
    if shutil.which("java") is None:
        pytest.skip("no Java runtime for Spark local mode (bash .ci/install-services.sh)")
    from pyspark.sql import SparkSession

    folder = tmp_path_factory.mktemp("spark")
    session = (
        SparkSession.builder.master("local[2]")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.warehouse.dir", str(folder / "warehouse"))
        .config("spark.sql.shuffle.partitions", "4")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session, folder
    session.stop()


@pytest.mark.slow
def test_spark_gives_the_embedded_json(spark, cli, tmp_path):
    session, _ = spark
    births = tmp_path / "births.parquet"
    migrants = tmp_path / "migrants.parquet"
    pl.read_csv(BIRTHS, infer_schema=False).write_parquet(births)
    pl.read_csv(MIGRANTS, infer_schema=False, encoding="gb18030").write_parquet(migrants)
    hive = tmp_path / "hive"
    frame = pl.read_csv(BIRTHS, infer_schema=False)
    frame.with_columns(year=pl.col("出生日期").str.slice(0, 4)).write_parquet(
        hive, partition_by=["year"]
    )
    cases = [((births, migrants), ()), ((hive,), ("--period", "month"))]
    for inputs, options in cases:
        embedded = check_json(cli, *inputs, *options)
        on_spark = check_json(cli, *inputs, *options, "--engine", "spark")
        assert embedded["problems"] and embedded["results"]
        assert on_spark == embedded

    # A table in Spark's catalog (Hive): counted by Spark, located as hive:births.
    session.read.parquet(str(births)).write.saveAsTable("births")
    on_table = check_json(cli, "hive:births", "--engine", "spark", "--period", "year")
    from_file = check_json(cli, births, "--period", "year")
    on_table["inputs"] = from_file["inputs"] = None  # the one entry allowed to differ
    for problem in from_file["problems"]:
        problem["file"] = "hive:births"
        problem["message"] = problem["message"].replace(str(births), "hive:births")
    assert on_table == from_file


def test_spark_without_the_extra_names_it(cli, monkeypatch, tmp_path):
    import importlib.util

    find = importlib.util.find_spec

    def without(name, package=None):
        return None if name.split(".")[0] == "pyspark" else find(name, package)

    monkeypatch.setattr(importlib.util, "find_spec", without)
    target = tmp_path / "births.parquet"
    pl.read_csv(BIRTHS, infer_schema=False).write_parquet(target)
    result = cli("check", target, "--engine", "spark", "--lang", "en")
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        "--engine spark needs an optional extra; install it: pip install 'fpmetrics[spark]'"
    )
