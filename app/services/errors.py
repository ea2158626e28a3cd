"""Refusals a use case raises; ``routes/errors.py`` turns each into a page in the person's language."""

from __future__ import annotations


class NotFound(Exception):
    """Nothing there, or nothing this person may know exists (another estate, another household)."""


class Forbidden(Exception):
    """The person is known and the thing exists, but their role does not allow this."""


class Invalid(Exception):
    """Input that breaks a rule: ``errors`` maps a form field (or ``"__all__"``) to a message."""

    def __init__(self, errors: dict[str, str]):
        super().__init__(", ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


class RateLimited(Exception):
    """Too many attempts from this address or for this account in the last minute.

    ``retry_after``: seconds until the attempts are counted afresh (sent as ``Retry-After``);
    ``message``: what to tell the person when there is more to say than "too many attempts".
    """

    def __init__(self, retry_after: int = 60, message: str | None = None):
        super().__init__(f"retry after {retry_after} s")
        self.retry_after = retry_after
        self.message = message
