import json

import pytest

from orchestera.connections import ConnectionsError
from orchestera.platform import RESULT_MAX_BYTES, Platform, PlatformError, result_json, secret
from orchestera.spark import build_conf
from orchestera.spark.session import jdbc_options

# What the platform sets in a driver pod on a Kubernetes stack
# (docs/runtime-contract.md).
KUBE_ENV = {
    "ORCH_STACK_KIND": "kubernetes", "ORCH_NAMESPACE": "etl", "ORCH_RUN_ID": "run_1", "ORCH_IMAGE": "acme/etl:1",
    "ORCH_EXECUTOR_POD_TEMPLATE": "/etc/orchestera/run/executor-pod-template.yaml", "ORCH_SECRETS": "db,api",
    "ORCH_DRIVER_POD_NAME": "run-1-driver", "ORCH_DRIVER_HOST": "10.1.2.3",
    "ORCH_EXECUTOR_INSTANCES": "2", "ORCH_EXECUTOR_CORES": "1", "ORCH_EXECUTOR_MEMORY": "2g",
}

S3 = {"name": "lake", "kind": "S3", "region": "eu-west-1", "network_mode": "PUBLIC", "host": "https://minio:9000",
      "spark_conf": {"spark.hadoop.fs.s3a.bucket.lake.endpoint": "https://minio:9000",
                     "spark.hadoop.fs.s3a.bucket.lake.access.key": "AKIA-LAKE"}}
S3_OTHER = {"name": "events", "kind": "S3", "spark_conf": {"spark.hadoop.fs.s3a.bucket.events.endpoint.region": "us-east-1"}}
JDBC = {"name": "warehouse", "kind": "JDBC",
        "jdbc": {"url": "jdbc:postgresql://db/wh", "driver": "org.postgresql.Driver", "user": "etl", "password": "pw"}}


def test_local_conf_is_sized_from_the_arguments():
    conf = build_conf(Platform("local", run_dir="/runs/r1"), "app", executor_instances=2, executor_cores=2,
                      executor_memory="2g", cpu_count=8)
    assert conf["spark.master"] == "local[4]"
    assert conf["spark.driver.memory"] == "2g"
    assert conf["spark.ui.enabled"] == "false"
    assert conf["spark.local.dir"] == "/runs/r1/spark-tmp"


def test_local_cores_are_capped_by_the_machine():
    assert build_conf(Platform("local"), "a", executor_instances=8, executor_cores=4, cpu_count=2)["spark.master"] == "local[2]"


def test_kubernetes_conf_is_the_contract():
    conf = build_conf(Platform.from_env(KUBE_ENV), "app", executor_instances=3, executor_cores=2, executor_memory="4g",
                      additional_spark_conf={"spark.sql.adaptive.enabled": True})
    assert conf == {
        "spark.app.name": "app",
        "spark.master": "k8s://https://kubernetes.default.svc",
        "spark.submit.deployMode": "client",
        "spark.kubernetes.namespace": "etl",
        "spark.kubernetes.container.image": "acme/etl:1",
        "spark.executor.instances": "3",
        "spark.executor.cores": "2",
        "spark.executor.memory": "4g",
        "spark.kubernetes.executor.podTemplateFile": "/etc/orchestera/run/executor-pod-template.yaml",
        "spark.kubernetes.driver.pod.name": "run-1-driver",
        "spark.driver.host": "10.1.2.3",
        "spark.driver.bindAddress": "0.0.0.0",
        "spark.ui.enabled": "false",
        "spark.ui.showConsoleProgress": "false",
        "spark.kubernetes.executor.deleteOnTermination": "false",
        "spark.sql.adaptive.enabled": "True",
    }
    # Secrets reach executors through the pod template's envFrom, never
    # through Spark's secret mounts.
    assert not [k for k in conf if ".secrets." in k]


def test_the_drivers_service_ports():
    env = {**KUBE_ENV, "ORCH_DRIVER_HOST": "run-1.etl.svc", "ORCH_DRIVER_PORT": "7078", "ORCH_BLOCK_MANAGER_PORT": "7079"}
    conf = build_conf(Platform.from_env(env), "app")
    assert (conf["spark.driver.host"], conf["spark.driver.port"], conf["spark.driver.blockManager.port"]) == (
        "run-1.etl.svc", "7078", "7079")
    assert "spark.blockManager.port" not in conf  # the executors' own


