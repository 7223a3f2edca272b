"""The Teams channel against fake Bot Framework services on 127.0.0.1.

The channel's blueprint is served by a real Sanic server, as ``rasa run``
mounts it; the bot behind it is a stub that answers through the channel's
output channel, so every reply travels to the fake Bot Connector over HTTP.
"""
from __future__ import annotations

import json
import logging
import time
from pathlib import Path
from typing import Any, AsyncIterator, Callable, Optional

import aiohttp
import jwt
import pytest
import pytest_asyncio
from rasa.core.channels.channel import UserMessage

from channels.teams import (
    AUTH_DISABLED_ENV,
    CHANNEL_NAME,
    TeamsInput,
    TeamsOutput,
    TeamsSettings,
    settings_from_credentials,
)
from tests.channels.card_view import message_back, read_card, submitted_value
from tests.channels.fake_botframework import (
    FakeBotFramework,
    generate_rsa_key,
    serve_input_channel,
)

CLOSED_PORT_URL = "http://127.0.0.1:9/nothing-listens-here"
BUTTONS = [
    {"title": "Vänortsavtal", "payload": "/fraga_amne{\"topic\": \"vanortsavtal\"}"},
    {"title": "Läs riktlinjerna", "url": "https://start.stockholm/riktlinjer"},
]


ANSWER = "Nej. Staden tecknar inga nya vänortsavtal.\n• Befintliga avtal löper ut.\nKälla: Stockholms stad"
OFFER = {"text": "Vill du att vi går igenom ert fall?",
         "buttons": [{"title": "Ja", "payload": "/affirm"}, {"title": "Nej", "payload": "/deny"}]}


class StubBot:
    """Stands in for Rasa's agent: records messages, answers through the channel
    as Lotsen's actions do (an answer, its record id, an offer)."""

    def __init__(self) -> None:
        self.messages: list[UserMessage] = []

    async def __call__(self, message: UserMessage) -> None:
        self.messages.append(message)
        out, sender = message.output_channel, message.sender_id
        if message.text == "knappar":
            await out.send_response(sender, {"text": "Vad vill du veta mer om?", "buttons": BUTTONS})
        elif message.text == "svar med post":
            await out.send_response(sender, {"text": ANSWER})
            await out.send_response(sender, {"custom": {"lotsen": {"record_id": "rec-42"}}})
            await out.send_response(sender, dict(OFFER))
        elif message.text == "svar":
            await out.send_response(sender, {"text": ANSWER})
            await out.send_response(sender, dict(OFFER))
        else:
            reply = {"text": f"Du frågade: {message.text}\n\nKälla: Stockholms stad"}
            await out.send_response(sender, reply)


class Harness:
    """A running channel, its stub bot and the fakes it talks to."""

    def __init__(self, fake: FakeBotFramework, bot: StubBot, url: str, channel: TeamsInput):
        self.fake = fake
        self.bot = bot
        self.url = url
        self.channel = channel

    async def post(
        self, activity: Any, headers: Optional[dict[str, str]] = None, raw: Optional[bytes] = None
    ) -> tuple[int, str]:
        body = raw if raw is not None else json.dumps(activity).encode()
        all_headers = {"Content-Type": "application/json", **(headers or {})}
        async with aiohttp.ClientSession() as session:
            async with session.post(f"{self.url}/webhook", data=body, headers=all_headers) as resp:
                return resp.status, await resp.text()

    async def post_signed(
        self, activity: dict[str, Any], **token_overrides: Any
    ) -> tuple[int, str]:
        return await self.post(activity, self.fake.auth_headers(activity, **token_overrides))


@pytest.fixture
def fake() -> FakeBotFramework:
    with FakeBotFramework() as running:
        yield running


def make_channel(credentials: dict[str, Any], **overrides: Any) -> TeamsInput:
    settings = settings_from_credentials(credentials, {})
    values = {**settings.__dict__, **overrides}
    return TeamsInput(TeamsSettings(**values))


