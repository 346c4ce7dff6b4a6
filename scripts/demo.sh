#!/usr/bin/env bash
# The demo: start `orchestera server` in local mode on a free port with a
# fresh home, use it from the CLI with no login, print the URL, stop it.
set -euo pipefail
bin="${1:?usage: demo.sh path/to/orchestera}"
home="$(mktemp -d "${TMPDIR:-/tmp}/orchestera-demo.XXXXXX")"
log="$home/server.log"
export ORCHESTERA_HOME="$home"
unset ORCHESTERA_SERVER ORCHESTERA_TOKEN

"$bin" server --listen 127.0.0.1:0 --log-format text 2>"$log" &
pid=$!
stop() {
	kill -TERM "$pid" 2>/dev/null && wait "$pid" || true
	rm -rf "$home"
}
trap stop EXIT

# Local mode writes the client config once it listens.
for _ in $(seq 1 200); do
	[[ -s "$home/config.json" ]] && break
	kill -0 "$pid" 2>/dev/null || { echo "the server exited:" >&2; cat "$log" >&2; exit 1; }
	sleep 0.05
done
[[ -s "$home/config.json" ]] || { echo "the server did not start within 10s:" >&2; cat "$log" >&2; exit 1; }
url="$(sed -n 's/.*"server": "\(.*\)".*/\1/p' "$home/config.json")"

echo "== orchestera server is running in local mode at $url"
echo
echo "\$ orchestera whoami"
"$bin" whoami
echo
echo "\$ orchestera tokens list"
"$bin" tokens list
echo
echo "== stopping the server (SIGTERM)"
kill -TERM "$pid"
wait "$pid"
trap 'rm -rf "$home"' EXIT
echo "== demo finished: the server at $url stopped cleanly"
