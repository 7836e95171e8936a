"""The ``steward`` command line: a thin layer over :class:`modelsteward.Registry`."""
