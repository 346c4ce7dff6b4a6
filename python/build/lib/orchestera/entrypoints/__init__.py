"""Typed entrypoints: declare arguments, implement ``run()``."""

from orchestera.entrypoints.base import Argument, InvalidArguments, SparkEntrypoint

__all__ = ["Argument", "InvalidArguments", "SparkEntrypoint"]
