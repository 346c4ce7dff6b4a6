#!/usr/bin/env bash
# Builds what the test cluster needs, each piece only when its versioned
# output under build/kube is missing:
#
#   scripts/kube/build.sh             # control plane: etcd, kube-apiserver,
#                                     # kube-controller-manager, kube-scheduler
#   scripts/kube/build.sh --node      # also the kubelet, containerd and runc,
#                                     # and the pause, busybox and Spark images
#
# Sources: Kubernetes and etcd from their Go modules through the Go module
# proxy; containerd, runc and the image root filesystems from Debian's
# packages; pyspark and py4j from PyPI. No Docker, no image registry.
# scripts/test-kube.sh start runs this first; `make kube-env` runs it alone.
set -euo pipefail
# shellcheck source=scripts/kube/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# ---- Kubernetes ------------------------------------------------------------
# `go install k8s.io/kubernetes/cmd/...@version` does not work: the
# kubernetes module replaces its k8s.io/* libraries with ./staging/...
# directories that only exist in its git tree. So a throwaway main module
# requires k8s.io/kubernetes and replaces each of those libraries with its
# published twin (v1.34.3 -> v0.34.3), then builds the commands from it.
build_kubernetes() {
	local want=("$@") missing=() c
	for c in "${want[@]}"; do [[ -x $bin_k8s/$c ]] || missing+=("$c"); done
	((${#missing[@]})) || return 0
	command -v go >/dev/null || die "building Kubernetes needs Go (https://go.dev/doc/install)"
	local t mod="$src_dir/kubernetes-$KUBE_VERSION" staging="v0.${KUBE_VERSION#v1.}"
	t=$(now_ms)
	say "building ${missing[*]} $KUBE_VERSION from the Go module proxy (cold: ~10 min on 2 cores)"
	mkdir -p "$mod"
	local kmod goversion
	go mod download -json "k8s.io/kubernetes@$KUBE_VERSION" >/dev/null
	kmod="$(go env GOMODCACHE)/cache/download/k8s.io/kubernetes/@v/$KUBE_VERSION.mod"
	goversion="$(awk '$1 == "go" {print $2; exit}' "$kmod")"
	{
		echo "module kubernetesbuild"
		echo
		echo "go $goversion"
		echo
		# Kubernetes sets its GODEBUG defaults with a godebug line; only the
		# main module's counts, so it is repeated here.
		echo "godebug default=go${goversion%.*}"
		echo
		echo "require k8s.io/kubernetes $KUBE_VERSION"
		echo
		echo "replace ("
		sed -n '/^replace (/,/^)/p' "$kmod" |
			awk -v v="$staging" '$2 == "=>" && $3 ~ /^\.\/staging\// {print "\t" $1 " => " $1 " " v}'
		echo ")"
	} >"$mod/go.mod"
	{
		echo "//go:build tools"
		echo
		echo "// Package kubernetesbuild only names the commands to build."
		echo "package kubernetesbuild"
		echo
		echo "import ("
		for c in "${K8S_CMDS[@]}" kubectl; do echo "	_ \"k8s.io/kubernetes/cmd/$c\""; done
		echo ")"
	} >"$mod/tools.go"
	(cd "$mod" && go mod tidy)
	local minor ldflags out="$bin_k8s.tmp" pkgs=()
	minor="$(echo "$KUBE_VERSION" | cut -d. -f2)"
	# The version the binaries report (and the apiserver's /version) comes
	# from these variables; a build outside Kubernetes' git tree leaves them
	# empty otherwise.
	ldflags="-s -w -X k8s.io/component-base/version.gitVersion=$KUBE_VERSION"
	ldflags+=" -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$minor"
	ldflags+=" -X k8s.io/component-base/version.gitTreeState=clean"
	for c in "${missing[@]}"; do pkgs+=("k8s.io/kubernetes/cmd/$c"); done
	mkdir -p "$out"
	(cd "$mod" && CGO_ENABLED=0 go build -trimpath -ldflags="$ldflags" -o "$out/" "${pkgs[@]}")
	mkdir -p "$bin_k8s"
	for c in "${missing[@]}"; do mv "$out/$c" "$bin_k8s/$c"; done
	rmdir "$out"
	say "built ${missing[*]} $KUBE_VERSION in $(since "$t") ($(du -sh "$bin_k8s" | cut -f1))"
}

# ---- etcd ------------------------------------------------------------------
# Debian's etcd is 3.4, whose watch Spark's Kubernetes client trips over;
# 3.6 is built from go.etcd.io/etcd/server/v3, again through a throwaway main
# module because that module's own go.mod has replace directives.
build_etcd() {
	[[ -x $bin_etcd/etcd ]] && return 0
	command -v go >/dev/null || die "building etcd needs Go (https://go.dev/doc/install)"
	local t mod="$src_dir/etcd-$ETCD_VERSION"
	t=$(now_ms)
	say "building etcd $ETCD_VERSION from the Go module proxy"
	mkdir -p "$mod" "$bin_etcd"
	cat >"$mod/go.mod" <<-EOF
		module etcdbuild

		go 1.24

		require go.etcd.io/etcd/server/v3 $ETCD_VERSION
	EOF
	cat >"$mod/tools.go" <<-'EOF'
		//go:build tools

		// Package etcdbuild only names the command to build.
		package etcdbuild

		import _ "go.etcd.io/etcd/server/v3"
	EOF
	(cd "$mod" && go mod tidy &&
		CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o "$bin_etcd/etcd.tmp" go.etcd.io/etcd/server/v3)
	mv "$bin_etcd/etcd.tmp" "$bin_etcd/etcd"
	say "built etcd $ETCD_VERSION in $(since "$t")"
}

# ---- the node's programs ---------------------------------------------------
# containerd 1.6 and runc 1.1 are Debian's; they are run by hand with a config
# of our own (test-kube.sh), never as the system's service.
build_node_tools() {
	need_debs containerd runc
	command -v ctr >/dev/null || die "containerd is installed but ctr is not on PATH"
}

# ---- images ------------------------------------------------------------------
# Every image is an OCI archive under build/kube/images, named by what it is
# built from; test-kube.sh imports each into containerd unless the store
# already holds that manifest.

# The sandbox ("pause") image: Kubernetes' own pause.c from the kubernetes
# module, linked statically so the image holds one file.
build_pause() {
	local out="$images_dir/pause-$KUBE_VERSION.tar"
	[[ -f $out ]] && return 0
	need_debs gcc libc6-dev
	local t kdir tmp
	t=$(now_ms)
	kdir="$(go mod download -json "k8s.io/kubernetes@$KUBE_VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
	[[ -f $kdir/build/pause/linux/pause.c ]] || die "no build/pause/linux/pause.c in k8s.io/kubernetes@$KUBE_VERSION"
	tmp="$(mktemp -d "$kube_dir/tmp.pause.XXXXXX")"
	mkdir -p "$tmp/root"
	gcc -Os -static -DVERSION="$KUBE_VERSION-orchestera" -o "$tmp/root/pause" "$kdir/build/pause/linux/pause.c"
	strip "$tmp/root/pause"
	mkdir -p "$images_dir"
	python3 "$mkoci" image "$out" "$PAUSE_IMAGE" --layer "$tmp/root" --entrypoint '["/pause"]'
	rm -rf "$tmp"
	say "pause image in $(since "$t")"
}

# A small image for plain pods: Debian's statically linked busybox, with a
# symlink per applet. Keyed by the package's Debian version.
build_busybox() {
	compgen -G "$images_dir/busybox-*.tar" >/dev/null && return 0
	local t tmp deb version
	t=$(now_ms)
	tmp="$(mktemp -d "$kube_dir/tmp.busybox.XXXXXX")"
	# apt-get download fetches the .deb without installing it; on a machine
	# whose package lists were never fetched it needs an update first.
	if ! (cd "$tmp" && apt-get download -qq busybox-static 2>/dev/null); then
		[[ $EUID -eq 0 ]] || die "apt-get download busybox-static failed (run apt-get update as root)"
		apt-get update -qq
		(cd "$tmp" && apt-get download -qq busybox-static)
	fi
	deb="$(echo "$tmp"/busybox-static_*.deb)"
	version="$(dpkg-deb -f "$deb" Version)"
	dpkg-deb -x "$deb" "$tmp/x"
	local r="$tmp/root" applet
	mkdir -p "$r/bin" "$r/etc" "$r/tmp" "$r/proc" "$r/sys" "$r/dev" "$r/root"
	chmod 1777 "$r/tmp"
	cp "$tmp/x/bin/busybox" "$r/bin/busybox"
	for applet in $("$r/bin/busybox" --list); do
		[[ -e $r/bin/$applet ]] || ln -s busybox "$r/bin/$applet"
	done
	echo 'root:x:0:0:root:/root:/bin/sh' >"$r/etc/passwd"
	echo 'root:x:0:' >"$r/etc/group"
	mkdir -p "$images_dir"
	python3 "$mkoci" image "$images_dir/busybox-${version//[^A-Za-z0-9.+-]/_}.tar" "$BUSYBOX_IMAGE" \
		--layer "$r" --cmd '["/bin/sh"]'
	rm -rf "$tmp"
	say "busybox image ($version) in $(since "$t")"
}

# The helper venv whose pip builds and installs Python packages into image
# root filesystems (pip --target), at pinned versions of pip and setuptools.
tools_python() {
	if [[ ! -x $tools_venv/.ready ]]; then
		if ! python3 -c 'import ensurepip, venv' 2>/dev/null; then
			need_debs python3-venv
		fi
		rm -rf "$tools_venv"
		python3 -m venv "$tools_venv"
		"$tools_venv/bin/python" -m pip install -q --disable-pip-version-check \
			"pip==$PIP_VERSION" "setuptools==$SETUPTOOLS_VERSION" "wheel==$WHEEL_VERSION"
		install -m 0755 /dev/null "$tools_venv/.ready"
	fi
	echo "$tools_venv/bin/python"
}

# The Spark image has two layers. The base layer is big (~700 MB: Debian,
# Java, Python, pyspark's jars) and keyed by the Debian suite, the packages
# and the pyspark and py4j versions; the runtime layer is small (the
# entrypoint and python/orchestera) and keyed by a hash of its sources, so
# editing the runtime rebuilds only that layer and containerd unpacks only it.
spark_base_key() {
	local pkgs
	pkgs="$(printf '%s' "$SPARK_IMAGE_PKGS" | sha256sum | cut -c1-8)"
	echo "spark-base-$DEBIAN_SUITE-$JAVA_PKG-pyspark$PYSPARK_VERSION-py4j$PY4J_VERSION-$pkgs"
}

runtime_hash() {
	(
		cd "$root"
		{
			find python/orchestera -type f -name '*.py' -print
			echo python/pyproject.toml
			echo scripts/kube/spark-entrypoint.sh
		} | LC_ALL=C sort | while IFS= read -r f; do
			printf '%s\n' "$f"
			sha256sum <"$f"
		done
	) | sha256sum | cut -c1-12
}

debian_mirror() {
	if [[ -n ${DEBIAN_MIRROR:-} ]]; then
		echo "$DEBIAN_MIRROR"
		return
	fi
	# The host's own mirror for the suite, as apt knows it.
	local m
	m="$(apt-cache policy 2>/dev/null | awk -v s="$DEBIAN_SUITE/main" '$3 == s && $2 ~ /^https?:/ {print $2; exit}')"
	echo "${m:-http://deb.debian.org/debian}"
}

build_spark_base() {
	local key layer
	key="$(spark_base_key)"
	layer="$layers_dir/$key.tar"
	[[ -f $layer && -f $layer.json && -f $layer.python ]] && return 0
	[[ $EUID -eq 0 ]] || die "building the Spark image needs root (debootstrap, chroot)"
	need_debs debootstrap
	local t t1 r="$src_dir/spark-rootfs" mirror py
	t=$(now_ms)
	mirror="$(debian_mirror)"
	say "building the Spark base layer: debootstrap $DEBIAN_SUITE from $mirror, then $SPARK_IMAGE_PKGS"
	umount_tree "$r"
	rm -rf "$r"
	mkdir -p "$r"
	# debootstrap mounts /proc and /sys in the target with util-linux's mount,
	# which creates /run/mount to record them; remove it again if it was not
	# there before.
	local run_mount=1
	[[ -e /run/mount ]] || run_mount=
	local ok=1
	debootstrap --variant=minbase "$DEBIAN_SUITE" "$r" "$mirror" >"$src_dir/debootstrap.log" 2>&1 || ok=
	[[ -n $run_mount ]] || rmdir /run/mount 2>/dev/null || true
	[[ -n $ok ]] || { tail -n 20 "$src_dir/debootstrap.log" >&2; die "debootstrap failed (log: $src_dir/debootstrap.log)"; }
	say "  debootstrap $(since "$t")"
	t1=$(now_ms)
	# apt in the chroot needs /proc and a resolver; daemons must not start.
	cp /etc/resolv.conf "$r/etc/resolv.conf"
	# -n: no record in /run/mount/utab (which would create /run/mount).
	mount -n -t proc proc "$r/proc"
	printf '#!/bin/sh\nexit 101\n' >"$r/usr/sbin/policy-rc.d"
	chmod 0755 "$r/usr/sbin/policy-rc.d"
	# Java's postinst links man pages into directories minbase does not have.
	mkdir -p "$r/usr/share/man/man1"
	# shellcheck disable=SC2086
	if ! chroot "$r" /usr/bin/env DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -q --no-install-recommends $SPARK_IMAGE_PKGS >"$src_dir/apt.log" 2>&1; then
		umount -n "$r/proc"
		tail -n 20 "$src_dir/apt.log" >&2
		die "apt-get install in the image failed (log: $src_dir/apt.log)"
	fi
	chroot "$r" apt-get clean
	umount -n "$r/proc"
	rm -f "$r/usr/sbin/policy-rc.d"
	: >"$r/etc/resolv.conf"
	rm -rf "$r"/var/lib/apt/lists/* "$r"/var/cache/apt/* "$r"/var/log/*.log "$r"/var/log/apt/* \
		"$r"/usr/share/doc/* "$r"/usr/share/man/* "$r"/usr/share/locale/* "$r"/usr/share/info/*
	say "  apt-get install $(since "$t1")"
	[[ -x $r$JAVA_HOME_IN_IMAGE/bin/java ]] || die "no Java at $JAVA_HOME_IN_IMAGE in the image"
	t1=$(now_ms)
	# pyspark and py4j are pure Python: pip on the host builds the wheels
	# once (pyspark only ships a source archive) and installs them into the
	# image's dist-packages, for the image's Python minor version.
	py="$(chroot "$r" python3 -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
	local tools_py
	tools_py="$(tools_python)"
	mkdir -p "$wheels_dir"
	if ! compgen -G "$wheels_dir/pyspark-$PYSPARK_VERSION-*.whl" >/dev/null ||
		! compgen -G "$wheels_dir/py4j-$PY4J_VERSION-*.whl" >/dev/null; then
		"$tools_py" -m pip wheel -q --disable-pip-version-check --no-deps --no-build-isolation \
			-w "$wheels_dir" "pyspark==$PYSPARK_VERSION" "py4j==$PY4J_VERSION"
	fi
	"$tools_py" -m pip install -q --disable-pip-version-check --no-deps --no-compile \
		--target "$r/usr/local/lib/python$py/dist-packages" \
		"$wheels_dir"/pyspark-"$PYSPARK_VERSION"-*.whl "$wheels_dir"/py4j-"$PY4J_VERSION"-*.whl
	say "  pyspark $PYSPARK_VERSION, py4j $PY4J_VERSION $(since "$t1")"
	mkdir -p "$layers_dir"
	rm -f "$layers_dir"/spark-base-*.tar "$layers_dir"/spark-base-*.tar.*
	python3 "$mkoci" layer "$r" "$layer"
	echo "$py" >"$layer.python"
	rm -rf "$r"
	say "Spark base layer in $(since "$t") ($(du -h "$layer" | cut -f1))"
}

# The notebook layer: Jupyter (notebook, ipykernel and everything they
# need, pinned in notebook-requirements.txt) for the image's Python, from
# PyPI's binary wheels; keyed by a hash of that file.
notebook_key() {
	echo "notebook-$(sha256sum <"$root/scripts/kube/notebook-requirements.txt" | cut -c1-12)"
}

build_notebook_layer() {
	local base="$1" key layer py t tools_py tmp
	key="$(notebook_key)"
	layer="$layers_dir/$key.tar"
	[[ -f $layer ]] && return 0
	t=$(now_ms)
	py="$(cat "$base.python")"
	tools_py="$(tools_python)"
	tmp="$(mktemp -d "$kube_dir/tmp.notebook.XXXXXX")"
	"$tools_py" -m pip install -q --disable-pip-version-check --no-deps --no-compile --only-binary=:all: \
		--python-version "$py" --implementation cp --abi "cp${py/./}" --platform manylinux2014_x86_64 \
		--platform manylinux_2_17_x86_64 --platform manylinux_2_28_x86_64 --platform any \
		--target "$tmp/usr/local/lib/python$py/dist-packages" -r "$root/scripts/kube/notebook-requirements.txt"
	rm -f "$layers_dir"/notebook-*.tar
	python3 "$mkoci" layer "$tmp" "$layer"
	rm -rf "$tmp"
	say "notebook layer (Jupyter) in $(since "$t") ($(du -h "$layer" | cut -f1))"
}

build_spark() {
	build_spark_base
	local base key out notebook
	base="$layers_dir/$(spark_base_key).tar"
	build_notebook_layer "$base"
	notebook="$layers_dir/$(notebook_key).tar"
	key="$(runtime_hash)"
	out="$images_dir/orchestera-spark-$key.tar"
	# The archive name holds only the runtime hash; the lower layers' keys
	# are recorded beside it, so a new one also makes a new archive.
	[[ -f $out && "$(cat "$out.base" 2>/dev/null)" == "$(spark_base_key) $(notebook_key)" ]] && return 0
	local t tmp py tools_py spark_home
	t=$(now_ms)
	py="$(cat "$base.python")"
	spark_home="/usr/local/lib/python$py/dist-packages/pyspark"
	tmp="$(mktemp -d "$kube_dir/tmp.runtime.XXXXXX")"
	mkdir -p "$tmp/layer/opt" "$tmp/src"
	install -m 0755 "$root/scripts/kube/spark-entrypoint.sh" "$tmp/layer/opt/entrypoint.sh"
	# The runtime is installed from a copy, so the build leaves nothing in
	# python/ (egg-info, build/).
	cp -r "$root/python/pyproject.toml" "$root/python/orchestera" "$tmp/src/"
	find "$tmp/src" -name __pycache__ -prune -exec rm -rf {} +
	tools_py="$(tools_python)"
	"$tools_py" -m pip install -q --disable-pip-version-check --no-deps --no-build-isolation --no-compile \
		--target "$tmp/layer/usr/local/lib/python$py/dist-packages" "$tmp/src"
	mkdir -p "$images_dir"
	rm -f "$images_dir"/orchestera-spark-*.tar "$images_dir"/orchestera-spark-*.tar.base
	python3 "$mkoci" image "$out" "$SPARK_IMAGE" --layer "$base" --layer "$notebook" --layer "$tmp/layer" \
		--entrypoint '["/opt/entrypoint.sh"]' --workdir /opt \
		--env "SPARK_HOME=$spark_home" --env "JAVA_HOME=$JAVA_HOME_IN_IMAGE" \
		--env PYSPARK_PYTHON=python3 --env PYTHONUNBUFFERED=1
	echo "$(spark_base_key) $(notebook_key)" >"$out.base"
	rm -rf "$tmp"
	say "Spark image (runtime $key) in $(since "$t")"
}

# umount_tree DIR: unmount everything mounted at or below DIR, deepest first.
umount_tree() {
	local d="$1" m
	[[ -n $d ]] || return 0
	awk -v d="$d" '$2 == d || index($2, d "/") == 1 {print $2}' /proc/self/mounts | sort -r |
		while IFS= read -r m; do umount -n "$m" 2>/dev/null || umount -n -l "$m"; done
}

build_images() {
	mkdir -p "$kube_dir"
	build_pause
	build_busybox
	build_spark
}

# image_archives: the archives test-kube.sh imports, one a line.
image_archives() {
	echo "$images_dir/pause-$KUBE_VERSION.tar"
	compgen -G "$images_dir/busybox-*.tar" | tail -n 1
	echo "$images_dir/orchestera-spark-$(runtime_hash).tar"
}

usage() { die "usage: $0 [--node]"; }

main() {
	local node=
	case "${1:-}" in
	"") ;;
	--node) node=1 ;;
	*) usage ;;
	esac
	if [[ -n $node && $EUID -ne 0 ]]; then
		die "the Kubernetes test node needs root: debootstrap and chroot build the Spark image, containerd, runc and the kubelet set up cgroups, mounts and sysctls, and the apiserver listens on port 443. Run this (or make test) as root, as CI does; without a node: scripts/test-kube.sh build"
	fi
	local t
	t=$(now_ms)
	# Scratch directories of a build that failed half-way.
	trap 'umount_tree "$src_dir"; rm -rf "$kube_dir"/tmp.*' EXIT
	need_debs curl openssl iproute2
	if [[ -n $node ]]; then
		build_kubernetes "${K8S_CMDS[@]}"
	else
		build_kubernetes kube-apiserver kube-controller-manager kube-scheduler
	fi
	build_etcd
	if [[ -n $node ]]; then
		build_node_tools
		build_images
	fi
	say "build ready in $(since "$t")"
}

if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
	main "$@"
fi
