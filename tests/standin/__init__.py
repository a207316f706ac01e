"""A local ArcGIS Server stand-in with token security, for tests.

``StandIn`` serves a small ArcGIS Server site on 127.0.0.1 (optionally over
TLS); ``ServiceSpec`` describes the services it publishes and
``RequestRecord`` is one entry of its request log; ``catalog_services``
makes many services for catalog benchmarks. ``FAULTS`` names the faults
``StandIn.fault`` can be set to, to break a running site on purpose.
"""

from .server import FAULTS, RequestRecord, ServiceSpec, StandIn, catalog_services

__all__ = ["FAULTS", "RequestRecord", "ServiceSpec", "StandIn", "catalog_services"]
