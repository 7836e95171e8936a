"""The HTTP face of modelsteward: a FastAPI application over the same services as the CLI."""

from modelsteward.api.app import create_app

__all__ = ["create_app"]
