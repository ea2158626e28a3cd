"""Every screen passes axe in Simplified Chinese: the walk is in ``accessibility_walk.py``."""

from e2e.accessibility_walk import walk, walk_every_screen  # noqa: F401 (walk is a fixture)
from e2e.pages import ZH


def test_every_screen_passes_axe(walk, new_phone, server, short_consent_timeout):  # noqa: F811
    walk_every_screen(walk, new_phone, server, ZH)
