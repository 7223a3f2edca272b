"""Fake Microsoft Bot Framework services on 127.0.0.1, and helpers to use them.

:class:`FakeBotFramework` serves, from a background thread, everything the
Teams channel talks to:

* ``GET  /botframework/openid`` - OpenID metadata pointing at the key set;
* ``GET  /botframework/keys``   - a JWKS with the fake's own RSA key(s);
* ``POST /{tenant}/oauth2/v2.0/token`` - a client-credentials token endpoint
  that records which tenant was asked;
* ``POST /connector/v3/conversations/{id}/activities`` - a Bot Connector that
  records every reply the bot sends.

It also signs activities the way the Bot Connector does
(:meth:`FakeBotFramework.sign`, :meth:`FakeBotFramework.auth_headers`), builds
Teams-like activities (:meth:`FakeBotFramework.activity`) and gives the
channel settings that point at itself (:meth:`FakeBotFramework.credentials`,
:meth:`FakeBotFramework.credentials_yaml`). Because it runs in its own thread
it serves an in-process Sanic app and a ``rasa run`` subprocess alike.

:func:`serve_input_channel` mounts an input channel's blueprint in a Sanic app
on a free local port, as ``rasa run`` does, for in-process tests.
"""
from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, AsyncIterator, Awaitable, Callable, Optional
from urllib.parse import urljoin

import jwt
from aiohttp import web
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

DEFAULT_APP_ID = "6f1d4c2a-3b5e-4f7a-9c8d-0e1f2a3b4c5d"
DEFAULT_APP_PASSWORD = "fake-client-secret"
DEFAULT_TENANT_ID = "2b7c9d1e-4f60-4a8b-9c0d-1e2f3a4b5c6d"
ISSUER = "https://api.botframework.com"
CHANNEL_ID = "msteams"


def generate_rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def public_jwk(key: rsa.RSAPrivateKey, kid: str, endorsements: list[str]) -> dict[str, Any]:
    jwk = RSAAlgorithm.to_jwk(key.public_key(), as_dict=True)
    jwk.update({"kid": kid, "use": "sig", "alg": "RS256", "endorsements": endorsements})
    return jwk


@dataclass(frozen=True)
class TokenRequest:
    """One call to the fake token endpoint."""

    tenant: str
    form: dict[str, str]


@dataclass(frozen=True)
class Reply:
    """One activity the bot posted to the fake Bot Connector."""

    conversation_id: str
    authorization: Optional[str]
    activity: dict[str, Any]
    token_tenant: Optional[str]
    client_port: Optional[int] = None  # the bot's side of the connection it came over

    @property
    def card(self) -> Optional[dict[str, Any]]:
        """The Adaptive Card the reply carries, if any."""
        for attachment in self.activity.get("attachments") or []:
            if attachment.get("contentType") == "application/vnd.microsoft.card.adaptive":
                return attachment.get("content")
        return None

    @property
    def text(self) -> Optional[str]:
        """The reply's text; for a card, its plain ``fallbackText`` (what a
        notification or a client without cards shows)."""
        text = self.activity.get("text")
        if text:
            return text
        card = self.card
        return card.get("fallbackText") if card else text


@dataclass
class _Recorder:
    lock: threading.Lock = field(default_factory=threading.Lock)
    metadata_fetches: int = 0
    key_fetches: int = 0
    token_requests: list[TokenRequest] = field(default_factory=list)
    replies: list[Reply] = field(default_factory=list)
    issued_tokens: dict[str, str] = field(default_factory=dict)


