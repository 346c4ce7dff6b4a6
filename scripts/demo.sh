#!/usr/bin/env bash
# The demo: start `orchestera server` in local mode on a free port with a
# fresh home, run the hello-world pipeline on the local stack through
# `orchestera run`, show where its outputs are, stop the server. Exits 0 only
# if the run succeeded.
set -euo pipefail
bin="${1:?usage: demo.sh path/to/orchestera path/to/python}"
python="${2:?usage: demo.sh path/to/orchestera path/to/python}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
home="$(mktemp -d "${TMPDIR:-/tmp}/orchestera-demo.XXXXXX")"
log="$home/server.log"
export ORCHESTERA_HOME="$home"
unset ORCHESTERA_SERVER ORCHESTERA_TOKEN

"$bin" server --listen 127.0.0.1:0 --log-format text --python "$python" 2>"$log" &
pid=$!
trap 'kill -TERM "$pid" 2>/dev/null && wait "$pid" || true' EXIT

# Local mode writes the client config once it listens.
for _ in $(seq 1 200); do
	[[ -s "$home/config.json" ]] && break
	kill -0 "$pid" 2>/dev/null || { echo "the server exited:" >&2; cat "$log" >&2; exit 1; }
	sleep 0.05
done
[[ -s "$home/config.json" ]] || { echo "the server did not start within 10s:" >&2; cat "$log" >&2; exit 1; }
url="$(sed -n 's/.*"server": "\(.*\)".*/\1/p' "$home/config.json")"

echo "== orchestera server is running in local mode at $url (home $home)"
echo "\$ orchestera whoami"
"$bin" whoami
echo
echo "\$ orchestera run --stack local --namespace default --classpath example.spark.application.HelloWorld --application-name hello --project examples/hello-world"
status=0
"$bin" run --stack local --namespace default \
	--classpath example.spark.application.HelloWorld --application-name hello \
	--project "$root/examples/hello-world" || status=$?
echo
"$bin" runs list
run_id="$("$bin" runs list --limit 1 -o json | sed -n 's/.*"id": "\(run_[a-z0-9]*\)".*/\1/p' | head -1)"
echo
if [[ $status -ne 0 ]]; then
	echo "== the run failed (exit $status); server log: $log" >&2
	exit "$status"
fi
echo "== run $run_id succeeded"
echo "   outputs: $(echo "$home"/runs/*/"$run_id")/work/output/ (by_city_csv: CSV, by_city_parquet: Parquet)"
echo "   logs:    ORCHESTERA_HOME=$home orchestera runs logs $run_id   (kept after the run)"
echo "   the server at $url stops now; the home directory stays for you to look at"
