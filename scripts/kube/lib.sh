# shellcheck shell=bash
# Shared by scripts/test-kube.sh and scripts/kube/build.sh: the pinned
# versions, the layout under build/kube, and small helpers. Sourced, never run.

# ---- pinned versions -------------------------------------------------------
# Kubernetes and etcd are built from their Go modules (the Go module proxy);
# the proxy's version lists hide some of these, but an exact version resolves.
KUBE_VERSION=v1.34.3
ETCD_VERSION=v3.6.16
# The Spark image: a Debian root filesystem plus pyspark from PyPI.
DEBIAN_SUITE=bookworm
JAVA_PKG=openjdk-17-jre-headless
JAVA_HOME_IN_IMAGE=/usr/lib/jvm/java-17-openjdk-amd64
SPARK_IMAGE_PKGS="$JAVA_PKG python3 tini procps bash"
PYSPARK_VERSION=3.5.7
PY4J_VERSION=0.10.9.7
# Build tools in the helper venv that installs Python packages into images.
PIP_VERSION=25.3
SETUPTOOLS_VERSION=80.9.0
WHEEL_VERSION=0.45.1

# Image names as pods refer to them (imagePullPolicy: Never).
PAUSE_IMAGE=localhost/pause:local
BUSYBOX_IMAGE=localhost/busybox:local
SPARK_IMAGE=localhost/orchestera-spark:test

# ---- layout ----------------------------------------------------------------
# Everything is under build/kube (gitignored). Build outputs are keyed by
# version, so a second start reuses them; run/ is one cluster's state and is
# deleted by stop; store/ is containerd's image store, kept so images are not
# re-imported at every start.
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
kube_dir="$root/build/kube"
bin_k8s="$kube_dir/bin/kubernetes-$KUBE_VERSION"
bin_etcd="$kube_dir/bin/etcd-$ETCD_VERSION"
src_dir="$kube_dir/src"
images_dir="$kube_dir/images"
layers_dir="$kube_dir/layers"
wheels_dir="$kube_dir/wheels"
tools_venv="$kube_dir/tools-venv"
store_dir="$kube_dir/store"
run_dir="$kube_dir/run"
node_dir="$run_dir/node"
kubeconfig="$kube_dir/kubeconfig"
env_file="$kube_dir/env"
mkoci="$root/scripts/kube/mkoci.py"

K8S_CMDS=(kube-apiserver kube-controller-manager kube-scheduler kubelet)

# ---- helpers ---------------------------------------------------------------
die() { echo "test-kube: $*" >&2; exit 1; }
say() { echo "test-kube: $*" >&2; }

now_ms() { date +%s%3N; }
# since T0_MS: seconds since a now_ms reading, with one decimal.
since() { local d=$(($(now_ms) - $1)); printf '%d.%ds' $((d / 1000)) $(((d % 1000) / 100)); }

# need_debs PKG...: install the Debian packages that are missing (as root);
# otherwise fail naming them.
need_debs() {
	local missing=() p
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
	done
	((${#missing[@]})) || return 0
	[[ $EUID -eq 0 ]] || die "needs the Debian packages ${missing[*]}: run as root, or apt-get install ${missing[*]}"
	local t
	t=$(now_ms)
	say "apt-get install ${missing[*]}"
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
	say "installed ${missing[*]} in $(since "$t")"
}

# alive PID: the process exists and is not a zombie (a killed daemon whose
# parent has not reaped it yet stays visible for a moment as state Z).
alive() { [[ -n ${1:-} && -e /proc/$1 ]] && [[ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" != Z ]]; }
