"""Orchestera's runtime for PySpark pipelines.

User code subclasses :class:`orchestera.entrypoints.SparkEntrypoint`, declares
typed arguments, and opens a Spark session with
:func:`orchestera.spark.spark_session`, which configures itself only from the
environment the platform sets, so the same code runs on a local stack and on
Kubernetes.
"""

__version__ = "0.1.0"
