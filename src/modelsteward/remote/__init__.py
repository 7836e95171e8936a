"""The registry of a remote ``steward serve``, over its HTTP API (``/api/v1``).

:class:`~modelsteward.remote.registry.RemoteRegistry` offers the methods of
:class:`~modelsteward.service.registry.Registry` that the CLI uses and returns the same domain
values, so every command works unchanged against a server (``STEWARD_URL``, ``STEWARD_TOKEN``).
:class:`~modelsteward.remote.client.Client` is the HTTP side: the bearer token, timeouts, keyset
pagination, and problem documents turned back into the :class:`~modelsteward.errors.StewardError`
the server raised, so that exit codes are the same as against a local database. This package is
an adapter: it imports the domain, the errors and the use cases' result values
(:mod:`modelsteward.results`), never the services or the store.
"""