@pytest_asyncio.fixture
async def harness(fake: FakeBotFramework) -> AsyncIterator[Harness]:
    channel = make_channel(fake.credentials())
    bot = StubBot()
    async with serve_input_channel(channel, bot) as url:
        yield Harness(fake, bot, url, channel)


# -- the happy path ---------------------------------------------------------


@pytest.mark.asyncio
async def test_signed_message_is_answered_with_a_tenant_token(harness: Harness) -> None:
    fake = harness.fake
    activity = fake.activity("Får vi teckna ett vänortsavtal med Berlin?")

    status, _ = await harness.post_signed(activity)

    assert status == 200
    assert harness.url.endswith("/webhooks/msteams")
    [message] = harness.bot.messages
    assert message.text == "Får vi teckna ett vänortsavtal med Berlin?"
    assert message.input_channel == CHANNEL_NAME == "msteams"
    assert message.sender_id == activity["from"]["id"]
    assert message.metadata["department"] is None
    assert activity["from"]["aadObjectId"] not in json.dumps(message.metadata)
    assert isinstance(message.output_channel, TeamsOutput)

    [reply] = fake.replies
    assert reply.conversation_id == activity["conversation"]["id"]
    assert reply.activity["type"] == "message"
    assert reply.text == (
        "Du frågade: Får vi teckna ett vänortsavtal med Berlin?\n\nKälla: Stockholms stad"
    ), "one Teams message per bot response, paragraphs kept"
    assert reply.activity["recipient"]["id"] == activity["from"]["id"]
    assert reply.activity["from"] == activity["recipient"]
    assert reply.token_tenant == fake.tenant_id, "reply must carry a token from the tenant endpoint"

    [token_request] = fake.token_requests
    assert token_request.tenant == fake.tenant_id
    assert token_request.form == {
        "grant_type": "client_credentials",
        "client_id": fake.app_id,
        "client_secret": fake.app_password,
        "scope": "https://api.botframework.com/.default",
    }


@pytest.mark.asyncio
async def test_reply_token_and_keys_are_cached(harness: Harness) -> None:
    fake = harness.fake
    for text in ("Hej", "Hej igen"):
        status, _ = await harness.post_signed(fake.activity(text))
        assert status == 200
    first_lines = [reply.text.splitlines()[0] for reply in fake.replies]
    assert first_lines == ["Du frågade: Hej", "Du frågade: Hej igen"]
    assert len(fake.token_requests) == 1
    assert fake.metadata_fetches == 1 and fake.key_fetches == 1


@pytest.mark.asyncio
async def test_buttons_become_adaptive_card_actions(harness: Harness) -> None:
    activity = harness.fake.activity("knappar")
    status, _ = await harness.post_signed(activity)

    assert status == 200
    [reply] = harness.fake.replies
    assert "text" not in reply.activity, "a card alone, no empty bubble above it"
    view = read_card(reply.card)
    assert view.lines == ["text: Vad vill du veta mer om?"]
    topic, link = view.actions
    assert (topic.kind, topic.title) == ("submit", "Vänortsavtal")
    assert message_back(topic) == (
        BUTTONS[0]["payload"],
        {"lotsen_payload": BUTTONS[0]["payload"], "lotsen_reply_to": activity["id"]},
    ), "the payload as text, and which message the card answered"
    assert (link.kind, link.url) == ("url", BUTTONS[1]["url"])


@pytest.mark.asyncio
async def test_a_turn_is_sent_in_order_and_the_record_reaches_the_answers_thumbs(harness: Harness) -> None:
    status, _ = await harness.post_signed(harness.fake.activity("svar med post"))

    assert status == 200
    answer, offer = [read_card(r.card) for r in harness.fake.replies]
    assert answer.lines[:3] == ["text: Nej. Staden tecknar inga nya vänortsavtal.",
                                "item: Befintliga avtal löper ut.", "muted: Källa: Stockholms stad"]
    up = answer.button("👍 Ja")
    assert submitted_value(up) == {"lotsen_feedback": "up", "lotsen_record_id": "rec-42"}
    assert [a.title for a in offer.actions] == ["Ja", "Nej"], "the offer has no thumbs"


