"""JSON Web Keys (RFC 7517): generation, the key-set manager, and public views."""
