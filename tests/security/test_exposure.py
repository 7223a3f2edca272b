"""Nothing but the chat channels is reachable: the action server listens on loopback only,
and Rasa's HTTP API is off in the shipped configuration."""
from __future__ import annotations

import socket
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests

from tests.support.postgres import free_port
from tests.support.servers import lotsen_env, started

LISTEN = "0A"
OTHER_LOOPBACK = "127.0.0.2"  # another address of this machine; traffic stays on loopback

# Rasa's HTTP API (rasa/server.py), served only with --enable-api.
API_ENDPOINTS = [
    ("GET", "/status"),
    ("POST", "/model/parse"),
    ("GET", "/conversations/someone/tracker"),
    ("POST", "/conversations/someone/messages"),
    ("POST", "/conversations/someone/trigger_intent"),
    ("PUT", "/conversations/someone/tracker/events"),
    ("GET", "/domain"),
    ("PUT", "/model"),
    ("POST", "/model/train"),
    ("DELETE", "/model"),
]


def _ipv4(hex_address: str) -> str:
    return socket.inet_ntoa(bytes.fromhex(hex_address)[::-1])


def listening_addresses(port: int) -> set[str]:
    """Local addresses with a TCP socket listening on ``port`` (from /proc/net/tcp and tcp6)."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, port_hex = local.rsplit(":", 1)
            if state == LISTEN and int(port_hex, 16) == port:
                found.add(_ipv4(address) if len(address) == 8 else f"ipv6:{address}")
    return found


def connects(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=2):
            return True
    except OSError:
        return False


def test_listening_addresses_reads_the_real_bound_address():
    with socket.socket() as control:
        control.bind((OTHER_LOOPBACK, 0))
        control.listen()
        assert listening_addresses(control.getsockname()[1]) == {OTHER_LOOPBACK}


def test_the_action_server_listens_on_loopback_only(lotsen):
    port = urlsplit(lotsen.actions_url).port
    assert listening_addresses(port) == {"127.0.0.1"}
    assert requests.get(f"{lotsen.actions_url}/health", timeout=5).status_code == 200
    assert not connects(OTHER_LOOPBACK, port), "the action server answers on an address other than 127.0.0.1"


def test_lotsen_actions_host_moves_the_action_server(tmp_path):
    port = free_port()
    env = {**lotsen_env(f"sqlite:///{tmp_path / 'records.db'}", port), "LOTSEN_ACTIONS_HOST": OTHER_LOOPBACK}
    cmd = [sys.executable, "-m", "actions.serve", "--port", str(port)]
    with started(cmd, env, tmp_path / "actions.log", f"http://{OTHER_LOOPBACK}:{port}/health"):
        assert listening_addresses(port) == {OTHER_LOOPBACK}
        assert not connects("127.0.0.1", port)


@pytest.mark.parametrize("method, path", API_ENDPOINTS)
def test_rasas_http_api_is_off(lotsen, method, path):
    response = requests.request(method, f"{lotsen.rasa_url}{path}", json={"text": "hej"}, timeout=10)
    assert response.status_code in (403, 404), f"{method} {path} answered {response.status_code}"


def test_the_chat_channels_still_answer(lotsen):
    assert lotsen.ask("exposure-test", "Hej!")
