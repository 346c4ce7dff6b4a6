"""orchestera-lib's entrypoint base class, as this runtime's SparkEntrypoint.

A subclass declares StringArg attributes and implements ``run()``; the
runner (``python -m orchestera.entrypoints.run``) parses the arguments and
calls it, so pipelines written for orchestera-lib run unchanged
(docs/moving-from-orchestera-lib.md).
"""

from orchestera.entrypoints.base import SparkEntrypoint


class SparklithEntryPoint(SparkEntrypoint):
    """Base class of an orchestera-lib pipeline. ``self.application_name``
    is the run's --application-name, whether or not the subclass declares
    it as a StringArg."""
