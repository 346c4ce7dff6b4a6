#!/bin/bash
# Entrypoint of localhost/orchestera-spark:test.
#
# `executor` is what Spark's Kubernetes scheduler puts in the executor pods it
# creates: every setting arrives as an environment variable (SPARK_DRIVER_URL,
# SPARK_EXECUTOR_ID, SPARK_JAVA_OPT_0..N, ...), as with Spark's own image.
# Spark 3.5's KubernetesExecutorBackend takes no --podName argument (later
# Spark versions add it), so none is passed. Anything else runs as given, so
# a driver pod can run `python3 job.py`. tini reaps the Python workers and
# passes signals on, so a pod deletion stops the JVM cleanly.
set -euo pipefail

export SPARK_HOME JAVA_HOME PYSPARK_PYTHON
classpath="${SPARK_CLASSPATH:-}:$SPARK_HOME/jars/*"
[[ -z ${SPARK_EXTRA_CLASSPATH:-} ]] || classpath+=":$SPARK_EXTRA_CLASSPATH"

case "${1:-}" in
executor)
	# SPARK_JAVA_OPT_<n>, in the order of n.
	java_opts=()
	while IFS= read -r opt; do java_opts+=("$opt"); done < <(
		env | grep '^SPARK_JAVA_OPT_' | sort -t_ -k4 -n | sed 's/^[^=]*=//'
	)
	set -- "$JAVA_HOME/bin/java" "${java_opts[@]}" \
		-Xms"$SPARK_EXECUTOR_MEMORY" -Xmx"$SPARK_EXECUTOR_MEMORY" \
		-cp "$classpath:${SPARK_DIST_CLASSPATH:-}" \
		org.apache.spark.scheduler.cluster.k8s.KubernetesExecutorBackend \
		--driver-url "$SPARK_DRIVER_URL" \
		--executor-id "$SPARK_EXECUTOR_ID" \
		--cores "$SPARK_EXECUTOR_CORES" \
		--app-id "$SPARK_APPLICATION_ID" \
		--hostname "$SPARK_EXECUTOR_POD_IP" \
		--resourceProfileId "$SPARK_RESOURCE_PROFILE_ID"
	;;
"")
	echo "usage: executor | COMMAND [ARG...]" >&2
	exit 2
	;;
esac
exec /usr/bin/tini -s -- "$@"
