"""Which language a page speaks: the person's choice, else the cookie, else the browser's
Accept-Language by its q-values, else Simplified Chinese."""

import pytest

from app.i18n import DEFAULT_LANGUAGE, pick_language


def test_the_persons_choice_beats_the_cookie_and_the_browser():
    assert pick_language("en", "zh-Hans", "zh-CN") == "en"
    assert pick_language("zh-Hans", "en", "en-US") == "zh-Hans"


def test_the_cookie_beats_the_browser():
    assert pick_language(None, "en", "zh-CN,zh;q=0.9") == "en"
    assert pick_language("", "zh-Hans", "en-US") == "zh-Hans"


def test_a_choice_or_cookie_we_do_not_offer_is_passed_over():
    assert pick_language("fr", "de", "en-GB") == "en"
    assert pick_language("zh_Hans", "EN", None) == DEFAULT_LANGUAGE


@pytest.mark.parametrize("header", ["zh-CN", "zh-TW", "zh-Hans-CN", "zh-Hant-HK", "zh", "zh-SG,en;q=0.5"])
def test_any_chinese_gets_simplified_chinese(header):
    assert pick_language(None, None, header) == "zh-Hans"


@pytest.mark.parametrize("header", ["en-US", "en", "en-GB,en;q=0.9", "fr-FR,en;q=0.8,zh;q=0.5"])
def test_english_browsers_get_english(header):
    assert pick_language(None, None, header) == "en"


def test_q_values_order_the_browsers_wishes_not_their_position():
    assert pick_language(None, None, "en;q=0.4,zh-CN;q=0.9") == "zh-Hans"
    assert pick_language(None, None, "zh-CN;q=0.3, en-US;q=0.7") == "en"


def test_equal_q_values_keep_the_browsers_order():
    assert pick_language(None, None, "en,zh") == "en"
    assert pick_language(None, None, "zh,en") == "zh-Hans"


def test_a_language_the_browser_refuses_with_q_zero_is_not_chosen():
    assert pick_language(None, None, "fr, en;q=0") == DEFAULT_LANGUAGE
    assert pick_language(None, None, "zh;q=0, en;q=0.5") == "en"


def test_private_use_and_extension_subtags_do_not_hide_the_language():
    assert pick_language(None, None, "en-US-x-twain") == "en"
    assert pick_language(None, None, "yue-HK,en;q=0.5") == "zh-Hans"


@pytest.mark.parametrize("header", [None, "", "*", "fr-FR,de;q=0.8", "ja-JP", "!!!,;;;", "en;q=abc",
                                    "xx", "tlh", "i-klingon", "qqq-ZZ,;q=1"])
def test_anything_else_falls_back_to_simplified_chinese(header):
    """Even a tag no locale database knows: the header is the browser's, never a reason for an error."""
    assert pick_language(None, None, header) == DEFAULT_LANGUAGE == "zh-Hans"
