"""The time of day comes from one place, ``app/services/clock.py``: a test (or a future "what if
it were tomorrow") can move it for everything at once, and domain rules get ``now`` passed in."""

import ast
from pathlib import Path

APP = Path(__file__).resolve().parents[2] / "app"
CLOCK = APP / "services" / "clock.py"
READS_THE_CLOCK = {("datetime", "now"), ("datetime", "utcnow"), ("datetime", "today"), ("date", "today"),
                   ("time", "time")}


def _clock_reads(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                and isinstance(node.func.value, ast.Name) and (node.func.value.id, node.func.attr) in READS_THE_CLOCK:
            found.append(f"{path}:{node.lineno} {node.func.value.id}.{node.func.attr}()")
    return found


def test_nothing_but_the_clock_module_reads_the_clock():
    reads = [read for path in sorted(APP.rglob("*.py")) if path != CLOCK for read in _clock_reads(path)]
    assert reads == [], "read the time through app.services.clock.utcnow() (or take `now` as an argument)"


def test_the_check_sees_a_clock_read(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("from datetime import datetime, timezone\nstamp = datetime.now(timezone.utc)\n")
    assert len(_clock_reads(sample)) == 1 and _clock_reads(CLOCK) != []
