"""The Spark configuration of a run, from what the platform set.

Pure (no Spark needed), so both stack kinds are testable anywhere.
"""

from __future__ import annotations

import os
import re
from typing import Dict, Mapping, Optional, Sequence

from orchestera.connections import JDBC, ConnectionsError, find, spark_conf_for_connections
from orchestera.platform import Platform, PlatformError

_MEMORY = re.compile(r"^[1-9][0-9]*[kmgt]$")

#: The API server as a pod in the cluster reaches it.
IN_CLUSTER_MASTER = "k8s://https://kubernetes.default.svc"


def build_conf(
    platform: Platform,
    app_name: str,
    executor_instances: int = 1,
    executor_cores: int = 1,
    executor_memory: str = "1g",
    additional_spark_conf: Optional[Mapping[str, object]] = None,
    cpu_count: Optional[int] = None,
    py_files: Sequence[str] = (),
) -> Dict[str, str]:
    """Returns the Spark configuration for this platform and sizing:
    the stack's settings, then every S3 connection's, then
    ``additional_spark_conf``, which wins. ``py_files`` (the project's zip)
    go to the executors."""
    if executor_instances < 1 or executor_cores < 1:
        raise ValueError("executor_instances and executor_cores must be at least 1")
    if not _MEMORY.match(executor_memory.lower()):
        raise ValueError(f"executor_memory {executor_memory!r}: expected a size such as 512m or 2g")
    conf: Dict[str, str] = {
        "spark.app.name": app_name,
        "spark.ui.showConsoleProgress": "false",
    }
    if platform.stack_kind == "local":
        conf.update(_local(platform, executor_instances * executor_cores, executor_memory, cpu_count))
    else:
        conf.update(_kubernetes(platform, executor_instances, executor_cores, executor_memory))
    conf.update(spark_conf_for_connections(platform.connections))
    conf.update({k: str(v) for k, v in (additional_spark_conf or {}).items()})
    if py_files:
        given = conf.get("spark.submit.pyFiles", "")
        conf["spark.submit.pyFiles"] = ",".join(([given] if given else []) + list(py_files))
    return conf


def _local(platform: Platform, cores: int, memory: str, cpu_count: Optional[int]) -> Dict[str, str]:
    # One JVM plays driver and executors: give it the requested cores,
    # capped by the machine, and the requested executor memory.
    cores = min(cores, cpu_count or os.cpu_count() or 1)
    conf = {
        "spark.master": f"local[{cores}]",
        "spark.driver.memory": memory,
        "spark.sql.shuffle.partitions": str(max(2, cores * 2)),
        "spark.ui.enabled": "false",  # concurrent runs would fight over port 4040
    }
    if platform.run_dir:
        conf["spark.local.dir"] = os.path.join(platform.run_dir, "spark-tmp")
        conf["spark.sql.warehouse.dir"] = os.path.join(platform.run_dir, "spark-warehouse")
    return conf


def _kubernetes(platform: Platform, instances: int, cores: int, memory: str) -> Dict[str, str]:
    """Client mode: this process, in the driver pod, is the driver and asks
    the API server (with the pod's ServiceAccount) for executor pods. The
    executors get the pulled secrets and the connections mount from the
    pod template the platform wrote, not from Spark settings."""
    if not platform.image:
        raise PlatformError("ORCH_IMAGE is not set on a kubernetes stack")
    conf = {
        "spark.master": platform.kubernetes_master or IN_CLUSTER_MASTER,
        "spark.submit.deployMode": "client",
        "spark.kubernetes.namespace": platform.namespace,
        "spark.kubernetes.container.image": platform.image,
        "spark.executor.instances": str(instances),
        "spark.executor.cores": str(cores),
        "spark.executor.memory": memory,
        # Executors connect to ORCH_DRIVER_HOST, the driver pod's headless
        # service or its IP: listen on every address of the pod.
        "spark.driver.bindAddress": "0.0.0.0",
        # Pods that share a node's network (hostNetwork) would fight over 4040.
        "spark.ui.enabled": "false",
        # Executor pods stay when the session stops, so the platform keeps
        # their logs; they are owned by the driver pod and go with it.
        "spark.kubernetes.executor.deleteOnTermination": "false",
    }
    if platform.driver_host:
        conf["spark.driver.host"] = platform.driver_host
    # The ports behind the driver's service; the executors' own block
    # manager port stays Spark's.
    if platform.driver_port:
        conf["spark.driver.port"] = platform.driver_port
    if platform.block_manager_port:
        conf["spark.driver.blockManager.port"] = platform.block_manager_port
    if platform.driver_pod_name:
        # Executor pods are then owned by the driver pod: deleting it (or
        # the run ending) deletes them.
        conf["spark.kubernetes.driver.pod.name"] = platform.driver_pod_name
    if platform.executor_pod_template:
        conf["spark.kubernetes.executor.podTemplateFile"] = platform.executor_pod_template
    return conf


def jdbc_options(platform: Platform, name: str) -> Dict[str, str]:
    """Options for ``spark.read.format("jdbc")`` from the JDBC connection
    called ``name`` (url, driver, user, password)."""
    try:
        conn = find(platform.connections, name)
    except ConnectionsError as e:
        raise PlatformError(str(e)) from None
    if conn.kind != JDBC:
        raise PlatformError(f"connection {name!r} is {conn.kind}, not JDBC")
    return dict(conn.jdbc)