def test_kubernetes_master_and_driver_identity_are_optional():
    env = {"ORCH_STACK_KIND": "kubernetes", "ORCH_IMAGE": "i", "ORCH_KUBERNETES_MASTER": "k8s://https://10.0.0.1:6443"}
    conf = build_conf(Platform.from_env(env), "app")
    assert conf["spark.master"] == "k8s://https://10.0.0.1:6443"
    assert not {"spark.driver.host", "spark.driver.port", "spark.driver.blockManager.port",
                "spark.kubernetes.driver.pod.name"} & set(conf)
    assert "spark.kubernetes.executor.podTemplateFile" not in conf


def test_the_project_zip_is_shipped_after_the_users_py_files():
    conf = build_conf(Platform("local"), "app", py_files=["/tmp/p/project.zip"])
    assert conf["spark.submit.pyFiles"] == "/tmp/p/project.zip"
    conf = build_conf(Platform("local"), "app", additional_spark_conf={"spark.submit.pyFiles": "/opt/lib.zip"},
                      py_files=["/tmp/p/project.zip"])
    assert conf["spark.submit.pyFiles"] == "/opt/lib.zip,/tmp/p/project.zip"


def connections_file(tmp_path, entries):
    path = tmp_path / "connections.json"
    path.write_text(json.dumps(entries))
    return str(path)


@pytest.mark.parametrize("kind", ["local", "kubernetes"])
def test_every_s3_connection_is_applied_and_the_user_wins(tmp_path, kind):
    env = {**KUBE_ENV, "ORCH_STACK_KIND": kind, "ORCH_CONNECTIONS_FILE": connections_file(tmp_path, [S3, S3_OTHER, JDBC])}
    conf = build_conf(Platform.from_env(env), "app",
                      additional_spark_conf={"spark.hadoop.fs.s3a.bucket.lake.endpoint": "http://override"})
    assert conf["spark.hadoop.fs.s3a.bucket.lake.access.key"] == "AKIA-LAKE"
    assert conf["spark.hadoop.fs.s3a.bucket.events.endpoint.region"] == "us-east-1"
    assert conf["spark.hadoop.fs.s3a.bucket.lake.endpoint"] == "http://override"
    assert "pw" not in conf.values()  # JDBC credentials stay out of the Spark conf


def test_jdbc_options_by_name(tmp_path):
    platform = Platform.from_env({"ORCH_STACK_KIND": "local", "ORCH_CONNECTIONS_FILE": connections_file(tmp_path, [S3, JDBC])})
    assert jdbc_options(platform, "warehouse") == JDBC["jdbc"]
    with pytest.raises(PlatformError, match="connection 'lake' is S3, not JDBC"):
        jdbc_options(platform, "lake")
    with pytest.raises(PlatformError, match=r"no connection named 'nope' \(connections: lake, warehouse\)"):
        jdbc_options(platform, "nope")


def test_a_missing_connections_file_is_no_connections(tmp_path):
    env = {"ORCH_STACK_KIND": "local", "ORCH_CONNECTIONS_FILE": str(tmp_path / "absent.json")}
    assert Platform.from_env(env).connections == []
    assert Platform.from_env({"ORCH_STACK_KIND": "local"}).connections == []


@pytest.mark.parametrize("content,message", [
    ("{not json", "is not valid JSON"),
    ('{"s3": {}}', "expected a JSON array"),
    ('["lake"]', "every entry must be a JSON object"),
    ('[{"name": "lake"}]', "an entry has no kind"),
    ('[{"name": "lake", "kind": "S3", "spark_conf": ["x"]}]', "connection 'lake': spark_conf is not a JSON object"),
])
def test_a_bad_connections_file_is_an_error_naming_it(tmp_path, content, message):
    path = tmp_path / "connections.json"
    path.write_text(content)
    with pytest.raises(ConnectionsError, match=message) as e:
        Platform.from_env({"ORCH_STACK_KIND": "local", "ORCH_CONNECTIONS_FILE": str(path)})
    assert str(path) in str(e.value)


@pytest.mark.parametrize("env,message", [
    ({}, "ORCH_STACK_KIND=''"),
    ({"ORCH_STACK_KIND": "yarn"}, "expected one of local, kubernetes"),
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


@pytest.mark.parametrize("message", ["x" * 5000, "é" * 5000, "\u2603" * 5000, "\x01" * 5000])
def test_a_result_fits_a_termination_message(message):
    # Kubernetes keeps 4096 bytes of /dev/termination-log; a document cut
    # there would not parse.
    text = result_json("user_error", 1, message)
    assert len(text.encode("utf-8")) <= RESULT_MAX_BYTES
    doc = json.loads(text)
    assert doc["outcome"] == "user_error" and message.startswith(doc["message"]) and len(doc["message"]) >= 500
