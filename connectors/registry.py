"""Formats by name. A connector module registers its class with `@register`; the package imports
the built-in modules, so that `get` and `all_connectors` see them."""

from connectors.base import Connector

_connectors: dict[str, type[Connector]] = {}


def register(connector_class: type[Connector]) -> type[Connector]:
    if connector_class.name in _connectors:
        raise ValueError(f"A connector named {connector_class.name!r} is already registered.")
    _connectors[connector_class.name] = connector_class
    return connector_class


def get(name: str) -> Connector:
    try:
        return _connectors[name]()
    except KeyError:
        known = ", ".join(sorted(_connectors))
        raise LookupError(f"Unknown format {name!r}; the formats are: {known}.") from None


def all_connectors() -> list[Connector]:
    return [_connectors[name]() for name in sorted(_connectors)]