@pytest.mark.asyncio
async def test_without_an_announced_record_answers_with_a_source_get_thumbs(harness: Harness) -> None:
    await harness.post_signed(harness.fake.activity("svar"))
    answer, offer = [read_card(r.card) for r in harness.fake.replies]
    assert submitted_value(answer.button("👍 Ja")) == {"lotsen_feedback": "up"}
    assert "muted: Hjälpte svaret?" not in offer.lines


@pytest.mark.asyncio
async def test_clicks_reach_the_bot_as_the_typed_choice(harness: Harness) -> None:
    """messageBack (real Teams), plain Action.Submit (value only) and thumbs with a comment."""
    fake = harness.fake
    await harness.post_signed(fake.activity("svar med post"))
    answer, offer = [read_card(r.card) for r in fake.replies]

    text, value = message_back(offer.button("Ja"))
    clicked = fake.activity(text)
    clicked["value"] = value
    plain = fake.activity(None)
    plain["value"] = submitted_value(offer.button("Nej"))
    down = answer.button("👎 Nej").card
    comment = fake.activity(None)
    comment["value"] = submitted_value(down.actions[0], {down.inputs[0]["id"]: "Fel år"})
    for activity in (clicked, plain, comment):
        assert (await harness.post_signed(activity))[0] == 200

    assert [m.text for m in harness.bot.messages[1:]] == [
        "/affirm", "/deny",
        '/feedback{"feedback_value":"down","record_id":"rec-42","feedback_comment":"Fel år"}',
    ]


@pytest.mark.asyncio
async def test_a_choice_on_an_earlier_card_never_reaches_the_bot(harness: Harness) -> None:
    """As the widget removes its buttons once the official says anything: only the
    latest card's choices count; thumbs count on every answer."""
    fake, bot = harness.fake, harness.bot

    async def latest_message_id(sender_id: str) -> Optional[str]:
        mine = [m for m in bot.messages if m.sender_id == sender_id]
        return mine[-1].message_id if mine else None

    harness.channel.latest_message_id = latest_message_id
    await harness.post_signed(fake.activity("svar med post"))
    answer, offer = [read_card(r.card) for r in fake.replies]

    def click(action: Any) -> dict[str, Any]:
        text, value = message_back(action)
        activity = fake.activity(text)
        activity["value"] = value
        return activity

    assert (await harness.post_signed(click(offer.button("Ja"))))[0] == 200
    assert bot.messages[-1].text == "/affirm"
    assert (await harness.post_signed(click(offer.button("Nej"))))[0] == 200  # the same card again
    old_hero = fake.activity("/affirm")
    old_hero["value"] = {"payload": "/affirm"}  # a hero card of the previous version
    assert (await harness.post_signed(old_hero))[0] == 200
    thumbs = fake.activity(None)
    thumbs["value"] = submitted_value(answer.button("👍 Ja"))
    assert (await harness.post_signed(thumbs))[0] == 200

    assert [m.text for m in bot.messages] == [
        "svar med post", "/affirm", '/feedback{"feedback_value":"up","record_id":"rec-42"}']
    notices = [r.text for r in fake.replies[2:] if r.text and r.text.startswith("Den knappen")]
    assert len(notices) == 2 and notices[0].startswith("Den knappen hör till ett tidigare meddelande.")


@pytest.mark.asyncio
async def test_replies_share_one_connection(harness: Harness) -> None:
    for text in ("svar", "Hej", "knappar"):
        assert (await harness.post_signed(harness.fake.activity(text)))[0] == 200
    replies = harness.fake.replies
    assert len(replies) == 4
    assert len({r.client_port for r in replies}) == 1, "one kept HTTP session for every reply"


