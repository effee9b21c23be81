"""The one error type of the tools (as asv's UserError): a library module raises it with a message for the
user; only the command layer (relu_bench/__main__.py) turns it into that message and an exit status."""


class UserError(Exception):
    """Something the user can fix (a name, a missing file, a commit): str() says what."""
