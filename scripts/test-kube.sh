#!/usr/bin/env bash
# A throwaway Kubernetes cluster for tests, on loopback only.
#
#   scripts/test-kube.sh start [--node]  # build what is missing, start, wait
#   scripts/test-kube.sh stop            # stop everything, undo host changes
#   scripts/test-kube.sh status          # what runs; exit 1 when nothing
#   scripts/test-kube.sh build [--node]  # only build (make kube-env)
#   scripts/test-kube.sh kubectl ARG...  # kubectl on the cluster (built on first use)
#
# start runs etcd, kube-apiserver (https://127.0.0.1:443), the
# kube-controller-manager and the kube-scheduler; with --node also
# containerd, runc and a kubelet whose node is named 127.0.0.1, with the
# pause, busybox and Spark images imported. It writes build/kube/kubeconfig
# (a system:masters token) and build/kube/env, and prints the kubeconfig's
# path. Everything is built from pinned versions (scripts/kube/lib.sh) and
# cached under build/kube; see docs/testing-kubernetes.md.
#
# The network rule: every address the cluster uses is on 127.0.0.0/8. The
# node is 127.0.0.1, pods must use hostNetwork (there is no pod network), the
# service range is 127.0.0.0/24 so the kubernetes Service is 127.0.0.1:443 —
# where the apiserver itself listens — and pods' resolv.conf names
# 127.0.0.1. Port 443 and the kubelet's fixed host paths (/var/lib/kubelet,
# /var/log/containers) make this one cluster per machine.
set -euo pipefail
# shellcheck source=scripts/kube/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/kube/lib.sh"
# shellcheck source=scripts/kube/build.sh
source "$root/scripts/kube/build.sh"

APISERVER_PORT=${APISERVER_PORT:-443}
SERVICE_CIDR=127.0.0.0/24
NODE_NAME=127.0.0.1
# The sysctls the kubelet sets at start (it "tunes" the kernel); saved before
# and restored by stop.
KUBELET_SYSCTLS="vm.overcommit_memory vm.panic_on_oom kernel.panic kernel.panic_on_oops kernel.keys.root_maxkeys kernel.keys.root_maxbytes"
# Host paths used whatever the daemons are told: the kubelet's device-plugin
# socket directory and container-log symlinks, the shims' sockets
# (/run/containerd/s), util-linux mount's record of the kubelet's mounts.
# stop removes each one that start found missing.
HOST_PATHS="/var/lib/kubelet /var/log/containers /run/containerd /run/mount"

ready_timeout=${KUBE_READY_TIMEOUT:-120}

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

pid_of() { cat "$run_dir/$1.pid" 2>/dev/null || true; }
running() { alive "$(pid_of "$1")"; }

# daemon NAME LOG CMD...: start CMD in its own session (so a Ctrl-C meant for
# the tests does not reach it and stop decides the order things end in),
# with no inherited file descriptors, and record its pid.
daemon() {
	local name=$1 log=$2
	shift 2
	setsid "$@" </dev/null >"$log" 2>&1 &
	echo $! >"$run_dir/$name.pid"
}

# failing_log is the log of the daemon being waited for; on a failed start
# its tail is printed.
failing_log=""

# wait_until WHAT DAEMON CHECK...: poll CHECK every 0.1 s for ready_timeout
# seconds, failing early when DAEMON has exited.
wait_until() {
	local what=$1 name=$2 deadline
	shift 2
	deadline=$(($(now_ms) + ready_timeout * 1000))
	while ! "$@" >/dev/null 2>&1; do
		running "$name" || die "$name exited while waiting for $what"
		(($(now_ms) < deadline)) || die "$what: not ready after ${ready_timeout}s"
		sleep 0.1
	done
}

api() { # api PATH: GET from the apiserver with the admin token
	curl -fsS --max-time 5 --cacert "$run_dir/certs/apiserver.crt" \
		-H "Authorization: Bearer $(cat "$run_dir/token")" "https://127.0.0.1:$APISERVER_PORT$1"
}

node_ready() {
	api "/api/v1/nodes/$NODE_NAME" | python3 -c '
import json, sys
node = json.load(sys.stdin)
ready = any(c["type"] == "Ready" and c["status"] == "True" for c in node["status"].get("conditions", []))
# The node-lifecycle controller lifts this taint once the node is Ready;
# until then nothing schedules.
tainted = any(t["key"] == "node.kubernetes.io/not-ready" for t in node["spec"].get("taints", []))
sys.exit(0 if ready and not tainted else 1)'
}

