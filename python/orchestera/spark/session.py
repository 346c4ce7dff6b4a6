"""A Spark session configured only from what the platform set.

``spark_session`` is the runtime's own; ``OrchesteraSparkSession`` is
orchestera-lib's name and signature for the same thing
(docs/moving-from-orchestera-lib.md).
"""

from __future__ import annotations

import contextlib
import dataclasses
from typing import Dict, Iterator, Mapping, Optional

from orchestera import project
from orchestera.connections import load_connections
from orchestera.platform import Platform, sizing
from orchestera.spark.conf import build_conf, jdbc_options

__all__ = ["OrchesteraSparkSession", "build_conf", "jdbc_options", "platform_sizing", "spark_session"]

platform_sizing = sizing  # the name earlier releases exported


@contextlib.contextmanager
def _session(
    platform: Platform,
    app_name: str,
    executor_instances: Optional[int],
    executor_cores: Optional[int],
    executor_memory: Optional[str],
    additional_spark_conf: Optional[Mapping[str, object]],
) -> Iterator["pyspark.sql.SparkSession"]:  # noqa: F821
    from pyspark.sql import SparkSession  # imported here: arguments are checked without Spark

    shipped = project.prepare()
    conf = build_conf(
        platform, app_name,
        executor_instances if executor_instances is not None else platform.executor_instances,
        executor_cores if executor_cores is not None else platform.executor_cores,
        executor_memory if executor_memory is not None else platform.executor_memory,
        additional_spark_conf,
        py_files=[shipped.zip] if shipped else (),
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
    with _session(Platform.from_env(), app_name, executor_instances, executor_cores, executor_memory,
                  additional_spark_conf) as session:
        yield session


class OrchesteraSparkSession:
    """orchestera-lib's session, on this runtime: ``with
    OrchesteraSparkSession(app_name=..., executor_instances=...) as spark``
    yields a SparkSession for the stack the run is on and stops it on exit.

    ``spark_jars_packages`` becomes ``spark.jars.packages``; later releases
    of orchestera-lib added ``executor_image`` (the executors' image instead
    of the run's), ``connections_file`` (read instead of
    ORCH_CONNECTIONS_FILE) and ``event_log_dir`` (Spark's event log there),
    honoured too. Sizes left as None come from the run's flags.
    """

    def __init__(
        self,
        app_name: str,
        executor_instances: Optional[int] = None,
        executor_cores: Optional[int] = None,
        executor_memory: Optional[str] = None,
        spark_jars_packages: Optional[str] = None,
        additional_spark_conf: Optional[Mapping[str, object]] = None,
        *,
        executor_image: Optional[str] = None,
        connections_file: Optional[str] = None,
        event_log_dir: Optional[str] = None,
    ) -> None:
        self.app_name = app_name
        self.executor_instances = executor_instances
        self.executor_cores = executor_cores
        self.executor_memory = executor_memory
        self.spark_jars_packages = spark_jars_packages
        self.additional_spark_conf = dict(additional_spark_conf or {})
        self.executor_image = executor_image
        self.connections_file = connections_file
        self.event_log_dir = event_log_dir
        self.spark = None
        self._cm = None

    def platform(self) -> Platform:
        platform = Platform.from_env()
        if self.connections_file:
            platform = dataclasses.replace(platform, connections=load_connections(self.connections_file))
        if self.executor_image and platform.stack_kind == "kubernetes":
            platform = dataclasses.replace(platform, image=self.executor_image)
        return platform

    def extra_conf(self) -> Dict[str, object]:
        """``additional_spark_conf`` and what the other arguments add to it."""
        conf = dict(self.additional_spark_conf)
        if self.event_log_dir:
            conf.update({"spark.eventLog.enabled": "true", "spark.eventLog.dir": self.event_log_dir})
        if self.spark_jars_packages:
            conf["spark.jars.packages"] = self.spark_jars_packages
        return conf

    def __enter__(self) -> "pyspark.sql.SparkSession":  # noqa: F821
        self._cm = _session(self.platform(), self.app_name, self.executor_instances, self.executor_cores,
                            self.executor_memory, self.extra_conf())
        self.spark = self._cm.__enter__()
        return self.spark

    def __exit__(self, exc_type, exc, tb) -> None:
        cm, self._cm, self.spark = self._cm, None, None
        if cm is not None:
            cm.__exit__(exc_type, exc, tb)
