"""A connector: a named format that turns a native document into canonical consignments."""

from abc import ABC, abstractmethod
from typing import ClassVar


class ConnectorError(Exception):
    """A document that cannot be converted: `location` points at the segment, element or XML path
    at fault, and `message` says what to change in the document."""

    def __init__(self, message: str, location: str):
        super().__init__(message, location)
        self.message = message
        self.location = location

    def __str__(self) -> str:
        return f"{self.location}: {self.message}"


class Connector(ABC):
    name: ClassVar[str]
    description: ClassVar[str]
    file_extensions: ClassVar[tuple[str, ...]]

    @abstractmethod
    def parse(self, data: bytes) -> list[dict]:
        """One canonical consignment per business document in `data` (an invoice, a despatch)."""
