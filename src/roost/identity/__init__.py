"""Roost's Ory Kratos: identities, schemas, self-service flows and sessions."""
