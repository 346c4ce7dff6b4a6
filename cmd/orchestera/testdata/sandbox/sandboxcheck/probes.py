"""Pipelines that probe the sandbox from inside a run (cmd/orchestera tests).

None needs Spark: they look at what a run can see and do.
"""

import os
import subprocess
import sys
import time

from orchestera.entrypoints import Argument, SparkEntrypoint
from orchestera.platform import run_dir, secret

# Built here so that this file, read by a search, never holds the mark.
MARK = "orch" + "canary"


class Snoop(SparkEntrypoint):
    """Looks for the mark in everything it can read: its environment, every
    /proc/*/environ and /proc/*/cmdline, the data directory, another run's
    directory. A control file in its own directory proves the search works."""

    home = Argument(str, required=True, help="the server's data directory")
    other_run = Argument(str, required=True, help="another run's directory")

    def run(self):
        found, read = [], 0
        for k, v in os.environ.items():
            if MARK in k or MARK in v:
                found.append(f"env {k}")
        pids = [p for p in os.listdir("/proc") if p.isdigit()]
        for pid in pids:
            for name in ("environ", "cmdline"):
                try:
                    with open(f"/proc/{pid}/{name}", "rb") as f:
                        data = f.read()
                except OSError:
                    continue
                read += 1
                if MARK.encode() in data:
                    found.append(f"/proc/{pid}/{name}")
                if name == "cmdline":
                    print("CMDLINE", pid, data.replace(b"\0", b" ")[:120].decode(errors="replace"))
        with open(os.path.join(run_dir(), "control.txt"), "w") as f:
            f.write(MARK + "-control")
        denied = []
        for top in (self.home, self.other_run, run_dir()):
            for dirpath, _, files in os.walk(top, onerror=lambda e: denied.append(e.filename)):
                for name in files:
                    path = os.path.join(dirpath, name)
                    try:
                        with open(path, "rb") as f:
                            data = f.read(64 << 20)
                    except OSError:
                        denied.append(path)
                        continue
                    read += 1
                    if MARK.encode() in data:
                        found.append(path)
        print(f"uid={os.getuid()} gid={os.getgid()} groups={os.getgroups()}")
        print(f"pidns={os.readlink('/proc/self/ns/pid')}")
        print(f"procs={len(pids)}")
        print(f"read={read}")
        for d in denied:
            print("DENIED", d)
        for f in found:
            print("FOUND", f)


class Daemon(SparkEntrypoint):
    """Starts a child in a session of its own and a double-forked, setsid
    grandchild, waits until both run, then returns: the run succeeds."""

    def run(self):
        marker = "orchestera-e2e-daemon-" + os.environ["ORCH_RUN_ID"]
        subprocess.Popen(["bash", "-c", f"exec -a {marker} sleep 600"], start_new_session=True,
                         stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        pid = os.fork()
        if pid == 0:
            os.setsid()
            if os.fork() == 0:
                os.execvp("bash", ["bash", "-c", f"exec -a {marker}-orphan sleep 600"])
            os._exit(0)
        os.waitpid(pid, 0)
        while not all(self._running(m) for m in (marker, marker + "-orphan")):
            time.sleep(0.01)  # poll for the condition
        print("daemons started", flush=True)

    @staticmethod
    def _running(marker):
        for pid in filter(str.isdigit, os.listdir("/proc")):
            try:
                with open(f"/proc/{pid}/cmdline", "rb") as f:
                    if f.read().split(b"\0")[0] == marker.encode():
                        return True
            except OSError:
                pass
        return False


class Exit(SparkEntrypoint):
    """Calls sys.exit with its argument."""

    code = Argument(int, required=True)

    def run(self):
        print(f"exiting with {self.code}", flush=True)
        sys.exit(self.code)


class UsesSecret(SparkEntrypoint):
    """Says whether a pulled secret is there, never its value."""

    key = Argument(str, required=True)

    def run(self):
        print(f"secret {self.key}: {len(secret(self.key))} characters")
