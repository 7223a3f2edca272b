"""Lotsen's intranet help widget and web chat: the demo server (serve.py) and
the socket.io channel fix (channel.py). The browser code is in src/, built
into dist/lotsen-widget.js."""
