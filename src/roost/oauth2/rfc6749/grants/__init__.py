"""RFC 6749's grants, one module each; extension grants live with their RFC (``rfc7523``)."""

from roost.oauth2.rfc6749.grants.authorization_code import AuthorizationCodeGrant
from roost.oauth2.rfc6749.grants.base import Grant, TokenGrant
from roost.oauth2.rfc6749.grants.client_credentials import ClientCredentialsGrant
from roost.oauth2.rfc6749.grants.refresh_token import RefreshTokenGrant

__all__ = [
    "AuthorizationCodeGrant",
    "ClientCredentialsGrant",
    "Grant",
    "RefreshTokenGrant",
    "TokenGrant",
]