class FakeBotFramework:
    """Fake OpenID metadata, JWKS, token endpoint and Bot Connector on 127.0.0.1."""

    def __init__(
        self,
        app_id: str = DEFAULT_APP_ID,
        app_password: str = DEFAULT_APP_PASSWORD,
        tenant_id: str = DEFAULT_TENANT_ID,
    ) -> None:
        self.app_id = app_id
        self.app_password = app_password
        self.tenant_id = tenant_id
        self.kid = "fake-key-1"
        self._keys: dict[str, rsa.RSAPrivateKey] = {self.kid: generate_rsa_key()}
        self._record = _Recorder()
        self._loop: Optional[asyncio.AbstractEventLoop] = None
        self._runner: Optional[web.AppRunner] = None
        self._thread: Optional[threading.Thread] = None
        self.port = 0

    # -- lifecycle ---------------------------------------------------------

    def start(self) -> "FakeBotFramework":
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        self.port = sock.getsockname()[1]
        self._loop = asyncio.new_event_loop()
        self._runner = web.AppRunner(self._app(), access_log=None)
        self._loop.run_until_complete(self._runner.setup())
        self._loop.run_until_complete(web.SockSite(self._runner, sock).start())
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._loop is None or self._runner is None:
            return
        asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        if self._thread is not None:
            self._thread.join(10)
        self._loop.close()
        self._loop = None

    def __enter__(self) -> "FakeBotFramework":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- addresses and settings --------------------------------------------

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def service_url(self) -> str:
        """The Bot Connector's address, as Teams puts it in ``serviceUrl``."""
        return f"{self.base_url}/connector/"

    @property
    def openid_metadata_url(self) -> str:
        return f"{self.base_url}/botframework/openid"

    @property
    def token_url_template(self) -> str:
        return f"{self.base_url}/{{tenant}}/oauth2/v2.0/token"

    def credentials(self) -> dict[str, str]:
        """A credentials.yml entry for ``channels.teams.TeamsInput`` using these fakes."""
        return {
            "app_id": self.app_id,
            "app_password": self.app_password,
            "tenant_id": self.tenant_id,
            "openid_metadata_url": self.openid_metadata_url,
            "token_url": self.token_url_template,
        }

    def credentials_yaml(self) -> str:
        """A whole credentials.yml for ``rasa run --credentials`` using these fakes."""
        lines = ["channels.teams.TeamsInput:"]
        lines += [f'  {key}: "{value}"' for key, value in self.credentials().items()]
        return "\n".join(lines) + "\n"

    # -- recordings ----------------------------------------------------------

    @property
    def replies(self) -> list[Reply]:
        with self._record.lock:
            return list(self._record.replies)

    @property
    def token_requests(self) -> list[TokenRequest]:
        with self._record.lock:
            return list(self._record.token_requests)

    @property
    def metadata_fetches(self) -> int:
        return self._record.metadata_fetches

    @property
    def key_fetches(self) -> int:
        return self._record.key_fetches

    def wait_for_replies(self, count: int, timeout: float = 10.0) -> list[Reply]:
        """Block until ``count`` replies arrived (for a bot in another thread or process)."""
        deadline = time.monotonic() + timeout
        while len(self.replies) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        return self.replies

    async def wait_for_replies_async(self, count: int, timeout: float = 10.0) -> list[Reply]:
        """As :meth:`wait_for_replies`, without blocking the caller's event loop."""
        deadline = time.monotonic() + timeout
        while len(self.replies) < count and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        return self.replies

    # -- signing -------------------------------------------------------------

    def rotate_key(self) -> str:
        """Publish a new signing key next to the old one; return its key id."""
        self.kid = f"fake-key-{len(self._keys) + 1}"
        self._keys[self.kid] = generate_rsa_key()
        return self.kid

    def sign(
        self,
        service_url: Optional[str] = None,
        *,
        audience: Optional[str] = None,
        issuer: str = ISSUER,
        expires_in: int = 3600,
        not_before: Optional[float] = None,
        key: Optional[rsa.RSAPrivateKey] = None,
        kid: Optional[str] = None,
        extra_claims: Optional[dict[str, Any]] = None,
    ) -> str:
        """A Bot Connector token; every part can be overridden to forge a bad one."""
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": issuer,
            "aud": self.app_id if audience is None else audience,
            "iat": now - 5,
            "nbf": int(not_before) if not_before is not None else now - 5,
            "exp": now + expires_in,
            "serviceUrl": service_url or self.service_url,
        }
        claims.update(extra_claims or {})
        kid = kid or self.kid
        signing_key = key or self._keys[kid]
        return jwt.encode(claims, signing_key, algorithm="RS256", headers={"kid": kid})

    def auth_headers(
        self, activity: Optional[dict[str, Any]] = None, **overrides: Any
    ) -> dict[str, str]:
        """``Authorization`` header for ``activity`` (its serviceUrl goes into the token)."""
        service_url = (activity or {}).get("serviceUrl") or self.service_url
        return {"Authorization": f"Bearer {self.sign(service_url, **overrides)}"}

    def activity(
        self,
        text: Optional[str],
        *,
        user_id: str = "29:1fake-teams-user",
        aad_object_id: str = "c0ffee00-1111-2222-3333-444455556666",
        conversation_id: str = "a:1fake-personal-conversation",
        service_url: Optional[str] = None,
        activity_type: str = "message",
    ) -> dict[str, Any]:
        """A personal-chat activity as Teams sends it."""
        activity: dict[str, Any] = {
            "type": activity_type,
            "id": uuid.uuid4().hex,
            "timestamp": "2025-05-06T08:00:00.000Z",
            "serviceUrl": service_url or self.service_url,
            "channelId": CHANNEL_ID,
            "from": {"id": user_id, "name": "Test Testsson", "aadObjectId": aad_object_id},
            "conversation": {
                "conversationType": "personal",
                "tenantId": self.tenant_id,
                "id": conversation_id,
            },
            "recipient": {"id": f"28:{self.app_id}", "name": "Lotsen"},
            "textFormat": "plain",
            "locale": "sv-SE",
            "channelData": {"tenant": {"id": self.tenant_id}},
        }
        if text is not None:
            activity["text"] = text
        return activity

    # -- the fake services ---------------------------------------------------

    def _app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/botframework/openid", self._openid)
        app.router.add_get("/botframework/keys", self._jwks)
        app.router.add_post("/{tenant}/oauth2/v2.0/token", self._token)
        app.router.add_post(
            "/connector/v3/conversations/{conversation_id}/activities", self._connector
        )
        return app

    async def _openid(self, request: web.Request) -> web.Response:
        self._record.metadata_fetches += 1
        return web.json_response({
            "issuer": ISSUER,
            "authorization_endpoint": f"{self.base_url}/authorize",
            "jwks_uri": f"{self.base_url}/botframework/keys",
            "id_token_signing_alg_values_supported": ["RS256"],
            "token_endpoint_auth_methods_supported": ["private_key_jwt"],
        })

    async def _jwks(self, request: web.Request) -> web.Response:
        self._record.key_fetches += 1
        keys = [public_jwk(key, kid, [CHANNEL_ID, "webchat"]) for kid, key in self._keys.items()]
        return web.json_response({"keys": keys})

    async def _token(self, request: web.Request) -> web.Response:
        tenant = request.match_info["tenant"]
        form = {k: str(v) for k, v in (await request.post()).items()}
        with self._record.lock:
            self._record.token_requests.append(TokenRequest(tenant=tenant, form=form))
        if form.get("client_id") != self.app_id or form.get("client_secret") != self.app_password:
            return web.json_response({"error": "invalid_client"}, status=401)
        token = f"fake-access-token-{uuid.uuid4().hex}"
        with self._record.lock:
            self._record.issued_tokens[token] = tenant
        return web.json_response(
            {"token_type": "Bearer", "expires_in": 3599, "ext_expires_in": 3599,
             "access_token": token}
        )

    async def _connector(self, request: web.Request) -> web.Response:
        authorization = request.headers.get("Authorization")
        token = (authorization or "").removeprefix("Bearer ")
        activity = await request.json()
        with self._record.lock:
            self._record.replies.append(Reply(
                conversation_id=request.match_info["conversation_id"],
                authorization=authorization,
                activity=activity,
                token_tenant=self._record.issued_tokens.get(token),
                client_port=(request.transport.get_extra_info("peername") or (None, None))[1]
                if request.transport else None,
            ))
        return web.json_response({"id": uuid.uuid4().hex})


@contextlib.asynccontextmanager
async def serve_input_channel(
    channel: Any,
    on_new_message: Callable[[Any], Awaitable[Any]],
    route: str = "/webhooks/",
) -> AsyncIterator[str]:
    """Serve ``channel``'s blueprint on 127.0.0.1 as ``rasa run`` mounts it.

    Yields the channel's base URL, e.g. ``http://127.0.0.1:PORT/webhooks/msteams``.
    Must run inside the event loop of the test (pytest-asyncio).
    """
    from sanic import Sanic

    # As sanic-testing does: lets several apps start in one process (Sanic
    # otherwise rewrites its own methods once per process and fails the second time).
    Sanic.test_mode = True
    app = Sanic(f"lotsen_channel_test_{uuid.uuid4().hex}", configure_logging=False)
    prefix = urljoin(route, channel.url_prefix())
    app.blueprint(channel.blueprint(on_new_message), url_prefix=prefix)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = await app.create_server(sock=sock, return_asyncio_server=True, access_log=False)
    await server.startup()
    await server.start_serving()
    try:
        yield f"http://127.0.0.1:{port}{prefix}"
    finally:
        server.close()
        await server.wait_closed()
        sock.close()
