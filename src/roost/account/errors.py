"""The account port's one error table: any error the router raises becomes a small
HTML page (a browser reads this port), never a traceback or a JSON body."""

from __future__ import annotations

from markupsafe import escape
from starlette.responses import HTMLResponse, Response

from roost.core.errors import RoostError
from roost.core.http import ErrorTable
from roost.core.http.errors import message_of, status_of

_PAGE = (
    '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>'
    "</head><body><main><h1>{title}</h1><p>{message}</p>"
    '<p><a href="./">Back to your account</a></p></main></body></html>'
)


def _page(status: int, title: str, message: str) -> Response:
    html = _PAGE.format(title=escape(title), message=escape(message))
    return HTMLResponse(html, status_code=status, headers={"Cache-Control": "no-store"})


def _render(exc: Exception) -> Response:
    assert isinstance(exc, RoostError)
    status = status_of(exc)
    return _page(
        status, "Page not found" if status == 404 else "Something went wrong", message_of(exc)
    )


ERRORS = ErrorTable(
    {RoostError: _render},
    internal=lambda: _page(500, "Something went wrong", "An internal error occurred."),
)
