"""Format adapters: each turns a native ERP document into canonical consignment dicts.

Pure Python with no Django, so that an ERP team can run the push client on its own machines.
Importing the package registers the built-in formats (`edifact`, `sap_idoc`).
"""

from connectors import edifact, sap_idoc
from connectors.base import Connector, ConnectorError
from connectors.registry import all_connectors, get, register

__all__ = [
    "Connector",
    "ConnectorError",
    "all_connectors",
    "edifact",
    "get",
    "register",
    "sap_idoc",
]
