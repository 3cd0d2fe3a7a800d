"""The ``profile`` and ``password`` settings methods (``selfservice/strategy/{profile,password}``).

``profile`` replaces the traits, validated by the identity schema. Changing
a *protected* trait (one that yields a password identifier, a verifiable or
a recovery address) needs a privileged session, as Kratos's
``ManagerAllowWriteProtectedTraits``; other traits can be changed by any
session. ``password`` always needs a privileged session and checks the new
password with registration's policy (length, similarity to the
identifiers, breaches) before hashing it off the event loop.
"""

from __future__ import annotations

import copy
from typing import Any

from roost.core.errors import Invalid
from roost.identity import text
from roost.identity.config import PasswordPolicy
from roost.identity.credentials.policy import check_password
from roost.identity.identities.manager import derive
from roost.identity.identities.model import Credential, Identity
from roost.identity.schemas.manager import IdentitySchema
from roost.identity.selfservice.flow import Flow, Node, input_node, trait_node, trait_value
from roost.identity.selfservice.flows import FormError
from roost.identity.selfservice.password import Hasher
from roost.identity.selfservice.settings import Change


def _protected(schema: IdentitySchema, traits: Any) -> tuple[Any, ...]:
    return (
        sorted(schema.identifiers(traits)),
        sorted(schema.addresses(traits, "verification")),
        sorted(schema.addresses(traits, "recovery")),
    )


def _fail(f: Flow, errors: list[tuple[str, text.Text]]) -> FormError:
    for name, message in errors:
        f.attach(name, message)
    return FormError(f)


class ProfileSettings:
    """``method: profile``: new traits."""

    def nodes(self, identity: Identity, schema: IdentitySchema, _flow: Flow) -> list[Node]:
        nodes = [
            trait_node(f, "profile", trait_value(identity.traits, f.path)) for f in schema.fields
        ]
        nodes.append(input_node("method", "profile", "submit", value="profile", label=text.save()))
        return nodes

    async def update(self, change: Change) -> Identity:
        f, schema = change.flow, change.schema
        traits = change.body.get("traits")
        for fld in schema.fields:
            f.set_value(f"traits.{fld.path}", trait_value(traits, fld.path))
        if not isinstance(traits, dict):
            raise _fail(f, [("traits", text.required("traits"))])
        errors = schema.validate(traits)
        if errors:
            raise _fail(f, errors)
        if _protected(schema, traits) != _protected(schema, change.identity.traits):
            change.require_privileged()
        updated = copy.deepcopy(change.identity)
        updated.traits = traits
        try:
            derive(schema, updated)
        except Invalid as exc:
            raise _fail(f, [("", text.generic(str(exc)))]) from None
        return updated


class PasswordSettings:
    """``method: password``: a new password (privileged sessions only)."""

    def __init__(self, hasher: Hasher, policy: PasswordPolicy) -> None:
        self.hasher = hasher
        self.policy = policy

    def nodes(self, identity: Identity, schema: IdentitySchema, _flow: Flow) -> list[Node]:
        return [
            input_node(
                "password",
                "password",
                "password",
                required=True,
                autocomplete="new-password",
                label=text.label_password(),
            ),
            input_node("method", "password", "submit", value="password", label=text.save()),
        ]

    async def update(self, change: Change) -> Identity:
        f = change.flow
        password = change.body.get("password")
        if not isinstance(password, str) or password == "":
            raise _fail(f, [("password", text.required("password"))])
        change.require_privileged()
        identifiers = change.schema.identifiers(change.identity.traits)
        problem = await check_password(self.policy, password, identifiers, self.hasher.max_bytes)
        if problem is not None:
            raise _fail(f, [("password", problem)])
        updated = copy.deepcopy(change.identity)
        hashed = await self.hasher.hash_async(password)
        cred = updated.credentials.get("password")
        if cred is None:
            cred = updated.credentials["password"] = Credential("password", identifiers, {})
        cred.config = {**cred.config, "hashed_password": hashed}
        derive(change.schema, updated)
        return updated
