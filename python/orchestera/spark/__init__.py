"""The Spark session factory."""

from orchestera.spark.conf import build_conf
from orchestera.spark.session import OrchesteraSparkSession, spark_session

__all__ = ["OrchesteraSparkSession", "build_conf", "spark_session"]