check_port_free() { # check_port_free PORT WHAT
	local users
	users="$(ss -Htlnp "sport = :$1" 2>/dev/null || true)"
	[[ -z $users ]] || die "port $1 ($2) is taken; stop what listens there first:
$users"
}

# ---- control plane ----------------------------------------------------------
start_control_plane() {
	local t t0 etcd_port etcd_peer token
	t0=$(now_ms)
	check_port_free "$APISERVER_PORT" kube-apiserver
	mkdir -p "$run_dir/certs"
	etcd_port=$(free_port)
	etcd_peer=$(free_port)

	t=$(now_ms)
	failing_log="$run_dir/etcd.log"
	# --unsafe-no-fsync: a test cluster's data is thrown away; fsync on a
	# shared disk costs seconds.
	daemon etcd "$failing_log" "$bin_etcd/etcd" --name test --data-dir "$run_dir/etcd" \
		--listen-client-urls "http://127.0.0.1:$etcd_port" --advertise-client-urls "http://127.0.0.1:$etcd_port" \
		--listen-peer-urls "http://127.0.0.1:$etcd_peer" --initial-advertise-peer-urls "http://127.0.0.1:$etcd_peer" \
		--initial-cluster "test=http://127.0.0.1:$etcd_peer" --listen-metrics-urls="" \
		--unsafe-no-fsync --quota-backend-bytes=2147483648
	wait_until "etcd" etcd bash -c "curl -fsS http://127.0.0.1:$etcd_port/health | grep -q '\"health\":\"true\"'"
	say "etcd ready in $(since "$t")"

	t=$(now_ms)
	token="$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
	echo "$token" >"$run_dir/token"
	# One static token in system:masters (RBAC does not apply to it): the
	# tests' identity. Anything that checks permissions uses its own
	# ServiceAccount.
	echo "$token,test-admin,test-admin,system:masters" >"$run_dir/tokens.csv"
	openssl genrsa -out "$run_dir/sa.key" 2048 2>/dev/null
	openssl rsa -in "$run_dir/sa.key" -pubout -out "$run_dir/sa.pub" 2>/dev/null
	chmod 600 "$run_dir/token" "$run_dir/tokens.csv" "$run_dir/sa.key"
	failing_log="$run_dir/kube-apiserver.log"
	# The apiserver makes a self-signed serving certificate in --cert-dir for
	# 127.0.0.1 and kubernetes.default.svc. --endpoint-reconciler-type=none:
	# the kubernetes Service keeps no Endpoints (nothing routes Service IPs;
	# pods reach 127.0.0.1:443 directly), and the apiserver stops complaining
	# every 10 s that 127.0.0.1 cannot be advertised.
	daemon kube-apiserver "$failing_log" "$bin_k8s/kube-apiserver" \
		--etcd-servers="http://127.0.0.1:$etcd_port" \
		--bind-address=127.0.0.1 --advertise-address=127.0.0.1 --secure-port="$APISERVER_PORT" \
		--cert-dir="$run_dir/certs" \
		--token-auth-file="$run_dir/tokens.csv" \
		--authorization-mode=RBAC \
		--service-account-issuer=https://kubernetes.default.svc.cluster.local \
		--service-account-key-file="$run_dir/sa.pub" \
		--service-account-signing-key-file="$run_dir/sa.key" \
		--service-cluster-ip-range="$SERVICE_CIDR" \
		--allow-privileged=true \
		--endpoint-reconciler-type=none \
		--enable-priority-and-fairness=false \
		--profiling=false
	wait_until "kube-apiserver /readyz" kube-apiserver api /readyz
	say "kube-apiserver ready in $(since "$t")"
	write_kubeconfig

	t=$(now_ms)
	local kcm_port sched_port
	kcm_port=$(free_port)
	sched_port=$(free_port)
	failing_log="$run_dir/kube-controller-manager.log"
	# Only the controllers a test cluster needs: namespace deletion, garbage
	# collection (owner references), default ServiceAccounts and their tokens,
	# the node lifecycle (it lifts the node's not-ready taint), the
	# kube-root-ca.crt ConfigMap every projected token volume mounts, and the
	# aggregated ClusterRoles (admin, edit, view).
	daemon kube-controller-manager "$failing_log" "$bin_k8s/kube-controller-manager" \
		--kubeconfig="$kubeconfig" --leader-elect=false \
		--bind-address=127.0.0.1 --secure-port="$kcm_port" --cert-dir="$run_dir/kcm-certs" \
		--controllers=namespace,garbagecollector,serviceaccount,serviceaccount-token,nodelifecycle,root-ca-certificate-publisher-controller,clusterrole-aggregation-controller \
		--service-account-private-key-file="$run_dir/sa.key" --root-ca-file="$run_dir/certs/apiserver.crt" \
		--use-service-account-credentials=false
	failing_log="$run_dir/kube-scheduler.log"
	daemon kube-scheduler "$failing_log" "$bin_k8s/kube-scheduler" \
		--kubeconfig="$kubeconfig" --leader-elect=false \
		--bind-address=127.0.0.1 --secure-port="$sched_port" --cert-dir="$run_dir/sched-certs"
	failing_log="$run_dir/kube-controller-manager.log"
	wait_until "kube-controller-manager /healthz" kube-controller-manager curl -fsk "https://127.0.0.1:$kcm_port/healthz"
	failing_log="$run_dir/kube-scheduler.log"
	wait_until "kube-scheduler /healthz" kube-scheduler curl -fsk "https://127.0.0.1:$sched_port/healthz"
	say "kube-controller-manager and kube-scheduler ready in $(since "$t")"
	cat >"$run_dir/cp.env" <<-EOF
		APISERVER_PORT=$APISERVER_PORT
		ETCD_PORT=$etcd_port
		KUBE_CONTROLLER_MANAGER_PORT=$kcm_port
		KUBE_SCHEDULER_PORT=$sched_port
	EOF
	say "control plane ready in $(since "$t0")"
}

