"""A real SMTP server on 127.0.0.1 (aiosmtpd) that records what it receives and can be told to misbehave.

    with SmtpServer() as server:            # or the `smtp_server` fixture in a test module
        server.script.refuse["bad@example.org"] = 550      # permanent refusal of a recipient
        server.script.busy["slow@example.org"] = 2         # answer 451 twice, then accept
        server.script.drop["flaky@example.org"] = 1        # keep the message, then drop the connection once
        ... send ...
        server.messages                                    # what was accepted, in order

`hold_after(n)` makes the server stop answering the MAIL command that follows the n-th accepted message until
`release()`: a test can then kill the client at a known point, outside the acceptance window.
`hold_reply_after(n)` records the n-th message but withholds its 250 reply: a kill then lands inside it.
`script.reply_delay` makes every final reply slow (the server "takes N seconds to answer" after it has the
message); `script.late` delays one recipient's reply past the client's timeout; `on_event` is called from the
server's thread at each MAIL ("mail") and each accepted message before its reply ("data"), so a test can kill
the client at a chosen moment without sleeping.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any, cast

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


@dataclass(frozen=True)
class Received:
    mail_from: str
    recipients: tuple[str, ...]
    data: bytes
    authenticated_as: str | None = None

    @property
    def message(self) -> EmailMessage:
        return cast(EmailMessage, message_from_bytes(self.data, policy=policy.default))


@dataclass
class Script:
    """How the server misbehaves; tests fill these in before sending."""

    refuse: dict[str, int] = field(default_factory=dict)  # recipient -> reply code for every RCPT
    busy: dict[str, int] = field(default_factory=dict)  # recipient -> how many 451 replies before accepting
    drop: dict[str, int] = field(default_factory=dict)  # recipient -> how many dropped DATA phases first
    drop_rcpt: dict[str, int] = field(default_factory=dict)  # recipient -> how many connections dropped at RCPT
    late: dict[str, float] = field(default_factory=dict)  # recipient -> seconds before its 250 (then cleared)
    reply_delay: float = 0.0  # seconds before every final reply, after the message is recorded
    users: dict[str, str] = field(default_factory=dict)  # AUTH: username -> password (empty: no AUTH)
    refuse_sender: int | None = None  # reply code for every MAIL command


class _Handler:
    def __init__(self, server: SmtpServer) -> None:
        self._server = server

    async def handle_MAIL(self, server: Any, session: Any, envelope: Any, address: str, options: list[str]) -> str:
        self._server._event("mail")
        await asyncio.get_running_loop().run_in_executor(None, self._server._wait_if_held)
        if self._server.script.refuse_sender:
            return f"{self._server.script.refuse_sender} 5.7.1 <{address}>: sender refused by the test script"
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return "250 OK"

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: list[str]) -> str:
        script = self._server.script
        key = address.lower()
        if key in script.refuse:
            return f"{script.refuse[key]} 5.1.1 <{address}>: refused by the test script"
        if script.drop_rcpt.get(key, 0) > 0:
            script.drop_rcpt[key] -= 1
            server.transport.abort()
            return "451 dropped"
        if script.busy.get(key, 0) > 0:
            script.busy[key] -= 1
            return "451 4.3.0 try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        script = self._server.script
        keys = [address.lower() for address in envelope.rcpt_tos]
        login = session.auth_data.login.decode() if session.authenticated and session.auth_data else None
        received = Received(envelope.mail_from, tuple(envelope.rcpt_tos), envelope.content, login)
        dropping = next((key for key in keys if script.drop.get(key, 0) > 0), None)
        if dropping is not None:  # the worst case: the server keeps (and delivers) the message, then hangs up
            script.drop[dropping] -= 1
            self._server._accept(received)
            server.transport.abort()
            return "451 dropped"  # never reaches the client: the connection is gone
        self._server._accept(received)
        self._server._event("data")
        await asyncio.get_running_loop().run_in_executor(None, self._server._wait_if_reply_held)
        delay = script.reply_delay + sum(script.late.pop(key, 0.0) for key in keys)
        if delay:
            await asyncio.sleep(delay)
        return "250 2.0.0 accepted"


class SmtpServer:
    """Starts on an ephemeral 127.0.0.1 port; `port` tells clients where."""

    def __init__(self, *, starttls: ssl.SSLContext | None = None, tls: ssl.SSLContext | None = None) -> None:
        """`starttls`: offer STARTTLS with this context (and require it); `tls`: implicit TLS from the start."""
        self.script = Script()
        self.messages: list[Received] = []
        self._arrived = threading.Condition()
        self._hold_after: int | None = None
        self._hold_reply_after: int | None = None
        self._held = threading.Event()
        self._release = threading.Event()
        self.on_event: Callable[[str, int], None] | None = None  # (kind, how many of that kind so far)
        self._events: dict[str, int] = {}
        self.port = _free_port()
        self._controller = Controller(
            _Handler(self),
            hostname="127.0.0.1",
            port=self.port,
            authenticator=self._authenticate,
            auth_require_tls=False,
            auth_required=False,
            tls_context=starttls,
            require_starttls=starttls is not None,
            ssl_context=tls,
        )

    # ------------------------------------------------------------------------------------ test-facing API

    def wait_for(self, count: int, timeout: float = 30.0) -> bool:
        """Block until `count` messages have been accepted (False on timeout)."""
        with self._arrived:
            return self._arrived.wait_for(lambda: len(self.messages) >= count, timeout)

    def hold_after(self, count: int) -> None:
        self._hold_after = count

    def hold_reply_after(self, count: int) -> None:
        """Keep the message recorded but withhold the 250 reply once `count` messages have arrived: the
        client is then inside the window where the server has the message and the client does not know."""
        self._hold_reply_after = count

    def wait_until_held(self, timeout: float = 30.0) -> bool:
        return self._held.wait(timeout)

    def release(self) -> None:
        self._hold_after = self._hold_reply_after = None
        self._release.set()

    def by_recipient(self) -> dict[str, list[Received]]:
        result: dict[str, list[Received]] = {}
        for received in self.messages:
            for recipient in received.recipients:
                result.setdefault(recipient.lower(), []).append(received)
        return result

    # ------------------------------------------------------------------------------------------ internals

    def _accept(self, received: Received) -> None:
        with self._arrived:
            self.messages.append(received)
            self._arrived.notify_all()

    def _event(self, kind: str) -> None:
        self._events[kind] = self._events.get(kind, 0) + 1
        if self.on_event is not None:
            self.on_event(kind, self._events[kind])

    def _wait_if_held(self) -> None:
        if self._hold_after is not None and len(self.messages) >= self._hold_after:
            self._held.set()
            self._release.wait(60)

    def _wait_if_reply_held(self) -> None:
        if self._hold_reply_after is not None and len(self.messages) >= self._hold_reply_after:
            self._held.set()
            self._release.wait(60)

    def _authenticate(self, server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
        if isinstance(data, LoginPassword):
            user, password = data.login.decode(), data.password.decode()
            if self.script.users.get(user) == password:
                return AuthResult(success=True, auth_data=data)
        return AuthResult(success=False, handled=False)

    def __enter__(self) -> SmtpServer:
        self._controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()
        self._controller.stop()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def running_server() -> Iterator[SmtpServer]:
    """Generator for a pytest fixture: `smtp_server = pytest.fixture(running_server)`."""
    with SmtpServer() as server:
        yield server


def write_email_config(
    folder: Path, server: SmtpServer, subscribers: list[str], *, timeout: float = 5, extra: str = ""
) -> Path:
    """A feeds.yaml in `folder` that emails `subscribers` (YAML flow mappings) through `server`, fast; `extra`
    is appended as it is (more top-level keys)."""
    lines = "\n".join(f"    - {subscriber}" for subscriber in subscribers)
    path = folder / "feeds.yaml"
    path.write_text(
        f"""\
timezone: Europe/London
sections:
  - name: World
    feeds: [{{url: "http://127.0.0.1:9/world.xml"}}]
email:
  enabled: true
  from: "Briefing <briefing@example.org>"
  smtp: {{host: 127.0.0.1, port: {server.port}, security: none, timeout: {timeout}}}
  rate_per_second: 1000
  retry_seconds: 0
  subscribers:
{lines}
{extra}""",
        encoding="utf-8",
    )
    return path
