"""Session rules over the real SQL store (SQLite and PostgreSQL).

Who the caller is, revoking, extending.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from roost.core.errors import Forbidden, Invalid, NotFound
from roost.identity.errors import KratosError
from roost.identity.identities.model import now
from roost.identity.sessions.manager import SessionManager, plausible
from roost.identity.sessions.model import Device
from tests.identity.sql.test_stores import Stores, person, with_stores


def device() -> Device:
    """A fresh device: each request that issues a session brings its own row."""
    return Device("10.0.0.1:1", "ua")


def test_current_session_and_native_logout(dsn: str) -> None:
    async def body(s: Stores) -> None:
        ident = person("who@x.io")
        await s.add(ident)
        manager = SessionManager(s.sessions, timedelta(hours=1), None)
        seen = device()
        issued = manager.issue(ident, seen)
        assert issued.identity is ident and issued.devices == [seen]
        assert issued.authentication_methods[0]["method"] == "password"
        await s.sessions.create(issued)
        current = await manager.current(issued.token)
        assert current.id == issued.id and current.identity is not None
        for token in (None, "", "ory_st_" + "x" * 32, "x" * 65, "bad\x00token"):
            with pytest.raises(KratosError) as err:
                await manager.current(token)
            assert err.value.status == 401
        with pytest.raises(Forbidden):
            await manager.logout("ory_st_" + "y" * 32)
        await manager.logout(issued.token)
        assert await manager.active(issued.token) is None

    with_stores(dsn, body)


def test_revoking_other_sessions_never_reaches_the_current_or_a_stranger(dsn: str) -> None:
    async def body(s: Stores) -> None:
        mine, theirs = person("me@x.io"), person("them@x.io")
        await s.add(mine)
        await s.add(theirs)
        manager = SessionManager(s.sessions, timedelta(hours=1), None)
        current, other, stranger = (
            manager.issue(mine, device()),
            manager.issue(mine, device()),
            manager.issue(theirs, device()),
        )
        for sess in (current, other, stranger):
            await s.sessions.create(sess)
        with pytest.raises(Invalid):
            await manager.revoke_own(current, current.id)
        with pytest.raises(NotFound):
            await manager.revoke_own(current, stranger.id)
        assert await manager.active(stranger.token) is not None
        await manager.revoke_own(current, other.id)
        assert await manager.active(other.token) is None
        assert await manager.revoke_others(current) == 0
        assert await manager.active(current.token) is not None

    with_stores(dsn, body)


def test_extend_only_once_the_session_is_within_the_earliest_extend_window(dsn: str) -> None:
    async def body(s: Stores) -> None:
        ident = person("ext@x.io")
        await s.add(ident)
        manager = SessionManager(s.sessions, timedelta(hours=1), timedelta(minutes=10))
        sess = manager.issue(ident, device())
        await s.sessions.create(sess)
        far = sess.expires_at
        assert (await manager.extend(sess)).expires_at == far  # 1 h left > 10 min: unchanged
        sess.expires_at = now() + timedelta(minutes=5)
        extended = await manager.extend(sess)
        assert extended.expires_at > now() + timedelta(minutes=55)
        stored = await s.sessions.get(sess.id)
        assert stored is not None and stored.expires_at == extended.expires_at

    with_stores(dsn, body)


def test_plausible_tokens() -> None:
    assert plausible("ory_st_" + "a" * 32)
    assert (
        not plausible("")
        and not plausible("a" * 65)
        and not plausible("é")
        and not plausible("a\nb")
    )