write_kubeconfig() {
	# The serving certificate file holds the certificate and, second, the
	# self-signed CA that issued it: as certificate-authority it verifies.
	cat >"$kubeconfig.tmp" <<-EOF
		apiVersion: v1
		kind: Config
		clusters:
		- name: test
		  cluster:
		    server: https://127.0.0.1:$APISERVER_PORT
		    certificate-authority-data: $(base64 -w0 "$run_dir/certs/apiserver.crt")
		users:
		- name: test-admin
		  user:
		    token: $(cat "$run_dir/token")
		contexts:
		- name: test
		  context: {cluster: test, user: test-admin}
		current-context: test
	EOF
	chmod 600 "$kubeconfig.tmp"
	mv "$kubeconfig.tmp" "$kubeconfig"
}

# ---- node -------------------------------------------------------------------
ctr_() { ctr -a "$node_dir/ctr/containerd.sock" -n k8s.io "$@"; }

write_containerd_config() {
	mkdir -p "$store_dir" "$node_dir/ctr/state" "$node_dir/cni/net.d" "$node_dir/cni/bin"
	# containerd reports the pod network ready once a CNI config loads. All
	# pods use hostNetwork, so this one is never run; it only lets the node
	# become Ready without a network plugin.
	echo '{"cniVersion":"0.4.0","name":"none","plugins":[{"type":"loopback"}]}' \
		>"$node_dir/cni/net.d/10-none.conflist"
	cat >"$node_dir/containerd.toml" <<-EOF
		version = 2
		# The image store outlives the cluster: an image whose manifest is
		# already there is not imported again.
		root = "$store_dir"
		state = "$node_dir/ctr/state"
		disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs",
		  "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.zfs",
		  "io.containerd.tracing.processor.v1.otlp", "io.containerd.internal.v1.tracing"]
		[grpc]
		  address = "$node_dir/ctr/containerd.sock"
		[ttrpc]
		  address = "$node_dir/ctr/containerd.sock.ttrpc"
		[debug]
		  address = "$node_dir/ctr/debug.sock"
		[metrics]
		  address = ""
		# Paths that default to the host's /opt and /run: kept in our tree. (The
		# v1 runtime is unused, but containerd 1.6's task service needs it.)
		[plugins."io.containerd.internal.v1.opt"]
		  path = "$node_dir/ctr/opt"
		[plugins."io.containerd.runtime.v1.linux"]
		  runtime_root = "$node_dir/ctr/runc-v1"
		[plugins."io.containerd.grpc.v1.cri"]
		  sandbox_image = "$PAUSE_IMAGE"
		  stream_server_address = "127.0.0.1"
		  stream_server_port = "0"
		  disable_apparmor = true
		  # Root here may lack CAP_SYS_RESOURCE: a negative oom_score_adj (the
		  # pause container asks for -998) then fails in runc init with "can't
		  # get final child's PID from pipe: EOF". Clamp it to containerd's own.
		  restrict_oom_score_adj = true
		  tolerate_missing_hugetlb_controller = true
		  netns_mounts_under_state_dir = true
		  [plugins."io.containerd.grpc.v1.cri".cni]
		    bin_dir = "$node_dir/cni/bin"
		    conf_dir = "$node_dir/cni/net.d"
		  [plugins."io.containerd.grpc.v1.cri".containerd]
		    snapshotter = "overlayfs"
		    default_runtime_name = "runc"
		    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
		      runtime_type = "io.containerd.runc.v2"
		      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
		        BinaryName = "$(command -v runc)"
		        Root = "$node_dir/ctr/runc"
		        SystemdCgroup = false
	EOF
}

