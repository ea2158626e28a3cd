"""The vendored QR decoder: the barcode-detector build pins the zxing wasm by its SHA-256, and
the wasm beside it must be that very file (a mismatch fails only on phones without a native
detector, i.e. every iPhone)."""

import hashlib
import re
from pathlib import Path

VENDOR = Path(__file__).resolve().parents[2] / "app" / "static" / "vendor"


def test_the_vendored_wasm_is_the_one_the_decoder_build_pins():
    build = (VENDOR / "barcode-detector-3.2.2" / "ponyfill.js").read_text()
    pinned = set(re.findall(r"\b[0-9a-f]{64}\b", build))
    wasm = (VENDOR / "zxing-wasm-3.1.3" / "zxing_reader.wasm").read_bytes()
    assert pinned == {hashlib.sha256(wasm).hexdigest()}
    assert "zxing-wasm@3.1.3" in build


def test_each_vendored_decoder_file_has_its_version_and_licence():
    for folder in ("barcode-detector-3.2.2", "zxing-wasm-3.1.3"):
        assert (VENDOR / folder / "LICENSE").read_text().startswith("MIT License")
        assert (VENDOR / folder / "VERSION").read_text().strip()
