"""`make serve`: check the port first, then run `mkdocs serve` on it.

MkDocs binds its port only after the first build, so a busy port used to cost a whole build
and end in a traceback. This checks before building and names the process that holds the
port (psutil reads it from the system; without permission to see the owner, it says how).

    python -m fromscratch.serve [--host 127.0.0.1] [--port 8000] [mkdocs serve options ...]
"""

from __future__ import annotations

import argparse
import errno
import os
import socket
import sys

import psutil


def holder(port: int) -> str | None:
    """`pid 1234 (python3 -m http.server 8000)` for the process listening on `port`, if visible."""
    try:
        conns = psutil.net_connections(kind="tcp")
    except (psutil.AccessDenied, OSError):
        return None
    for conn in conns:
        if conn.status == psutil.CONN_LISTEN and conn.laddr and conn.laddr.port == port and conn.pid:
            try:
                cmd = " ".join(psutil.Process(conn.pid).cmdline()) or psutil.Process(conn.pid).name()
            except psutil.Error:
                cmd = "?"
            return f"pid {conn.pid} ({cmd})"
    return None


def port_problem(host: str, port: int) -> str | None:
    """None when `mkdocs serve` can bind host:port, else a one-line reason with what to do."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as MkDocs' server does
        try:
            sock.bind((host, port))
            return None
        except OSError as exc:
            if exc.errno != errno.EADDRINUSE:
                return f"cannot serve on {host}:{port}: {exc.strerror}"
    who = holder(port) or f"a process this user cannot see (`ss -ltnp 'sport = :{port}'` names it)"
    return (
        f"port {port} on {host} is in use by {who}: stop it, or serve on another port "
        f"with `make serve PORT={port + 1}`"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT") or 8000))
    args, rest = parser.parse_known_args(argv)
    problem = port_problem(args.host, args.port)
    if problem:
        print(f"make serve: {problem}", file=sys.stderr)
        return 1
    os.environ["SITE_URL"] = f"http://{args.host}:{args.port}/"  # the preview is at the root
    from mkdocs.__main__ import cli

    try:
        cli.main(["serve", "--dev-addr", f"{args.host}:{args.port}", *rest], prog_name="mkdocs")
    except OSError as exc:  # taken while the first build ran
        if exc.errno != errno.EADDRINUSE:
            raise
        print(f"make serve: {port_problem(args.host, args.port) or exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
