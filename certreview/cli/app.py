"""`certreview app`: the office's pages without code (Voilà over notebooks/app), loopback by default."""

from __future__ import annotations

import argparse
import contextlib
import ipaddress
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import webbrowser
from pathlib import Path

from certreview.config import load_settings
from certreview.i18n import _, get_language

TOKEN_ENV = "CERTREVIEW_APP_TOKEN"
MIN_TOKEN = 12  # characters: a token guessed over the network would open every record
HOME = "voila/render/index.ipynb"


class AppRefused(ValueError):
    """The app would be served in a way that is not safe; str() says what to do."""


def add_app_parser(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    """Add the `app` command to the command line."""
    app = sub.add_parser(
        "app", parents=[common], help=_("the office app in the browser: pages without code")
    )
    app.add_argument("--port", type=int, default=8866, help=_("port (default: 8866)"))
    app.add_argument(
        "--host",
        default="127.0.0.1",
        help=_(
            "address to listen on (default: this computer only; 0.0.0.0: the office network, "
            "needs --token)"
        ),
    )
    app.add_argument(
        "--token",
        metavar="T",
        help=_("password of the app, needed off this computer (or ${env})").format(env=TOKEN_ENV),
    )
    app.add_argument("--no-browser", action="store_true", help=_("do not open a browser"))


def app_folder() -> Path:
    """Return the folder of the app's page notebooks (a source checkout's notebooks/app)."""
    here = Path(__file__).resolve().parents[2] / "notebooks" / "app"
    return here if here.is_dir() else Path.cwd() / "notebooks" / "app"


def is_loopback(host: str) -> bool:
    """Return True for an address only this computer can reach.

    >>> is_loopback("127.0.0.1"), is_loopback("localhost"), is_loopback("0.0.0.0")
    (True, True, False)
    """
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip().strip("[]")).is_loopback
    except ValueError:
        return False  # a host name: it may well be reachable from the network


def check_access(host: str, token: str | None) -> str | None:
    """Return the token to serve with, or raise AppRefused when the network would be open."""
    token = (token or "").strip() or None
    if not is_loopback(host):
        if token is None:
            raise AppRefused(
                _(
                    "serving on {host} opens the app to the network: add --token T (or set "
                    "{env}), at least {n} characters, and give it only to the office"
                ).format(host=host, env=TOKEN_ENV, n=MIN_TOKEN)
            )
        if len(token) < MIN_TOKEN:
            raise AppRefused(
                _("the token is too short for the network: use at least {n} characters").format(
                    n=MIN_TOKEN
                )
            )
    return token


def voila_command(folder: Path, host: str, port: int, config_dir: Path) -> list[str]:
    """Return the Voilà command serving FOLDER (its token, if any, is in CONFIG_DIR)."""
    return [
        sys.executable,
        "-m",
        "voila",
        str(folder),
        "--no-browser",
        f"--Voila.ip={host}",
        f"--port={port}",
        f"--Voila.config_file_paths={config_dir}",
        "--theme=light",
        # Errors show as one line in the page, never a traceback with paths and data.
        "--VoilaConfiguration.show_tracebacks=False",
    ]


def run_app(args: argparse.Namespace) -> int:
    """Serve the app until Ctrl-C; the pages' kernels get this command's department and language."""
    token = check_access(args.host, args.token or os.environ.get(TOKEN_ENV))
    settings = load_settings(getattr(args, "db", None), getattr(args, "data", None))
    folder = app_folder()
    if not (folder / "index.ipynb").exists():
        raise AppRefused(_("the app's pages are missing: {folder}").format(folder=folder))
    env = dict(
        os.environ,
        CERTREVIEW_DB=settings.db_url,
        CERTREVIEW_DATA=str(settings.data_dir.resolve()),
        CERTREVIEW_LANG=get_language(),
        # The pages' kernels run this interpreter ("python3" finds it first).
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
    )
    env.pop(TOKEN_ENV, None)  # the kernels need no password
    shown = "localhost" if args.host in {"127.0.0.1", "::1"} else args.host
    url = f"http://{shown}:{args.port}/{HOME}"
    with tempfile.TemporaryDirectory(prefix="certreview-app-") as config_dir:
        # The token goes in a private file, not on a command line other accounts can read.
        config = Path(config_dir) / "voila.json"
        config.touch(mode=0o600)
        config.write_text(json.dumps({"Voila": {"token": token or ""}}), encoding="utf-8")
        process = subprocess.Popen(
            voila_command(folder, args.host, args.port, Path(config_dir)), env=env
        )
        try:
            print(_("the office app: {url}").format(url=url), flush=True)
            if token:
                print(_("sign in with the token given by --token"), flush=True)
            probe = args.host if args.host not in {"0.0.0.0", "::"} else "127.0.0.1"
            if not args.no_browser and _wait_for(f"http://{probe}:{args.port}/", process):
                webbrowser.open(url + (f"?token={token}" if token else ""))
            return process.wait()
        except KeyboardInterrupt:
            return 0
        finally:
            if process.poll() is None:
                process.terminate()
                with contextlib.suppress(subprocess.TimeoutExpired):
                    process.wait(timeout=20)
            if process.poll() is None:
                process.kill()
                process.wait()


def _wait_for(url: str, process: subprocess.Popen[bytes], seconds: float = 60) -> bool:
    """Return True once URL answers (any status), False if the server stopped or took too long."""
    deadline = time.monotonic() + seconds
    while process.poll() is None and time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return True
        except urllib.error.HTTPError:
            return True  # it answered: a login page, say
        except OSError:
            time.sleep(0.5)
    return False
