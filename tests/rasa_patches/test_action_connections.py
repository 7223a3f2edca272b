"""Rasa's calls to the action server reuse kept-alive connections
(rasa_patches/action_connections.py), and a call after the server dropped an
idle connection still goes through."""
from __future__ import annotations

import asyncio

from aiohttp import web
from rasa.utils.endpoints import EndpointConfig

from rasa_patches import action_connections


async def _calls(drop_idle: bool) -> tuple[list[int], list[dict]]:
    """Three POSTs through one endpoint, the server dropping its idle connections before the
    third if ``drop_idle``; returns the client ports the server saw and the answers."""
    ports: list[int] = []
    transports: list[asyncio.BaseTransport] = []

    async def webhook(request: web.Request) -> web.Response:
        ports.append(request.transport.get_extra_info("peername")[1])
        transports.append(request.transport)
        return web.json_response({"events": [], "responses": [{"text": "Hej"}]})

    app = web.Application()
    app.router.add_post("/webhook", webhook)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    endpoint = EndpointConfig(f"http://127.0.0.1:{port}/webhook")
    try:
        answers = [await endpoint.request(json={"next_action": "action_answer"}, method="post") for _ in range(2)]
        if drop_idle:  # as a server does when its keep-alive time runs out
            for transport in transports:
                transport.close()
            await asyncio.sleep(0.2)
        answers.append(await endpoint.request(json={"next_action": "action_answer"}, method="post"))
    finally:
        await runner.cleanup()
    return ports, answers


def test_action_calls_share_one_connection():
    action_connections.apply()
    ports, answers = asyncio.run(_calls(drop_idle=False))
    assert [a["responses"][0]["text"] for a in answers] == ["Hej"] * 3
    assert len(set(ports)) == 1


def test_a_call_after_the_server_closed_an_idle_connection_succeeds():
    action_connections.apply()
    ports, answers = asyncio.run(_calls(drop_idle=True))
    assert len(answers) == 3 and all(a["responses"] for a in answers)
    assert ports[0] == ports[1] != ports[2]
