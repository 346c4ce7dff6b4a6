"""What the platform tells a run through its environment.

The platform sets these variables; user code never does. This module is the
only place that reads them (docs/runtime-contract.md lists each; the Go side
is internal/runenv), but for ORCH_CONNECTIONS_FILE, which orchestera-lib's
``orchestera.connections`` API reads by itself too.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass, field
from typing import Dict, List, Mapping, Optional

from orchestera.connections import Connection, load_connections

KINDS = ("local", "kubernetes")


class PlatformError(Exception):
    """The environment the platform set is missing or inconsistent."""


@dataclass(frozen=True)
class Platform:
    stack_kind: str
    namespace: str = "default"
    run_id: str = ""
    run_dir: str = ""
    image: str = ""
    executor_pod_template: str = ""
    secrets: List[str] = field(default_factory=list)
    connections: List[Connection] = field(default_factory=list)
    executor_instances: int = 1
    executor_cores: int = 1
    executor_memory: str = "1g"
    result_file: str = ""
    # Kubernetes: the driver pod's name; where executors reach the driver
    # (its headless service or its IP) and on which ports (empty: Spark
    # picks); the API server Spark asks for executors (empty: in-cluster).
    driver_pod_name: str = ""
    driver_host: str = ""
    driver_port: str = ""
    block_manager_port: str = ""
    kubernetes_master: str = ""

    @classmethod
    def from_env(cls, env: Optional[Mapping[str, str]] = None) -> "Platform":
        env = os.environ if env is None else env
        kind = env.get("ORCH_STACK_KIND", "")
        if kind not in KINDS:
            raise PlatformError(
                f"ORCH_STACK_KIND={kind!r}: expected one of {', '.join(KINDS)}; "
                "run pipelines through `orchestera run`, which sets it"
            )
        return cls(
            stack_kind=kind,
            namespace=env.get("ORCH_NAMESPACE", "default"),
            run_id=env.get("ORCH_RUN_ID", ""),
            run_dir=env.get("ORCH_RUN_DIR", ""),
            image=env.get("ORCH_IMAGE", ""),
            executor_pod_template=env.get("ORCH_EXECUTOR_POD_TEMPLATE", ""),
            secrets=[s for s in env.get("ORCH_SECRETS", "").split(",") if s],
            connections=_connections(env.get("ORCH_CONNECTIONS_FILE", "")),
            result_file=env.get("ORCH_RESULT_FILE", ""),
            driver_pod_name=env.get("ORCH_DRIVER_POD_NAME", ""),
            driver_host=env.get("ORCH_DRIVER_HOST", ""),
            driver_port=env.get("ORCH_DRIVER_PORT", ""),
            block_manager_port=env.get("ORCH_BLOCK_MANAGER_PORT", ""),
            kubernetes_master=env.get("ORCH_KUBERNETES_MASTER", ""),
            **sizing(env),
        )


def sizing(env: Optional[Mapping[str, str]] = None) -> Dict[str, object]:
    """The executor sizing the run was started with (orchestera run
    --executor-instances/--executor-cores/--executor-memory)."""
    env = os.environ if env is None else env
    return {
        "executor_instances": int(env.get("ORCH_EXECUTOR_INSTANCES", "1")),
        "executor_cores": int(env.get("ORCH_EXECUTOR_CORES", "1")),
        "executor_memory": env.get("ORCH_EXECUTOR_MEMORY", "1g"),
    }


def run_dir(env: Optional[Mapping[str, str]] = None) -> str:
    """The run's own writable directory, or the current one outside a run."""
    env = os.environ if env is None else env
    return env.get("ORCH_RUN_DIR", "") or "."


def project_archive(env: Optional[Mapping[str, str]] = None) -> str:
    """The gzip'd tar of the run's project directory, when the run was
    started with --project on a Kubernetes stack (orchestera.project)."""
    env = os.environ if env is None else env
    return env.get("ORCH_PROJECT_ARCHIVE", "")


def _connections(path: str) -> List[Connection]:
    # Unset: this run has no connections (local runs never read the
    # default mount). A missing file is none too: the mount is optional.
    return load_connections(path) if path else []


def secret(key: str, env: Optional[Mapping[str, str]] = None) -> str:
    """Returns a secret's value; secrets arrive as environment variables from
    the aliases the run was started with (--pull-secrets-from)."""
    env = os.environ if env is None else env
    if key not in env:
        pulled = env.get("ORCH_SECRETS", "") or "none"
        raise PlatformError(f"secret {key!r} is not set; this run pulled secrets from: {pulled}")
    return env[key]


#: The longest message a result carries; the platform shows it as the hint.
RESULT_MESSAGE_MAX = 1000
#: The most a result file may hold: Kubernetes keeps at most 4096 bytes of
#: /dev/termination-log as the container's termination message, and the
#: platform reads no more than that from a local run's result file either.
RESULT_MAX_BYTES = 4096


def result_json(outcome: str, exit_code: int, message: str) -> str:
    """The result document, its message cut so the whole fits in
    RESULT_MAX_BYTES of UTF-8 (a cut JSON document would not parse)."""
    message = message[:RESULT_MESSAGE_MAX]
    while True:
        text = json.dumps({"outcome": outcome, "exit_code": exit_code, "message": message}, ensure_ascii=False)
        if len(text.encode("utf-8")) <= RESULT_MAX_BYTES:
            return text
        message = message[: len(message) * 3 // 4]


def write_result(outcome: str, exit_code: int, message: str = "", env: Optional[Mapping[str, str]] = None) -> None:
    """Tells the platform how the run ended, so the reason never depends on
    the exit code alone: ``outcome`` is succeeded, invalid_arguments or
    user_error. A no-op outside the platform (no ORCH_RESULT_FILE)."""
    env = os.environ if env is None else env
    path = env.get("ORCH_RESULT_FILE", "")
    if not path:
        return
    try:
        with open(path, "w", encoding="utf-8") as f:
            f.write(result_json(outcome, exit_code, message))
    except OSError as e:
        print(f"orchestera: could not write the run's result to ORCH_RESULT_FILE {path}: {e}", file=sys.stderr)
