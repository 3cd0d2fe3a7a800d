"""libpq's ``ssl*`` DSN parameters in asyncpg's terms (shared by both pools)."""

from __future__ import annotations

import ssl
from typing import Any


def asyncpg_ssl(args: dict[str, str]) -> dict[str, Any]:
    """Turn libpq ``ssl*`` DSN parameters into asyncpg's ``ssl`` argument."""
    mode = args.get("sslmode")
    if not args:
        return {}
    if mode in (None, "disable", "allow", "prefer", "require") and not args.get("sslrootcert"):
        return {"ssl": mode or "prefer"}
    ctx = ssl.create_default_context(cafile=args.get("sslrootcert"))
    if mode == "verify-ca":
        ctx.check_hostname = False
    elif mode in ("require", "prefer", "allow"):
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    if args.get("sslcert"):
        ctx.load_cert_chain(args["sslcert"], args.get("sslkey"), args.get("sslpassword"))
    return {"ssl": ctx}
