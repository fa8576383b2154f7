"""Click commands of the feedback API: ``serve`` and ``outbox`` (registered into ``kb``).

Heavy imports happen inside the commands, so ``kb --help`` stays instant.
"""

from __future__ import annotations

import json
import logging
import signal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from kb_cli.widget_demo import DemoServer
    from kb_core.config import SiteConfig

log = logging.getLogger(__name__)


def _need_server_extra(command: str) -> None:
    """Flask and limits come with the ``server`` extra, not with a writer's install."""
    try:
        import flask  # noqa: F401
        import limits  # noqa: F401
    except ModuleNotFoundError as exc:
        raise click.ClickException(
            f"'kb {command}' needs the server extra ({exc.name} is not installed): "
            "pip install 'kb-portal[server]'"
        ) from None


# --config of the commands that run the app (a str: the app factory takes one)
CONFIG_OPTION = click.option(
    "--config",
    "config_path",
    default=None,
    type=click.Path(dir_okay=False),
    help="Site config (default: site_config.yml if present).",
)


def _config_path(value: str | None) -> str | None:
    if value:
        return value
    return "site_config.yml" if Path("site_config.yml").exists() else None


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port",
    default=8000,
    show_default=True,
    type=click.IntRange(1, 65535),
    help="Port to listen on.",
)
@click.option(
    "--build-dir",
    default="build",
    show_default=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Output of `kb build`.",
)
@CONFIG_OPTION
@click.option(
    "--widget-demo",
    is_flag=True,
    help="Also serve a demo host page embedding the help widget, on the next port (another "
    "origin, allowed for this run).",
)
@click.option(
    "--widget-demo-port",
    type=click.IntRange(1, 65535),
    default=None,
    help="Port of the widget demo page (implies --widget-demo; default: --port + 1).",
)
def serve(
    host: str,
    port: int,
    build_dir: Path,
    config_path: str | None,
    widget_demo: bool,
    widget_demo_port: int | None,
) -> None:
    """Serve the portal and the API together (SQLite store, outbox worker included)."""
    _need_server_extra("serve")
    from feedback_api import create_app, shutdown
    from kb_core.config import load_config
    from kb_core.errors import KBError
    from kb_store.store import StoreError

    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    if not (build_dir / "public").is_dir():
        click.echo(f"warning: {build_dir / 'public'} does not exist yet; run `kb build`", err=True)
    demo: DemoServer | None = None
    try:
        config = _config_path(config_path)
        extra: tuple[str, ...] = ()
        loaded, problems = load_config(config)
        elsewhere = url_port_warning(loaded.site.url, host, port, config)
        if elsewhere:
            click.echo(elsewhere, err=True)
        if widget_demo or widget_demo_port is not None:
            for problem in problems:
                log.warning("%s", problem)
            demo_port = widget_demo_port or (port + 1 if port < 65535 else port - 1)
            extra, demo = _widget_demo(loaded, host, port, demo_port, build_dir)
        app = create_app(
            {
                "BUILD_DIR": str(build_dir),
                # the file, read again when its allowed origins change; the demo page's origins
                # are allowed beside them for this run
                "SITE_CONFIG": config,
                "EXTRA_ORIGINS": extra,
                "OUTBOX_WORKER": True,
            }
        )
    except (KBError, StoreError) as exc:
        if demo is not None:
            demo.stop()
        raise click.ClickException(str(exc)) from None
    click.echo(f"Serving the portal and API on http://{host}:{port}/ (Ctrl+C to stop)")
    if demo is not None:
        demo.start()
        shown = "127.0.0.1" if host in ("", "0.0.0.0", "::") else host
        click.echo(
            f"Widget demo (another origin, allowed for this run) on http://{shown}:{demo.port}/"
        )
    # A service manager stops a server with SIGTERM, and a shell starts background jobs with
    # SIGINT ignored: both end the serving loop as Ctrl+C does, so the workers stop and the
    # queued events are written before the process exits.
    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    try:
        app.run(host=host, port=port, threaded=True, use_reloader=False)
    except KeyboardInterrupt:
        pass
    finally:
        if demo is not None:
            demo.stop()
        shutdown(app)
    click.echo("Stopped.")


