import json
from decimal import Decimal

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

from hub.core.errors import DocumentInvalid, json_pointer

# The only way JSON can carry the NUL character: raw control characters are not valid JSON.
NUL_ESCAPE = "\\u0000"


def _nul_paths(value, path=()):
    """JSON pointers to every key and string that holds the NUL character."""
    if isinstance(value, str):
        if "\x00" in value:
            yield json_pointer(path)
    elif isinstance(value, dict):
        for key, item in value.items():
            if "\x00" in key:
                yield json_pointer((*path, key))
            yield from _nul_paths(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _nul_paths(item, (*path, index))


class DecimalJSONParser(JSONParser):
    """JSON with every number that has a fraction read as a Decimal, so that no quantity or
    value ever passes through a float. Text holding the NUL character is refused: PostgreSQL
    cannot store it."""

    def parse(self, stream, media_type=None, parser_context=None):
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            text = stream.read().decode(encoding)
            data = json.loads(text, parse_float=Decimal)
        except (ValueError, UnicodeDecodeError) as error:
            raise ParseError(f"JSON parse error - {error}") from error
        if NUL_ESCAPE in text:  # rare, so the walk costs nothing on ordinary bodies
            message = _("Remove the NUL character (\\u0000): no text the hub stores may hold it.")
            errors = [
                {"path": path, "code": "nul_character", "message": message}
                for path in _nul_paths(data)
            ]
            if errors:
                raise DocumentInvalid(errors)
        return data
