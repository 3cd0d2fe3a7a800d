"""RFC 6749, The OAuth 2.0 Authorization Framework: errors, client authentication, grants.

Pure protocol code: no web framework, no SQL. Storage is reached through the
narrow Protocols declared in :mod:`roost.oauth2.rfc6749.ports`.
"""
