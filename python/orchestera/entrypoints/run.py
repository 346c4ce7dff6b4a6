"""``python -m orchestera.entrypoints.run <module.Class> --application-name NAME [--arg value ...]``

The classpath must name a module of the project, never one of the standard
library or of an installed package. The project is the archive the platform
shipped (``ORCH_PROJECT_ARCHIVE``, extracted first; the run then starts in
it), else the current directory and the directories on ``PYTHONPATH``, in
the order Python imports from them: run it in the project directory, or
with the project on ``PYTHONPATH`` as an image does.

Exit codes: 0 on success; 64 (EX_USAGE) when the arguments or the
classpath are invalid, before Spark starts; 1 when ``run()`` raises (the
traceback goes to stderr); ``run()`` may also return an int, or call
``sys.exit``, to exit with a code of 1-255 (any other code exits 1).

The exit code alone does not say what happened (a pipeline may exit 64
itself): when the platform sets ``ORCH_RESULT_FILE``, the outcome is also
written there, as JSON (docs/runtime-contract.md).
"""

from __future__ import annotations

import importlib
import importlib.machinery
import os
import sys
import traceback
from typing import List, Optional, Tuple

from orchestera import project
from orchestera.entrypoints.base import InvalidArguments, SparkEntrypoint
from orchestera.platform import write_result

EX_USAGE = 64

SUCCEEDED = "succeeded"
INVALID_ARGUMENTS = "invalid_arguments"
USER_ERROR = "user_error"


def _inside(path: str, root: str) -> bool:
    path, root = os.path.realpath(path), os.path.realpath(root)
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def _locations(spec) -> List[str]:
    """The files a module spec would execute or search."""
    out = []
    if spec.origin and spec.has_location:
        out.append(spec.origin)
    out.extend(spec.submodule_search_locations or [])
    return out


def project_roots(env=None) -> List[str]:
    """Where a classpath may be found without an archive: the current
    directory, then each PYTHONPATH directory (as ``python -m`` imports)."""
    env = os.environ if env is None else env
    roots: List[str] = []
    for d in [os.getcwd()] + env.get("PYTHONPATH", "").split(os.pathsep):
        d = os.path.realpath(d) if d else ""
        if d and os.path.isdir(d) and d not in roots:
            roots.append(d)
    return roots


def resolve(module_name: str, roots: List[str]) -> str:
    """Finds every package of ``module_name`` in the project without
    importing (executing) any of them, and refuses a module that is not a
    file under the project: an import would run its top-level code first.
    Returns the root it is in: the first with its top-level package, as an
    import picks, where a regular package or module wins over a namespace
    package's directory (which has no origin) found earlier."""
    parts = module_name.split(".")
    found = []  # (is a namespace package, root), in the roots' order
    for r in roots:
        spec = importlib.machinery.PathFinder.find_spec(parts[0], [r])
        if spec:
            found.append((spec.origin is None, r))
    if not found:
        where = ", ".join(roots) or "(none)"
        raise InvalidArguments(f"module {module_name} not found in the project {where} (looked for {parts[0]})")
    root = sorted(found, key=lambda f: f[0])[0][1]  # stable: the first regular one, else the first
    search = [root]
    for i in range(len(parts)):
        name = ".".join(parts[: i + 1])
        spec = importlib.machinery.PathFinder.find_spec(name, search)
        if spec is None:
            raise InvalidArguments(f"module {module_name} not found in the project {root} (looked for {name})")
        for loc in _locations(spec):
            if not _inside(loc, root):
                raise InvalidArguments(f"module {name} is {loc}, outside the project {root}; an entrypoint must be a module of the project")
        if i < len(parts) - 1:
            if not spec.submodule_search_locations:
                raise InvalidArguments(f"module {module_name} not found in the project {root} ({name} is not a package)")
            search = list(spec.submodule_search_locations)
    return root


