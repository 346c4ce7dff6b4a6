"""A pipeline written for orchestera-lib, unchanged: word counts over
reviews, with every word pseudonymised on the executors under a secret key.

    orchestera run --classpath lib_style.application.ReviewWords --application-name review-words \
      --project examples/orchestera-lib-style --pull-secrets-from pseudonyms
"""

import logging
import os
import sys

from pyspark.sql import functions as F
from pyspark.sql import types as T

from orchestera.connections import load_connections
from orchestera.entrypoints.base_entrypoint import StringArg
from orchestera.entrypoints.sparklith_entrypoint import SparklithEntryPoint
from orchestera.spark.session import OrchesteraSparkSession

from lib_style import text

logging.basicConfig(level=logging.INFO)
logger = logging.getLogger(__name__)

DEFAULT_INPUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "reviews.txt")


class ReviewWords(SparklithEntryPoint):

    application_name = StringArg(required=True, tooltip="Name of the application")
    input_path = StringArg(required=False, tooltip="a text file of reviews, one a line (default: the sample in data/)")
    key_variable = StringArg(required=False, tooltip=f"the variable holding the pseudonymisation key (default {text.KEY_VARIABLE})")

    def run(self):
        """Code entrypoint"""
        key_variable = self.key_variable or text.KEY_VARIABLE
        if key_variable not in os.environ:
            sys.exit(f"{key_variable} is not set: pull the secret that holds it (--pull-secrets-from)")
        # The file is the driver's; the executors get its lines as rows.
        with open(self.input_path or DEFAULT_INPUT, encoding="utf-8") as f:
            reviews = [line.strip() for line in f if line.strip()]

        with OrchesteraSparkSession(
            app_name=self.application_name,
            executor_instances=2,
            executor_cores=1,
            executor_memory="512m",
            additional_spark_conf={"spark.sql.shuffle.partitions": 4},
        ) as spark:
            logger.info("Spark %s, master %s", spark.version, spark.sparkContext.master)
            split = F.udf(text.words, T.ArrayType(T.StringType()))
            pseudonym = F.udf(lambda w: text.pseudonym(w, key_variable), T.StringType())
            worker = F.udf(text.worker, T.StringType())
            words = (spark.createDataFrame([(r,) for r in reviews], ["review"]).repartition(4)
                     .select(F.explode(split("review")).alias("word"))
                     .select("word", pseudonym("word").alias("pseudonym"), worker().alias("worker")))
            counts = words.groupBy("word", "pseudonym").count().orderBy(F.desc("count"), "word").collect()
            workers = sorted(r["worker"] for r in words.select("worker").distinct().collect())

            total = sum(r["count"] for r in counts)
            print(f"review-words: {len(reviews)} reviews, {total} words, {len(counts)} distinct")
            print("top words: " + " ".join(f"{r['word']}={r['count']}" for r in counts[:3]))
            print("pseudonym of 'spark': " + next(r["pseudonym"] for r in counts if r["word"] == "spark"))
            print("UDF ran on: " + ",".join(workers))
            print("connections: " + (", ".join(describe(c, spark) for c in load_connections()) or "none"))


def describe(connection, spark):
    """A connection's name and kind and, for S3, how many of its settings
    the session has: never their values, which are credentials."""
    if connection.kind != "S3":
        return f"{connection.name} ({connection.kind})"
    applied = sum(spark.conf.get(k, None) == v for k, v in connection.spark_conf.items())
    return f"{connection.name} (S3, {applied} of {len(connection.spark_conf)} settings on the session)"
