"""RFC 6749, The OAuth 2.0 Authorization Framework: errors, client authentication, grants.

Pure protocol code: no web framework, no SQL. Storage is reached through
narrow Protocols declared beside the code that uses them (``ClientSource`` in
``client_auth``, ``RefreshTokens`` in ``grants.refresh_token``).
"""
