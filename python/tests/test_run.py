"""The entrypoint runner: outcomes in ORCH_RESULT_FILE, exit codes, and
classpaths resolved inside the project before anything is imported."""

import json
import os
import subprocess
import sys
import textwrap

import pytest

JOBS = textwrap.dedent('''
    import sys
    from orchestera.entrypoints import Argument, SparkEntrypoint

    class Exit(SparkEntrypoint):
        code = Argument(int, required=True)
        def run(self):
            sys.exit(self.code)

    class Returns(SparkEntrypoint):
        code = Argument(int, required=True)
        def run(self):
            return self.code

    class Raises(SparkEntrypoint):
        def run(self):
            raise RuntimeError("kaput")

    class Fine(SparkEntrypoint):
        def run(self):
            print("fine")

    class ExitMessage(SparkEntrypoint):
        def run(self):
            sys.exit("giving up")

    NotAClass = 3
''')


@pytest.fixture
def project(tmp_path):
    root = tmp_path / "project"
    (root / "pipelines").mkdir(parents=True)
    (root / "pipelines" / "__init__.py").write_text("")
    (root / "pipelines" / "jobs.py").write_text(JOBS)
    # A package whose import has a visible side effect.
    (root / "noisy").mkdir()
    (root / "noisy" / "__init__.py").write_text("print('NOISY PACKAGE RAN')\n")
    return root


def run(project, classpath, *args, result=True):
    env = {k: v for k, v in os.environ.items() if not k.startswith("ORCH_")}
    env.update({"ORCH_STACK_KIND": "local", "PYTHONPATH": str(project)})
    path = project.parent / "result.json"
    if path.exists():
        path.unlink()
    if result:
        env["ORCH_RESULT_FILE"] = str(path)
    p = subprocess.run([sys.executable, "-m", "orchestera.entrypoints.run", classpath, "--application-name", "t", *args],
                       cwd=project, env=env, capture_output=True, text=True, timeout=60)
    doc = json.loads(path.read_text()) if result and path.exists() else None
    return p, doc


@pytest.mark.parametrize("classpath,args,code,outcome,message", [
    ("pipelines.jobs.Fine", [], 0, "succeeded", ""),
    ("pipelines.jobs.Raises", [], 1, "user_error", "RuntimeError: kaput"),
    ("pipelines.jobs.Returns", ["--code", "3"], 3, "user_error", ""),
    ("pipelines.jobs.Exit", ["--code", "0"], 0, "succeeded", ""),
    ("pipelines.jobs.Exit", ["--code", "7"], 7, "user_error", ""),
    # The pipeline's own 64 is its error, not invalid arguments.
    ("pipelines.jobs.Exit", ["--code", "64"], 64, "user_error", ""),
    # Codes outside 1-255 fail; 256 would otherwise exit 0.
    ("pipelines.jobs.Exit", ["--code", "256"], 1, "user_error", "exited with code 256, outside 1-255"),
    ("pipelines.jobs.Returns", ["--code", "-1"], 1, "user_error", "exited with code -1, outside 1-255"),
    ("pipelines.jobs.ExitMessage", [], 1, "user_error", "giving up"),
    ("pipelines.jobs.Exit", [], 64, "invalid_arguments", "missing required argument --code"),
])
def test_outcomes(project, classpath, args, code, outcome, message):
    p, doc = run(project, classpath, *args)
    assert p.returncode == code, p.stderr
    assert doc["outcome"] == outcome and doc["exit_code"] == code, doc
    assert message in doc["message"], doc


def test_no_result_file_outside_the_platform(project):
    p, _ = run(project, "pipelines.jobs.Fine", result=False)
    assert p.returncode == 0 and "fine" in p.stdout
    assert not (project.parent / "result.json").exists()


@pytest.mark.parametrize("classpath,message", [
    ("pipelines.jobs.Nope", "class Nope not found in module pipelines.jobs"),
    ("pipelines.nope.Job", "module pipelines.nope not found in the project"),
    ("pipelines.jobs.NotAClass", "NotAClass is not a SparkEntrypoint subclass in pipelines.jobs"),
    # Standard library and installed modules are never imported.
    ("this.Zen", "module this not found in the project"),
    ("json.JSONDecoder", "module json not found in the project"),
    ("orchestera.entrypoints.base.SparkEntrypoint", "module orchestera.entrypoints.base not found in the project"),
    # A project package is not executed when the module under it is missing.
    ("noisy.missing.Job", "module noisy.missing not found in the project"),
])
def test_classpaths_are_resolved_in_the_project_first(project, classpath, message):
    p, doc = run(project, classpath)
    assert p.returncode == 64, p.stderr
    assert doc["outcome"] == "invalid_arguments" and message in doc["message"], doc
    assert message in p.stderr
    assert "Beautiful is better than ugly" not in p.stdout  # `import this` prints the Zen
    assert "NOISY PACKAGE RAN" not in p.stdout


def test_a_project_module_shadowed_by_a_loaded_one_is_refused(project):
    # sys is built in and loaded: a project's sys.py must not be mistaken
    # for it, nor the interpreter's module run as the pipeline.
    (project / "sys.py").write_text("from orchestera.entrypoints import SparkEntrypoint\nclass Job(SparkEntrypoint):\n    pass\n")
    p, doc = run(project, "sys.Job")
    assert p.returncode == 64 and "outside the project" in doc["message"], (p.stderr, doc)


def test_a_module_that_links_outside_the_project_is_refused(project, tmp_path):
    outside = tmp_path / "outside.py"
    outside.write_text("print('OUTSIDE RAN')\n")
    os.symlink(outside, project / "pipelines" / "linked.py")
    p, doc = run(project, "pipelines.linked.Job")
    assert p.returncode == 64 and "outside the project" in doc["message"], doc
    assert "OUTSIDE RAN" not in p.stdout
