import os
import shutil
import sys

import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
EXAMPLES = os.path.join(ROOT, "examples", "hello-world")
sys.path.insert(0, EXAMPLES)


@pytest.fixture
def local_env(tmp_path, monkeypatch):
    """The environment the platform sets for a run on a local stack."""
    monkeypatch.setenv("ORCH_STACK_KIND", "local")
    monkeypatch.setenv("ORCH_NAMESPACE", "default")
    monkeypatch.setenv("ORCH_RUN_DIR", str(tmp_path))
    return tmp_path


def require_java():
    """Real Spark needs Java; under CI a missing one fails, never skips."""
    if shutil.which("java") or os.environ.get("JAVA_HOME"):
        return
    if os.environ.get("CI") == "true":
        pytest.fail("Java is not installed: `make test` installs openjdk-17-jre-headless")
    pytest.skip("Java is not installed")
