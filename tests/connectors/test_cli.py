import hashlib
import json
import socket
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from connectors.cli import main

REPO_ROOT = Path(__file__).resolve().parents[2]
FIXTURES = REPO_ROOT / "fixtures" / "connectors"
TWO_INVOICES = FIXTURES / "invoic02__multiple_idocs.xml"
API_KEY = "hub_ab12cd34_secret"


class RecordingHub(ThreadingHTTPServer):
    """A stand-in for the hub's consignment endpoint: records each request and answers 201, or
    400 in the hub's error shape for the references listed in `refusals`."""

    def __init__(self):
        super().__init__(("127.0.0.1", 0), _RecordingHandler)
        self.requests: list[dict] = []
        self.refusals: dict[str, dict] = {}
        self.moved_to: str | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _RecordingHandler(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.requests.append(
            {
                "path": self.path,
                "headers": {name.lower(): value for name, value in self.headers.items()},
                "body": body,
            }
        )
        if self.server.moved_to:
            self.send_response(301)
            self.send_header("Location", self.server.moved_to)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        reference = json.loads(body)["reference"]
        refusal = self.server.refusals.get(reference)
        status, answer = (400, refusal) if refusal else (201, {"reference": reference})
        payload = json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format, *args):
        pass  # keep the test output to the test's own


@pytest.fixture
def hub():
    server = RecordingHub()
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join()


@pytest.fixture(autouse=True)
def no_key_in_the_environment(monkeypatch):
    monkeypatch.delenv("HUB_API_KEY", raising=False)


def _push(path: Path, url: str, *extra: str) -> int:
    return main(["push", str(path), "--format", "sap-idoc", "--url", url, "--key", API_KEY, *extra])


def _expected(name: str) -> list[dict]:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def test_formats_lists_every_format_with_its_description():
    result = subprocess.run(
        [sys.executable, "-m", "connectors", "formats"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0
    assert result.stdout.splitlines() == [
        "edifact    UN/EDIFACT INVOIC and DESADV, directories D.96A and D.01B "
        "(.edi, .edifact, .txt)",
        "sap-idoc   SAP IDoc XML: INVOIC02 invoices and DESADV01 despatch advices "
        "(type from EDI_DC40) (.xml)",
    ]


def test_a_dry_run_prints_the_canonical_json_and_sends_nothing(hub, capsys):
    assert _push(TWO_INVOICES, hub.url, "--dry-run") == 0
    assert json.loads(capsys.readouterr().out) == _expected(
        "invoic02__multiple_idocs.expected.json"
    )
    assert hub.requests == []


def test_a_dry_run_needs_no_hub_address_or_key(capsys):
    assert main(["push", str(TWO_INVOICES), "--format", "sap-idoc", "--dry-run"]) == 0
    assert len(json.loads(capsys.readouterr().out)) == 2


def test_a_conversion_error_exits_2_with_its_location_and_sends_nothing(hub, capsys):
    document = FIXTURES / "invoic02__missing_invoice_date.xml"
    assert _push(document, hub.url) == 2
    assert capsys.readouterr().err == (
        f"{document}: /INVOIC02/IDOC/E1EDK02[3]/DATUM: "
        "The invoice date is missing: fill DATUM of segment E1EDK02 with QUALF 009.\n"
    )
    assert hub.requests == []


def test_push_posts_each_consignment_with_the_api_key_and_a_content_hash_as_idempotency_key(
    hub, capsys
):
    assert _push(TWO_INVOICES, hub.url) == 0
    assert capsys.readouterr().out == "0095100871: 201 Created\n0095100872: 201 Created\n"
    assert [json.loads(request["body"]) for request in hub.requests] == _expected(
        "invoic02__multiple_idocs.expected.json"
    )
    for request in hub.requests:
        assert request["path"] == "/api/v1/consignments"
        assert request["headers"]["authorization"] == f"Api-Key {API_KEY}"
        assert request["headers"]["content-type"] == "application/json"
        assert request["headers"]["idempotency-key"] == hashlib.sha256(request["body"]).hexdigest()


def test_a_rerun_sends_the_same_bodies_under_the_same_idempotency_keys(hub):
    assert _push(TWO_INVOICES, hub.url) == 0
    assert _push(TWO_INVOICES, hub.url + "/") == 0
    first_run, second_run = hub.requests[:2], hub.requests[2:]
    assert [(r["body"], r["headers"]["idempotency-key"]) for r in first_run] == [
        (r["body"], r["headers"]["idempotency-key"]) for r in second_run
    ]


def test_a_refused_consignment_prints_the_hubs_errors_and_exits_1(hub, capsys):
    hub.refusals["0095100871"] = {
        "code": "invalid",
        "message": "The request has 2 invalid value(s); each is listed in errors.",
        "errors": [
            {"path": "/lines/1/origin_country", "code": "invalid", "message": "Unknown country."},
            {"path": "/incoterms", "code": "outside_scope", "message": "Not in your agreement."},
        ],
    }
    assert _push(TWO_INVOICES, hub.url) == 1
    assert capsys.readouterr().out == (
        "0095100871: 400 Bad Request: The request has 2 invalid value(s); each is listed in "
        "errors.\n"
        "  /lines/1/origin_country: Unknown country.\n"
        "  /incoterms: Not in your agreement.\n"
        "0095100872: 201 Created\n"
    )
    assert len(hub.requests) == 2


def test_an_unreachable_hub_exits_3_and_says_a_rerun_is_safe(capsys):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        free_port = probe.getsockname()[1]
    assert _push(TWO_INVOICES, f"http://127.0.0.1:{free_port}") == 3
    output = capsys.readouterr()
    assert output.err.startswith("0095100871: not delivered, the hub is unreachable")
    assert "Nothing after it was sent; re-running the same command is safe." in output.err


def test_a_redirect_is_reported_and_not_followed_as_a_get(hub, capsys):
    hub.moved_to = "https://hub.example/api/v1/consignments"
    assert _push(TWO_INVOICES, hub.url) == 3
    assert capsys.readouterr().out.splitlines()[0] == (
        "0095100871: 301 Moved Permanently: the hub moved to "
        "https://hub.example/api/v1/consignments; use that as --url."
    )
    assert [request["path"] for request in hub.requests] == ["/api/v1/consignments"] * 2


def test_push_without_a_key_stops_before_reading_the_file(capsys):
    with pytest.raises(SystemExit) as exited:
        main(["push", "no-such-file.xml", "--format", "sap-idoc", "--url", "http://127.0.0.1:1"])
    assert exited.value.code == 2
    assert "push needs --url and --key" in capsys.readouterr().err
