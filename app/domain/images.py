"""What an uploaded photo may be: the limits checked before and after decoding it.

A phone's photo of goods, of a company's letter, of an incident: a few megabytes of JPEG,
PNG, WebP or GIF. Anything else is refused, whatever its name says: the service decodes every
upload, and what does not decode as one of these formats is not an image. A decoded image is
re-encoded as a JPEG at most ``MAX_EDGE`` pixels on its longer side and without any metadata,
so what is kept never carries the phone's GPS position, its serial number or a script.

Problems are codes (too_large, empty, not_an_image, too_many_pixels); the service turns them
into sentences.
"""

from __future__ import annotations

from dataclasses import dataclass

MAX_BYTES = 12 * 1024 * 1024      # a 48-megapixel phone photo is 5 to 10 MB
MAX_PIXELS = 60_000_000           # refused before decoding: a small file can claim huge dimensions
MAX_EDGE = 2048                   # kept: enough to read a label, small enough for a poor signal
JPEG_QUALITY = 82
FORMATS = frozenset({"JPEG", "PNG", "WEBP", "GIF", "MPO"})  # MPO: some phones' JPEG with a depth map


@dataclass(frozen=True)
class Limits:
    max_bytes: int = MAX_BYTES
    max_pixels: int = MAX_PIXELS
    max_edge: int = MAX_EDGE


def size_problem(size: int, limits: Limits = Limits()) -> str | None:
    if size <= 0:
        return "empty"
    if size > limits.max_bytes:
        return "too_large"
    return None


def decoded_problem(format_name: str | None, width: int, height: int, limits: Limits = Limits()) -> str | None:
    """Judged from the header alone, before the pixels are decoded."""
    if format_name not in FORMATS or width <= 0 or height <= 0:
        return "not_an_image"
    if width * height > limits.max_pixels:
        return "too_many_pixels"
    return None


def fitted(width: int, height: int, max_edge: int = MAX_EDGE) -> tuple[int, int]:
    """The size kept: the longer side at most ``max_edge``, the proportions unchanged."""
    longer = max(width, height)
    if longer <= max_edge:
        return width, height
    scale = max_edge / longer
    return max(1, round(width * scale)), max(1, round(height * scale))
