"""Start the action server bound to one address (loopback unless told otherwise).

rasa-sdk 3.6's ``rasa run actions`` has no host option and binds 0.0.0.0, which
would expose the action server's unauthenticated ``/webhook`` to the network.
This launcher takes rasa-sdk's own argument parser and start-up function and
only adds ``--host``:

    python -m actions.serve [--host 127.0.0.1] [--port 5055] [rasa-sdk options]

The default host is ``$LOTSEN_ACTIONS_HOST`` or 127.0.0.1; a container that
Rasa reaches over a private network sets ``LOTSEN_ACTIONS_HOST=0.0.0.0``.
"""
from __future__ import annotations

import argparse
import os
from typing import Mapping, Optional, Sequence

import rasa_sdk.__main__ as sdk_main
from rasa_sdk.endpoint import create_argument_parser

HOST_ENV = "LOTSEN_ACTIONS_HOST"
DEFAULT_HOST = "127.0.0.1"
ACTIONS_PACKAGE = "actions"


def argument_parser(env: Optional[Mapping[str, str]] = None) -> argparse.ArgumentParser:
    """rasa-sdk's parser plus ``--host``; the actions package defaults to ``actions``."""
    env = os.environ if env is None else env
    parser = create_argument_parser()
    parser.prog = "python -m actions.serve"
    parser.add_argument(
        "--host",
        default=env.get(HOST_ENV) or DEFAULT_HOST,
        help=f"address to bind (default: ${HOST_ENV} or {DEFAULT_HOST})",
    )
    parser.set_defaults(actions=ACTIONS_PACKAGE)
    return parser


def main(argv: Optional[Sequence[str]] = None) -> None:
    args = argument_parser().parse_args(argv)
    host = args.host.strip()
    if not host:
        raise SystemExit(f"--host (or {HOST_ENV}) is empty: give an address such as {DEFAULT_HOST}")
    # rasa_sdk.endpoint.run() takes its bind address from SANIC_HOST (default 0.0.0.0).
    os.environ["SANIC_HOST"] = host
    sdk_main.main_from_args(args)


if __name__ == "__main__":
    main()
