"""HTTP pieces every service shares: the port app, its error table, routes, bodies."""

from roost.core.http.app import PortService, build_port_app
from roost.core.http.bodies import JSON, MAX_BODY, read_body, read_json, reject_nul, url_has_nul
from roost.core.http.errors import HERODOT, ErrorTable, error_body, herodot, message_of, status_of
from roost.core.http.routing import route

__all__ = [
    "HERODOT",
    "JSON",
    "MAX_BODY",
    "ErrorTable",
    "PortService",
    "build_port_app",
    "error_body",
    "herodot",
    "message_of",
    "read_body",
    "read_json",
    "reject_nul",
    "route",
    "status_of",
    "url_has_nul",
]
