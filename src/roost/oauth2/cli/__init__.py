"""``roost oauth2``: the client commands of Hydra's CLI, over REST.

Mirrors ``hydra create|get|list|update|delete oauth2-client``, ``create|get|
delete jwk(s)``, ``delete access-tokens``, ``introspect token``, ``revoke
token``, ``perform client-credentials``, ``perform authorization-code``
(``perform.py``, with its local callback server) and ``janitor``. ``--endpoint`` falls
back to ``ORY_SDK_URL`` as in Hydra's CLI.
"""

from __future__ import annotations

from roost.oauth2.cli import perform as _perform  # noqa: F401 - registers its command
from roost.oauth2.cli.commands import oauth2

__all__ = ["oauth2"]