import_images() {
	local archive name digest
	while IFS= read -r archive; do
		[[ -f $archive ]] || die "image archive $archive is missing (scripts/test-kube.sh build --node)"
		read -r name digest < <(python3 "$mkoci" inspect "$archive")
		if ctr_ images ls "name==$name" 2>/dev/null | awk 'NR > 1 {print $3}' | grep -qx "$digest"; then
			continue
		fi
		local t
		t=$(now_ms)
		ctr_ images import --snapshotter overlayfs "$archive" >/dev/null
		say "imported $name in $(since "$t")"
	done < <(image_archives)
}

# containerd's CRI plugin refers to each image a second time, by its ID
# (sha256:<config digest>). When an import replaces an image under the same
# name (a new runtime layer, a new base), the old one stays behind through
# that reference, layers and all. Drop the references to manifests that no
# named image uses any more; --sync waits for the garbage collection.
prune_images() {
	local keep ref digest
	keep="$(ctr_ images ls 2>/dev/null | awk 'NR > 1 && $1 !~ /^sha256:/ {print $3}')"
	ctr_ images ls 2>/dev/null | awk 'NR > 1 && $1 ~ /^sha256:/ {print $1, $3}' |
		while read -r ref digest; do
			grep -qxF "$digest" <<<"$keep" || ctr_ images rm --sync "$ref" >/dev/null
		done
}

