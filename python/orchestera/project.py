"""The project a run brings with it (``orchestera run --project DIR`` on a
Kubernetes stack).

The platform packs the project directory into a gzip'd tar and mounts it at
``ORCH_PROJECT_ARCHIVE``. ``prepare`` extracts it into a fresh directory,
puts that directory first on ``sys.path`` (the classpath is looked up there)
and zips the same files, which the Spark session ships to the executors
(``spark.submit.pyFiles``) so UDFs that import the project's modules work
there too. Without the variable the code in the image is used.
"""

from __future__ import annotations

import os
import shutil
import sys
import tarfile
import tempfile
import zipfile
import zlib
from dataclasses import dataclass
from typing import Mapping, Optional, Tuple

from orchestera.platform import project_archive


class ProjectError(Exception):
    """The project archive is missing, unreadable, or holds what a project
    may not (a path outside it, a link, a device)."""


@dataclass(frozen=True)
class Project:
    path: str  # the extracted directory
    zip: str  # the same files, zipped for the executors


def _member_path(archive: str, member: tarfile.TarInfo) -> Optional[str]:
    """The member's path relative to the project, or None for the root
    itself; refuses a path that would land outside the project."""
    name = os.path.normpath(member.name)
    if os.path.isabs(member.name) or name == ".." or name.startswith(".." + os.sep):
        raise ProjectError(f"project archive {archive}: {member.name!r} is outside the project")
    return None if name == "." else name


def extract(archive: str, dest: str) -> None:
    """Extracts the archive's directories and regular files into ``dest``
    (which must not exist). Links and special files are refused rather than
    skipped: the platform packs neither, so one means a broken archive."""
    os.makedirs(dest)
    try:
        with tarfile.open(archive, "r:gz") as tar:
            for member in tar:
                rel = _member_path(archive, member)
                if rel is None:
                    continue
                target = os.path.join(dest, rel)
                if member.isdir():
                    os.makedirs(target, exist_ok=True)
                elif member.isfile():
                    os.makedirs(os.path.dirname(target), exist_ok=True)
                    with tar.extractfile(member) as src, open(target, "wb") as out:
                        shutil.copyfileobj(src, out)
                    os.chmod(target, 0o755 if member.mode & 0o111 else 0o644)
                else:
                    raise ProjectError(f"project archive {archive}: {member.name!r} is not a file or a directory")
    except FileNotFoundError:
        raise ProjectError(f"project archive {archive} does not exist") from None
    except (tarfile.TarError, EOFError, zlib.error, OSError) as e:
        raise ProjectError(f"project archive {archive} cannot be extracted: {e}") from None


def zip_tree(src: str, dest: str) -> None:
    """Zips every file under ``src`` with paths relative to it, so the zip
    on an executor's path imports like the directory."""
    with zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as z:
        for dirpath, dirnames, filenames in os.walk(src):
            dirnames.sort()
            for name in sorted(filenames):
                path = os.path.join(dirpath, name)
                z.write(path, os.path.relpath(path, src))


_prepared: Optional[Tuple[str, Project]] = None


def prepare(env: Optional[Mapping[str, str]] = None) -> Optional[Project]:
    """Extracts and zips the run's project once per process (the runner
    does it before it resolves the classpath; the Spark session asks again
    for the zip), and puts it first on sys.path. None without
    ORCH_PROJECT_ARCHIVE."""
    global _prepared
    archive = project_archive(env)
    if not archive:
        return None
    if _prepared and _prepared[0] == archive:
        return _prepared[1]
    root = tempfile.mkdtemp(prefix="orchestera-project-")
    project = Project(path=os.path.join(root, "project"), zip=os.path.join(root, "project.zip"))
    extract(archive, project.path)
    zip_tree(project.path, project.zip)
    sys.path.insert(0, project.path)
    _prepared = (archive, project)
    return project
