"""Consistency tokens (Keto's ``snaptoken``): which writes a read must see.

A token lists version counters (shard → version, see roost.permissions.sql.cache):
a write's token names the one counter it raised, a change feed's token every
counter. A read given a token waits until its replica's counters have reached
every listed version, so it sees that write, on any replica ("at least as
fresh"). ``latest`` (or no token) means: every write that returned before the
read began, which the check cache's counter read already guarantees. The text
is ``shard:version`` pairs joined by ``.``; it carries nothing secret.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from roost.core.errors import Invalid

LATEST = "latest"
Token = dict[int, int]


def encode(versions: Mapping[int, int]) -> str:
    return ".".join(f"{s}:{v}" for s, v in sorted(versions.items()))


def decode(text: str, shards: int) -> Token:
    """The counters a token lists; bad input for anything else."""
    token: Token = {}
    for part in text.split("."):
        shard, sep, version = part.partition(":")
        if not (sep and shard.isdigit() and version.isdigit()) or int(shard) >= shards:
            raise Invalid("the snaptoken is malformed")
        token[int(shard)] = int(version)
    return token


def covers(versions: Sequence[int], token: Mapping[int, int]) -> bool:
    """Have counters ``versions`` reached every version ``token`` lists?"""
    return all(versions[s] >= v for s, v in token.items())
