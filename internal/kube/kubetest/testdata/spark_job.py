"""A client-mode PySpark job for TestSparkOnKubernetes.

The driver runs in a pod of localhost/orchestera-spark:test and configures
Spark with the project's own runtime, as on a kubernetes stack: the platform
variables (ORCH_STACK_KIND=kubernetes, ORCH_NAMESPACE, ORCH_IMAGE,
ORCH_EXECUTOR_POD_TEMPLATE) give master k8s://https://kubernetes.default.svc
and the pod's ServiceAccount as credentials. Only what the loopback test node
needs is added. Two executors run as pods; the jobs shuffle and run Python
on the executors. The last line printed is RESULT followed by JSON.
"""

import json
import operator
import os
import time

import orchestera
from orchestera.platform import Platform
from orchestera.spark import build_conf

t0 = time.time()
conf = build_conf(
    Platform.from_env(),
    "kubetest-spark",
    executor_instances=2,
    executor_cores=1,
    executor_memory="512m",
    additional_spark_conf={
        # Images are imported into the node, never pulled.
        "spark.kubernetes.container.image.pullPolicy": "Never",
        "spark.kubernetes.executor.request.cores": "100m",
        "spark.driver.memory": "512m",
        # Executor pods are owned by this pod: deleting it deletes them.
        "spark.kubernetes.driver.pod.name": os.environ["POD_NAME"],
        # The node's pods share the host's network (hostNetwork) on 127.0.0.1:
        # - the driver and executors bind and advertise 127.0.0.1, never the
        #   host's other addresses;
        "spark.driver.host": "127.0.0.1",
        "spark.driver.bindAddress": "127.0.0.1",
        "spark.executorEnv.SPARK_LOCAL_IP": "127.0.0.1",
        # - a fixed block manager port would become a hostPort in the
        #   executor pods, and a second executor would never schedule;
        "spark.blockManager.port": "0",
        # - every executor reports host 127.0.0.1, so Spark would take the
        #   other executor's shuffle files for local ones and fail to open them.
        "spark.shuffle.readHostLocalDisk": "false",
        "spark.ui.enabled": "false",
        "spark.ui.showConsoleProgress": "false",
        # Start the jobs only once both executors have registered.
        "spark.scheduler.minRegisteredResourcesRatio": "1.0",
        "spark.scheduler.maxRegisteredResourcesWaitingTime": "240s",
    },
)

from pyspark.sql import SparkSession  # noqa: E402
from pyspark.sql import functions as F  # noqa: E402
from pyspark.sql import types as T  # noqa: E402

builder = SparkSession.builder
for key, value in conf.items():
    builder = builder.config(key, value)
spark = builder.getOrCreate()
sc = spark.sparkContext
t_session = time.time()

# Python workers on the executors.
count = sc.parallelize(range(1000), 8).map(lambda x: x * 2).count()
# A shuffle between the executors, with Python on both sides.
groups = dict(sc.parallelize(range(1000), 8).map(lambda x: (x % 10, 1)).reduceByKey(operator.add, 4).collect())


def where(_):
    import os

    import orchestera  # the runtime is in the image, so executors have it too

    return os.environ.get("SPARK_EXECUTOR_ID", ""), orchestera.__version__


ran_on = sorted(set(sc.parallelize(range(8), 8).map(where).collect()))
# A Python UDF and a DataFrame shuffle (groupBy).
double = F.udf(lambda v: v * 2, T.LongType())
rows = spark.range(1000).withColumn("d", double("id")).groupBy((F.col("id") % 10).alias("k")).agg(F.sum("d").alias("s"))
udf_sum = sum(r["s"] for r in rows.collect())
executors = sc._jsc.sc().getExecutorMemoryStatus().size() - 1  # less the driver
result = {
    "count": count,
    "groups": {str(k): v for k, v in sorted(groups.items())},
    "udf_sum": udf_sum,
    "executors": executors,
    "ran_on": ran_on,
    "orchestera": orchestera.__version__,
    "master": sc.master,
    "session_s": round(t_session - t0, 1),
    "jobs_s": round(time.time() - t_session, 1),
}
spark.stop()
print("RESULT " + json.dumps(result), flush=True)
