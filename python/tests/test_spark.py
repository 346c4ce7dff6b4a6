"""Real Spark (pyspark from PyPI) on the local stack."""

import csv
import glob
import os
import subprocess
import sys

from conftest import EXAMPLES, require_java
from orchestera.spark import spark_session


def test_local_session_runs_sql(local_env):
    require_java()
    with spark_session("test-sql", executor_instances=1, executor_cores=2, executor_memory="512m") as spark:
        assert spark.sparkContext.master == "local[2]"
        assert spark.sql("SELECT SUM(id) AS s FROM range(101)").collect()[0]["s"] == 5050
    assert spark.sparkContext._jsc is None  # stopped on exit


def run_entrypoint(classpath, *args, env):
    return subprocess.run(
        [sys.executable, "-m", "orchestera.entrypoints.run", classpath, "--application-name", "t", *args],
        cwd=EXAMPLES, env={**os.environ, **env, "PYTHONPATH": EXAMPLES}, capture_output=True, text=True, timeout=300)


def test_hello_world_writes_csv_and_parquet(local_env):
    require_java()
    p = run_entrypoint("example.spark.application.HelloWorld", "--top", "2",
                       env={"ORCH_STACK_KIND": "local", "ORCH_RUN_DIR": str(local_env)})
    assert p.returncode == 0, p.stderr
    assert "hello-world: 2000 trips in 8 cities" in p.stdout
    parts = glob.glob(str(local_env / "output" / "by_city_csv" / "part-*.csv"))
    with open(parts[0]) as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 8 and sum(int(r["trips"]) for r in rows) == 2000
    assert glob.glob(str(local_env / "output" / "by_city_parquet" / "*.parquet"))


def test_exception_exits_1_with_traceback(local_env):
    require_java()
    p = run_entrypoint("example.failing.Boom", env={"ORCH_STACK_KIND": "local", "ORCH_RUN_DIR": str(local_env)})
    assert p.returncode == 1
    assert "Traceback" in p.stderr and p.stderr.strip().endswith("ValueError: boom: the input had no rows for 2026-11-29")


def test_invalid_arguments_exit_64_before_spark(local_env):
    p = run_entrypoint("example.failing.NeedsArgs", env={"ORCH_STACK_KIND": "local"})
    assert p.returncode == 64
    assert "missing required argument --date" in p.stderr
    assert "SparkContext" not in p.stderr and "WARN" not in p.stderr  # no JVM was started


def test_bad_classpath_is_an_invalid_argument(local_env):
    p = run_entrypoint("example.nope.Missing", env={"ORCH_STACK_KIND": "local"})
    assert p.returncode == 64 and "module example.nope not found in the project" in p.stderr
