"""``/.well-known/ory/webauthn.js``: Roost's own script behind the WebAuthn and passkey nodes.

Kratos's UIs (Ory Elements, the reference UI) call ``window[onclickTrigger]()``
or evaluate the legacy ``onclick``; the script defines those functions
(``oryWebAuthnRegistration`` ...; the ``__``-prefixed names too), reads the
ceremony's options from the flow's form, and posts the answer in the node the
server reads. Flows that show such nodes carry a ``script`` node pointing at
it, with the Subresource Integrity hash of the bytes served, as Kratos's do.
"""

from __future__ import annotations

import base64
import hashlib
import uuid
from importlib.resources import files

from roost.identity.selfservice.flow import Node

PATH = "/.well-known/ory/webauthn.js"
SOURCE: bytes = files("roost.identity.selfservice").joinpath("static/webauthn.js").read_bytes()
INTEGRITY = "sha512-" + base64.b64encode(hashlib.sha512(SOURCE).digest()).decode()
SCRIPT_ID = "webauthn_script"


def script_node(public_url: str, group: str) -> Node:
    """Kratos's script node: async, no referrer, anonymous CORS, a fresh nonce."""
    return {
        "type": "script",
        "group": group,
        "attributes": {
            "id": SCRIPT_ID,
            "src": public_url.rstrip("/") + PATH,
            "async": True,
            "referrerpolicy": "no-referrer",
            "crossorigin": "anonymous",
            "integrity": INTEGRITY,
            "type": "text/javascript",
            "nonce": str(uuid.uuid4()),
            "node_type": "script",
        },
        "messages": [],
        "meta": {},
    }


def without_repeated_scripts(nodes: list[Node]) -> list[Node]:
    """One script node per form (Kratos upserts nodes by id): settings shows both
    ``webauthn`` and ``passkey``."""
    seen: set[str] = set()
    out = []
    for n in nodes:
        if n.get("type") == "script":
            key = str(n["attributes"].get("id"))
            if key in seen:
                continue
            seen.add(key)
        out.append(n)
    return out
