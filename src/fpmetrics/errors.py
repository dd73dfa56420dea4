"""The one exception type that ends a run with exit code 2 and a message, not a traceback."""

from __future__ import annotations


class InputError(Exception):
    """The run cannot be done: a missing or unreadable file, a broken rule file, a bad option.

    ``message`` is already in the user's language; the CLI prints it as one paragraph.
    """

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
