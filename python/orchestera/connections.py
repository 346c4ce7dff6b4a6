"""The namespace's connections: S3 buckets and JDBC databases.

The platform keeps them in the namespace's ``orchestera-connections`` Secret
and mounts its ``connections.json`` read-only (``ORCH_CONNECTIONS_FILE``; the
Go side is internal/runenv/connections.go). The file is a JSON array, one
object per connection::

    [{"name": "lake", "kind": "S3", "region": "eu-west-1", "network_mode": "PUBLIC",
      "spark_conf": {"spark.hadoop.fs.s3a.bucket.lake.endpoint.region": "eu-west-1"}},
     {"name": "warehouse", "kind": "JDBC", "jdbc": {"url": "jdbc:postgresql://db/wh", "user": "etl", "password": "..."}}]

S3 entries carry per-bucket ``spark_conf``, which every Spark session of the
runtime applies; JDBC entries carry the options of
``spark.read.format("jdbc")``. The values are live credentials: nothing here
prints or logs them, and the messages name connections and keys only.

This module is also orchestera-lib's ``orchestera.connections``: the same
functions, so pipelines written for it run unchanged.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from typing import Any, Dict, List, Mapping, Optional

#: Where the platform mounts the file on Kubernetes stacks.
DEFAULT_CONNECTIONS_FILE = "/var/run/orchestera/connections/connections.json"

S3 = "S3"
JDBC = "JDBC"


class ConnectionsError(Exception):
    """The connections file exists but cannot be used, or a connection asked
    for is not in it."""


@dataclass(frozen=True)
class Connection:
    """One entry of the connections file."""

    name: str
    kind: str
    region: str = ""
    network_mode: str = ""
    host: str = ""
    spark_conf: Dict[str, str] = field(default_factory=dict)
    jdbc: Dict[str, str] = field(default_factory=dict)

    def __repr__(self) -> str:
        # The default repr would print the credentials in spark_conf and jdbc.
        return f"Connection(name={self.name!r}, kind={self.kind!r}, region={self.region!r}, host={self.host!r})"

    @classmethod
    def from_payload(cls, entry: Mapping[str, Any], source: str = "the connections file") -> "Connection":
        missing = [k for k in ("name", "kind") if not entry.get(k)]
        if missing:
            raise ConnectionsError(f"{source}: an entry has no {' or '.join(missing)}")
        for key in ("spark_conf", "jdbc"):
            if not isinstance(entry.get(key) or {}, dict):
                raise ConnectionsError(f"{source}: connection {entry['name']!r}: {key} is not a JSON object")
        return cls(
            name=str(entry["name"]),
            kind=str(entry["kind"]),
            region=str(entry.get("region") or ""),
            network_mode=str(entry.get("network_mode") or ""),
            host=str(entry.get("host") or ""),
            spark_conf={str(k): str(v) for k, v in (entry.get("spark_conf") or {}).items()},
            jdbc={str(k): str(v) for k, v in (entry.get("jdbc") or {}).items()},
        )


def connections_file_path(path: Optional[str] = None) -> str:
    """The file to read: ``path``, else ``ORCH_CONNECTIONS_FILE``, else the
    default mount."""
    return path or os.environ.get("ORCH_CONNECTIONS_FILE") or DEFAULT_CONNECTIONS_FILE


def load_connections(path: Optional[str] = None) -> List[Connection]:
    """Every connection in the file. A missing file is no connections, not
    an error: the Secret's mount is optional, so a namespace without
    datasources has none. A file that exists but does not parse raises
    ConnectionsError naming it: credentials were meant to be there."""
    resolved = connections_file_path(path)
    try:
        with open(resolved, encoding="utf-8") as f:
            data = json.load(f)
    except FileNotFoundError:
        return []
    except OSError as e:
        raise ConnectionsError(f"connections file {resolved}: {e.strerror or e}") from None
    except ValueError as e:  # JSONDecodeError, or bytes that are not UTF-8
        raise ConnectionsError(f"connections file {resolved} is not valid JSON: {e}") from None
    if not isinstance(data, list):
        raise ConnectionsError(f"connections file {resolved}: expected a JSON array of connections")
    out = []
    for entry in data:
        if not isinstance(entry, dict):
            raise ConnectionsError(f"connections file {resolved}: every entry must be a JSON object")
        out.append(Connection.from_payload(entry, f"connections file {resolved}"))
    return out


def spark_conf_for_connections(connections: List[Connection]) -> Dict[str, str]:
    """The Spark configuration of every S3 connection, merged. Keys are per
    bucket (``spark.hadoop.fs.s3a.bucket.<bucket>.*``), so connections of
    different buckets compose and each keeps its own credentials."""
    conf: Dict[str, str] = {}
    for c in connections:
        if c.kind == S3:
            conf.update(c.spark_conf)
    return conf


def spark_conf_from_file(path: Optional[str] = None) -> Dict[str, str]:
    """``spark_conf_for_connections(load_connections(path))``."""
    return spark_conf_for_connections(load_connections(path))


def find(connections: List[Connection], name: str) -> Connection:
    """The connection called ``name``; the error lists the names there are."""
    for c in connections:
        if c.name == name:
            return c
    known = ", ".join(sorted(c.name for c in connections)) or "none"
    raise ConnectionsError(f"no connection named {name!r} (connections: {known})")


def get_connection(name: str, path: Optional[str] = None) -> Connection:
    """One connection by name, e.g. for a database::

        conn = get_connection("warehouse")
        df = spark.read.format("jdbc").options(**conn.jdbc).option("dbtable", "sales").load()
    """
    return find(load_connections(path), name)
