"""orchestera-lib's argument declarations, as this runtime's Arguments.

``StringArg(required=..., tooltip=...)`` is ``Argument(str, required=...,
help=tooltip)``: given as ``--name value`` (or ``--name=value``), a string,
None when an optional one is not given.
"""

from orchestera.entrypoints.base import Argument


class StringArg(Argument):
    """A string argument of an orchestera-lib entrypoint; ``tooltip`` is
    its help text."""

    def __init__(self, required: bool = False, tooltip: str = ""):
        super().__init__(str, required=required, help=tooltip)
        self.tooltip = tooltip
