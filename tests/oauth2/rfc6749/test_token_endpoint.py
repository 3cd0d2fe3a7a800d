"""The token endpoint picks the first grant that accepts a request, before client authentication."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from roost.oauth2.clients.model import Client
from roost.oauth2.rfc6749.errors import InvalidClient, InvalidRequest, UnsupportedGrantType
from roost.oauth2.rfc6749.grants import TokenGrant
from roost.oauth2.rfc6749.token_endpoint import TokenEndpoint
from tests.oauth2.support import add_client, open_service

BASIC = "Basic " + base64.b64encode(b"te-client:client-secret").decode()
WRONG = "Basic " + base64.b64encode(b"te-client:not-the-secret").decode()


class ExampleGrant(TokenGrant):
    """An extension grant chosen by a predicate wider than one ``grant_type`` value."""

    grant_type = "urn:example:grant"

    def accepts(self, form: dict[str, str]) -> bool:
        return form.get("grant_type", "").startswith("urn:example:")

    async def handle(
        self, form: dict[str, str], client: Client, jkt: str | None = None
    ) -> dict[str, Any]:
        return {"grant_type": form["grant_type"], "client_id": client.id}


async def test_grants_are_picked_by_their_predicate_in_order(dsn: str) -> None:
    svc = await open_service(dsn)
    try:
        await add_client(svc, client_id="te-client", grant_types=["client_credentials"])
        parts = svc.ready
        endpoint = TokenEndpoint(parts.client_auth, [ExampleGrant(), *parts.token_endpoint.grants])
        picked = await endpoint.handle({"grant_type": "urn:example:other"}, BASIC)
        assert picked == {"grant_type": "urn:example:other", "client_id": "te-client"}
        issued = await endpoint.handle({"grant_type": "client_credentials"}, BASIC)
        assert issued["token_type"] == "bearer" and issued["access_token"].startswith("ory_at_")
        with pytest.raises(InvalidClient):
            await endpoint.handle({"grant_type": "urn:example:other"}, WRONG)
        with pytest.raises(UnsupportedGrantType):
            await endpoint.handle({"grant_type": "password"}, WRONG)
        with pytest.raises(InvalidRequest):
            await endpoint.handle({}, BASIC)
        assert not any(g.accepts({"grant_type": "urn:example:x"}) for g in endpoint.grants[1:])
    finally:
        await svc.close()