start_node() {
	local t t0
	t0=$(now_ms)
	[[ $EUID -eq 0 ]] || die "the node (containerd, runc, kubelet) needs root: cgroups, mounts, sysctls"
	mkdir -p "$node_dir"
	# Remember what start changes on the host, before anything changes it.
	local s p
	if [[ ! -f $node_dir/sysctl.orig ]]; then
		for s in $KUBELET_SYSCTLS; do echo "$s=$(sysctl -n "$s")"; done >"$node_dir/sysctl.orig.tmp"
		mv "$node_dir/sysctl.orig.tmp" "$node_dir/sysctl.orig"
	fi
	if [[ ! -f $node_dir/created-paths ]]; then
		for p in $HOST_PATHS; do [[ -e $p ]] || echo "$p"; done >"$node_dir/created-paths"
	fi

	t=$(now_ms)
	write_containerd_config
	failing_log="$node_dir/containerd.log"
	daemon containerd "$failing_log" containerd --config "$node_dir/containerd.toml"
	wait_until "containerd" containerd ctr_ version
	say "containerd ready in $(since "$t")"
	t=$(now_ms)
	import_images
	prune_images
	say "images ready in $(since "$t")"

	t=$(now_ms)
	local port healthz
	port=$(free_port)
	healthz=$(free_port)
	mkdir -p "$node_dir/kubelet" "$node_dir/pod-logs" "$node_dir/volume-plugins"
	# Pods' DNS stays on loopback (no cluster DNS runs: names a pod needs,
	# such as kubernetes.default.svc, go in its hostAliases).
	echo "nameserver 127.0.0.1" >"$node_dir/resolv.conf"
	cat >"$node_dir/kubelet.yaml" <<-EOF
		apiVersion: kubelet.config.k8s.io/v1beta1
		kind: KubeletConfiguration
		address: 127.0.0.1
		port: $port
		readOnlyPort: 0
		healthzBindAddress: 127.0.0.1
		healthzPort: $healthz
		# The apiserver calls the kubelet (logs, exec) without a client
		# certificate; anonymous and allow-all, on loopback, for tests only.
		authentication: {anonymous: {enabled: true}, webhook: {enabled: false}, x509: {}}
		authorization: {mode: AlwaysAllow}
		cgroupDriver: cgroupfs
		failSwapOn: false
		containerRuntimeEndpoint: unix://$node_dir/ctr/containerd.sock
		podLogsDir: $node_dir/pod-logs
		volumePluginDir: $node_dir/volume-plugins
		resolvConf: $node_dir/resolv.conf
		# Imported images cannot be pulled again: never collect them.
		imageGCHighThresholdPercent: 100
		imageGCLowThresholdPercent: 99
		evictionHard: {memory.available: 100Mi, nodefs.available: 1%, imagefs.available: 1%, nodefs.inodesFree: 1%}
		nodeStatusReportFrequency: 10s
		nodeStatusUpdateFrequency: 5s
		syncFrequency: 10s
		fileCheckFrequency: 0s
		registerWithTaints: []
		serializeImagePulls: false
	EOF
	failing_log="$node_dir/kubelet.log"
	# --hostname-override=127.0.0.1 names the node 127.0.0.1 and makes that
	# its InternalIP, so hostNetwork pods get podIP 127.0.0.1 (left alone,
	# the kubelet picks eth0's address; --node-ip=127.0.0.1 is refused).
	# The node is a Spark node (dedicated=spark, what run pods select), not
	# tainted, so every other pod lands on it too.
	daemon kubelet "$failing_log" "$bin_k8s/kubelet" --config="$node_dir/kubelet.yaml" \
		--kubeconfig="$kubeconfig" --hostname-override="$NODE_NAME" --node-labels=dedicated=spark \
		--root-dir="$node_dir/kubelet" --cert-dir="$node_dir/kubelet/pki" --v=1
	wait_until "node $NODE_NAME Ready" kubelet node_ready
	say "kubelet ready, node $NODE_NAME Ready in $(since "$t")"
	printf 'KUBELET_PORT=%s\n' "$port" >"$run_dir/node.env"
	say "node ready in $(since "$t0")"
}

# Pods are refused until the namespace has its default ServiceAccount, and
# each mounts kube-root-ca.crt; the controller-manager makes both.
wait_default_namespace() {
	local t
	t=$(now_ms)
	failing_log="$run_dir/kube-controller-manager.log"
	wait_until "ServiceAccount default/default" kube-controller-manager api /api/v1/namespaces/default/serviceaccounts/default
	wait_until "ConfigMap default/kube-root-ca.crt" kube-controller-manager api /api/v1/namespaces/default/configmaps/kube-root-ca.crt
	say "namespace default ready in $(since "$t")"
}

write_env() {
	{
		cat "$run_dir/cp.env"
		echo "APISERVER_URL=https://127.0.0.1:$APISERVER_PORT"
		echo "KUBECONFIG=$kubeconfig"
		if [[ -f $run_dir/node.env ]]; then
			cat "$run_dir/node.env"
			echo "NODE=1"
			echo "NODE_NAME=$NODE_NAME"
		fi
	} >"$env_file.tmp"
	mv "$env_file.tmp" "$env_file"
}

control_plane_up() {
	running etcd && running kube-apiserver && running kube-controller-manager && running kube-scheduler &&
		[[ -f $run_dir/cp.env ]]
}
node_up() { running containerd && running kubelet && [[ -f $run_dir/node.env ]]; }

