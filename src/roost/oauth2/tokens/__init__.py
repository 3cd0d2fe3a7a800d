"""Access and refresh tokens: the HMAC and JWT strategies, the stored record, AEAD."""
