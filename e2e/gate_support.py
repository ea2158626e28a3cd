"""The gate in the browser: a camera that films a real pass, and the scanner page's objects.

Chromium's fake camera plays a .y4m file (``--use-file-for-fake-video-capture``), which is a
launch argument: a test that scans gets a browser of its own. The video is made here from a
screenshot of the QR the guest's pass page shows, so what the guard's phone reads is exactly
what a guest would hold up. PIL is not installed: the screenshot is a plain PNG, decoded below.

    frames = qr_frames(pass_page.qr.screenshot())
    write_y4m(path, frames)
    with camera_browser(path) as browser: ...
"""

from __future__ import annotations

import struct
import zlib
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from playwright.sync_api import Browser, Locator, Page, expect

from e2e.conftest import CHROMIUM, CHROMIUM_ARGS, CHROMIUM_DESKTOP, NO_PASSKEY_AUTOFILL, TIMEOUT_MS, VIEWPORT, Authenticator, Phone
from e2e.invitations_support import InvitationPage, InvitePage, PassPage
from e2e.pages import EN, Screen, enrol, t

WIDTH, HEIGHT = 1280, 720


# A PNG decoder for Playwright's screenshots (8-bit RGB or RGBA, not interlaced) -----------------


def png_gray(data: bytes) -> tuple[int, int, list[bytearray]]:
    """(width, height, rows of 8-bit luma) of a PNG."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat = 8, b""
    width = height = channels = 0
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", body)
            assert depth == 8 and interlace == 0 and colour in (0, 2, 4, 6), (depth, colour, interlace)
            channels = {0: 1, 2: 3, 4: 2, 6: 4}[colour]
        elif kind == b"IDAT":
            idat += body
        elif kind == b"IEND":
            break
    raw = zlib.decompress(idat)
    stride = width * channels
    rows: list[bytearray] = []
    previous = bytearray(stride)
    offset = 0
    for _ in range(height):
        kind, line = raw[offset], bytearray(raw[offset + 1:offset + 1 + stride])
        offset += 1 + stride
        for i in range(stride):
            left = line[i - channels] if i >= channels else 0
            up = previous[i]
            corner = previous[i - channels] if i >= channels else 0
            if kind == 1:
                line[i] = (line[i] + left) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + up) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + ((left + up) >> 1)) & 0xFF
            elif kind == 4:
                p = left + up - corner
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                pred = left if pa <= pb and pa <= pc else (up if pb <= pc else corner)
                line[i] = (line[i] + pred) & 0xFF
        rows.append(line)
        previous = line
    gray = []
    for line in rows:
        if channels in (1, 2):
            gray.append(bytearray(line[0::channels]))
        else:
            gray.append(bytearray((line[i] * 299 + line[i + 1] * 587 + line[i + 2] * 114) // 1000
                                  for i in range(0, stride, channels)))
    return width, height, gray


# The video ----------------------------------------------------------------------------------


def qr_frame(png: bytes, width: int = WIDTH, height: int = HEIGHT, size: int = 480) -> bytes:
    """One luma plane: the screenshot scaled to ``size`` pixels high, centred on white."""
    w, h, gray = png_gray(png)
    scale = size / h
    out_w = int(w * scale)
    plane = bytearray(b"\xff" * (width * height))
    top, left = (height - size) // 2, (width - out_w) // 2
    columns = [min(int(x / scale), w - 1) for x in range(out_w)]
    for y in range(size):
        source = gray[min(int(y / scale), h - 1)]
        start = (top + y) * width + left
        plane[start:start + out_w] = bytes(source[c] for c in columns)
    return bytes(plane)


def blank_frame(width: int = WIDTH, height: int = HEIGHT) -> bytes:
    return b"\xf0" * (width * height)


def write_y4m(path: Path, planes: list[bytes], width: int = WIDTH, height: int = HEIGHT, fps: int = 30) -> Path:
    """A YUV4MPEG2 4:2:0 video of grey frames (chroma flat at 128)."""
    chroma = b"\x80" * ((width // 2) * (height // 2) * 2)
    with path.open("wb") as out:
        out.write(f"YUV4MPEG2 W{width} H{height} F{fps}:1 Ip A1:1 C420jpeg\n".encode())
        for plane in planes:
            out.write(b"FRAME\n")
            out.write(plane)
            out.write(chroma)
    return path


def qr_video(path: Path, png: bytes, frames: int = 30, blank: int = 0) -> Path:
    qr = qr_frame(png)
    return write_y4m(path, [blank_frame()] * blank + [qr] * frames)


@contextmanager
def camera_browser(shared: Browser, video: Path | None, *, allow: bool = True) -> Iterator[Browser]:
    """A Chromium of its own (launched by the session's Playwright, ``shared.browser_type``)
    whose camera films ``video`` (or, with no video, Chromium's test pattern).
    ``allow=False`` leaves the permission to the (absent) person: it is refused at the desktop
    build's prompt."""
    args = list(CHROMIUM_ARGS) + ["--use-fake-device-for-media-stream"]
    if allow:
        args.append("--use-fake-ui-for-media-stream")
    if video is not None:
        args.append(f"--use-file-for-fake-video-capture={video}")
    browser = shared.browser_type.launch(executable_path=CHROMIUM if allow else CHROMIUM_DESKTOP, headless=True,
                                         args=args)
    try:
        yield browser
    finally:
        browser.close()


# People at the gate ---------------------------------------------------------------------------


def guard_phone(browser: Browser, base_url: str, *, service_workers: str = "allow") -> Phone:
    context = browser.new_context(base_url=base_url, viewport=VIEWPORT, locale="en-US", service_workers=service_workers,
                                  extra_http_headers={"Accept-Language": "en-US"})
    context.set_default_timeout(TIMEOUT_MS)
    context.set_default_navigation_timeout(TIMEOUT_MS)
    context.add_init_script(NO_PASSKEY_AUTOFILL)
    page = context.new_page()
    phone = Phone(context, page, Authenticator(page))
    phone.watch()
    return phone


def invite(new_phone, enrol_link, guest: str) -> tuple[Phone, InvitationPage, bytes, str]:
    """Wang Fang invites a guest; the guest's pass page shows the QR (returned as a PNG, with
    the link the guest was sent)."""
    resident = new_phone("en-US")
    enrol(resident.page, enrol_link("Wang Fang"), "Wang Fang")
    detail = InvitePage.open_from_home(resident.page).invite(guest)
    guest_phone = new_phone("en-US", authenticator=False)
    link = detail.link()
    pass_page = PassPage(guest_phone.page).goto(link)
    expect(pass_page.qr).to_be_visible()
    return resident, detail, pass_page.qr.screenshot(), link


# The scanner page ---------------------------------------------------------------------------


class GatePage(Screen):
    """The gate guard's scanner and the verdict that covers it."""

    def goto(self, estate: str) -> GatePage:
        self.page.goto(f"/e/{estate}/gate")
        return self

    @classmethod
    def open_from_home(cls, page: Page, lang: str = EN) -> GatePage:
        page.locator("#main").get_by_role("link", name=t(lang, "Scan"), exact=True).click()
        gate = cls(page)
        expect(gate.manual_field(lang)).to_be_visible()
        return gate

    @property
    def scanner(self) -> Locator:
        return self.page.locator("[data-scanner]")

    @property
    def verdict(self) -> Locator:
        return self.page.locator("#verdict [data-verdict]")

    def expect_verdict(self, code: str, headline: str, lang: str = EN) -> None:
        # After "Scan next" the camera ignores the same code for 2.5 s (scanner.js), then reads it.
        expect(self.verdict).to_have_attribute("data-verdict", code, timeout=10_000)
        expect(self.verdict.get_by_role("heading")).to_have_text(t(lang, headline))

    def next_verdict(self, lang: str = EN) -> Locator:
        """"Scan next" with a camera filming several passes in turn: the next verdict, whichever
        pass it is for (the one just read is ignored for a moment, so it is another)."""
        self.verdict.evaluate("(node) => node.setAttribute('data-seen', '')")
        self.verdict.get_by_role("link", name=t(lang, "Scan next")).click()
        fresh = self.page.locator("#verdict [data-verdict]:not([data-seen])")
        expect(fresh).to_have_count(1, timeout=10_000)
        return fresh

    def admit(self, lang: str = EN) -> None:
        self.verdict.get_by_role("button", name=t(lang, "Admit")).click()
        self.expect_verdict("admitted", "Admitted", lang)

    def record_exit(self, lang: str = EN) -> None:
        self.verdict.get_by_role("button", name=t(lang, "Exit"), exact=True).click()
        self.expect_verdict("exited", "Exit recorded", lang)

    def scan_next(self, lang: str = EN) -> None:
        self.verdict.get_by_role("link", name=t(lang, "Scan next")).click()
        expect(self.verdict).to_have_count(0)

    def manual_field(self, lang: str = EN) -> Locator:
        return self.page.get_by_label(t(lang, "Or type the pass link"))

    def type_code(self, code: str, lang: str = EN) -> None:
        self.manual_field(lang).fill(code)
        self.page.get_by_role("button", name=t(lang, "Check code")).click()

    def problem(self, kind: str) -> Locator:
        return self.page.locator(f'[data-scanner-problem="{kind}"]')


class OnSitePage(Screen):
    """Who is inside now, with an exit and a lost-pass form on each visitor."""

    @classmethod
    def open_from_home(cls, page: Page, lang: str = EN) -> OnSitePage:
        page.locator("#main").get_by_role("link", name=t(lang, "On site now")).click()
        onsite = cls(page)
        expect(onsite.page.get_by_role("heading", level=1, name=t(lang, "On site now"))).to_be_visible()
        return onsite

    def visitor(self, name: str) -> Locator:
        return self.page.locator("[data-visit]").filter(has_text=name)

    def record_exit(self, name: str, lang: str = EN) -> None:
        self.visitor(name).get_by_role("button", name=t(lang, "Record the exit of %(name)s", name=name)).click()
        expect(self.page.get_by_text(t(lang, "Exit recorded."))).to_be_visible()

    def report_lost_pass(self, name: str, what: str, fee: str = "", lang: str = EN) -> None:
        row = self.visitor(name)
        row.get_by_text(t(lang, "Lost pass"), exact=True).click()
        row.get_by_label(t(lang, "What happened")).fill(what)
        row.get_by_label(t(lang, "Replacement fee (optional)")).fill(fee)
        row.get_by_role("button", name=t(lang, "Close the visit")).click()
        expect(self.page.get_by_text(t(lang, "Lost pass recorded and the visit closed."))).to_be_visible()
