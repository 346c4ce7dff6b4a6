package runenv

// The variables only Kubernetes runs get: what the driver's Spark session
// needs to start executors that reach it, set by the platform through the
// downward API.
const (
	DriverPodName    = "ORCH_DRIVER_POD_NAME" // executors are owned by this pod
	DriverHost       = "ORCH_DRIVER_HOST"     // where executors reach the driver: its headless service, or its IP
	DriverPort       = "ORCH_DRIVER_PORT"     // the ports behind the service (absent: Spark picks)
	BlockManagerPort = "ORCH_BLOCK_MANAGER_PORT"
	KubernetesMaster = "ORCH_KUBERNETES_MASTER"
	ProjectArchive   = "ORCH_PROJECT_ARCHIVE" // the packed project (tar.gz), when the run shipped one
	// KubernetesStack is ORCH_STACK_KIND's value on aws-eks and attached
	// stacks alike.
	KubernetesStack = "kubernetes"
)
