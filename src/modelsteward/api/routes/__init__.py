"""One router per resource family, each carrying its full prefix (so that a matched route names
its whole path template, which the metrics label requests by)."""

API = "/api/v1"
