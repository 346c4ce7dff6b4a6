"""orchestera.connections: orchestera-lib's API over the platform's file."""

import json

import pytest

from orchestera.connections import (
    DEFAULT_CONNECTIONS_FILE,
    Connection,
    ConnectionsError,
    connections_file_path,
    get_connection,
    load_connections,
    spark_conf_from_file,
)

LAKE = {"name": "lake", "kind": "S3", "region": "eu-west-1", "network_mode": "PUBLIC", "host": "",
        "spark_conf": {"spark.hadoop.fs.s3a.bucket.lake.access.key": "AKIA-SECRET-VALUE"}}
WAREHOUSE = {"name": "warehouse", "kind": "JDBC",
             "jdbc": {"url": "jdbc:postgresql://db/wh", "user": "etl", "password": "hunter2"}}


@pytest.fixture
def path(tmp_path):
    p = tmp_path / "connections.json"
    p.write_text(json.dumps([LAKE, WAREHOUSE]))
    return str(p)


def test_the_path_is_the_argument_then_the_variable_then_the_mount(monkeypatch):
    monkeypatch.delenv("ORCH_CONNECTIONS_FILE", raising=False)
    assert connections_file_path() == DEFAULT_CONNECTIONS_FILE == "/var/run/orchestera/connections/connections.json"
    monkeypatch.setenv("ORCH_CONNECTIONS_FILE", "/from/env.json")
    assert connections_file_path() == "/from/env.json"
    assert connections_file_path("/explicit.json") == "/explicit.json"


def test_loads_every_entry(path, monkeypatch):
    monkeypatch.setenv("ORCH_CONNECTIONS_FILE", path)
    lake, warehouse = load_connections()
    assert (lake.name, lake.kind, lake.region, lake.network_mode, lake.jdbc) == ("lake", "S3", "eu-west-1", "PUBLIC", {})
    assert warehouse.jdbc == WAREHOUSE["jdbc"] and warehouse.spark_conf == {}
    assert get_connection("warehouse").jdbc["user"] == "etl"
    assert Connection.from_payload({"name": "bare", "kind": "S3"}) == Connection(name="bare", kind="S3")


def test_a_missing_file_is_no_connections(tmp_path):
    assert load_connections(str(tmp_path / "absent.json")) == []
    assert spark_conf_from_file(str(tmp_path / "absent.json")) == {}


def test_get_connection_names_what_there_is(path, tmp_path):
    with pytest.raises(ConnectionsError, match=r"no connection named 'nope' \(connections: lake, warehouse\)"):
        get_connection("nope", path)
    with pytest.raises(ConnectionsError, match=r"\(connections: none\)"):
        get_connection("nope", str(tmp_path / "absent.json"))


def test_only_s3_spark_conf_reaches_the_session(path):
    assert spark_conf_from_file(path) == LAKE["spark_conf"]


def test_credentials_never_show_in_a_repr_or_an_error(path, tmp_path):
    shown = " ".join(repr(c) for c in load_connections(path))
    assert "lake" in shown and "AKIA-SECRET-VALUE" not in shown and "hunter2" not in shown
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps([{"name": "x", "kind": "JDBC", "jdbc": "hunter2"}]))
    with pytest.raises(ConnectionsError) as e:
        load_connections(str(bad))
    assert "hunter2" not in str(e.value)


def test_an_unreadable_file_is_an_error_naming_it(tmp_path):
    with pytest.raises(ConnectionsError, match=str(tmp_path)):
        load_connections(str(tmp_path))  # a directory