@pytest.mark.asyncio
async def test_mention_of_the_bot_is_removed_from_the_text(harness: Harness) -> None:
    activity = harness.fake.activity("<at>Lotsen</at> Vad gäller för studieresor?")
    activity["entities"] = [
        {"type": "mention", "text": "<at>Lotsen</at>", "mentioned": activity["recipient"]}
    ]
    status, _ = await harness.post_signed(activity)
    assert status == 200
    assert harness.bot.messages[0].text == "Vad gäller för studieresor?"


@pytest.mark.asyncio
async def test_non_message_activities_are_acknowledged_but_not_handled(harness: Harness) -> None:
    activity = harness.fake.activity(None, activity_type="conversationUpdate")
    status, _ = await harness.post_signed(activity)
    assert status == 200
    assert harness.bot.messages == []


# -- rejected tokens ----------------------------------------------------------

ForgeHeaders = Callable[[FakeBotFramework, dict[str, Any]], dict[str, str]]

REJECTED: dict[str, ForgeHeaders] = {
    "missing header": lambda fake, act: {},
    "not a bearer token": lambda fake, act: {"Authorization": f"Basic {fake.sign()}"},
    "garbage token": lambda fake, act: {"Authorization": "Bearer not.a.jwt"},
    "forged signature": lambda fake, act: fake.auth_headers(act, key=generate_rsa_key()),
    "unknown key": lambda fake, act: fake.auth_headers(
        act, key=generate_rsa_key(), kid="not-published"
    ),
    "expired": lambda fake, act: fake.auth_headers(act, expires_in=-3600),
    "not yet valid": lambda fake, act: fake.auth_headers(
        act, not_before=time.time() + 3600
    ),
    "wrong audience": lambda fake, act: fake.auth_headers(
        act, audience="00000000-0000-0000-0000-000000000000"
    ),
    "wrong issuer": lambda fake, act: fake.auth_headers(
        act, issuer="https://sts.windows.net/evil/"
    ),
    "serviceUrl mismatch": lambda fake, act: {
        "Authorization": f"Bearer {fake.sign('https://smba.trafficmanager.net/emea/')}"
    },
    "symmetric algorithm": lambda fake, act: {
        "Authorization": "Bearer " + jwt.encode(
            {"aud": fake.app_id, "iss": "https://api.botframework.com", "exp": 4102444800,
             "serviceUrl": act["serviceUrl"]},
            "secret", algorithm="HS256", headers={"kid": fake.kid},
        )
    },
}


@pytest.mark.asyncio
@pytest.mark.parametrize("case", sorted(REJECTED))
async def test_invalid_tokens_get_401_and_never_reach_the_bot(harness: Harness, case: str) -> None:
    activity = harness.fake.activity("Hej")
    status, body = await harness.post(activity, REJECTED[case](harness.fake, activity))

    assert status == 401, body
    assert harness.bot.messages == []
    assert harness.fake.replies == []


@pytest.mark.asyncio
async def test_key_not_endorsed_for_the_channel_gets_401(harness: Harness) -> None:
    activity = harness.fake.activity("Hej")
    activity["channelId"] = "skype"
    status, _ = await harness.post_signed(activity)
    assert status == 401
    assert harness.bot.messages == []


@pytest.mark.asyncio
@pytest.mark.parametrize("where", ["channelData", "conversation", "both", "neither"])
async def test_an_activity_from_another_tenant_gets_403_and_never_reaches_the_bot(harness: Harness, where: str) -> None:
    """A token valid for the app, but the activity is from another organisation's tenant (issue 15)."""
    other = "99999999-8888-7777-6666-555555555555"
    activity = harness.fake.activity("Hej")
    if where in ("channelData", "both"):
        activity["channelData"]["tenant"]["id"] = other
    if where in ("conversation", "both"):
        activity["conversation"]["tenantId"] = other
    if where == "neither":
        del activity["channelData"]
        del activity["conversation"]["tenantId"]
    status, body = await harness.post_signed(activity)
    assert status == 403, body
    assert harness.bot.messages == [] and harness.fake.replies == []


