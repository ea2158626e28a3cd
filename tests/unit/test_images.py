"""The limits an uploaded photo must keep, judged before and after its header is read."""

from app.domain import images


def test_empty_and_oversized_uploads_are_refused_before_decoding():
    assert images.size_problem(0) == "empty"
    assert images.size_problem(images.MAX_BYTES + 1) == "too_large"
    assert images.size_problem(3_000_000) is None


def test_only_known_image_formats_with_sane_dimensions_pass():
    assert images.decoded_problem("JPEG", 4000, 3000) is None
    assert images.decoded_problem("PDF", 100, 100) == "not_an_image"
    assert images.decoded_problem(None, 100, 100) == "not_an_image"
    assert images.decoded_problem("PNG", 0, 10) == "not_an_image"
    assert images.decoded_problem("PNG", 50_000, 50_000) == "too_many_pixels"


def test_kept_photos_fit_the_longer_edge_and_keep_their_proportions():
    assert images.fitted(4000, 3000) == (2048, 1536)
    assert images.fitted(3000, 4000) == (1536, 2048)
    assert images.fitted(800, 600) == (800, 600)
    assert images.fitted(10_000, 3) == (2048, 1)
