"""Render deploy/nginx/lotsen.conf.template for a given set of replicas.

    .venv/bin/python -m deploy.nginx_conf --listen "443 ssl" --tls /etc/nginx/tls \
        --rasa rasa-1:5005 --rasa rasa-2:5005 --actions actions-1:5055 --actions-listen 5056 > lotsen.conf

make test-scale renders it the same way (tests/support/topology.py), and
deploy/compose/lotsen.conf is its output for deploy/compose.yml
(tests/reliability/test_scale_deploy.py keeps it so).
"""
from __future__ import annotations

import argparse
import re
from pathlib import Path
from typing import Optional, Sequence

TEMPLATE = Path(__file__).resolve().parent / "nginx" / "lotsen.conf.template"
PLACEHOLDER = re.compile(r"@([A-Z_]+)@")
REPLICA_HEADER = "X-Lotsen-Replica"


def render(template: Path, values: dict[str, str]) -> str:
    """``template`` with every @NAME@ replaced; a name without a value is an error."""
    def value(match: re.Match) -> str:
        if match.group(1) not in values:
            raise KeyError(f"{template.name}: no value for @{match.group(1)}@")
        return values[match.group(1)]
    return PLACEHOLDER.sub(value, template.read_text(encoding="utf-8"))


def lotsen_conf(listen: str, actions_listen: str, rasa: Sequence[str], actions: Sequence[str], log_dir: str,
                tls_dir: Optional[str] = None, replica_header: bool = False) -> str:
    """Lotsen's nginx server blocks. ``tls_dir`` holds fullchain.pem and privkey.pem (then the
    socket.io cookie is Secure); ``replica_header`` tells clients which Rasa replica answered (tests only)."""
    servers = lambda addresses: "\n".join(f"    server {a};" for a in addresses)  # noqa: E731
    tls = (f"    ssl_certificate {tls_dir}/fullchain.pem;\n    ssl_certificate_key {tls_dir}/privkey.pem;\n"
           "    ssl_protocols TLSv1.2 TLSv1.3;") if tls_dir else ""
    return render(TEMPLATE, {
        "LISTEN": listen, "ACTIONS_LISTEN": actions_listen, "RASA_SERVERS": servers(rasa),
        "ACTION_SERVERS": servers(actions), "LOG_DIR": log_dir, "TLS": tls,
        "COOKIE_SECURE": "; Secure" if tls_dir else "",
        "REPLICA_HEADER": f"        add_header {REPLICA_HEADER} $upstream_addr always;" if replica_header else "",
    })


def main(argv: Optional[Sequence[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--listen", required=True, help='e.g. "443 ssl" or 127.0.0.1:8080')
    parser.add_argument("--actions-listen", required=True, help="address Rasa reaches the action servers on")
    parser.add_argument("--rasa", action="append", required=True, help="a Rasa replica host:port (repeat)")
    parser.add_argument("--actions", action="append", required=True, help="an action server host:port (repeat)")
    parser.add_argument("--log-dir", default="/var/log/nginx")
    parser.add_argument("--tls", help="folder with fullchain.pem and privkey.pem")
    args = parser.parse_args(argv)
    print(lotsen_conf(args.listen, args.actions_listen, args.rasa, args.actions, args.log_dir, args.tls), end="")


if __name__ == "__main__":
    main()