@pytest.mark.asyncio
async def test_the_configured_tenant_in_other_letter_case_is_accepted(harness: Harness) -> None:
    activity = harness.fake.activity("Hej")
    activity["channelData"]["tenant"]["id"] = harness.fake.tenant_id.upper()
    status, _ = await harness.post_signed(activity)
    assert status == 200 and [m.text for m in harness.bot.messages] == ["Hej"]


@pytest.mark.asyncio
async def test_missing_token_with_malformed_body_is_still_401(harness: Harness) -> None:
    status, _ = await harness.post(None, raw=b"{not json")
    assert status == 401


# -- malformed activities -----------------------------------------------------


def _without(path: str) -> Callable[[dict[str, Any]], Any]:
    def edit(activity: dict[str, Any]) -> dict[str, Any]:
        *parents, leaf = path.split(".")
        target = activity
        for name in parents:
            target = target[name]
        del target[leaf]
        return activity

    return edit


def _with(name: str, value: Any) -> Callable[[dict[str, Any]], Any]:
    return lambda activity: {**activity, name: value}


MALFORMED: dict[str, tuple[Callable[[dict[str, Any]], Any], str]] = {
    "JSON array": (lambda activity: [activity], "JSON object"),
    "no type": (_without("type"), "'type'"),
    "text not a string": (_with("text", 42), "'text'"),
    "no from.id": (_without("from.id"), "'from.id'"),
    "from not an object": (_with("from", "29:someone"), "'from'"),
    "no conversation.id": (_without("conversation.id"), "'conversation.id'"),
    "no serviceUrl": (_without("serviceUrl"), "'serviceUrl'"),
    "relative serviceUrl": (_with("serviceUrl", "/connector/"), "'serviceUrl'"),
}


@pytest.mark.asyncio
@pytest.mark.parametrize("case", sorted(MALFORMED))
async def test_malformed_activity_gets_400(harness: Harness, case: str) -> None:
    edit, expected = MALFORMED[case]
    good = harness.fake.activity("Hej")
    status, body = await harness.post(edit(good), harness.fake.auth_headers(good))

    assert status == 400
    assert expected in body
    assert harness.bot.messages == []


@pytest.mark.asyncio
async def test_body_that_is_not_json_gets_400(harness: Harness) -> None:
    status, body = await harness.post(None, harness.fake.auth_headers(), raw=b"{not json")
    assert status == 400
    assert "not valid JSON" in body


# -- keys, configuration, start-up ---------------------------------------------


def test_construction_fetches_nothing(fake: FakeBotFramework) -> None:
    make_channel({"app_id": "a", "app_password": "b", "tenant_id": "c",
                  "openid_metadata_url": CLOSED_PORT_URL})
    make_channel(fake.credentials())
    assert fake.metadata_fetches == 0 and fake.key_fetches == 0


@pytest.mark.asyncio
async def test_unknown_key_id_triggers_a_key_refresh(fake: FakeBotFramework) -> None:
    channel = make_channel(fake.credentials(), key_refresh_interval=0)
    bot = StubBot()
    async with serve_input_channel(channel, bot) as url:
        harness = Harness(fake, bot, url, channel)
        assert (await harness.post_signed(fake.activity("Före bytet")))[0] == 200
        fake.rotate_key()
        assert (await harness.post_signed(fake.activity("Efter bytet")))[0] == 200
    assert [m.text for m in bot.messages] == ["Före bytet", "Efter bytet"]
    assert fake.key_fetches == 2


@pytest.mark.asyncio
async def test_unreachable_key_set_gets_503(fake: FakeBotFramework) -> None:
    channel = make_channel({**fake.credentials(), "openid_metadata_url": CLOSED_PORT_URL})
    bot = StubBot()
    async with serve_input_channel(channel, bot) as url:
        activity = fake.activity("Hej")
        status, _ = await Harness(fake, bot, url, channel).post_signed(activity)
    assert status == 503
    assert bot.messages == []


