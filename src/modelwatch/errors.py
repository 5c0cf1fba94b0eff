"""The one exception type for problems a user can fix: bad input, bad options, unreadable files.

The CLI prints its message on one line and exits non-zero, without a traceback; anything else that
escapes is a bug in modelwatch and keeps its traceback.
"""


class ModelwatchError(Exception):
    """A user-facing error whose message names the file/record and what is wrong, on one line."""


def one_line(text: object) -> str:
    """A library's error message squeezed onto one line, for the messages above."""
    return " ".join(str(text).split())
