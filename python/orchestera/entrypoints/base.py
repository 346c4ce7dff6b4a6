"""The entrypoint base class and its argument declarations."""

from __future__ import annotations

import json
import sys
from typing import Any, Dict, List, Optional

_MISSING = object()
_TRUE = {"true", "1", "yes", "y", "on"}
_FALSE = {"false", "0", "no", "n", "off"}


class InvalidArguments(Exception):
    """Raised before Spark starts when arguments are missing or mistyped."""


class Argument:
    """A typed argument of an entrypoint.

    ``kind`` is one of ``str``, ``int``, ``float``, ``bool`` or ``list`` (a
    list of strings, given as a JSON array or comma-separated).
    """

    KINDS = (str, int, float, bool, list)

    def __init__(self, kind: type = str, *, required: bool = False, default: Any = _MISSING, help: str = ""):
        if kind not in self.KINDS:
            raise TypeError(f"Argument kind must be one of str, int, float, bool, list; got {kind!r}")
        if required and default is not _MISSING:
            raise TypeError("an Argument is either required or has a default, not both")
        self.kind = kind
        self.required = required
        self.default = None if default is _MISSING else default
        self.help = help
        self.name = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    @property
    def flag(self) -> str:
        return "--" + self.name.replace("_", "-")

    def parse(self, raw: str) -> Any:
        """Converts a command-line string to the declared kind."""
        try:
            if self.kind is bool:
                low = raw.strip().lower()
                if low in _TRUE:
                    return True
                if low in _FALSE:
                    return False
                raise ValueError("expected true or false")
            if self.kind is list:
                text = raw.strip()
                if text.startswith("["):
                    value = json.loads(text)
                    if not isinstance(value, list):
                        raise ValueError("expected a JSON array")
                    return [str(v) for v in value]
                return [p.strip() for p in text.split(",") if p.strip()]
            return self.kind(raw)
        except (ValueError, json.JSONDecodeError) as e:
            raise InvalidArguments(
                f"argument {self.flag}: {raw!r} is not a valid {self.kind.__name__} ({e})"
            ) from None

    def describe(self) -> str:
        need = "required" if self.required else f"default {self.default!r}"
        return f"{self.flag} ({self.kind.__name__}, {need}) {self.help}".rstrip()


HELP_FLAGS = ("--help", "-h")


class SparkEntrypoint:
    """Base class of a pipeline. Subclasses declare ``Argument`` attributes
    and implement ``run()``; ``self.application_name`` and every argument
    are set before ``run()`` is called.
    """

    application_name: str = ""

    @classmethod
    def arguments(cls) -> Dict[str, Argument]:
        """The declared arguments, but ``application_name``: the runner
        always sets that one from --application-name, so an orchestera-lib
        entrypoint declaring it as a StringArg gets the run's name."""
        found: Dict[str, Argument] = {}
        for klass in reversed(cls.__mro__):
            for name, value in vars(klass).items():
                if isinstance(value, Argument) and name != "application_name":
                    found[name] = value
        return found

    @classmethod
    def usage(cls) -> str:
        """The entrypoint's help: its docstring's first line and every
        argument with its kind, its default (or that it is required) and its
        help text."""
        path = f"{cls.__module__}.{cls.__qualname__}"
        lines = [f"usage: python -m orchestera.entrypoints.run {path} --application-name NAME [arguments]",
                 f"       orchestera run --classpath {path} --application-name NAME [--arg name=value ...]"]
        doc = (cls.__doc__ or "").strip().splitlines()
        if doc:
            lines += ["", doc[0]]
        declared = cls.arguments()
        lines += ["", "arguments:" if declared else "this entrypoint takes no arguments"]
        lines += [f"  {a.describe()}" for a in declared.values()]
        return "\n".join(lines) + "\n"

    @classmethod
    def from_args(cls, application_name: str, argv: List[str]) -> "SparkEntrypoint":
        """Parses ``--name value`` pairs; raises InvalidArguments naming the
        argument on any problem, before any Spark work starts. ``--help``
        prints usage() and exits 0."""
        declared = cls.arguments()
        if any(a in HELP_FLAGS for a in argv):
            sys.stdout.write(cls.usage())
            raise SystemExit(0)
        by_flag = {a.flag: a for a in declared.values()}
        by_flag.update({"--" + name: a for name, a in declared.items()})
        values: Dict[str, Any] = {}
        i = 0
        while i < len(argv):
            token = argv[i]
            flag, sep, inline = token.partition("=")
            arg = by_flag.get(flag)
            if arg is None:
                known = ", ".join(sorted(a.flag for a in declared.values())) or "none"
                raise InvalidArguments(f"unknown argument {flag} (this entrypoint takes: {known}; --help describes them)")
            if sep:
                raw = inline
            elif i + 1 < len(argv):
                i += 1
                raw = argv[i]
            else:
                raise InvalidArguments(f"argument {arg.flag}: a value is required")
            values[arg.name] = arg.parse(raw)
            i += 1
        missing = [a.flag for a in declared.values() if a.required and a.name not in values]
        if missing:
            raise InvalidArguments("missing required argument" + ("s " if len(missing) > 1 else " ") + ", ".join(missing))
        instance = cls()
        instance.application_name = application_name
        for name, arg in declared.items():
            setattr(instance, name, values.get(name, arg.default))
        return instance

    def run(self) -> Optional[int]:  # pragma: no cover - overridden
        raise NotImplementedError("a SparkEntrypoint subclass implements run()")
