"""On SQLite, UUIDs as the API writes them: every 32-hex-digit ``Uuid`` value of every
table becomes the 36-character dashed form (docs/decisions/0026). A no-op on
PostgreSQL and CockroachDB, whose columns are native ``UUID``. Runs after every
other step of the service (its version is the last range)."""

from __future__ import annotations

from roost.storage.migrate import Migration
from roost.storage.uuid_text import VERSION, uuids_to_hex, uuids_to_text

STEP = Migration(VERSION, "uuids_as_text", uuids_to_text, uuids_to_hex)