def _loopback(name: str) -> bool:
    import ipaddress

    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:  # a host name, not an address
        return False


def url_port_warning(site_url: str, host: str, port: int, config: str | None) -> str | None:
    """A one-line warning when ``site_url`` is a loopback address on another port than the
    one served: permanent links (`kb link`, /api/articles) would point at a server that is not
    this one. A production URL is left alone, never rewritten: it is meant to differ."""
    from urllib.parse import urlsplit

    parts = urlsplit(site_url)
    try:
        said = parts.port or {"http": 80, "https": 443}.get(parts.scheme)
    except ValueError:  # a port that is no number: the config's own check says so
        return None
    if not _loopback((parts.hostname or "").lower()) or said == port:
        return None
    shown = "127.0.0.1" if host in ("", "0.0.0.0", "::") else host
    shown = f"[{shown}]" if ":" in shown else shown
    where = f"in {config}" if config else "(the default; no site config)"
    here = f"http://{shown}:{port}"
    return (
        f"warning: site.url {site_url} {where} is not this server ({here}/): links from "
        f"kb link and /api/articles point there; set site.url: {here} to link here"
    )


def _widget_demo(
    config: SiteConfig, host: str, port: int, demo_port: int, build_dir: Path
) -> tuple[tuple[str, ...], DemoServer]:
    """The demo page's origins, to allow for this run, and the demo server (not started)."""
    from kb_cli.widget_demo import DemoServer, demo_origins

    if not config.widget.enabled:
        raise click.ClickException(
            "--widget-demo needs the widget: widget.enabled is false in the site config"
        )
    if demo_port == port:
        raise click.ClickException(f"--widget-demo-port must differ from --port ({port})")
    if not (build_dir / "public" / "widget.js").is_file():
        click.echo(
            f"warning: {build_dir / 'public' / 'widget.js'} is missing; run `kb build`", err=True
        )
    try:
        demo = DemoServer(host, demo_port, port, build_dir, config.site.featured)
    except OSError as exc:
        raise click.ClickException(
            f"cannot serve the widget demo on port {demo_port}: {exc.strerror or exc}; "
            "choose another with --widget-demo-port"
        ) from None
    return demo_origins(host, demo.port), demo


def _stop(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _row(d: Any) -> dict[str, Any]:
    def iso(value: Any) -> str | None:
        return value.isoformat().replace("+00:00", "Z") if value is not None else None

    return {
        "id": d.id,
        "reference": d.reference,
        "channel": d.channel,
        "status": d.status,
        "attempts": d.attempts,
        "next_attempt_at": iso(d.next_attempt_at),
        "created_at": iso(d.created_at),
        "last_error": d.last_error,
    }


@click.command("outbox")
@CONFIG_OPTION
@click.option("--database-url", default=None, help="Store URL (default: from the config).")
@click.option(
    "--retry", is_flag=True, help="Make every waiting or failed delivery due now and try it."
)
@click.option("--all", "show_all", is_flag=True, help="Also list delivered requests.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json"]),
    default="table",
    show_default=True,
    help="table (one request a line) or json.",
)
def outbox(
    config_path: str | None, database_url: str | None, retry: bool, show_all: bool, fmt: str
) -> None:
    """List pending and failed contact-request deliveries; --retry sends them now."""
    _need_server_extra("outbox")
    from feedback_api.outbox import Forwarder, Policy, channels, deliver_due
    from kb_core.config import load_config
    from kb_core.errors import KBError
    from kb_store.store import FAILED, PENDING, SENDING, SENT, Store, StoreError

    try:
        config, _ = load_config(_config_path(config_path))
        store = Store(database_url or config.database_url)
        store.migrate()
    except (KBError, StoreError) as exc:
        raise click.ClickException(str(exc)) from None
    results: list[dict[str, Any]] = []
    try:
        if retry:
            store.retry_deliveries()
            forwarder, policy = Forwarder(config), Policy()
            while batch := deliver_due(store, forwarder, policy):
                results += [
                    {
                        "id": o.delivery.id,
                        "reference": o.delivery.reference,
                        "ok": o.ok,
                        "error": o.error,
                        "channel": o.delivery.channel,
                    }
                    for o in batch
                ]
                if all(not o.ok for o in batch) and not any(o.ok for o in batch):
                    break  # every attempt of this pass failed: they now wait for their backoff
        statuses = (PENDING, SENDING, FAILED, SENT) if show_all else (PENDING, SENDING, FAILED)
        rows = [_row(d) for d in store.deliveries(statuses)]
        stored, newest = store.stored_only()
    finally:
        store.close()
    forwarding = bool(channels(config.contact))
    if fmt == "json":
        stored_only = {"count": stored, "newest": [_stored(r) for r in newest]}
        out = {"deliveries": rows, "attempted": results, "forwarding": forwarding}
        click.echo(json.dumps(out | {"stored_only": stored_only}, indent=2))
    else:
        _print_table(rows, results, stored)
        _print_stored(stored, newest, forwarding, config.contact.enabled)
    if any(not r["ok"] for r in results):
        raise SystemExit(1)


