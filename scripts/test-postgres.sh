#!/usr/bin/env bash
# Throwaway PostgreSQL for the store's tests.
#
#   scripts/test-postgres.sh start   # prints the database URL, also in build/pg/url
#   scripts/test-postgres.sh stop
#
# The cluster trusts every local connection, listens on 127.0.0.1 only and
# runs with fsync off: it is for tests, never for data worth keeping.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
state="$root/build/pg"
url_file="$state/url"
db_name=orchestera_test

die() { echo "test-postgres: $*" >&2; exit 1; }

# PostgreSQL refuses to run as root, so as root every server-side command runs
# as the postgres system user; any other user runs them as itself. The cd
# keeps tools from complaining about an unreadable working directory (/root).
as_pg() {
	if [[ $EUID -eq 0 ]]; then
		(cd / && runuser -u postgres -- "$@")
	else
		(cd / && "$@")
	fi
}

pg_bin() {
	local d
	d="$(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V | tail -n 1)"
	[[ -n $d && -x $d/pg_ctl ]] && echo "$d"
}

# data_dir prints the cluster directory: build/pg/data normally. The server
# user must traverse every parent directory, and a unix socket path must fit
# in ~107 bytes; when the repo is somewhere that fails either (say under a
# 0700 home directory, or deeply nested), the cluster goes to /tmp instead,
# named after a hash of the repo path so checkouts do not share one.
data_dir() {
	local sock="$state/data/.s.PGSQL.65535"
	if ((${#sock} < 100)) && { [[ $EUID -ne 0 ]] || as_pg test -x "$state"; }; then
		echo "$state/data"
	else
		echo "/tmp/orchestera-pg-$(printf '%s' "$root" | sha256sum | cut -c1-12)"
	fi
}

running() { [[ -f $1/postmaster.pid ]] && as_pg "$bin/pg_ctl" status -D "$1" >/dev/null 2>&1; }

url_for() { echo "postgres://postgres@127.0.0.1:$1/$db_name?sslmode=disable"; }

free_port() {
	if command -v python3 >/dev/null; then
		python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
		return
	fi
	# No python3: a refused connection means nothing listens there.
	local p
	for ((p = 55432; p < 56432; p++)); do
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			echo "$p"
			return
		fi
	done
	die "no free port in 55432-56431"
}

start() {
	if ! bin="$(pg_bin)"; then
		# A fresh CI machine may lack PostgreSQL; Debian's package brings the newest.
		local sudo=()
		[[ $EUID -eq 0 ]] || sudo=(sudo)
		"${sudo[@]}" apt-get update -qq
		"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
		bin="$(pg_bin)" || die "postgresql installed but no /usr/lib/postgresql/*/bin/pg_ctl"
	fi
	mkdir -p "$state"
	local data
	data="$(data_dir)"

	if running "$data"; then
		# Already up: the URL file may be gone (a cleaned build/), so rebuild it
		# from the port the server recorded on line 4 of its pid file.
		[[ -f $url_file ]] || url_for "$(sed -n 4p "$data/postmaster.pid")" >"$url_file"
		cat "$url_file"
		return
	fi

	# Reuse a cluster left by an earlier start of the same major version;
	# anything else (half-initialised, another version) is thrown away.
	# The major version is the name of the directory above bin/.
	if [[ "$(cat "$data/PG_VERSION" 2>/dev/null)" != "$(basename "$(dirname "$bin")")" ]]; then
		rm -rf "$data"
		mkdir -p "$data"
		chmod 700 "$data"
		[[ $EUID -ne 0 ]] || chown postgres:postgres "$data"
		# --locale=C: minimal machines often have no other locale generated.
		as_pg "$bin/initdb" -D "$data" -A trust -U postgres -E UTF8 --locale=C >/dev/null
		# Durability settings only cost time in a cluster that is thrown away.
		cat <<-EOF | as_pg tee -a "$data/postgresql.conf" >/dev/null
			listen_addresses = '127.0.0.1'
			unix_socket_directories = '$data'
			fsync = off
			synchronous_commit = off
			full_page_writes = off
		EOF
	fi

	# The port is picked at each start: the one used last time may be taken.
	local port
	port="$(free_port)"
	rm -f "$url_file"
	as_pg "$bin/pg_ctl" start -w -t 60 -D "$data" -l "$data/server.log" -o "-p $port" >/dev/null ||
		{ tail -n 20 "$data/server.log" >&2 || true; die "PostgreSQL did not start"; }

	local exists
	exists="$(as_pg "$bin/psql" -h "$data" -p "$port" -U postgres -d postgres -Atc \
		"SELECT 1 FROM pg_database WHERE datname = '$db_name'")"
	[[ $exists == 1 ]] || as_pg "$bin/createdb" -h "$data" -p "$port" -U postgres "$db_name"

	url_for "$port" >"$url_file"
	cat "$url_file"
}

stop() {
	rm -f "$url_file"
	bin="$(pg_bin)" || return 0
	local data
	data="$(data_dir)"
	if running "$data"; then
		as_pg "$bin/pg_ctl" stop -w -m fast -D "$data" >/dev/null
	fi
}

case "${1:-}" in
start) start ;;
stop) stop ;;
*) die "usage: $0 start|stop" ;;
esac
