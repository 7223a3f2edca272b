"""The widget's demo server, its Content-Security-Policy, the committed bundle,
and the socket.io channel that credentials.yml configures."""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
import requests

from tests.support.servers import ROOT
from tests.widget.conftest import FIXED_SOCKETIO, project_uses_builtin_socketio
from widget.serve import DemoServer, Settings, content_security_policy

WIDGET = ROOT / "widget"
RASA = "http://127.0.0.1:5999"


@pytest.fixture(scope="module")
def server():
    with DemoServer(Settings(host="127.0.0.1", port=0, rasa_url=RASA)) as running:
        yield running


def test_routes(server):
    for path, kind in [("/", "text/html"), ("/chat", "text/html"), ("/lotsen-widget.js", "text/javascript"),
                       ("/demo.css", "text/css")]:
        response = requests.get(server.url + path, timeout=5)
        assert response.status_code == 200, path
        assert response.headers["Content-Type"].startswith(kind)
        assert response.headers["X-Content-Type-Options"] == "nosniff"
    bundle = requests.get(server.url + "/lotsen-widget.js", timeout=5).content
    assert bundle == (WIDGET / "dist" / "lotsen-widget.js").read_bytes()
    for path in ["/serve.py", "/../credentials.yml", "/dist/lotsen-widget.js", "/src/lotsen-widget.js", "/x"]:
        assert requests.get(server.url + path, timeout=5).status_code == 404, path


def test_pages_point_at_the_configured_rasa_and_keep_their_department(server):
    home = requests.get(server.url + "/", timeout=5).text
    chat = requests.get(server.url + "/chat", timeout=5).text
    assert f'data-server="{RASA}"' in home and f'data-server="{RASA}"' in chat
    assert 'data-department="Kulturförvaltningen"' in home
    assert 'data-mode="page"' in chat and '<script src="/lotsen-widget.js"></script>' in home
    assert "http://localhost:5005" not in home


def test_content_security_policy(server):
    csp = requests.get(server.url + "/", timeout=5).headers["Content-Security-Policy"]
    directives = {d.split()[0]: d.split()[1:] for d in csp.split("; ")}
    assert directives["connect-src"] == ["'self'", RASA, "ws://127.0.0.1:5999"]
    assert directives["script-src"] == ["'self'"] and directives["style-src"] == ["'self'"]
    assert directives["default-src"] == ["'self'"] and directives["object-src"] == ["'none'"]
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "wss://lotsen.example.se" in content_security_policy("https://lotsen.example.se/")


def test_settings_from_environment():
    settings = Settings.from_env({"WIDGET_PORT": "8181", "LOTSEN_RASA_URL": "https://bot.example.se:443/"})
    assert (settings.host, settings.port, settings.rasa_url) == ("127.0.0.1", 8181, "https://bot.example.se:443")
    assert Settings.from_env({}) == Settings("127.0.0.1", 8080, "http://localhost:5005")
    with pytest.raises(ValueError):
        Settings.from_env({"LOTSEN_RASA_URL": "javascript:alert(1)"})


def test_sources_use_no_html_sinks():
    source = (WIDGET / "src" / "lotsen-widget.js").read_text(encoding="utf-8")
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function"):
        assert sink not in source, sink


def test_pinned_dependencies():
    import json

    package = json.loads((WIDGET / "package.json").read_text())
    lock = json.loads((WIDGET / "package-lock.json").read_text())
    for name, version in {**package["dependencies"], **package["devDependencies"]}.items():
        assert version[0].isdigit(), f"{name} is not pinned to an exact version"
        assert lock["packages"][f"node_modules/{name}"]["version"] == version
    assert package["dependencies"]["socket.io-client"].startswith("4."), "socket.io protocol v5 (python-socketio 5.x)"


@pytest.mark.skipif(shutil.which("npm") is None, reason="npm is not installed")
def test_committed_bundle_is_what_the_sources_build():
    """`npm ci && npm run check` rebuilds in memory and compares byte for byte."""
    env = dict(os.environ, npm_config_audit="false", npm_config_fund="false")
    if not (WIDGET / "node_modules" / "esbuild").exists():
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=WIDGET, env=env, check=True)
    result = subprocess.run(["npm", "run", "--silent", "check"], cwd=WIDGET, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_project_credentials_configure_a_working_socketio_channel():
    """Rasa 3.6's built-in `socketio` channel never delivers a bot message with
    python-socketio 5.x (enter_room is not awaited) and crashes on custom JSON;
    `make run` needs the fixed channel (channels/widget_socketio.py)."""
    assert not project_uses_builtin_socketio(), (
        f"credentials.yml configures Rasa's built-in `socketio:` channel; replace that key by "
        f"`{FIXED_SOCKETIO}` (same settings) so that the widget receives answers (see channels/widget_socketio.py)"
    )


def test_channel_fix_is_needed_and_works_with_the_pinned_socketio():
    import inspect

    import socketio

    assert inspect.iscoroutinefunction(socketio.AsyncServer.enter_room), (
        "python-socketio's enter_room is no longer a coroutine: check whether channels/widget_socketio.py is still needed"
    )
    from channels.widget_socketio import WidgetSocketIOInput

    channel = WidgetSocketIOInput.from_credentials(
        {"user_message_evt": "user_uttered", "bot_message_evt": "bot_uttered", "session_persistence": True}
    )
    assert channel.name() == "socketio"  # records keep channel = socketio


def test_docs_exist():
    docs = (ROOT / "docs" / "widget.md").read_text(encoding="utf-8")
    for needle in ("data-department", "data-mode", "socket.io-client", "python -m widget.serve", "WIDGET_PORT"):
        assert needle in docs, needle
    assert Path(WIDGET / "demo" / "index.html").exists()
