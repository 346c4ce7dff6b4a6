"""The Spark session factory."""

from orchestera.spark.session import build_conf, spark_session

__all__ = ["build_conf", "spark_session"]
