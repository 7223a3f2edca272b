"""Microsoft Teams connector for Lotsen: Rasa's Bot Framework channel, made safe.

Rasa 3.6's ``botframework`` connector fetches Microsoft's OpenID configuration
while it is being constructed (so the server cannot start offline), checks
only signature and audience of incoming tokens, and asks the multi-tenant
token endpoint for reply tokens, which single-tenant bot registrations cannot
use. :class:`TeamsInput` keeps Rasa's channel contract and fixes all three:

* keys are fetched lazily and cached (:mod:`channels.teams_auth`);
* every activity's token is checked for signature, audience, issuer, lifetime,
  ``serviceUrl`` and channel endorsement; failures get 401 and never reach
  the bot; malformed activities get 400;
* reply tokens come from the tenant's endpoint (:mod:`channels.teams_tokens`),
  and replies go out over one kept HTTP session (:class:`ReplySender`).

What officials see, and what their clicks send, is :mod:`channels.teams_format`:
every response an Adaptive Card, every card click the message a typed choice
or the widget's thumbs would send.

All Microsoft URLs are settings, so tests point them at local fakes.
``LOTSEN_TEAMS_AUTH_DISABLED=true`` switches authentication off for
Microsoft 365 Agents Playground on the same machine, and for nothing else:
in that mode only activities whose ``serviceUrl`` is a loopback address are
accepted. See docs/teams.md.
"""
from __future__ import annotations

import asyncio
import logging
import os
from dataclasses import dataclass, replace
from http import HTTPStatus
from ipaddress import ip_address
from typing import Any, Awaitable, Callable, Dict, List, Mapping, Optional, Text, Union
from urllib.parse import quote, urlsplit

import aiohttp
from rasa.core.channels.botframework import BotFramework, BotFrameworkInput
from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from channels.teams_activity import Activity, ActivityError, parse_activity
from channels.teams_auth import (
    BOTFRAMEWORK_ISSUER,
    BOTFRAMEWORK_OPENID_METADATA_URL,
    DEFAULT_KEY_REFRESH_INTERVAL_SECONDS,
    DEFAULT_LEEWAY_SECONDS,
    ActivityAuthenticator,
    AuthenticationError,
    KeySetUnavailable,
    OpenIdKeySet,
    VerifiedToken,
    check_activity_binding,
)
from channels.teams_format import (
    RECORD_ID,
    Incoming,
    Reply,
    is_answer,
    message_content,
    read_incoming,
    wording,
)
from channels.teams_tokens import (
    BOTFRAMEWORK_SCOPE,
    TOKEN_URL_TEMPLATE,
    ConnectorTokenError,
    ConnectorTokenProvider,
    tenant_token_url,
)

logger = logging.getLogger(__name__)

CHANNEL_NAME = "msteams"
AUTH_DISABLED_ENV = "LOTSEN_TEAMS_AUTH_DISABLED"
SEND_TIMEOUT_SECONDS = 15.0
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"", "0", "false", "no", "off"}

OnNewMessage = Callable[[UserMessage], Awaitable[Any]]
LatestMessageLookup = Callable[[str], Awaitable[Optional[str]]]


def parse_flag(name: str, raw: Optional[str]) -> bool:
    """A true/false setting; anything unrecognised is a configuration error."""
    value = (raw or "").strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ValueError(f"{name} must be true or false, got {raw!r}")


def is_loopback_url(url: str) -> bool:
    """Whether ``url`` points at this machine (localhost, 127.0.0.0/8, ::1)."""
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class TeamsSettings:
    """The bot registration and the Microsoft endpoints the channel talks to."""

    app_id: str
    app_password: str
    tenant_id: str
    openid_metadata_url: str = BOTFRAMEWORK_OPENID_METADATA_URL
    token_url_template: str = TOKEN_URL_TEMPLATE
    token_scope: str = BOTFRAMEWORK_SCOPE
    issuer: str = BOTFRAMEWORK_ISSUER
    auth_disabled: bool = False
    leeway_seconds: float = DEFAULT_LEEWAY_SECONDS
    key_refresh_interval: float = DEFAULT_KEY_REFRESH_INTERVAL_SECONDS

    @property
    def token_url(self) -> str:
        return tenant_token_url(self.token_url_template, self.tenant_id)

    def missing(self) -> list[str]:
        """Names of the required settings that are empty."""
        required = {"app_id": self.app_id, "app_password": self.app_password,
                    "tenant_id": self.tenant_id}
        return [name for name, value in required.items() if not value]


