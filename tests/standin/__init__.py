"""A local ArcGIS Server stand-in with token security, for tests.

``StandIn`` serves a small ArcGIS Server site on 127.0.0.1 (optionally over
TLS); ``ServiceSpec`` describes the services it publishes and
``RequestRecord`` is one entry of its request log; ``catalog_services``
makes many services for catalog benchmarks.
"""

from .server import RequestRecord, ServiceSpec, StandIn, catalog_services

__all__ = ["RequestRecord", "ServiceSpec", "StandIn", "catalog_services"]
