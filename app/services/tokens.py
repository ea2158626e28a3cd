"""Random tokens for links and cookies, and the hashes we keep instead of them.

Only a token's SHA-256 is stored: a copy of the database does not hand out sign-in links.
"""

import hashlib
import secrets

TOKEN_BYTES = 24  # 192 bits, more than the 128 docs/architecture.md asks of any token in a link


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
