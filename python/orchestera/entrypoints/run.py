"""``python -m orchestera.entrypoints.run <module.Class> --application-name NAME [--arg value ...]``

Exit codes: 0 on success; 64 (EX_USAGE) when the arguments are invalid,
before Spark starts; 1 when ``run()`` raises (the traceback goes to stderr);
``run()`` may also return an int to exit with.
"""

from __future__ import annotations

import importlib
import sys
import traceback
from typing import List, Optional

from orchestera.entrypoints.base import InvalidArguments, SparkEntrypoint

EX_USAGE = 64


def load(classpath: str) -> type:
    module_name, _, class_name = classpath.rpartition(".")
    if not module_name:
        raise InvalidArguments(f"classpath {classpath!r}: expected module.Class, e.g. example.spark.application.HelloWorld")
    try:
        module = importlib.import_module(module_name)
    except ImportError as e:
        raise InvalidArguments(f"classpath {classpath!r}: cannot import {module_name} ({e}); is the project on the Python path?") from None
    cls = getattr(module, class_name, None)
    if not (isinstance(cls, type) and issubclass(cls, SparkEntrypoint)):
        raise InvalidArguments(f"classpath {classpath!r}: {class_name} is not a SparkEntrypoint subclass in {module_name}")
    return cls


def main(argv: Optional[List[str]] = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        if not argv or argv[0].startswith("-"):
            raise InvalidArguments("usage: python -m orchestera.entrypoints.run module.Class --application-name NAME [--arg value ...]")
        classpath, rest = argv[0], argv[1:]
        if any(a in ("--help", "-h") for a in rest):
            load(classpath).from_args("", ["--help"])  # prints the usage, exits 0
        app_name = ""
        if "--application-name" in rest:
            i = rest.index("--application-name")
            if i + 1 >= len(rest):
                raise InvalidArguments("argument --application-name: a value is required")
            app_name = rest[i + 1]
            rest = rest[:i] + rest[i + 2:]
        if not app_name:
            raise InvalidArguments("missing required argument --application-name")
        entrypoint = load(classpath).from_args(app_name, rest)
    except InvalidArguments as e:
        print(f"orchestera: invalid arguments: {e}", file=sys.stderr)
        return EX_USAGE
    try:
        result = entrypoint.run()
    except Exception:
        traceback.print_exc()
        return 1
    return result if isinstance(result, int) else 0


if __name__ == "__main__":
    sys.exit(main())
