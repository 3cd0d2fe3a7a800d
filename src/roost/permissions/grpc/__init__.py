"""Keto's gRPC API (``ory.keto.relation_tuples.v1alpha2``, ``ory.keto.opl.v1alpha1``).

:func:`ports.port_handlers` gives each port Keto's split: the read port serves
read, check, expand and namespaces; the write port serves write; the OPL
port serves the syntax check; every port also serves the version service,
the gRPC health service and server reflection. The read port also serves
Roost's own lookup and watch services (:mod:`roost.permissions.grpc.lookup`,
``proto/roostx``). ``gen/`` is generated from
``proto/`` by ``scripts/gen_grpc.py``; see docs/decisions.
"""
