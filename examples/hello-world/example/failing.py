"""Pipelines that fail on purpose, for tests and for trying error output."""

import time

from orchestera.entrypoints import Argument, SparkEntrypoint
from orchestera.spark import spark_session


class Boom(SparkEntrypoint):
    """Raises inside run() after Spark started: a user error."""

    def run(self):
        with spark_session(app_name=self.application_name) as spark:
            spark.range(3).count()
            raise ValueError("boom: the input had no rows for 2026-11-29")


class NeedsArgs(SparkEntrypoint):
    """Has a required argument; run without it fails before Spark starts."""

    date = Argument(str, required=True, help="the day to process")
    limit = Argument(int, default=10)

    def run(self):
        print(f"processing {self.date}, limit {self.limit}")


class Sleeper(SparkEntrypoint):
    """Starts Spark, says so, then waits: for cancel, timeout and restart tests."""

    seconds = Argument(float, default=60.0)

    def run(self):
        with spark_session(app_name=self.application_name) as spark:
            spark.range(10).count()
            print("sleeper: spark is up", flush=True)
            time.sleep(self.seconds)
            print("sleeper: done", flush=True)