def _stored(r: dict[str, Any]) -> dict[str, Any]:
    return r | {"created_at": r["created_at"].isoformat().replace("+00:00", "Z")}


def _print_stored(
    stored: int, newest: list[dict[str, Any]], forwarding: bool, enabled: bool
) -> None:
    """The requests that were only stored (no channel when they came in), newest first, and
    whether new ones will be: the outbox alone said "every request has been delivered"."""
    from rich.console import Console
    from rich.table import Table

    console = Console()
    if enabled and not forwarding:
        console.print(
            "[yellow]Contact forwarding is not configured[/]: new requests are stored in the "
            "database only. Set contact.smtp (host, to) or contact.webhook_url in "
            "site_config.yml to have them sent to support."
        )
    if not stored:
        return
    # the portal's language, on a site of several: which requests need which agent
    languages = any(r["language"] for r in newest)
    table = Table(title=f"{stored} contact request(s) stored, never forwarded (newest first)")
    for name in ("reference", "received", "email", "topic", "subject"):
        table.add_column(name)
    if languages:
        table.add_column("language")
    for r in newest:
        when = r["created_at"].strftime("%Y-%m-%d %H:%M")
        cells = [r["reference"], when, r["email"], r["topic"], r["subject"][:60]]
        table.add_row(*cells, *([r["language"] or ""] if languages else []))
    console.print(table)
    if stored > len(newest):
        console.print(f"… and {stored - len(newest)} older; --format json has each one's fields.")


def _print_table(rows: list[dict[str, Any]], results: list[dict[str, Any]], stored: int) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    for r in results:
        mark = "[green]sent[/]" if r["ok"] else f"[red]failed[/]: {r['error']}"
        console.print(f"{r['reference']} via {r['channel']}: {mark}")
    if not rows:
        if not stored:  # else the requests stored only are listed next, not "delivered"
            console.print("The outbox is empty: every contact request has been delivered.")
        return
    table = Table(title="Contact request deliveries")
    for name in ("reference", "channel", "status", "attempts", "next attempt", "last error"):
        table.add_column(name)
    colours = {"failed": "red", "pending": "yellow", "sending": "cyan", "sent": "green"}
    for r in rows:
        status = f"[{colours.get(r['status'], 'white')}]{r['status']}[/]"
        table.add_row(
            r["reference"],
            r["channel"],
            status,
            str(r["attempts"]),
            r["next_attempt_at"] or "",
            (r["last_error"] or "")[:80],
        )
    console.print(table)
