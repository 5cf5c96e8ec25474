"""The push client: lists the formats, converts a file and posts each consignment to the hub.

Exit codes: 0 all consignments accepted, 1 the hub refused at least one (fix the data), 2 the file
could not be converted, 3 some were not delivered (hub unreachable or failing; re-run later).
"""

import argparse
import hashlib
import json
import os
import sys
import urllib.error
import urllib.parse
import urllib.request
from http import HTTPStatus
from pathlib import Path

from connectors import registry
from connectors.base import ConnectorError

EXIT_OK = 0
EXIT_REFUSED = 1
EXIT_CONVERSION_ERROR = 2
EXIT_NOT_DELIVERED = 3
TIMEOUT_SECONDS = 30


def canonical_json(consignment: dict) -> bytes:
    """The body sent to the hub: stable for the same content, so its hash is a safe replay key."""
    return json.dumps(
        consignment, ensure_ascii=False, sort_keys=True, separators=(",", ":")
    ).encode()


def idempotency_key(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def _hub_url(text: str) -> str:
    if urllib.parse.urlsplit(text).scheme not in ("http", "https"):
        raise argparse.ArgumentTypeError(f"{text!r} is not an http:// or https:// address")
    return text.rstrip("/")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m connectors",
        description="Convert ERP documents to canonical consignments and push them to the hub.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("formats", help="list the supported formats")
    push = commands.add_parser("push", help="convert FILE and post each consignment")
    push.add_argument("file", type=Path, metavar="FILE")
    push.add_argument(
        "--format", required=True, choices=[c.name for c in registry.all_connectors()]
    )
    push.add_argument("--url", type=_hub_url, help="the hub's address, e.g. https://hub.example")
    push.add_argument(
        "--key",
        default=os.environ.get("HUB_API_KEY"),
        help="the enterprise's API key (default: the HUB_API_KEY environment variable)",
    )
    push.add_argument(
        "--dry-run", action="store_true", help="print the canonical JSON and send nothing"
    )
    return parser


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    # urllib would repeat a redirected POST as a GET without the body and report that answer.
    def redirect_request(self, request, fp, code, msg, headers, newurl):
        return None


_opener = urllib.request.build_opener(_NoRedirect)


def _post(url: str, key: str, body: bytes) -> tuple[int, bytes, str | None]:
    """The hub's status, body and, for a redirect, the address it points to."""
    request = urllib.request.Request(  # noqa: S310 (the scheme is checked by _hub_url)
        f"{url}/api/v1/consignments",
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "Authorization": f"Api-Key {key}",
            "Idempotency-Key": idempotency_key(body),
        },
    )
    try:
        with _opener.open(request, timeout=TIMEOUT_SECONDS) as response:
            return response.status, response.read(), None
    except urllib.error.HTTPError as error:
        return error.code, error.read(), error.headers.get("Location")


def _error_lines(body: bytes) -> list[str]:
    try:
        error = json.loads(body)
        lines = [error["message"]]
        lines += [
            f"  {item.get('path', '')}: {item.get('message', '')}" for item in error["errors"]
        ]
        return lines
    except (ValueError, KeyError, TypeError, AttributeError):
        return [body.decode("utf-8", "replace")[:500]]


def _status(code: int) -> str:
    try:
        return f"{code} {HTTPStatus(code).phrase}"
    except ValueError:
        return str(code)


def push(consignments: list[dict], url: str, key: str) -> int:
    refused = undelivered = False
    for consignment in consignments:
        reference = consignment["reference"]
        try:
            status, body, location = _post(url, key, canonical_json(consignment))
        except OSError as error:  # refused connections, unknown hosts and timeouts
            reason = getattr(error, "reason", error)
            print(f"{reference}: not delivered, the hub is unreachable ({reason})", file=sys.stderr)
            print(
                "Nothing after it was sent; re-running the same command is safe.", file=sys.stderr
            )
            undelivered = True
            break
        if 200 <= status < 300:
            print(f"{reference}: {_status(status)}")
        elif 300 <= status < 400:
            print(
                f"{reference}: {_status(status)}: the hub moved to {location}; use that as --url."
            )
            undelivered = True
        else:
            detail, *errors = _error_lines(body)
            print(f"{reference}: {_status(status)}: {detail}")
            for line in errors:
                print(line)
            refused = refused or status < 500
            undelivered = undelivered or status >= 500
    if refused:
        return EXIT_REFUSED
    return EXIT_NOT_DELIVERED if undelivered else EXIT_OK


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    arguments = parser.parse_args(argv)
    if arguments.command == "formats":
        for connector in registry.all_connectors():
            extensions = ", ".join(connector.file_extensions)
            print(f"{connector.name:<10} {connector.description} ({extensions})")
        return EXIT_OK
    if not arguments.dry_run and not (arguments.url and arguments.key):
        parser.error("push needs --url and --key (or HUB_API_KEY) unless --dry-run is given")
    try:
        data = arguments.file.read_bytes()
    except OSError as error:
        print(f"{arguments.file}: cannot be read ({error.strerror})", file=sys.stderr)
        return EXIT_CONVERSION_ERROR
    try:
        consignments = registry.get(arguments.format).parse(data)
    except ConnectorError as error:
        print(f"{arguments.file}: {error.location}: {error.message}", file=sys.stderr)
        return EXIT_CONVERSION_ERROR
    if arguments.dry_run:
        print(json.dumps(consignments, ensure_ascii=False, indent=2))
        return EXIT_OK
    return push(consignments, arguments.url, arguments.key)
