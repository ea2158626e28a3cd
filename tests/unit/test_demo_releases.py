"""The demo's open goods release slips leave on a day whose window is still ahead, at any hour
the demo is loaded (a demo loaded at 20:05 had its draft and its queue expired at once)."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from app.services.demo_releases import CLOSES, leaving_day

SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_at_every_minute_of_a_day_the_open_slips_window_ends_two_hours_or_more_ahead():
    start = datetime(2026, 12, 7, tzinfo=SHANGHAI)
    for minute in range(0, 24 * 60, 5):
        now = start + timedelta(minutes=minute)
        ends = datetime.combine(leaving_day(now), time(CLOSES), tzinfo=SHANGHAI)
        assert ends - now >= timedelta(hours=2), now


def test_they_leave_today_while_the_day_allows_and_tomorrow_after():
    assert leaving_day(datetime(2026, 12, 7, 9, 30, tzinfo=SHANGHAI)).day == 7
    assert leaving_day(datetime(2026, 12, 7, 17, 59, tzinfo=SHANGHAI)).day == 7
    assert leaving_day(datetime(2026, 12, 7, 18, 0, tzinfo=SHANGHAI)).day == 8
    assert leaving_day(datetime(2026, 12, 31, 23, 50, tzinfo=SHANGHAI)) == datetime(2027, 1, 1).date()