@pytest.mark.asyncio
async def test_unconfigured_channel_answers_503(fake: FakeBotFramework) -> None:
    channel = make_channel({**fake.credentials(), "tenant_id": ""})
    bot = StubBot()
    async with serve_input_channel(channel, bot) as url:
        status, _ = await Harness(fake, bot, url, channel).post_signed(fake.activity("Hej"))
    assert status == 503
    assert bot.messages == []


@pytest.mark.asyncio
async def test_failed_token_request_sends_no_reply(fake: FakeBotFramework) -> None:
    channel = make_channel({**fake.credentials(), "app_password": "wrong"})
    bot = StubBot()
    async with serve_input_channel(channel, bot) as url:
        status, _ = await Harness(fake, bot, url, channel).post_signed(fake.activity("Hej"))
    assert status == 200
    assert len(bot.messages) == 1
    assert fake.replies == []
    assert [r.tenant for r in fake.token_requests] == [fake.tenant_id]


@pytest.mark.asyncio
async def test_auth_disabled_mode_is_local_only_and_loud(
    fake: FakeBotFramework, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv(AUTH_DISABLED_ENV, "true")
    with caplog.at_level(logging.WARNING, logger="channels.teams"):
        channel = TeamsInput.from_credentials({"app_id": "", "app_password": "", "tenant_id": ""})
    assert "authentication is OFF" in caplog.text

    bot = StubBot()
    async with serve_input_channel(channel, bot) as url:
        harness = Harness(fake, bot, url, channel)
        local_status, _ = await harness.post(fake.activity("Hej från Playground"))
        remote = fake.activity("Hej", service_url="https://smba.trafficmanager.net/emea/")
        remote_status, _ = await harness.post(remote)

    assert (local_status, remote_status) == (200, 401)
    assert [m.text for m in bot.messages] == ["Hej från Playground"]
    [reply] = fake.replies
    assert reply.authorization is None
    assert fake.token_requests == [] and fake.metadata_fetches == 0


def test_invalid_auth_flag_fails_at_start(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(AUTH_DISABLED_ENV, "kanske")
    with pytest.raises(ValueError, match=AUTH_DISABLED_ENV):
        TeamsInput.from_credentials({"app_id": "a", "app_password": "b", "tenant_id": "c"})


def test_credentials_yml_with_environment_variables(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The snippet documented in docs/teams.md, loaded the way ``rasa run`` loads it."""
    import rasa.shared.utils.io
    from rasa.core.run import _create_single_channel

    snippet = (
        "channels.teams.TeamsInput:\n"
        "  app_id: ${TEAMS_APP_ID}\n"
        "  app_password: ${TEAMS_APP_PASSWORD}\n"
        "  tenant_id: ${TEAMS_TENANT_ID}\n"
    )
    (tmp_path / "credentials.yml").write_text(snippet, encoding="utf-8")
    monkeypatch.setenv("TEAMS_APP_ID", "6f1d4c2a-3b5e-4f7a-9c8d-0e1f2a3b4c5d")
    monkeypatch.setenv("TEAMS_APP_PASSWORD", "hemligt")
    monkeypatch.setenv("TEAMS_TENANT_ID", "stockholm.onmicrosoft.com")
    monkeypatch.delenv(AUTH_DISABLED_ENV, raising=False)

    credentials = rasa.shared.utils.io.read_config_file(str(tmp_path / "credentials.yml"))
    [(name, entry)] = credentials.items()
    channel = _create_single_channel(name, entry)

    assert isinstance(channel, TeamsInput)
    assert channel.url_prefix() == "msteams"
    assert channel.settings.app_id == "6f1d4c2a-3b5e-4f7a-9c8d-0e1f2a3b4c5d"
    assert channel.settings.token_url == (
        "https://login.microsoftonline.com/stockholm.onmicrosoft.com/oauth2/v2.0/token"
    )
    assert channel.settings.openid_metadata_url == (
        "https://login.botframework.com/v1/.well-known/openidconfiguration"
    )
    assert channel.settings.issuer == "https://api.botframework.com"
    assert not channel.settings.auth_disabled