start() {
	local node=
	case "${1:-}" in
	"") ;;
	--node) node=1 ;;
	*) die "usage: $0 start [--node]" ;;
	esac
	if control_plane_up && { [[ -z $node ]] || node_up; }; then
		# Already up: print the same again (the kubeconfig is rewritten if
		# something removed it).
		[[ -f $kubeconfig ]] || write_kubeconfig
		write_env
		say "already running${node:+ (with node $NODE_NAME)}"
		echo "$kubeconfig"
		return
	fi
	if [[ $EUID -ne 0 ]]; then
		if [[ -n $node ]]; then
			die "start --node needs root (containerd, runc and the kubelet set up cgroups, mounts and sysctls, and the apiserver listens on port 443); run it as root"
		elif ((APISERVER_PORT < 1024)); then
			die "the apiserver listens on port $APISERVER_PORT, which needs root; run as root, or APISERVER_PORT=6443 $0 start for a control plane that pods cannot reach in-cluster"
		fi
	fi
	local t0
	t0=$(now_ms)
	# Fail before a long build, not after it.
	control_plane_up || check_port_free "$APISERVER_PORT" kube-apiserver
	"$root/scripts/kube/build.sh" ${node:+--node}

	started_cp=
	if ! control_plane_up; then
		# A cluster that died without stop left its state behind: clean it first.
		[[ ! -d $run_dir ]] || stop
		started_cp=1
	fi
	trap 'start_failed $?' EXIT
	trap 'exit 130' INT TERM
	mkdir -p "$run_dir"
	[[ -z $started_cp ]] || start_control_plane
	if [[ -n $node ]] && ! node_up; then
		# What is left of a node that died (containerd alive without its
		# kubelet, say) is cleaned first; the host changes it recorded are
		# undone before they are recorded again.
		[[ ! -d $node_dir ]] || stop_node
		start_node
	fi
	wait_default_namespace
	trap - EXIT INT TERM
	write_env
	say "cluster ready in $(since "$t0")${node:+ (with node $NODE_NAME)}"
	echo "$kubeconfig"
}

# started_cp is set when this start launched the control plane: a failure
# then stops everything, else only the node.
started_cp=
start_failed() {
	local rc=$1
	((rc != 0)) || return 0
	# Stop deletes the run directory: keep the daemons' logs for debugging.
	local logs="$kube_dir/failed-start-logs"
	rm -rf "$logs"
	mkdir -p "$logs"
	find "$run_dir" -maxdepth 2 -name '*.log' -exec cp {} "$logs/" \; 2>/dev/null
	if [[ -n $failing_log && -f $failing_log ]]; then
		echo "---- last lines of $failing_log" >&2
		tail -n 30 "$failing_log" >&2
		echo "----" >&2
	fi
	if rmdir "$logs" 2>/dev/null; then
		say "start failed; stopping what it started"
	else
		say "start failed; the daemons' logs are in $logs; stopping what it started"
	fi
	if [[ -n $started_cp ]]; then
		stop >/dev/null 2>&1 || true
	else
		stop_node >/dev/null 2>&1 || true
		rm -f "$run_dir/node.env"
	fi
	exit "$rc"
}

# ---- stop -------------------------------------------------------------------
# stop_pid NAME: SIGTERM, up to 10 s to exit, then SIGKILL.
stop_pid() {
	local pid i
	pid="$(pid_of "$1")"
	if alive "$pid"; then
		kill "$pid" 2>/dev/null
		for ((i = 0; i < 100; i++)); do
			alive "$pid" || break
			sleep 0.1
		done
		alive "$pid" && kill -9 "$pid" 2>/dev/null
	fi
	rm -f "$run_dir/$1.pid"
}

# The kubelet's cgroups (kubepods) in every hierarchy; containerd's own, if any.
kube_cgroups() {
	local h
	for h in /sys/fs/cgroup/*/kubepods /sys/fs/cgroup/kubepods /sys/fs/cgroup/*/k8s.io; do
		[[ -d $h ]] && echo "$h"
	done
	return 0
}

