"""Socket Mode: `dealbot serve` with an app-level token connects with the SDK's own client to a
local websocket server (apps.connections.open points there), takes an event, acks the envelope
and answers through the Web API."""

from __future__ import annotations

import contextlib
import json
import threading
import time
from pathlib import Path

from websockets.exceptions import ConnectionClosed
from websockets.sync.server import ServerConnection, serve

from tests.fakes import slack_signing
from tests.fakes.slack_api import FakeSlack
from tests.test_serve import free_port, start, stop, wait_healthy


def test_socket_mode_event_is_acked_and_answered(tmp_path: Path) -> None:
    acks: list[dict] = []
    connected = threading.Event()

    def session(ws: ServerConnection) -> None:
        ws.send(json.dumps({"type": "hello", "num_connections": 1}))
        connected.set()
        event = {
            "type": "app_mention",
            "user": "U1",
            "ts": "1700000500.000100",
            "channel": "C1",
            "channel_type": "channel",
            "text": "<@UBOT> log Acme call over the socket",
        }
        body = json.loads(slack_signing.event_body(event, team="T-sock", event_id="EvS1"))
        ws.send(
            json.dumps(
                {
                    "envelope_id": "env-1",
                    "type": "events_api",
                    "accepts_response_payload": False,
                    "payload": body,
                }
            )
        )
        with contextlib.suppress(ConnectionClosed):  # the client leaving ends the session
            for raw in ws:
                acks.append(json.loads(raw))

    with FakeSlack() as fake, serve(session, "127.0.0.1", 0) as server:
        threading.Thread(target=server.serve_forever, daemon=True).start()
        fake.socket_url = f"ws://127.0.0.1:{server.socket.getsockname()[1]}/link"
        port = free_port()
        config = tmp_path / "socket.toml"
        config.write_text(f"""
[database]
url = "sqlite:///{tmp_path / "socket.db"}"
[server]
port = {port}
[slack]
bot_token = "xoxb-test"
signing_secret = "unused-in-socket-mode-but-required"
app_token = "xapp-test"
api_base_url = "{fake.url}"
[outbox]
poll_seconds = 0.2
""")
        log = tmp_path / "serve.log"
        proc = start(config, log)
        try:
            wait_healthy(port, proc, log)
            assert connected.wait(20), log.read_text()
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline and not any(
                "over the socket" in str(p) for p in fake.posted
            ):
                time.sleep(0.05)
        finally:
            code = stop(proc)
        assert {"envelope_id": "env-1"} in [{"envelope_id": a.get("envelope_id")} for a in acks]
        assert any("logged a call with Acme" in str(p) for p in fake.posted), log.read_text()
        assert code == 0
        assert any(call == "apps.connections.open" for call, _ in fake.calls)
