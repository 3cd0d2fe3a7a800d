"""Identity servers behind a reference-style UI, for the browser flows (decision 0022)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from tests.conftest import BACKENDS
from tests.identity.conftest import SESSION_HOOK, Kratos, email, serve_identity
from tests.support.kratos_ui import Page, UIServer

PASSWORD = "Browser-Flows-0022!"


@dataclass
class Site:
    """Kratos plus its UI, as a browser sees them."""

    kratos: Kratos
    ui: UIServer

    @property
    def public(self) -> str:
        return self.kratos.server.urls["public"]

    @property
    def admin(self) -> str:
        return self.kratos.server.urls["admin"]

    def browser(self) -> httpx.Client:
        """A cookie-keeping client that follows redirects, as a browser does."""
        return httpx.Client(follow_redirects=True, headers={"Accept": "text/html"}, timeout=30)

    def identity(self, password: str = PASSWORD) -> tuple[str, str]:
        """A new identity with a password, created through the admin API: (email, id)."""
        address = email()
        r = httpx.post(
            f"{self.admin}/admin/identities",
            json={
                "schema_id": "default",
                "traits": {"email": address, "name": {"first": "B", "last": "F"}},
                "credentials": {"password": {"config": {"password": password}}},
            },
        )
        assert r.status_code == 201, r.text
        return address, r.json()["id"]

    def sign_in(self, b: httpx.Client, address: str, password: str = PASSWORD) -> Page:
        page = Page(b.get(f"{self.public}/self-service/login/browser"))
        return Page(
            b.post(page.action, data=page.form("password", identifier=address, password=password))
        )


def _config(ui: UIServer, extra: dict[str, Any]) -> dict[str, Any]:
    selfservice = {**ui.config(), **SESSION_HOOK["selfservice"]}
    selfservice["flows"] = {**ui.config()["flows"]}
    for kind, values in (extra.pop("flows", {}) or {}).items():
        selfservice["flows"][kind] = {**selfservice["flows"].get(kind, {}), **values}
    selfservice["flows"]["registration"] = {
        **selfservice["flows"]["registration"],
        **SESSION_HOOK["selfservice"]["flows"]["registration"],
    }
    return {"selfservice": selfservice, **extra}


def _site(tmp: Any, backend: str, extra: dict[str, Any]) -> Iterator[Site]:
    ui = UIServer()
    server = serve_identity(tmp, backend, _config(ui, extra))
    ui.kratos = server.urls["public"]
    yield Site(Kratos(server), ui)
    server.stop()
    ui.stop()


@pytest.fixture(scope="session", params=BACKENDS)
def site(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Site]:
    """The UI's URLs configured, the ``session`` hook after registration."""
    tmp = tmp_path_factory.mktemp(f"browser-{request.param}-{uuid.uuid4().hex[:6]}")
    yield from _site(tmp, request.param, {})


@pytest.fixture(scope="session", params=BACKENDS)
def brief(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Site]:
    """Flows that expire after two seconds, and settings privileged for two seconds."""
    tmp = tmp_path_factory.mktemp(f"brief-{request.param}")
    flows = {
        "login": {"lifespan": "2s"},
        "settings": {"lifespan": "2s", "privileged_session_max_age": "2s"},
    }
    yield from _site(tmp, request.param, {"flows": flows})


def table_text(dsn: str, *tables: str) -> str:
    """Every row of ``tables`` as text, to prove no secret was written in clear."""
    import asyncio

    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import AsyncConnection

    from roost.storage.database import Database

    async def run() -> str:
        db = Database(dsn)

        async def read(conn: AsyncConnection) -> str:
            out = []
            for table in tables:
                rows = await conn.execute(text(f"SELECT * FROM {table}"))
                out += [repr(tuple(r)) for r in rows]
            return "\n".join(out)

        try:
            return await db.read(read)
        finally:
            await db.close()

    return asyncio.run(run())


MFA_PRIVILEGED = 6.0
"""Seconds a session stays privileged on the ``mfa`` site (the refusal test waits them out)."""


