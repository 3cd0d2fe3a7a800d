"""The user's "keep me signed in" choice at login, a Roost extension (decision 0036).

Kratos decides once for everyone: ``session.cookie.persistent`` makes the
session cookie persistent and, when it accepts Hydra's login, sets
``remember`` (``hydra/hydra.go``). Roost lets each sign-in choose: any login
method's body may carry ``remember`` (a JSON boolean, or the form values
``"true"``/``"false"``). The choice is kept in the flow's internal context, so
that it outlives the submits of one flow (a code sent, then verified), and in
the session cookie (``http/sessions.py``), so that it outlives the flow (the
aal2 step, a later refresh). Without the field nothing changes: the config
decides, as in Kratos.
"""

from __future__ import annotations

from typing import Any

from roost.identity import text
from roost.identity.schemas.manager import json_type
from roost.identity.selfservice.flow import Flow
from roost.identity.selfservice.flows import FormError

FIELD = "remember"
"""The body field (not a Kratos UI node: Ory's UIs and SDKs see nothing new)."""
KEY = "roost_remember"
"""The flow's ``internal_context`` key holding the choice."""
_FORM = {"true": True, "false": False}


def take(f: Flow, body: dict[str, Any]) -> None:
    """Keep the body's choice on ``f`` (a later submit's choice replaces an earlier one);
    anything but a boolean is refused on the flow, before any method runs."""
    if FIELD not in body:
        return
    value = body[FIELD]
    if isinstance(value, str) and value in _FORM:
        value = _FORM[value]
    if not isinstance(value, bool):
        f.messages.append(text.wrong_type(["boolean"], json_type(value)))
        raise FormError(f)
    f.internal_context[KEY] = value


def chosen(f: Flow, kept: bool | None = None) -> bool | None:
    """The choice for the session this flow finishes: the flow's, else ``kept`` (what the
    session cookie of a re-authenticated session says), else None (the config decides)."""
    value = f.internal_context.get(KEY)
    return value if isinstance(value, bool) else kept
