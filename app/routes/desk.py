"""Front desk pages (later issues add the release-slip queue and the shift log here)."""

HANDLERS: list = []