@pytest.fixture(scope="session", params=BACKENDS)
def mfa(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """TOTP, lookup secrets, WebAuthn and passkeys enabled (decision 0024; relying party
    ``localhost``, origin the public URL's), Kratos's ``highest_available``."""
    yield from mfa_site(request.param, tmp_path_factory)


def mfa_site(
    backend: str, tmp_path_factory: pytest.TempPathFactory, more: dict[str, Any] | None = None
) -> Iterator[Site]:
    """The ``mfa`` site, with ``more`` merged into its config."""
    tmp = tmp_path_factory.mktemp(f"mfa-{backend}-{uuid.uuid4().hex[:6]}")
    ui = UIServer()
    config = _config(ui, {"flows": {"settings": {"privileged_session_max_age": "6s"}}})
    config["selfservice"]["methods"] = {
        "totp": {"enabled": True, "config": {"issuer": "Roost Tests"}},
        "lookup_secret": {"enabled": True},
        "webauthn": {"enabled": True, "config": {"rp": {"id": "localhost", "display_name": "R"}}},
        "passkey": {"enabled": True, "config": {"rp": {"id": "localhost", "display_name": "R"}}},
    }
    server = serve_identity(tmp, backend, merge(config, more or {}))
    ui.kratos = server.urls["public"]
    yield Site(Kratos(server), ui)
    server.stop()
    ui.stop()


# --- recovery and verification (decision 0023): a site that mails ------------------------

MAIL_SECRET = "recovery-verification-secret-0023"


@dataclass
class MailSite(Site):
    """A site whose courier delivers to a real SMTP server (aiosmtpd) in the test run."""

    smtp: Any = None

    def mail_to(self, address: str, count: int = 1, timeout: float = 20) -> Any:
        """The ``count``-th mail received for ``address`` (waits for the courier)."""
        import time

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = [m for m in self.smtp.inbox.mails if str(m["To"]) == address]
            if len(found) >= count:
                return found[count - 1]
            time.sleep(0.05)
        raise AssertionError(f"no mail #{count} for {address}")

    def mails_to(self, address: str) -> list[Any]:
        return [m for m in self.smtp.inbox.mails if str(m["To"]) == address]


QUICKSTART_SCHEMA: dict[str, Any] = {
    "$id": "https://roost.test/quickstart.schema.json",
    "$schema": "http://json-schema.org/draft-07/schema#",
    "type": "object",
    "properties": {
        "traits": {
            "type": "object",
            "properties": {
                "email": {
                    "type": "string",
                    "format": "email",
                    "title": "E-Mail",
                    "ory.sh/kratos": {
                        "credentials": {
                            "password": {"identifier": True},
                            "code": {"identifier": True, "via": "email"},
                        },
                        "verification": {"via": "email"},
                        "recovery": {"via": "email"},
                    },
                },
                "name": {
                    "type": "object",
                    "properties": {"first": {"type": "string"}, "last": {"type": "string"}},
                },
            },
            "required": ["email"],
            "additionalProperties": False,
        }
    },
}
"""Kratos's quickstart schema: the e-mail is identifier (password and code), verification
and recovery address."""


def _mail_config(ui: UIServer, smtp_port: int, extra: dict[str, Any]) -> dict[str, Any]:
    flows = {
        "recovery": {"enabled": True, **extra},
        "verification": {"enabled": True, **extra},
        "settings": {"privileged_session_max_age": "15m"},
    }
    cfg = _config(ui, {"flows": flows})
    cfg["selfservice"]["methods"] = {
        "link": {"enabled": True},
        "code": {"passwordless_enabled": True},
    }
    after = cfg["selfservice"]["flows"]["registration"]["after"]["password"]
    after["hooks"] = [{"hook": "session"}, {"hook": "show_verification_ui"}]
    cfg["secrets"] = {"cookie": [MAIL_SECRET]}
    cfg["courier"] = {
        "smtp": {"connection_uri": f"smtp://127.0.0.1:{smtp_port}/?disable_starttls=true"},
        "worker": {"pull_wait": "50ms"},
    }
    return cfg


@pytest.fixture(scope="session", params=BACKENDS)
def mail_site(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[MailSite]:
    """Recovery and verification on (code by default, link enabled), ``--watch-courier``."""
    yield from _mail_site(request.param, tmp_path_factory, {})


@pytest.fixture(scope="session", params=BACKENDS)
def notifying_site(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[MailSite]:
    """As ``mail_site``, with ``notify_unknown_recipients`` and flows of two seconds."""
    extra = {"notify_unknown_recipients": True, "lifespan": "2s"}
    yield from _mail_site(request.param, tmp_path_factory, extra)


def merge(base: dict[str, Any], more: dict[str, Any]) -> dict[str, Any]:
    """``more`` laid over ``base``, nested objects merged key by key (in place)."""
    for key, value in more.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            merge(base[key], value)
        else:
            base[key] = value
    return base


def _mail_site(
    backend: str,
    tmp_path_factory: pytest.TempPathFactory,
    extra: dict[str, Any],
    more: dict[str, Any] | None = None,
    schema_doc: dict[str, Any] | None = None,
) -> Iterator[MailSite]:
    from tests.conftest import new_dsn, postgres_admin_dsn
    from tests.identity.conftest import FAST
    from tests.identity.courier.smtp_server import SMTPServer
    from tests.support.server import free_port, start_server

    if backend == "postgres":
        postgres_admin_dsn()
    tmp = tmp_path_factory.mktemp(f"mail-{backend}")
    smtp = SMTPServer(free_port()).start()
    ui = UIServer()
    dsn = new_dsn(backend, tmp)
    schema = tmp / "quickstart.schema.json"
    schema.write_text(json.dumps(schema_doc or QUICKSTART_SCHEMA))
    config = merge({"dsn": dsn, **FAST, **_mail_config(ui, smtp.port, extra)}, more or {})
    config["identity"] = {
        "default_schema_id": "default",
        "schemas": [{"id": "default", "url": f"file://{schema}"}],
    }
    server = start_server(
        tmp,
        config,
        service="identity",
        listeners=("public", "admin"),
        extra_args=("--watch-courier",),
    )
    server.dsn = dsn  # type: ignore[attr-defined]
    ui.kratos = server.urls["public"]
    yield MailSite(Kratos(server), ui, smtp)
    server.stop()
    ui.stop()
    smtp.stop()
