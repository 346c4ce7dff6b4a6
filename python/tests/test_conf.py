import json

import pytest

from orchestera.platform import Platform, PlatformError, secret
from orchestera.spark import build_conf
from orchestera.spark.session import jdbc_options


def test_local_conf_is_sized_from_the_arguments():
    conf = build_conf(Platform("local", run_dir="/runs/r1"), "app", executor_instances=2, executor_cores=2,
                      executor_memory="2g", cpu_count=8)
    assert conf["spark.master"] == "local[4]"
    assert conf["spark.driver.memory"] == "2g"
    assert conf["spark.ui.enabled"] == "false"
    assert conf["spark.local.dir"] == "/runs/r1/spark-tmp"


def test_local_cores_are_capped_by_the_machine():
    assert build_conf(Platform("local"), "a", executor_instances=8, executor_cores=4, cpu_count=2)["spark.master"] == "local[2]"


def test_kubernetes_conf_comes_from_the_environment():
    env = {"ORCH_STACK_KIND": "kubernetes", "ORCH_NAMESPACE": "etl", "ORCH_IMAGE": "acme/etl:1",
           "ORCH_EXECUTOR_POD_TEMPLATE": "/etc/orchestera/executor.yaml", "ORCH_SECRETS": "db,api"}
    conf = build_conf(Platform.from_env(env), "app", executor_instances=3, executor_cores=2, executor_memory="4g",
                      additional_spark_conf={"spark.sql.adaptive.enabled": True})
    assert conf["spark.kubernetes.namespace"] == "etl"
    assert conf["spark.kubernetes.container.image"] == "acme/etl:1"
    assert conf["spark.executor.instances"] == "3"
    assert conf["spark.kubernetes.executor.podTemplateFile"] == "/etc/orchestera/executor.yaml"
    assert "spark.kubernetes.executor.secrets.db" in conf and "spark.kubernetes.executor.secrets.api" in conf
    assert conf["spark.sql.adaptive.enabled"] == "True"


def test_connections_file_is_applied(tmp_path, monkeypatch):
    path = tmp_path / "connections.json"
    path.write_text(json.dumps({
        "s3": {"endpoint": "http://127.0.0.1:9000", "region": "us-east-1", "path_style_access": True,
               "access_key_env": "S3_KEY", "secret_key_env": "S3_SECRET"},
        "warehouse": {"type": "jdbc", "url": "jdbc:postgresql://db/wh", "user": "etl", "password_env": "WH_PASSWORD"},
    }))
    monkeypatch.setenv("S3_KEY", "AKIA")
    monkeypatch.setenv("S3_SECRET", "shh")
    monkeypatch.setenv("WH_PASSWORD", "pw")
    platform = Platform.from_env({"ORCH_STACK_KIND": "local", "ORCH_CONNECTIONS_FILE": str(path)})
    conf = build_conf(platform, "app")
    assert conf["spark.hadoop.fs.s3a.endpoint"] == "http://127.0.0.1:9000"
    assert conf["spark.hadoop.fs.s3a.path.style.access"] == "true"
    assert conf["spark.hadoop.fs.s3a.access.key"] == "AKIA"
    assert jdbc_options(platform, "warehouse") == {"url": "jdbc:postgresql://db/wh", "user": "etl", "password": "pw"}
    with pytest.raises(PlatformError, match="no JDBC connection named 's3'"):
        jdbc_options(platform, "s3")


@pytest.mark.parametrize("env,message", [
    ({}, "ORCH_STACK_KIND=''"),
    ({"ORCH_STACK_KIND": "yarn"}, "expected one of local, kubernetes"),
    ({"ORCH_STACK_KIND": "local", "ORCH_CONNECTIONS_FILE": "/nonexistent.json"}, "ORCH_CONNECTIONS_FILE"),
])
def test_bad_platform_environment(env, message):
    with pytest.raises(PlatformError, match=message):
        Platform.from_env(env)


def test_bad_sizes():
    with pytest.raises(ValueError, match="executor_memory"):
        build_conf(Platform("local"), "a", executor_memory="lots")
    with pytest.raises(ValueError):
        build_conf(Platform("local"), "a", executor_instances=0)
    with pytest.raises(PlatformError, match="ORCH_IMAGE"):
        build_conf(Platform("kubernetes"), "a")


def test_secrets_come_from_the_environment():
    assert secret("DB_PASSWORD", {"DB_PASSWORD": "x", "ORCH_SECRETS": "db"}) == "x"
    with pytest.raises(PlatformError, match="pulled secrets from: db"):
        secret("API_KEY", {"ORCH_SECRETS": "db"})


def test_sizing_comes_from_the_run_flags():
    from orchestera.spark.session import platform_sizing
    assert platform_sizing({"ORCH_EXECUTOR_INSTANCES": "2", "ORCH_EXECUTOR_CORES": "3", "ORCH_EXECUTOR_MEMORY": "2g"}) == {
        "executor_instances": 2, "executor_cores": 3, "executor_memory": "2g"}
    assert platform_sizing({}) == {"executor_instances": 1, "executor_cores": 1, "executor_memory": "1g"}
