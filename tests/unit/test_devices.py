"""A passkey's default name says which browser on which system made it."""

import pytest

from app.domain.devices import device_label

ANDROID_CHROME = ("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
                  "Chrome/131.0.0.0 Mobile Safari/537.36")
IPHONE_SAFARI = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
                 "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1")
WECHAT_ANDROID = ("Mozilla/5.0 (Linux; Android 13; V2227A) AppleWebKit/537.36 (KHTML, like Gecko) "
                  "Version/4.0 Chrome/116.0.0.0 Mobile Safari/537.36 XWEB/1160065 MMWEBSDK/20231202 "
                  "MicroMessenger/8.0.47.2560(0x28002F35) WeChat/arm64 Weixin NetType/WIFI Language/zh_CN")
WINDOWS_EDGE = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
                "Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0")
MAC_FIREFOX = "Mozilla/5.0 (Macintosh; Intel Mac OS X 14.5; rv:132.0) Gecko/20100101 Firefox/132.0"
SAMSUNG = ("Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) "
           "SamsungBrowser/25.0 Chrome/121.0.0.0 Mobile Safari/537.36")


@pytest.mark.parametrize(
    ("user_agent", "label"),
    [
        (ANDROID_CHROME, "Chrome · Android"),
        (IPHONE_SAFARI, "Safari · iPhone"),
        (WECHAT_ANDROID, "WeChat · Android"),
        (WINDOWS_EDGE, "Edge · Windows"),
        (MAC_FIREFOX, "Firefox · Mac"),
        (SAMSUNG, "Samsung Internet · Android"),
    ],
)
def test_a_passkey_is_named_after_browser_and_system(user_agent, label):
    assert device_label(user_agent) == label


def test_a_browser_that_says_only_one_of_them_gives_that_one():
    assert device_label("Firefox/132.0") == "Firefox"
    assert device_label("something on Android") == "Android"


def test_a_browser_that_says_nothing_gives_passkey():
    assert device_label("") == "Passkey"
    assert device_label(None) == "Passkey"
    assert device_label("curl/8.5.0") == "Passkey"