# Runs in a subshell without -e: it goes on past each failure.
stop_node() (
	set +e
	[[ -d $node_dir ]] || return 0
	local i
	# The kubelet first, so that it restarts nothing; then every container
	# and sandbox through containerd; then containerd.
	stop_pid kubelet
	if running containerd && ctr_ version >/dev/null 2>&1; then
		local id st left
		for id in $(ctr_ tasks ls -q 2>/dev/null); do ctr_ tasks kill -s SIGKILL "$id" >/dev/null 2>&1; done
		# containerd's CRI plugin deletes each task once it has exited;
		# delete any it leaves stopped, and wait until none is left.
		for ((i = 0; i < 100; i++)); do
			left="$(ctr_ tasks ls 2>/dev/null | awk 'NR > 1 {print $1, $3}')"
			[[ -n $left ]] || break
			while read -r id st; do
				[[ $st != STOPPED ]] || ctr_ tasks delete "$id" >/dev/null 2>&1
			done <<<"$left"
			sleep 0.1
		done
		for id in $(ctr_ containers ls -q 2>/dev/null); do ctr_ containers rm "$id" >/dev/null 2>&1; done
	fi
	stop_pid containerd
	# Shims whose containerd is gone: each names our socket on its command line.
	local p pid
	for p in /proc/[0-9]*; do
		pid=${p#/proc/}
		tr '\0' ' ' 2>/dev/null <"$p/cmdline" | grep -q -- "-address $node_dir/ctr/containerd.sock " || continue
		kill -9 "$pid" 2>/dev/null
	done
	# Any process still in the kubelet's cgroups is a container's: kill it,
	# then remove the cgroups, leaves first.
	local cg f
	for cg in $(kube_cgroups); do
		for f in $(find "$cg" -name cgroup.procs 2>/dev/null); do
			while IFS= read -r pid; do kill -9 "$pid" 2>/dev/null; done <"$f"
		done
	done
	for cg in $(kube_cgroups); do
		for ((i = 0; i < 50; i++)); do
			find "$cg" -depth -type d -exec rmdir {} + 2>/dev/null
			[[ -d $cg ]] || break
			sleep 0.1
		done
	done
	# Container root filesystems, sandbox /dev/shm, secret and token tmpfs.
	umount_tree "$run_dir"
	# The sysctls the kubelet set.
	if [[ -f $node_dir/sysctl.orig ]]; then
		local kv
		while IFS= read -r kv; do sysctl -q -w "$kv" >/dev/null; done <"$node_dir/sysctl.orig"
	fi
	# Host paths that start found missing; in one that existed, only the
	# symlinks the kubelet made to our pods' logs.
	local l
	for l in /var/log/containers/*.log; do
		[[ -L $l ]] && [[ "$(readlink "$l")" == "$node_dir"/* ]] && rm -f "$l"
	done
	if [[ -f $node_dir/created-paths ]]; then
		while IFS= read -r p; do [[ -z $p ]] || rm -rf "$p"; done <"$node_dir/created-paths"
	fi
	# Per-cluster records of the CRI plugin in the kept store.
	rm -rf "$store_dir/io.containerd.grpc.v1.cri/sandboxes" "$store_dir/io.containerd.grpc.v1.cri/containers"
	rm -rf "$node_dir"
)

stop() (
	set +e
	rm -f "$env_file" "$kubeconfig"
	[[ -d $run_dir ]] || return 0
	local t t1
	t=$(now_ms)
	if [[ -d $node_dir ]]; then
		stop_node
		say "node stopped in $(since "$t")"
	fi
	t1=$(now_ms)
	local c
	for c in kube-scheduler kube-controller-manager kube-apiserver etcd; do stop_pid "$c"; done
	umount_tree "$kube_dir"
	rm -rf "$run_dir"
	say "control plane stopped in $(since "$t1"); stopped in $(since "$t")"
	return 0
)

status() {
	local c up=
	for c in etcd kube-apiserver kube-controller-manager kube-scheduler containerd kubelet; do
		if running "$c"; then
			printf '%-24s running (pid %s)\n' "$c" "$(pid_of "$c")"
			up=1
		elif [[ -f $run_dir/$c.pid ]]; then
			printf '%-24s exited\n' "$c"
		fi
	done
	[[ -n $up ]] || { echo "not running"; return 1; }
	[[ ! -f $env_file ]] || cat "$env_file"
}

case "${1:-}" in
start) start "${@:2}" ;;
stop) stop ;;
status) status ;;
build) "$root/scripts/kube/build.sh" "${@:2}" ;;
kubectl)
	# For looking around by hand; built on first use (not needed by tests).
	build_kubernetes kubectl >&2
	KUBECONFIG="$kubeconfig" exec "$bin_k8s/kubectl" "${@:2}"
	;;
*) die "usage: $0 start [--node] | stop | status | build [--node] | kubectl ARG..." ;;
esac
