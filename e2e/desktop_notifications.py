"""The phone's notification shade for tests: a private D-Bus session bus on which the test
plays the desktop's notification server (``org.freedesktop.Notifications``).

Chromium on Linux shows a web notification by calling ``Notify`` on that service, and learns
of a tap from its ``ActionInvoked`` signal, which reaches the service worker as a real,
trusted ``notificationclick``: the same path as a tap on a phone's lock screen. A browser
started with ``DBUS_SESSION_BUS_ADDRESS = centre.address`` (a persistent context: Chromium
talks to the bus only there) shows its notifications here; ``wait_for`` finds one and
``tap`` presses one of its buttons, or its body.
"""

from __future__ import annotations

import queue
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from jeepney import DBusAddress, HeaderFields, MessageType, new_error, new_method_return, new_signal
from jeepney.bus_messages import message_bus
from jeepney.io.blocking import open_dbus_connection

NAME = "org.freedesktop.Notifications"
PATH = "/org/freedesktop/Notifications"
# Only what this centre needs: anyone on the bus may call and own anything; no services to
# start on demand (the stock session config would start an accessibility bus).
BUS_CONFIG = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path={socket}</listen>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"""


@dataclass(frozen=True)
class DesktopNotification:
    id: int
    summary: str
    body: str
    buttons: dict[str, str]  # label -> action key; "default" is a tap on the body

    @property
    def button_labels(self) -> list[str]:
        return [label for label, key in self.buttons.items() if key not in ("default", "settings")]


class NotificationCentre:
    def __init__(self, directory: Path):
        socket = directory / "bus"
        config = directory / "bus.conf"
        config.write_text(BUS_CONFIG.format(socket=socket))
        self._daemon = subprocess.Popen(
            ["dbus-daemon", "--nofork", "--print-address=1", f"--config-file={config}"],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
        )
        self.address = self._daemon.stdout.readline().strip()
        if not self.address:
            raise RuntimeError(f"dbus-daemon did not start (exit {self._daemon.poll()})")
        self._shown: list[DesktopNotification] = []
        self._changed = threading.Condition()
        self._signals: queue.Queue[tuple[str, str, tuple]] = queue.Queue()
        self._stop = threading.Event()
        connection = open_dbus_connection(bus=self.address)
        connection.send_and_get_reply(message_bus.RequestName(NAME))
        self._thread = threading.Thread(target=self._serve, args=(connection,), daemon=True)
        self._thread.start()

    def _serve(self, connection) -> None:
        emitter = DBusAddress(PATH, interface=NAME)
        next_id = 0
        with connection:
            while not self._stop.is_set():
                while not self._signals.empty():
                    member, signature, body = self._signals.get()
                    connection.send(new_signal(emitter, member, signature, body))
                try:
                    call = connection.receive(timeout=0.05)
                except TimeoutError:
                    continue
                if call.header.message_type != MessageType.method_call:
                    continue
                member = call.header.fields.get(HeaderFields.member)
                if member == "GetCapabilities":
                    connection.send(new_method_return(call, "as", (["actions", "body"],)))
                elif member == "GetServerInformation":
                    connection.send(new_method_return(call, "ssss", ("gatepost-tests", "gatepost", "1", "1.2")))
                elif member == "Notify":
                    _app, replaces, _icon, summary, body, actions, _hints, _timeout = call.body
                    next_id += 1
                    number = replaces or next_id
                    buttons = {label: key for key, label in zip(actions[::2], actions[1::2])}
                    connection.send(new_method_return(call, "u", (number,)))
                    with self._changed:
                        self._shown.append(DesktopNotification(number, summary, body, buttons))
                        self._changed.notify_all()
                elif member == "CloseNotification":
                    connection.send(new_method_return(call))
                else:
                    connection.send(new_error(call, "org.freedesktop.DBus.Error.UnknownMethod"))

    def wait_for(self, summary: str, *, after: int = 0, timeout: float = 10.0) -> DesktopNotification:
        """The first notification shown (after the ``after`` first ones) whose title starts with ``summary``."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                for shown in self._shown[after:]:
                    if shown.summary.startswith(summary):
                        return shown
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"no notification {summary!r} shown; shown: {self._shown}")
                self._changed.wait(left)

    @property
    def count(self) -> int:
        with self._changed:
            return len(self._shown)

    def tap(self, notification: DesktopNotification, label: str | None = None) -> None:
        """A tap on the button labelled ``label``, or on the notification's body. (The service
        worker closes the notification itself; a NotificationClosed sent here as well could
        reach the browser before it has read the notification for the click.)"""
        key = notification.buttons[label] if label else "default"
        self._signals.put(("ActionInvoked", "us", (notification.id, key)))

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self._daemon.terminate()
        self._daemon.wait(timeout=5)
