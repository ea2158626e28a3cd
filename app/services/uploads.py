"""Photos people upload (goods, a company's proof, an incident): checked, cleaned and kept.

Every upload is decoded with Pillow whatever its name or declared type says; what does not
decode as a known image format is refused. The kept file is a fresh JPEG, orientation applied,
at most 2048 pixels on its longer side and without any metadata (no EXIF, so no GPS position,
no camera serial number). Files live under the var directory, ``uploads/<estate>/<id>.jpg``,
never under the web root: the only way to one is a route that first checks who may see the
record it belongs to, then ``read``s it here.

Capabilities keep the upload's id on their own record (a release item's photo, an incident's
photos) and decide who sees it; this module knows nothing of them. A form with one photo calls
``store``; a form with several (an incident report) ``check``s them all first, then ``keep``s
each inside its own transaction, and ``forget``s the files if that transaction does not commit.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import tempfile
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from typing import Any, Awaitable, Callable
from uuid import UUID, uuid4

from PIL import Image, ImageOps, UnidentifiedImageError

from app.domain import images
from app.i18n import N_
from app.models.uploads import Upload
from app.services import idempotency
from app.services.errors import Invalid, NotFound
from app.settings import get_settings

MESSAGES = {
    "empty": N_("The photo was empty. Take it again."),
    "too_large": N_("The photo is too large (at most 12 MB)."),
    "not_an_image": N_("This file is not a photo. Choose a JPEG, PNG or WebP picture."),
    "too_many_pixels": N_("The picture is too large to read. Take a photo with the camera instead."),
}

# Pillow's own guard against decompression bombs, set to ours (it warns, then refuses, above it).
Image.MAX_IMAGE_PIXELS = images.MAX_PIXELS


class Refused(Exception):
    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class Cleaned:
    jpeg: bytes
    width: int
    height: int


def clean(data: bytes, limits: images.Limits = images.Limits()) -> Cleaned:
    """The photo re-encoded without metadata, or ``Refused`` with a problem code. CPU-bound:
    callers run it in a thread (``store`` does)."""
    problem = images.size_problem(len(data), limits)
    if problem:
        raise Refused(problem)
    try:
        with Image.open(BytesIO(data)) as opened:
            problem = images.decoded_problem(opened.format, *opened.size, limits=limits)
            if problem:
                raise Refused(problem)
            if opened.format in ("JPEG", "MPO"):
                opened.draft("RGB", images.fitted(*opened.size, limits.max_edge))  # decode at a smaller scale
            upright = ImageOps.exif_transpose(opened)  # the way the phone was held; EXIF goes with it
            picture = upright.convert("RGB")
    except Refused:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, SyntaxError, ValueError) as exc:
        raise Refused("not_an_image") from exc
    picture.thumbnail((limits.max_edge, limits.max_edge))
    out = BytesIO()
    picture.save(out, "JPEG", quality=images.JPEG_QUALITY, optimize=True)  # no exif=, no icc_profile=
    return Cleaned(out.getvalue(), picture.width, picture.height)


def _root() -> Path:
    return get_settings().var_dir / "uploads"


def _path(estate_id: UUID, upload_id: UUID) -> Path:
    return _root() / str(estate_id) / f"{upload_id}.jpg"


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.chmod(temporary, 0o600)
        os.replace(temporary, path)  # whole or not at all
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


async def check(data: bytes, *, field: str) -> Cleaned:
    """The photo cleaned, not yet kept: ``Invalid({field: message})`` for anything refused. A form
    with several photos checks them all before writing anything, so a refused one keeps no other."""
    try:
        return await asyncio.to_thread(clean, data)
    except Refused as exc:
        raise Invalid({field: MESSAGES[exc.code]}) from exc


async def keep(estate_id: UUID, person_id: UUID | None, cleaned: Cleaned, purpose: str) -> UUID:
    """Keep a checked photo: the file, then its row (inside the caller's transaction, if any); its id."""
    upload_id = uuid4()
    await asyncio.to_thread(_write, _path(estate_id, upload_id), cleaned.jpeg)
    await Upload.insert(Upload(
        id=upload_id, estate=estate_id, uploaded_by=person_id, purpose=purpose, content_type="image/jpeg",
        width=cleaned.width, height=cleaned.height, size=len(cleaned.jpeg),
        sha256=hashlib.sha256(cleaned.jpeg).hexdigest(),
    ))
    return upload_id


async def store(estate_id: UUID, person_id: UUID | None, data: bytes, purpose: str, *, field: str) -> UUID:
    """Clean and keep one photo; its id. ``Invalid({field: message})`` for anything refused."""
    return await keep(estate_id, person_id, await check(data, field=field), purpose)


async def forget(estate_id: UUID, upload_ids: list[UUID]) -> None:
    """Remove kept files whose rows were rolled back (a report that was not stored after all)."""
    for upload_id in upload_ids:
        await asyncio.to_thread(_path(estate_id, upload_id).unlink, True)


async def once_keeping(act: idempotency.Action, name: str, estate_id: UUID,
                       work: Callable[[], Awaitable[dict[str, Any]]], kept: list[UUID],
                       made: tuple[str, UUID]) -> dict[str, Any]:
    """``idempotency.once`` for an action that keeps photos (``work`` appends each kept id to
    ``kept``): the files are removed again when its rows were not stored, because the work
    failed or a copy racing it was kept instead. ``made``: the result's key and the id this
    copy would have stored, e.g. ("entry_id", entry_id)."""
    try:
        result = await idempotency.once(act, name, estate_id, work)
    except BaseException:
        await forget(estate_id, kept)
        raise
    if result.get(made[0]) != str(made[1]):
        await forget(estate_id, kept)
    return result


async def read(estate_id: UUID, upload_id: UUID) -> bytes:
    """The kept JPEG of an upload of this estate (the caller has checked who may see it)."""
    row = await Upload.select(Upload.id).where((Upload.id == upload_id) & (Upload.estate == estate_id)).first()
    if row is None:
        raise NotFound()
    try:
        return await asyncio.to_thread(_path(estate_id, upload_id).read_bytes)
    except FileNotFoundError as exc:
        raise NotFound() from exc


async def remove(estate_id: UUID, upload_ids: list[UUID]) -> None:
    """Remove photos for good: their rows (inside the caller's transaction, if any); the caller
    then ``forget``s their files once that transaction has committed."""
    for start in range(0, len(upload_ids), 500):
        await Upload.delete().where((Upload.estate == estate_id) & Upload.id.is_in(upload_ids[start:start + 500]))


ORPHAN_AGE_S = 24 * 3600


def _orphan_candidates(folder: Path, now: float) -> dict[UUID, Path]:
    """Files of the estate's folder older than a day (a photo being kept has its row within
    seconds), by upload id; a half-written temporary file that old counts too."""
    found: dict[UUID, Path] = {}
    if not folder.is_dir():
        return found
    for path in folder.iterdir():
        try:
            if not path.is_file() or now - path.stat().st_mtime < ORPHAN_AGE_S:
                continue
        except FileNotFoundError:
            continue
        if path.name.startswith(".upload-"):
            path.unlink(missing_ok=True)
            continue
        try:
            found[UUID(path.stem)] = path
        except ValueError:
            continue
    return found


async def sweep_orphans(estate_id: UUID) -> int:
    """Remove the estate's photo files that no row names (left by a crash between a commit and
    the files' removal). Returns how many went."""
    from app.services.clock import utcnow

    candidates = await asyncio.to_thread(_orphan_candidates, _root() / str(estate_id), utcnow().timestamp())
    ids = list(candidates)
    known: set[UUID] = set()
    for start in range(0, len(ids), 500):
        rows = await Upload.select(Upload.id).where(Upload.id.is_in(ids[start:start + 500]))
        known.update(r["id"] if isinstance(r["id"], UUID) else UUID(str(r["id"])) for r in rows)
    gone = [path for upload_id, path in candidates.items() if upload_id not in known]
    for path in gone:
        await asyncio.to_thread(path.unlink, True)
    return len(gone)
