"""Project archives (ORCH_PROJECT_ARCHIVE): extraction, the executors' zip,
and the runner finding the classpath in the extracted project."""

import io
import json
import os
import subprocess
import sys
import tarfile
import zipfile

import pytest

from orchestera import project

FILES = {
    "pipelines/__init__.py": "",
    "pipelines/jobs.py": "import os\nfrom orchestera.entrypoints import SparkEntrypoint\n"
                         "class Where(SparkEntrypoint):\n    def run(self):\n        print('cwd=' + os.getcwd())\n",
    "pipelines/helpers.py": "def double(x):\n    return 2 * x\n",
    "data/words.txt": "spark\n",
}


def make_archive(path, files=FILES, extra=()):
    with tarfile.open(path, "w:gz") as tar:
        for name, text in files.items():
            data = text.encode()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        for info in extra:
            tar.addfile(info)
    return str(path)


def test_extracts_files_and_zips_them_with_relative_paths(tmp_path):
    archive = make_archive(tmp_path / "project.tar.gz")
    project.extract(archive, str(tmp_path / "out"))
    assert (tmp_path / "out" / "pipelines" / "helpers.py").read_text() == FILES["pipelines/helpers.py"]
    project.zip_tree(str(tmp_path / "out"), str(tmp_path / "project.zip"))
    with zipfile.ZipFile(tmp_path / "project.zip") as z:
        assert sorted(z.namelist()) == sorted(FILES)
    # What an executor does with it: import from the zip.
    sys.path.insert(0, str(tmp_path / "project.zip"))
    try:
        import pipelines.helpers
        assert pipelines.helpers.double(21) == 42 and ".zip" in pipelines.helpers.__file__
    finally:
        sys.path.remove(str(tmp_path / "project.zip"))
        for m in [m for m in sys.modules if m == "pipelines" or m.startswith("pipelines.")]:
            del sys.modules[m]


def link(name, target, kind=tarfile.SYMTYPE):
    info = tarfile.TarInfo(name)
    info.type, info.linkname = kind, target
    return info


def device(name):
    info = tarfile.TarInfo(name)
    info.type = tarfile.CHRTYPE
    return info


@pytest.mark.parametrize("files,extra,message", [
    ({"../evil.py": "x"}, (), "'../evil.py' is outside the project"),
    ({"a/../../evil.py": "x"}, (), "is outside the project"),
    ({"/etc/evil.py": "x"}, (), "'/etc/evil.py' is outside the project"),
    ({}, (link("pipelines", "/etc"),), "'pipelines' is not a file or a directory"),
    ({}, (link("hard", "/etc/passwd", tarfile.LNKTYPE),), "'hard' is not a file or a directory"),
    ({}, (device("tty"),), "'tty' is not a file or a directory"),
])
def test_refuses_what_a_project_may_not_hold(tmp_path, files, extra, message):
    archive = make_archive(tmp_path / "project.tar.gz", files, extra)
    with pytest.raises(project.ProjectError, match=message):
        project.extract(archive, str(tmp_path / "out"))
    assert not (tmp_path / "evil.py").exists()


def test_a_missing_or_broken_archive_names_the_file(tmp_path):
    with pytest.raises(project.ProjectError, match=f"project archive {tmp_path}/nope.tar.gz does not exist"):
        project.extract(str(tmp_path / "nope.tar.gz"), str(tmp_path / "a"))
    (tmp_path / "broken.tar.gz").write_bytes(b"\x1f\x8b not really gzip")
    with pytest.raises(project.ProjectError, match="broken.tar.gz cannot be extracted"):
        project.extract(str(tmp_path / "broken.tar.gz"), str(tmp_path / "b"))


def test_prepare_extracts_once_and_puts_the_project_first(tmp_path, monkeypatch):
    archive = make_archive(tmp_path / "project.tar.gz")
    monkeypatch.setattr(project, "_prepared", None)
    monkeypatch.setattr(sys, "path", list(sys.path))
    assert project.prepare({}) is None
    first = project.prepare({"ORCH_PROJECT_ARCHIVE": archive})
    assert project.prepare({"ORCH_PROJECT_ARCHIVE": archive}) == first
    assert sys.path[0] == first.path and sys.path.count(first.path) == 1
    assert os.path.isfile(os.path.join(first.path, "pipelines", "jobs.py")) and os.path.isfile(first.zip)


def run(tmp_path, env, *argv):
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("ORCH_") and k != "PYTHONPATH"},
           "ORCH_STACK_KIND": "kubernetes", "ORCH_RESULT_FILE": str(tmp_path / "result.json"), **env}
    p = subprocess.run([sys.executable, "-m", "orchestera.entrypoints.run", *argv, "--application-name", "t"],
                       cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
    return p, json.loads((tmp_path / "result.json").read_text())


def test_the_runner_finds_the_classpath_in_the_archive_and_starts_there(tmp_path):
    archive = make_archive(tmp_path / "project.tar.gz")
    p, doc = run(tmp_path, {"ORCH_PROJECT_ARCHIVE": archive}, "pipelines.jobs.Where")
    assert p.returncode == 0 and doc["outcome"] == "succeeded", p.stderr
    cwd = p.stdout.strip().removeprefix("cwd=")
    assert os.path.basename(cwd) == "project" and os.path.isfile(os.path.join(cwd, "data", "words.txt"))


def test_a_bad_archive_fails_before_spark_as_invalid_arguments(tmp_path):
    archive = make_archive(tmp_path / "project.tar.gz", {"../x.py": ""})
    p, doc = run(tmp_path, {"ORCH_PROJECT_ARCHIVE": archive}, "pipelines.jobs.Where")
    assert p.returncode == 64 and doc["outcome"] == "invalid_arguments" and "outside the project" in doc["message"]


def test_without_an_archive_the_classpath_is_found_on_pythonpath(tmp_path):
    # As in an image: the code is in a directory on PYTHONPATH, the run
    # starts elsewhere.
    src = tmp_path / "workspace" / "src"
    for name, text in FILES.items():
        (src / name).parent.mkdir(parents=True, exist_ok=True)
        (src / name).write_text(text)
    p, doc = run(tmp_path, {"PYTHONPATH": str(src)}, "pipelines.jobs.Where")
    assert p.returncode == 0 and doc["outcome"] == "succeeded", p.stderr
    p, doc = run(tmp_path, {"PYTHONPATH": str(src)}, "json.decoder.JSONDecoder")
    assert p.returncode == 64 and f"module json.decoder not found in the project {tmp_path}" in doc["message"], doc


def test_a_regular_package_wins_over_an_earlier_namespace_directory(tmp_path):
    # As Python imports: a bare directory "pipelines" in the run's directory
    # does not hide the package of the same name on PYTHONPATH.
    (tmp_path / "pipelines").mkdir()
    src = tmp_path / "src"
    for name, text in FILES.items():
        (src / name).parent.mkdir(parents=True, exist_ok=True)
        (src / name).write_text(text)
    p, doc = run(tmp_path, {"PYTHONPATH": str(src)}, "pipelines.jobs.Where")
    assert p.returncode == 0 and doc["outcome"] == "succeeded", p.stderr
