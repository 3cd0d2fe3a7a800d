"""Shared building blocks: config loading, errors, port apps, secrets."""
