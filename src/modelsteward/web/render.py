"""The templates: Jinja2 with autoescaping on for every template, so that whatever a page shows
(model names, descriptions, notes, card sections: all user input) is text, never markup."""

from __future__ import annotations

from functools import cache
from typing import Any
from urllib.parse import quote

from jinja2 import Environment, PackageLoader, StrictUndefined


def _href(ref: str) -> str:
    """The page of ``model`` or ``model@version``."""
    return "/models/" + quote(ref, safe="/@")


def _api(path: str) -> str:
    """A path of the API quoted as the API's routes expect (model names keep their ``/``)."""
    return "/api/v1/" + quote(path, safe="/@=&?")


def services_and_teams(services: int, teams: int) -> str:
    """An impact as the pages word it: "3 services, 2 teams"."""
    return (f"{services} service{'' if services == 1 else 's'}, "
            f"{teams} team{'' if teams == 1 else 's'}")


@cache
def environment() -> Environment:
    env = Environment(loader=PackageLoader("modelsteward.web", "templates"), autoescape=True,
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters["href"] = _href
    env.filters["api"] = _api
    env.filters["q"] = lambda text: quote(str(text), safe="")
    env.globals["services_and_teams"] = services_and_teams
    return env


def render(name: str, **values: Any) -> str:
    return environment().get_template(name).render(**values)
