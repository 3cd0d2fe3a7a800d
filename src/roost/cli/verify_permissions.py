"""``roost verify``'s Keto steps: the seed's "Test Ory Keto" section.

Create a relation tuple through the write API, expand and check it through
the read API, and (with a DSN) read it back with the seed's SQL. The tuple's
object is unique to the run; the tuple is deleted at the end and the check is
repeated to see it gone.
"""

from __future__ import annotations

from typing import Any

from roost.cli.verify import Run, expect, expect_status, json_of, sql_rows

TUPLE_SQL = (
    "SELECT t.namespace, (select m.string_representation from public.keto_uuid_mappings m "
    "where m.id = t.object) as object_string, t.relation, (select m.string_representation "
    "from public.keto_uuid_mappings m where m.id = t.subject_id) as subject_string, "
    "t.commit_time FROM public.keto_relation_tuples t WHERE t.object IN "
    "(SELECT m.id FROM public.keto_uuid_mappings m WHERE m.string_representation = :object)"
)
SUBJECT = "user:alice"


def run(run: Run, read: str, write: str, namespace: str, dsn: str | None) -> None:
    """The seed's Keto steps, in order; a failed step stops this service's steps."""
    tup = {
        "namespace": namespace,
        "object": f"roost-verify-{run.run_id}",
        "relation": "viewer",
        "subject_id": SUBJECT,
    }
    run.step("keto: create relation tuple (write API)", lambda: _create(run, write, tup))
    run.on_cleanup("keto: delete the tuple, check denied", lambda: _delete(run, read, write, tup))
    run.step("keto: list the tuple (read API)", lambda: _list(run, read, tup))
    run.step("keto: expand viewer", lambda: _expand(run, read, tup))
    run.step("keto: check allowed", lambda: expect(_check(run, read, tup), "check denied"))
    if dsn:
        run.step("keto: SQL read-back of keto_relation_tuples", lambda: _tuple_row(dsn, tup))


def _create(run: Run, write: str, tup: dict[str, str]) -> None:
    response = run.http.put(f"{write}/admin/relation-tuples", json=tup)
    data = json_of(expect_status(response, 201))
    expect(data.get("object") == tup["object"], "created tuple differs")


def _list(run: Run, read: str, tup: dict[str, str]) -> None:
    params = {"namespace": tup["namespace"], "object": tup["object"]}
    data = json_of(expect_status(run.http.get(f"{read}/relation-tuples", params=params), 200))
    found = [t for t in data.get("relation_tuples", []) if t.get("subject_id") == SUBJECT]
    expect(len(found) == 1, f"{len(found)} matching tuples listed")


def _expand(run: Run, read: str, tup: dict[str, str]) -> None:
    params = {**{k: tup[k] for k in ("namespace", "object", "relation")}, "max-depth": "3"}
    response = run.http.get(f"{read}/relation-tuples/expand", params=params)
    tree = json_of(expect_status(response, 200))
    expect(SUBJECT in _subjects(tree), f"{SUBJECT} is not in the expanded tree")


def _subjects(tree: dict[str, Any]) -> set[str]:
    own = {tree["tuple"]["subject_id"]} if tree.get("tuple", {}).get("subject_id") else set()
    for child in tree.get("children") or []:
        own |= _subjects(child)
    return own


def _check(run: Run, read: str, tup: dict[str, str]) -> bool:
    response = run.http.get(f"{read}/relation-tuples/check/openapi", params=tup)
    allowed: bool = json_of(expect_status(response, 200)).get("allowed") is True
    return allowed


def _delete(run: Run, read: str, write: str, tup: dict[str, str]) -> None:
    expect_status(run.http.delete(f"{write}/admin/relation-tuples", params=tup), 204)
    expect(not _check(run, read, tup), "still allowed after the delete")


def _tuple_row(dsn: str, tup: dict[str, str]) -> None:
    mine = sql_rows(dsn, TUPLE_SQL, {"object": tup["object"]})
    expect(len(mine) == 1, f"{len(mine)} rows for the tuple")
    expect(mine[0]["subject_string"] == SUBJECT, f"subject {mine[0]['subject_string']!r}")
    expect(
        mine[0]["relation"] == "viewer" and mine[0]["namespace"] == tup["namespace"], "row differs"
    )
