"""OAuth 2.0 clients: the metadata model, its validation, and secret hashing."""
