"""Roost's Ory Keto: relation tuples, the Ory Permission Language, check and expand."""
