"""A Spark session configured only from what the platform set.

``build_conf`` is pure (no Spark needed) so both stack kinds are testable;
``spark_session`` applies it and stops the session on exit.
"""

from __future__ import annotations

import contextlib
import os
import re
from typing import Dict, Iterator, Optional

from orchestera.platform import Platform, PlatformError, sizing

_MEMORY = re.compile(r"^[1-9][0-9]*[kmgt]$")


def build_conf(
    platform: Platform,
    app_name: str,
    executor_instances: int = 1,
    executor_cores: int = 1,
    executor_memory: str = "1g",
    additional_spark_conf: Optional[Dict[str, str]] = None,
    cpu_count: Optional[int] = None,
) -> Dict[str, str]:
    """Returns the Spark configuration for this platform and sizing."""
    if executor_instances < 1 or executor_cores < 1:
        raise ValueError("executor_instances and executor_cores must be at least 1")
    if not _MEMORY.match(executor_memory.lower()):
        raise ValueError(f"executor_memory {executor_memory!r}: expected a size such as 512m or 2g")
    conf: Dict[str, str] = {"spark.app.name": app_name}
    if platform.stack_kind == "local":
        # One JVM plays driver and executors: give it the requested cores,
        # capped by the machine, and the requested executor memory.
        cores = min(executor_instances * executor_cores, cpu_count or os.cpu_count() or 1)
        conf.update({
            "spark.master": f"local[{cores}]",
            "spark.driver.memory": executor_memory,
            "spark.sql.shuffle.partitions": str(max(2, cores * 2)),
            "spark.ui.enabled": "false",  # concurrent runs would fight over port 4040
            "spark.ui.showConsoleProgress": "false",
        })
        if platform.run_dir:
            conf["spark.local.dir"] = os.path.join(platform.run_dir, "spark-tmp")
            conf["spark.sql.warehouse.dir"] = os.path.join(platform.run_dir, "spark-warehouse")
    else:
        if not platform.image:
            raise PlatformError("ORCH_IMAGE is not set on a kubernetes stack")
        conf.update({
            "spark.master": "k8s://https://kubernetes.default.svc",
            "spark.submit.deployMode": "client",
            "spark.kubernetes.namespace": platform.namespace,
            "spark.kubernetes.container.image": platform.image,
            "spark.executor.instances": str(executor_instances),
            "spark.executor.cores": str(executor_cores),
            "spark.executor.memory": executor_memory,
        })
        if platform.executor_pod_template:
            conf["spark.kubernetes.executor.podTemplateFile"] = platform.executor_pod_template
        for alias in platform.secrets:
            # Each secret alias is a Kubernetes Secret of the same name; its
            # keys become environment variables of the executors too.
            conf[f"spark.kubernetes.executor.secrets.{alias}"] = f"/etc/orchestera/secrets/{alias}"
    conf.update(_connection_conf(platform))
    conf.update({k: str(v) for k, v in (additional_spark_conf or {}).items()})
    return conf


def _connection_conf(platform: Platform) -> Dict[str, str]:
    """S3 settings of the connections file become s3a configuration. JDBC
    connections are read by user code with jdbc_options(); nothing to set."""
    conf: Dict[str, str] = {}
    s3 = platform.connections.get("s3")
    if s3:
        mapping = {"endpoint": "endpoint", "region": "endpoint.region", "path_style_access": "path.style.access"}
        for key, suffix in mapping.items():
            if key in s3:
                conf[f"spark.hadoop.fs.s3a.{suffix}"] = str(s3[key]).lower() if isinstance(s3[key], bool) else str(s3[key])
        for key, suffix in (("access_key_env", "access.key"), ("secret_key_env", "secret.key")):
            if key in s3:
                conf[f"spark.hadoop.fs.s3a.{suffix}"] = os.environ.get(s3[key], "")
    return conf


def jdbc_options(platform: Platform, name: str) -> Dict[str, str]:
    """Options for spark.read.format("jdbc") from a named JDBC connection;
    the password comes from the environment variable it names."""
    conn = platform.connections.get(name)
    if not conn or conn.get("type") != "jdbc":
        raise PlatformError(f"no JDBC connection named {name!r} in the connections file")
    opts = {"url": conn["url"]}
    if "user" in conn:
        opts["user"] = conn["user"]
    if "password_env" in conn:
        opts["password"] = os.environ.get(conn["password_env"], "")
    if "driver" in conn:
        opts["driver"] = conn["driver"]
    return opts


platform_sizing = sizing  # the name earlier releases exported


@contextlib.contextmanager
def spark_session(
    app_name: str,
    executor_instances: Optional[int] = None,
    executor_cores: Optional[int] = None,
    executor_memory: Optional[str] = None,
    additional_spark_conf: Optional[Dict[str, str]] = None,
) -> Iterator["pyspark.sql.SparkSession"]:  # noqa: F821
    """Opens a Spark session for the platform the run is on and stops it on
    exit, also when the body raises. Sizes left as None come from the run's
    flags, so operators can resize a job without changing its code."""
    from pyspark.sql import SparkSession  # imported here: arguments are checked without Spark

    platform = Platform.from_env()
    conf = build_conf(
        platform, app_name,
        executor_instances if executor_instances is not None else platform.executor_instances,
        executor_cores if executor_cores is not None else platform.executor_cores,
        executor_memory if executor_memory is not None else platform.executor_memory,
        additional_spark_conf,
    )
    builder = SparkSession.builder
    for key, value in conf.items():
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("WARN")
    try:
        yield session
    finally:
        session.stop()