def settings_from_credentials(
    credentials: Mapping[str, Any], env: Mapping[str, str]
) -> TeamsSettings:
    """Build the settings from a credentials.yml entry and the environment."""

    def text(key: str, default: str = "") -> str:
        value = credentials.get(key)
        return default if value is None or str(value).strip() == "" else str(value).strip()

    return TeamsSettings(
        app_id=text("app_id"),
        app_password=text("app_password"),
        tenant_id=text("tenant_id"),
        openid_metadata_url=text("openid_metadata_url", BOTFRAMEWORK_OPENID_METADATA_URL),
        token_url_template=text("token_url", TOKEN_URL_TEMPLATE),
        token_scope=text("token_scope", BOTFRAMEWORK_SCOPE),
        issuer=text("issuer", BOTFRAMEWORK_ISSUER),
        auth_disabled=parse_flag(AUTH_DISABLED_ENV, env.get(AUTH_DISABLED_ENV)),
    )


class ReplySender:
    """Posts replies to the Bot Connector over one HTTP session.

    The session is opened on first use and kept (connections are reused, as
    Rasa's own clients do), one per event loop: Sanic serves on one loop, but
    tests start servers on several. Every reply has the same total timeout.
    """

    def __init__(self, timeout_seconds: float = SEND_TIMEOUT_SECONDS) -> None:
        self.timeout = aiohttp.ClientTimeout(total=timeout_seconds)
        self._session: Optional[aiohttp.ClientSession] = None
        self._loop: Optional[asyncio.AbstractEventLoop] = None

    def session(self) -> aiohttp.ClientSession:
        loop = asyncio.get_running_loop()
        if self._session is None or self._session.closed or self._loop is not loop:
            self._session = aiohttp.ClientSession(timeout=self.timeout)
            self._loop = loop
        return self._session

    async def post(self, url: str, activity: Dict[str, Any], headers: Dict[str, Any]) -> None:
        try:
            async with self.session().post(url, json=activity, headers=headers) as resp:
                if resp.status >= 300:
                    body = await resp.text()
                    logger.error("Bot Connector refused a reply (%s): %s", resp.status, body)
        except (aiohttp.ClientError, OSError, asyncio.TimeoutError) as exc:
            logger.error("Could not send a reply to the Bot Connector: %r", exc)

    async def close(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None


@dataclass(frozen=True)
class _Queued:
    recipient_id: str
    reply: Reply


class TeamsOutput(BotFramework):
    """Sends Rasa's responses to a Teams conversation through the Bot Connector.

    The responses of one turn are collected and sent by :meth:`flush` when the
    turn is handled: the record id that follows an answer (``{"lotsen":
    {"record_id": ...}}``, as the widget gets it) must reach that answer's
    card, so its thumbs name the record. Each response is one Teams message,
    an Adaptive Card made by :mod:`channels.teams_format`.
    """

    @classmethod
    def name(cls) -> Text:
        return CHANNEL_NAME

    def __init__(
        self,
        app_id: Text,
        app_password: Text,
        conversation: Dict[Text, Any],
        bot: Dict[Text, Any],
        service_url: Text,
        tokens: Optional[ConnectorTokenProvider],
        sender: Optional[ReplySender] = None,
        reply_to: Optional[str] = None,
    ) -> None:
        super().__init__(app_id, app_password, conversation, bot, service_url)
        self.tokens = tokens
        self.sender = sender or ReplySender()
        self.reply_to = reply_to  # the official's message this turn answers: stamped on its buttons
        self._pending: List[Union[_Queued, Dict[str, Any]]] = []

    async def _get_headers(self) -> Optional[Dict[Text, Any]]:
        headers = {"Content-Type": "application/json"}
        if self.tokens is None:
            return headers
        try:
            headers["Authorization"] = await self.tokens.authorization()
        except ConnectorTokenError as exc:
            logger.error("No Bot Connector token, reply not sent: %s", exc)
            return None
        return headers

    def activities_url(self) -> str:
        conversation_id = quote(str(self.conversation["id"]), safe="")
        return f"{self.global_uri}conversations/{conversation_id}/activities"

    async def send(self, message_data: Dict[Text, Any]) -> None:
        """Queue a ready activity (Rasa's image and custom messages come this way)."""
        self._pending.append(message_data)

    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        # One message per response (Rasa's connector splits on blank lines):
        # an answer, its sections and its source stay together.
        self._pending.append(_Queued(recipient_id, Reply(text.strip())))

    async def send_text_with_buttons(
        self,
        recipient_id: Text,
        text: Text,
        buttons: List[Dict[Text, Any]],
        **kwargs: Any,
    ) -> None:
        reply = Reply((text or "").strip(), tuple(buttons), stamp=self.reply_to)
        self._pending.append(_Queued(recipient_id, reply))

    async def send_custom_json(
        self, recipient_id: Text, json_message: Dict[Text, Any], **kwargs: Any
    ) -> None:
        record_id = announced_record_id(json_message)
        if record_id is None:
            await super().send_custom_json(recipient_id, json_message, **kwargs)
            return
        # As in the widget: the record belongs to the last bot message before it.
        for index in range(len(self._pending) - 1, -1, -1):
            item = self._pending[index]
            if isinstance(item, _Queued):
                if item.reply.record_id is None:
                    reply = replace(item.reply, record_id=record_id, feedback=True)
                    self._pending[index] = _Queued(item.recipient_id, reply)
                return

    async def flush(self) -> None:
        """Send this turn's responses, in order, one Teams message each.

        Answers get thumbs: those a record id was announced for, or, when the
        actions announce none to this channel, those that cite a source (the
        feedback then goes to the conversation's last answer).
        """
        pending, self._pending = self._pending, []
        announced = any(isinstance(i, _Queued) and i.reply.record_id for i in pending)
        for item in pending:
            if isinstance(item, _Queued):
                reply = item.reply
                if not reply.text and not reply.buttons:
                    continue
                if not announced and is_answer(reply.text):
                    reply = replace(reply, feedback=True)
                await self._post(self.prepare_message(item.recipient_id, message_content(reply)))
            else:
                await self._post(item)

    def prepare_message(self, recipient_id: Text, message_data: Dict[Text, Any]) -> Dict[Text, Any]:
        message = super().prepare_message(recipient_id, message_data)
        if not message.get("text"):
            message.pop("text", None)  # a card alone; an empty text would show as an empty bubble
        return message

    async def _post(self, activity: Dict[str, Any]) -> None:
        headers = await self._get_headers()
        if headers is not None:
            await self.sender.post(self.activities_url(), activity, headers)


def announced_record_id(json_message: Mapping[str, Any]) -> Optional[str]:
    """The record id in the actions' ``{"lotsen": {"record_id": ...}}``, if that is what it is."""
    lotsen = json_message.get("lotsen") if isinstance(json_message, Mapping) else None
    record_id = lotsen.get("record_id") if isinstance(lotsen, Mapping) else None
    return record_id if isinstance(record_id, str) and RECORD_ID.match(record_id) else None


def activity_metadata(activity: Activity) -> Dict[str, Any]:
    """What Rasa gets as message metadata.

    Teams does not say which administration an official works for, so
    ``department`` stays unknown and the bot asks. The user's Azure AD id is
    deliberately not passed on: only the channel's sender id reaches Rasa,
    and the records store a keyed hash of that.
    """
    metadata: Dict[str, Any] = {"department": None}
    channel_data = activity.raw.get("channelData")
    if isinstance(channel_data, dict):
        metadata["channel_data"] = channel_data
    attachments = activity.raw.get("attachments")
    if attachments:
        metadata["attachments"] = attachments
    return metadata


def _text_response(message: str, status: HTTPStatus) -> HTTPResponse:
    return response.text(message, status=status)


class TeamsInput(BotFrameworkInput):
    """Receives Teams activities at ``/webhooks/msteams/webhook``."""

    @classmethod
    def name(cls) -> Text:
        return CHANNEL_NAME

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        if not credentials:
            cls.raise_missing_credentials_exception()  # raises
        return cls(settings_from_credentials(credentials or {}, os.environ))

    def __init__(self, settings: TeamsSettings) -> None:
        # BotFrameworkInput.__init__ is deliberately not called: it fetches
        # Microsoft's key set over the network while the server starts.
        self.settings = settings
        self.app_id = settings.app_id
        self.app_password = settings.app_password
        keys = OpenIdKeySet(
            settings.openid_metadata_url, refresh_interval=settings.key_refresh_interval
        )
        self.authenticator = ActivityAuthenticator(
            keys=keys,
            audience=settings.app_id,
            issuer=settings.issuer,
            leeway_seconds=settings.leeway_seconds,
        )
        self.tokens = ConnectorTokenProvider(
            app_id=settings.app_id,
            app_password=settings.app_password,
            token_url=settings.token_url,
            scope=settings.token_scope,
        )
        self.sender = ReplySender()
        # Tests give their own; under ``rasa run`` it is Rasa's tracker store.
        self.latest_message_id: Optional[LatestMessageLookup] = None
        self._announce_mode()

    def _announce_mode(self) -> None:
        if self.settings.auth_disabled:
            logger.warning(
                "\n%s\n%s=true: Teams authentication is OFF. Tokens are not checked and "
                "replies are sent unauthenticated. Only for Microsoft 365 Agents Playground "
                "on this machine; activities from any other serviceUrl are refused. "
                "Never set this in production.\n%s",
                "!" * 78, AUTH_DISABLED_ENV, "!" * 78,
            )
        elif self.settings.missing():
            logger.warning(
                "Teams channel is not configured (missing %s): /webhooks/%s/webhook "
                "answers 503 until it is. See docs/teams.md.",
                ", ".join(self.settings.missing()), self.name(),
            )

    async def _authenticate(self, request: Request) -> Optional[VerifiedToken]:
        if self.settings.auth_disabled:
            return None
        return await self.authenticator.verify(request.headers.get("Authorization"))

    def _check_origin(self, token: Optional[VerifiedToken], activity: Activity) -> None:
        if token is not None:
            check_activity_binding(token, activity.service_url, activity.channel_id)
        elif not is_loopback_url(activity.service_url):
            raise AuthenticationError(
                "authentication is disabled, so only a local serviceUrl is accepted"
            )

    def _wrong_tenant(self, activity: Activity) -> Optional[str]:
        """Why the activity is not from the configured tenant, or None (single-tenant: docs/teams.md).

        Teams names the tenant in ``channelData.tenant.id`` and ``conversation.tenantId``;
        each that is present must be ``TEAMS_TENANT_ID``, and one must be."""
        if self.settings.auth_disabled:
            return None  # the local Agents Playground has no real tenant
        channel_data = activity.raw.get("channelData")
        tenant = channel_data.get("tenant") if isinstance(channel_data, dict) else None
        found = [t for t in (tenant.get("id") if isinstance(tenant, dict) else None,
                             activity.conversation.get("tenantId")) if t is not None]
        expected = self.settings.tenant_id.lower()
        if not found:
            return "the activity names no tenant"
        if any(not isinstance(t, str) or t.lower() != expected for t in found):
            return f"tenant {found[0]!r} is not the configured tenant"
        return None

    def _output_channel(self, activity: Activity) -> TeamsOutput:
        return TeamsOutput(
            self.app_id,
            self.app_password,
            dict(activity.conversation),
            dict(activity.recipient),
            activity.service_url,
            tokens=None if self.settings.auth_disabled else self.tokens,
            sender=self.sender,
            reply_to=activity.id,
        )

    def user_message(self, activity: Activity, output: Optional[TeamsOutput] = None) -> UserMessage:
        """The Rasa message for a Teams message activity.

        A click on a Lotsen card becomes the text a typed choice (or the
        widget's thumbs) would send: :func:`channels.teams_format.read_incoming`.
        """
        return UserMessage(
            text=read_incoming(activity.raw.get("value"), activity.text).text,
            output_channel=output or self._output_channel(activity),
            sender_id=activity.sender_id,
            input_channel=self.name(),
            message_id=activity.id,
            metadata=activity_metadata(activity),
        )

    def get_metadata(self, request: Request) -> Optional[Dict[Text, Any]]:
        try:
            return activity_metadata(parse_activity(request.body))
        except ActivityError:
            return None

    async def receive(self, request: Request, on_new_message: OnNewMessage) -> HTTPResponse:
        """Authenticate, validate and hand one activity to the bot."""
        if not self.settings.auth_disabled and self.settings.missing():
            return _text_response(
                "Teams channel is not configured.", HTTPStatus.SERVICE_UNAVAILABLE
            )
        try:
            token = await self._authenticate(request)
            activity = parse_activity(request.body)
            self._check_origin(token, activity)
        except AuthenticationError as exc:
            logger.warning("Refused a Teams request: %s", exc)
            return _text_response("Unauthorized.", HTTPStatus.UNAUTHORIZED)
        except KeySetUnavailable as exc:
            logger.error("Cannot verify Teams requests: %s", exc)
            return _text_response("Signing keys unavailable.", HTTPStatus.SERVICE_UNAVAILABLE)
        except ActivityError as exc:
            return _text_response(f"Invalid activity: {exc}", HTTPStatus.BAD_REQUEST)
        wrong_tenant = self._wrong_tenant(activity)
        if wrong_tenant:
            logger.warning("Refused a Teams activity: %s", wrong_tenant)
            return _text_response("Forbidden: another tenant.", HTTPStatus.FORBIDDEN)
        await self._dispatch(activity, on_new_message, self._latest_message_lookup(request))
        return response.text("success")

    def _latest_message_lookup(self, request: Request) -> Optional[LatestMessageLookup]:
        """How to find a conversation's latest message id: Rasa's tracker store, under ``rasa run``."""
        if self.latest_message_id is not None:
            return self.latest_message_id
        agent = getattr(request.app.ctx, "agent", None)
        store = getattr(agent, "tracker_store", None)
        if store is None:
            return None

        async def lookup(sender_id: str) -> Optional[str]:
            tracker = await store.retrieve(sender_id)
            latest = tracker.latest_message if tracker is not None else None
            return getattr(latest, "message_id", None)

        return lookup

    async def _is_current(
        self, incoming: Incoming, sender_id: str, lookup: Optional[LatestMessageLookup]
    ) -> bool:
        """Whether a choice click is on the latest card: nothing was said since the
        message that card answered. Without a tracker to ask, every click counts."""
        if not incoming.choice or lookup is None:
            return True
        if incoming.stamp is None:
            return False
        try:
            return await lookup(sender_id) == incoming.stamp
        except Exception:  # noqa: BLE001 - a tracker store hiccup must not drop a click
            logger.exception("Could not read the conversation to check a card click.")
            return True

    async def _dispatch(
        self, activity: Activity, on_new_message: OnNewMessage,
        lookup: Optional[LatestMessageLookup] = None,
    ) -> None:
        if activity.type != "message":
            logger.debug("Ignoring Teams activity of type %r.", activity.type)
            return
        output = self._output_channel(activity)
        incoming = read_incoming(activity.raw.get("value"), activity.text)
        if not await self._is_current(incoming, activity.sender_id, lookup):
            # A button of an earlier message: the dialogue (an assessment in
            # progress) never sees it; the official is told why nothing happened.
            logger.info("Ignored a click on an earlier Teams card.")
            await output.send_text_message(activity.sender_id, wording().stale_choice)
            await output.flush()
            return
        try:
            await on_new_message(self.user_message(activity, output))
        except Exception:  # noqa: BLE001 - as Rasa's channel: never make Teams retry
            logger.exception("Lotsen failed to handle a Teams message.")
        finally:
            await output.flush()

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        """Routes: ``GET /`` (health) and ``POST /webhook`` (activities)."""
        webhook = Blueprint(f"{self.name()}_webhook", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            return await self.receive(request, on_new_message)

        @webhook.listener("after_server_stop")
        async def close_reply_session(*args: Any) -> None:
            await self.sender.close()

        return webhook