def load(classpath: str, roots: Optional[List[str]] = None) -> type:
    """The entrypoint class a classpath names, from the project (default:
    project_roots())."""
    module_name, _, class_name = classpath.rpartition(".")
    if not module_name or not class_name:
        raise InvalidArguments(f"classpath {classpath!r}: expected module.Class, e.g. example.spark.application.HelloWorld")
    root = resolve(module_name, project_roots() if roots is None else roots)
    try:
        module = importlib.import_module(module_name)
    except ImportError as e:
        raise InvalidArguments(f"classpath {classpath!r}: cannot import {module_name} ({e})") from None
    # Already imported under that name (the runtime's own imports) or found
    # elsewhere on the path: never run what is not the project's.
    origin = getattr(module, "__file__", None)
    if not origin or not _inside(origin, root):
        raise InvalidArguments(f"module {module_name} is {origin or 'built in'}, outside the project {root}; rename the project's module")
    cls = getattr(module, class_name, None)
    if cls is None:
        raise InvalidArguments(f"classpath {classpath!r}: class {class_name} not found in module {module_name}")
    if not (isinstance(cls, type) and issubclass(cls, SparkEntrypoint)):
        raise InvalidArguments(f"classpath {classpath!r}: {class_name} is not a SparkEntrypoint subclass in {module_name}")
    return cls


def _parse(argv: List[str], roots: List[str]) -> SparkEntrypoint:
    if not argv or argv[0].startswith("-"):
        raise InvalidArguments("usage: python -m orchestera.entrypoints.run module.Class --application-name NAME [--arg value ...]")
    classpath, rest = argv[0], argv[1:]
    if any(a in ("--help", "-h") for a in rest):
        load(classpath, roots).from_args("", ["--help"])  # prints the usage, exits 0
    app_name = ""
    if "--application-name" in rest:
        i = rest.index("--application-name")
        if i + 1 >= len(rest):
            raise InvalidArguments("argument --application-name: a value is required")
        app_name = rest[i + 1]
        rest = rest[:i] + rest[i + 2:]
    if not app_name:
        raise InvalidArguments("missing required argument --application-name")
    return load(classpath, roots).from_args(app_name, rest)


def _prepare_project() -> List[str]:
    """Extracts the shipped project, if any, and starts the run in it, as a
    local run starts in its project directory."""
    shipped = project.prepare()
    if shipped is None:
        return project_roots()
    os.chdir(shipped.path)
    return [os.path.realpath(shipped.path)]


def _exception_line() -> str:
    return "".join(traceback.format_exception_only(*sys.exc_info()[:2])).strip().splitlines()[-1]


def _code_of(value) -> Tuple[int, str]:
    """A SystemExit code or run()'s return value as an exit code and, for a
    message Python itself would print, that message."""
    if value is None:
        return 0, ""
    if isinstance(value, int):
        return value, ""
    return 1, str(value)  # sys.exit("message") prints it and exits 1


def execute(argv: List[str]) -> Tuple[str, int, str]:
    """Runs an entrypoint: (outcome, exit code, message)."""
    try:
        entrypoint = _parse(argv, _prepare_project())
    except (InvalidArguments, project.ProjectError) as e:
        print(f"orchestera: invalid arguments: {e}", file=sys.stderr)
        return INVALID_ARGUMENTS, EX_USAGE, str(e)
    message = ""
    try:
        code, message = _code_of(entrypoint.run())
    except SystemExit as e:
        code, message = _code_of(e.code)
        if message:
            print(message, file=sys.stderr)
    except BaseException:  # noqa: BLE001 - every failure of user code is the user's
        traceback.print_exc()
        return USER_ERROR, 1, _exception_line()
    if code == 0:
        return SUCCEEDED, 0, ""
    if not 1 <= code <= 255:
        message = f"the pipeline exited with code {code}, outside 1-255; exit with 1-255 to fail"
        print(f"orchestera: {message}", file=sys.stderr)
        return USER_ERROR, 1, message
    return USER_ERROR, code, message


def main(argv: Optional[List[str]] = None) -> int:
    outcome, code, message = execute(list(sys.argv[1:] if argv is None else argv))
    write_result(outcome, code, message)
    return code


if __name__ == "__main__":
    sys.exit(main())
