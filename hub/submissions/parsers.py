import json
import re
from decimal import Decimal

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser
from rest_framework.utils import json as strict_json

from hub.core.errors import DocumentInvalid, json_pointer

# The only way JSON can carry the NUL character: raw control characters are not valid JSON.
NUL_ESCAPE = "\\u0000"
# A surrogate escape: in a pair it is one character, alone it is no text at all.
SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def _paths_holding(value, holds, path=()):
    """JSON pointers to every key and string for which `holds(text)` is true."""
    if isinstance(value, str):
        if holds(value):
            yield json_pointer(path)
    elif isinstance(value, dict):
        for key, item in value.items():
            if holds(key):
                yield json_pointer((*path, key))
            yield from _paths_holding(item, holds, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _paths_holding(item, holds, (*path, index))


def _escaped(text: str) -> str:
    return LONE_SURROGATE.sub(lambda found: f"\\u{ord(found.group()):04x}", text)


class DecimalJSONParser(JSONParser):
    """JSON as the standard has it (no NaN or Infinity), with every number that has a fraction
    read as a Decimal, so that no quantity or value ever passes through a float. Text the hub
    could neither store nor send back is refused with the paths that hold it: the NUL
    character, which PostgreSQL cannot store, and lone surrogates, which no encoding writes."""

    def parse(self, stream, media_type=None, parser_context=None):
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            text = stream.read().decode(encoding)
            data = json.loads(text, parse_float=Decimal, parse_constant=strict_json.strict_constant)
        except (ValueError, UnicodeDecodeError) as error:
            raise ParseError(f"JSON parse error - {error}") from error
        # Both are rare, so the walks cost nothing on ordinary bodies.
        errors = []
        if NUL_ESCAPE in text:
            message = _("Remove the NUL character (\\u0000): no text the hub stores may hold it.")
            errors += [
                {"path": path, "code": "nul_character", "message": message}
                for path in _paths_holding(data, lambda value: "\x00" in value)
            ]
        if SURROGATE_ESCAPE.search(text):
            message = _(
                "Remove the lone surrogate escape (\\ud800 to \\udfff): only a high and a low "
                "surrogate together stand for a character."
            )
            errors += [
                # A path through a key holding one is written with the escape, to be sendable.
                {"path": _escaped(path), "code": "lone_surrogate", "message": message}
                for path in _paths_holding(data, LONE_SURROGATE.search)
            ]
        if errors:
            raise DocumentInvalid(errors)
        return data
