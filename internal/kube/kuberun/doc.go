// Package kuberun runs pipelines on Kubernetes stacks (aws-eks and
// attached): each run is a driver pod in its namespace running the
// runtime's entrypoint from the user's image, as the namespace's spark
// account, on the Spark nodes; the driver's Spark session starts the
// executors as pods from the run's pod template, owned by the driver so
// they go with it. Beside the driver: a headless service for the executors
// to reach it, and a ConfigMap with the pod template and the packed
// project, both owned by the driver too.
//
// The executor follows drivers through a watch (an informer per stack),
// not by polling: each change of a driver pod is reconciled with its run.
// Failures are typed from the pod's status (image_pull, config_error, oom,
// spot_interrupted, unschedulable, user_error, platform_error), each with
// a hint. The driver's log streams into the platform's log store while it
// runs, and the driver's and every executor's logs are copied there when
// it ends; pods are deleted after a time to live, never before their logs
// are kept. Everything is found by labels, so a restarted server picks up
// where it was: pending runs start, live ones are followed again.
package kuberun
