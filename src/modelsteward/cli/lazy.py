"""Groups whose commands are imported when they are asked for, so that a command (or ``--help``
of one group) imports only its own module: click's lazy-loading pattern
(https://click.palletsprojects.com/en/stable/complex/#lazily-loading-subcommands)."""

from __future__ import annotations

import importlib
from collections.abc import Iterator, Mapping, MutableMapping, Sequence
from typing import Any

import click


class LazyCommands(MutableMapping[str, click.Command]):
    """A group's commands by name. A lazy command is given as ``"module:attribute"``; its module
    is imported the first time the command is read, and the command replaces the path. Names
    are known without importing anything, so listing them (help, "did you mean") stays cheap.
    """

    def __init__(self, commands: Mapping[str, click.Command],
                 lazy: Mapping[str, str]) -> None:
        # one table in a stable order: a command, or the path it is imported from until then
        self._entries: dict[str, click.Command | str] = {**lazy, **commands}

    def __getitem__(self, name: str) -> click.Command:
        entry = self._entries[name]  # KeyError for an unknown name, as a dict
        if isinstance(entry, str):
            entry = self._entries[name] = _load(entry)  # replaced in place: names don't move
        return entry

    def __setitem__(self, name: str, command: click.Command) -> None:
        self._entries[name] = command

    def __delitem__(self, name: str) -> None:
        del self._entries[name]

    def __contains__(self, name: object) -> bool:
        return name in self._entries

    def __iter__(self) -> Iterator[str]:
        # a copy: reading the commands while iterating (``.items()``) imports them
        return iter(list(self._entries))

    def __len__(self) -> int:
        return len(self._entries)


def _load(path: str) -> click.Command:
    module_name, _, attribute = path.partition(":")
    command = getattr(importlib.import_module(module_name), attribute)
    if not isinstance(command, click.Command):  # a wrong path fails loudly, naming itself
        raise TypeError(f"{path} is not a click command")
    return command


class LazyGroup(click.Group):
    """A :class:`click.Group` with ``lazy_subcommands``, a mapping of command name to
    ``"module:attribute"``. Its ``commands`` is a :class:`LazyCommands`, so click's own
    :meth:`list_commands` lists every name without importing, :meth:`get_command` imports the
    module of the one command asked for, and code that reads ``commands`` sees them all.

    ``steward --help`` still imports every command module, for the one-line help of each: those
    modules import what is heavy (the store, the services, the web server) inside the functions
    that use it."""

    def __init__(self, name: str | None = None,
                 commands: MutableMapping[str, click.Command] | Sequence[click.Command]
                 | None = None, *, lazy_subcommands: Mapping[str, str] | None = None,
                 **kwargs: Any) -> None:
        super().__init__(name, commands, **kwargs)
        self.commands = LazyCommands(self.commands, lazy_subcommands or {})
