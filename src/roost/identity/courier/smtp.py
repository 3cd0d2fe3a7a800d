"""Sending e-mail over SMTP as Kratos reads ``courier.smtp`` (``courier/smtp.go``).

``connection_uri``:

- ``smtps://user:pass@host:465/`` — implicit TLS (port 465 when none is given);
- ``smtp://user:pass@host:587/`` — STARTTLS, *required* (port 25 when none is
  given): a server that does not offer it is a failed send, never cleartext;
- ``?disable_starttls=true`` on ``smtp://`` — cleartext (development only);
- ``?skip_ssl_verify=true`` — accept any certificate, on both schemes;
- ``?server_name=`` — the name the certificate is checked against.

User and password are URL-decoded; ``client_cert_path``/``client_key_path``
present a client certificate; ``local_name`` is the EHLO name; ``headers``
are added to every message. smtplib blocks, so :meth:`SMTPSender.send` runs
it in a thread: a slow server holds a worker thread, never the event loop.
"""

from __future__ import annotations

import asyncio
import smtplib
import ssl
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formataddr, make_msgid
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from roost.core.errors import ConfigError

TIMEOUT = 30.0


def _flag(query: dict[str, list[str]], name: str) -> bool:
    return (query.get(name) or ["false"])[-1].lower() in ("true", "1")


@dataclass(frozen=True)
class SMTPConfig:
    """``courier.smtp`` with Kratos's defaults."""

    host: str
    port: int
    implicit_tls: bool
    starttls: bool
    verify: bool
    server_name: str | None
    username: str | None = field(default=None, repr=False)
    password: str | None = field(default=None, repr=False)
    from_address: str = "no-reply@ory.kratos.sh"
    from_name: str | None = None
    local_name: str = "localhost"
    headers: tuple[tuple[str, str], ...] = ()
    client_cert: str | None = None
    client_key: str | None = None

    @classmethod
    def from_values(cls, smtp: dict[str, Any]) -> SMTPConfig:
        uri = smtp.get("connection_uri") or "smtp://localhost:25/?disable_starttls=true"
        parts = urlsplit(uri)
        if parts.scheme not in ("smtp", "smtps"):
            raise ConfigError("identity: courier.smtp.connection_uri must be smtp:// or smtps://")
        query = parse_qs(parts.query)
        implicit = parts.scheme == "smtps"
        try:
            port = parts.port or (465 if implicit else 25)
        except ValueError as exc:
            raise ConfigError("identity: courier.smtp.connection_uri has a bad port") from exc
        return cls(
            host=parts.hostname or "localhost",
            port=port,
            implicit_tls=implicit,
            starttls=not implicit and not _flag(query, "disable_starttls"),
            verify=not _flag(query, "skip_ssl_verify"),
            server_name=(query.get("server_name") or [""])[-1] or None,
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
            from_address=smtp.get("from_address") or "no-reply@ory.kratos.sh",
            from_name=smtp.get("from_name") or None,
            local_name=smtp.get("local_name") or "localhost",
            headers=tuple(sorted((smtp.get("headers") or {}).items())),
            client_cert=smtp.get("client_cert_path") or None,
            client_key=smtp.get("client_key_path") or None,
        )

    def tls_context(self) -> ssl.SSLContext:
        ctx = ssl.create_default_context()
        if not self.verify:
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
        if self.client_cert and self.client_key:
            ctx.load_cert_chain(self.client_cert, self.client_key)
        return ctx


class SendFailed(Exception):
    """The server did not take the message; the text is safe to store (no credentials)."""


@dataclass(frozen=True)
class Email:
    to: str
    subject: str
    plaintext: str
    html: str | None = None


class SMTPSender:
    """One SMTP conversation per message (Kratos dials per message too)."""

    def __init__(self, config: SMTPConfig) -> None:
        self.config = config

    def build(self, mail: Email) -> EmailMessage:
        cfg = self.config
        msg = EmailMessage()
        msg["From"] = formataddr((cfg.from_name or "", cfg.from_address))
        msg["To"] = mail.to
        msg["Subject"] = mail.subject
        msg["Message-ID"] = make_msgid(domain=cfg.from_address.rpartition("@")[2] or None)
        for name, value in cfg.headers:
            msg[name] = value
        msg.set_content(mail.plaintext)
        if mail.html:
            msg.add_alternative(mail.html, subtype="html")
        return msg

    def _send(self, msg: EmailMessage) -> None:
        cfg = self.config
        server_name = cfg.server_name or cfg.host
        client: smtplib.SMTP
        if cfg.implicit_tls:
            ctx = cfg.tls_context()
            client = _SMTPSNamed(
                cfg.host, cfg.port, cfg.local_name, TIMEOUT, ctx, server_name=server_name
            )
        else:
            client = smtplib.SMTP(cfg.host, cfg.port, cfg.local_name, TIMEOUT)
        with client:
            client.ehlo()
            if cfg.starttls:
                if not client.has_extn("starttls"):
                    raise SendFailed("the SMTP server does not offer STARTTLS")
                _starttls(client, cfg.tls_context(), server_name)
                client.ehlo()
            if cfg.username:
                client.login(cfg.username, cfg.password or "")
            client.send_message(msg)

    async def send(self, mail: Email) -> None:
        """Deliver ``mail``; :class:`SendFailed` with a storable reason when that fails."""
        msg = self.build(mail)
        try:
            await asyncio.to_thread(self._send, msg)
        except SendFailed:
            raise
        except smtplib.SMTPException as exc:
            raise SendFailed(f"{type(exc).__name__}: {exc}") from exc
        except (OSError, ssl.SSLError) as exc:
            raise SendFailed(f"{type(exc).__name__}: {exc}") from exc


def _starttls(client: smtplib.SMTP, ctx: ssl.SSLContext, server_name: str) -> None:
    """``STARTTLS``, checking the certificate against ``server_name`` (not always the host)."""
    code, reply = client.docmd("STARTTLS")
    if code != 220:
        raise smtplib.SMTPResponseException(code, reply)
    assert client.sock is not None
    client.sock = ctx.wrap_socket(client.sock, server_hostname=server_name)
    client.file = None
    client.helo_resp = None
    client.ehlo_resp = None
    client.esmtp_features = {}
    client.does_esmtp = False


class _SMTPSNamed(smtplib.SMTP_SSL):
    """``SMTP_SSL`` that checks the certificate against ``server_name`` rather than the host."""

    def __init__(
        self,
        host: str,
        port: int,
        local_hostname: str,
        timeout: float,
        context: ssl.SSLContext,
        *,
        server_name: str,
    ) -> None:
        self._server_name = server_name
        super().__init__(host, port, local_hostname, timeout=timeout, context=context)

    def _get_socket(self, host: str, port: int, timeout: float) -> Any:
        import socket

        sock = socket.create_connection((host, port), timeout, self.source_address)
        return self.context.wrap_socket(sock, server_hostname=self._server_name)
