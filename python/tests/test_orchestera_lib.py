"""The orchestera-lib layer: its entrypoint, arguments and session on this
runtime, and examples/orchestera-lib-style run as a shipped project."""

import hashlib
import hmac
import json
import os
import subprocess
import sys
import tarfile

import pytest

from conftest import ROOT, require_java
from orchestera.entrypoints import InvalidArguments
from orchestera.entrypoints.base_entrypoint import StringArg
from orchestera.entrypoints.sparklith_entrypoint import SparklithEntryPoint
from orchestera.spark.session import OrchesteraSparkSession

LIB_STYLE = os.path.join(ROOT, "examples", "orchestera-lib-style")


class Job(SparklithEntryPoint):
    application_name = StringArg(required=True, tooltip="Name of the application")
    bucket = StringArg(required=True, tooltip="where the data is")
    prefix = StringArg(False, "key prefix")

    def run(self):
        pass


def test_string_args_parse_as_orchestera_lib_did():
    job = Job.from_args("nightly", ["--bucket", "lake", "--prefix=raw/"])
    assert (job.application_name, job.bucket, job.prefix) == ("nightly", "lake", "raw/")
    assert Job.from_args("nightly", ["--bucket", "lake"]).prefix is None
    with pytest.raises(InvalidArguments, match="missing required argument --bucket"):
        Job.from_args("nightly", [])


def test_the_declared_application_name_is_the_runs(capsys):
    # Declared as a required StringArg, yet given by the runner's
    # --application-name, never as one of the entrypoint's own arguments.
    assert "application_name" not in Job.arguments()
    with pytest.raises(SystemExit):
        Job.from_args("", ["--help"])
    out = capsys.readouterr().out
    assert "--bucket (str, required) where the data is" in out and "--prefix (str, default None) key prefix" in out


def test_session_arguments_become_spark_conf(monkeypatch):
    monkeypatch.setenv("ORCH_STACK_KIND", "kubernetes")
    monkeypatch.setenv("ORCH_IMAGE", "acme/run:1")
    session = OrchesteraSparkSession(app_name="a", executor_instances=4, executor_cores=1, executor_memory="2g",
                                     spark_jars_packages="org.apache.iceberg:iceberg-spark-runtime-3.5_2.12:1.10.1",
                                     additional_spark_conf={"spark.default.parallelism": 4,
                                                            "spark.jars.packages": "overridden"},
                                     event_log_dir="s3a://logs/spark")
    assert session.extra_conf() == {
        "spark.default.parallelism": 4,
        "spark.jars.packages": "org.apache.iceberg:iceberg-spark-runtime-3.5_2.12:1.10.1",
        "spark.eventLog.enabled": "true", "spark.eventLog.dir": "s3a://logs/spark",
    }
    assert session.platform().image == "acme/run:1"
    assert OrchesteraSparkSession("a", executor_image="acme/exec:2").platform().image == "acme/exec:2"


def test_session_reads_the_connections_file_it_is_given(monkeypatch, tmp_path):
    path = tmp_path / "c.json"
    path.write_text(json.dumps([{"name": "lake", "kind": "S3", "spark_conf": {"k": "v"}}]))
    monkeypatch.setenv("ORCH_STACK_KIND", "local")
    assert [c.name for c in OrchesteraSparkSession("a", connections_file=str(path)).platform().connections] == ["lake"]


def pack(src, dest):
    """The project archive, as the platform packs it."""
    with tarfile.open(dest, "w:gz") as tar:
        tar.add(src, arcname=".", filter=lambda ti: None if "__pycache__" in ti.name else ti)
    return str(dest)


def test_the_lib_style_example_runs_as_a_shipped_project(tmp_path):
    """As on a Kubernetes stack: the project is on no PYTHONPATH, only in
    the archive. (Local Python workers start in the run's directory, the
    extracted project; executors on Kubernetes need the project's zip,
    which internal/kube/kubetest's TestRuntimeContract proves.)"""
    require_java()
    connections = tmp_path / "connections.json"
    connections.write_text(json.dumps([
        {"name": "lake", "kind": "S3", "spark_conf": {"spark.hadoop.fs.s3a.bucket.lake.endpoint.region": "eu-west-1"}},
        {"name": "warehouse", "kind": "JDBC", "jdbc": {"url": "jdbc:postgresql://db/wh"}},
    ]))
    env = {k: v for k, v in os.environ.items() if not k.startswith("ORCH_") and k != "PYTHONPATH"}
    env.update({"ORCH_STACK_KIND": "local", "ORCH_RUN_DIR": str(tmp_path), "ORCH_CONNECTIONS_FILE": str(connections),
                "ORCH_PROJECT_ARCHIVE": pack(LIB_STYLE, tmp_path / "project.tar.gz"),
                "ORCH_RESULT_FILE": str(tmp_path / "result.json"), "PSEUDONYM_KEY": "k3y"})
    p = subprocess.run([sys.executable, "-m", "orchestera.entrypoints.run", "lib_style.application.ReviewWords",
                        "--application-name", "review-words"], cwd=tmp_path, env=env,
                       capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stdout + p.stderr
    want = hmac.new(b"k3y", b"spark", hashlib.sha256).hexdigest()[:12]
    for line in ["review-words: 6 reviews, 81 words, 55 distinct", "top words: the=9 and=4 job=4",
                 f"pseudonym of 'spark': {want}", "UDF ran on: driver",
                 "connections: lake (S3, 1 of 1 settings on the session), warehouse (JDBC)"]:
        assert line in p.stdout.splitlines(), p.stdout + p.stderr
    assert "k3y" not in p.stdout + p.stderr
    assert json.loads((tmp_path / "result.json").read_text())["outcome"] == "succeeded"
