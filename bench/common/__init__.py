"""Shared benchmark plumbing: servers, wrk, PostgreSQL."""
