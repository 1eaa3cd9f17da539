"""Command-line tools: thin click commands over the services."""

from __future__ import annotations

import functools
import sys
from pathlib import Path

import click
import sqlalchemy as sa
from flask import Flask, current_app
from flask.cli import AppGroup
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _

from app import security_log
from app.extensions import db
from app.i18n import command_language, languages, role_name
from app.models import ROLES, Project, User
from app.services import accounts, demo
from app.services.datasets.formats import EXPORT_FORMATS
from app.services.documents import add_documents, read_files
from app.services.errors import ImportFailed, ServiceError

users_cli = AppGroup("users", help="Create and list user accounts.")
settings_cli = AppGroup("settings", help="Show and change site settings.")
invitations_cli = AppGroup("invitations", help="Single-use links that open teacher sign-up.")
documents_cli = AppGroup("documents", help="Import documents into a project.")
demo_cli = AppGroup("demo", help="The demo class project on the seed corpus.")


def _fail(message: str) -> None:
    raise click.ClickException(message)


def speaks(command):
    """A --lang option: the command says what it did (and what went wrong) in that language,
    else in the shell's (LANG), else in English."""

    @click.option("--lang", type=click.Choice(list(languages())), default=None,
                  help="Language of the messages (default: from LANG, else English).")
    @functools.wraps(command)
    def in_language(*args, lang: str | None = None, **kwargs):
        with force_locale(command_language(lang)):
            return command(*args, **kwargs)

    return in_language


@users_cli.command("create")
@click.argument("username")
@click.option("--role", type=click.Choice(ROLES), default="teacher", show_default=True)
@click.option("--name", "display_name", default="", help="Name shown to others.")
@click.password_option(help="Asked for when not given.")
@speaks
def create_user(username: str, role: str, display_name: str, password: str) -> None:
    """Create an admin, teacher or student account."""
    try:
        user = accounts.create_user(username, password, role, display_name)
    except ServiceError as exc:
        _fail(exc.message)
    security_log.event("account_created", object=f"user:{user.id}", target=user.username,
                       role=user.role, via="cli")
    click.echo(_("Created the account '%(username)s' (%(role)s).", username=user.username,
                 role=role_name(user.role)))


@users_cli.command("list")
@speaks
def list_users() -> None:
    """List every account with its role."""
    for user in db.session.scalars(sa.select(User).where(User.role != "system")
                                   .order_by(User.role, User.username)):
        state = "" if user.active else " " + _("(disabled)")
        click.echo(f"{user.username:<24} {role_name(user.role):<14} {user.display_name}{state}")


@users_cli.command("set-password")
@click.argument("username")
@click.password_option()
@speaks
def set_password(username: str, password: str) -> None:
    """Set a user's password (and sign them out everywhere)."""
    user = db.session.scalar(sa.select(User).where(
        User.username == accounts.normalize_username(username)))
    if user is None:
        _fail(_("No user '%(username)s'.", username=username))
    try:
        accounts.change_password(user, password)
    except ServiceError as exc:
        _fail(exc.message)
    click.echo(_("The password of '%(username)s' is changed.", username=user.username))


@invitations_cli.command("create")
@click.option("--days", default=7, show_default=True, help="Days until the link expires.")
@click.option("--note", default="", help="Whom it is for (shown by `invitations list`).")
@click.option("--base-url", default="", help="The site's address, e.g. https://sourcemark.example.org.")
def create_invitation(days: int, note: str, base_url: str) -> None:
    """Make a single-use link that opens sign-up for one teacher account."""
    from app.services import invitations

    try:
        invitation, token = invitations.create(None, days, note)
    except ServiceError as exc:
        _fail(exc.message)
    click.echo(f"{base_url.rstrip('/')}/signup?invite={token}")
    click.echo(f"Valid once, until {invitation.expires_at:%Y-%m-%d %H:%M} UTC. It is shown "
               "only now.", err=True)


@invitations_cli.command("list")
def list_invitations() -> None:
    """List the invitations not used and not expired yet."""
    from app.services import invitations

    for invitation in invitations.pending():
        click.echo(f"#{invitation.id:<5} until {invitation.expires_at:%Y-%m-%d %H:%M} UTC  "
                   f"{invitation.note}")


@settings_cli.command("show")
def show_settings() -> None:
    """Print every setting."""
    for key in accounts.SETTINGS_DEFAULTS:
        click.echo(f"{key} = {accounts.get_setting(key)}")


@settings_cli.command("set")
@click.argument("key")
@click.argument("value")
def set_setting(key: str, value: str) -> None:
    """Change a setting, e.g. `flask settings set teacher_signup off`."""
    try:
        accounts.set_setting(key, value)
    except ServiceError as exc:
        _fail(exc.message)
    click.echo(f"{key} = {value}")


def _project(ident: str) -> Project:
    project = db.session.get(Project, int(ident)) if ident.isdigit() else db.session.scalar(
        sa.select(Project).where(Project.title == ident))
    if project is None:
        _fail(_("No project with the id or title '%(project)s'.", project=ident))
    return project


@documents_cli.command("import")
@click.argument("project")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False,
                                                                   path_type=Path))
@speaks
def import_documents(project: str, paths: tuple[Path, ...]) -> None:
    """Import .txt, .md, .html and .jsonl files into PROJECT (id or title): all or none."""
    target = _project(project)
    files = [(path.name, path.read_bytes()) for path in paths]
    try:
        added = add_documents(target, read_files(files, current_app.config["DOCUMENT_MAX_BYTES"]))
    except ImportFailed as exc:
        for problem in exc.problems:
            click.echo(_("error: %(problem)s", problem=problem), err=True)
        _fail(_("Nothing was imported."))
    for doc, count in added:
        passages = ngettext("%(num)d passage", "%(num)d passages", count)
        click.echo(f"{doc.id:>5}  {passages:>14}  {doc.title}")
    click.echo(ngettext("Imported %(num)d document into '%(project)s'.",
                        "Imported %(num)d documents into '%(project)s'.", len(added),
                        project=target.title))


@documents_cli.command("clean-imports")
@click.option("--minutes", type=click.IntRange(min=0), default=None,
              help="Delete imports that have not moved for this long (default: "
                   "IMPORT_STALE_MINUTES).")
@speaks
def clean_imports(minutes: int | None) -> None:
    """Delete what unfinished imports (a crash, a killed process) left hidden."""
    from app.services.imports import clean_stale

    cleaned = clean_stale(minutes)
    click.echo(ngettext("Deleted %(num)d unfinished import.",
                        "Deleted %(num)d unfinished imports.", cleaned))


@demo_cli.command("load")
def load_demo() -> None:
    """Create the demo project, its teacher and students, and the seed texts (idempotent)."""
    project, logins, added = demo.load_demo(Path(current_app.config["SEEDS_DIR"]),
                                            current_app.config["DOCUMENT_MAX_BYTES"])
    click.echo(f"Demo project: {project.title} (join code {project.join_code}); "
               f"{len(project.documents)} documents ({added} added now).")
    click.echo(demo.load_demo_annotations(project, Path(current_app.config["DEMO_ANNOTATIONS"])))
    click.echo(demo.load_demo_board(project, Path(current_app.config["DEMO_BOARD"])))
    click.echo("Demo logins (local demo only; change or delete them on a shared server):")
    for login in logins:
        click.echo(f"  {login.role:<8} {login.username:<10} password: {login.password}")


def _format_figure(figure: dict) -> str:
    if figure.get("value") is None:
        return f"undefined ({figure.get('undefined')})"
    text = f"{figure['value']:.3f}"
    if figure.get("ci"):
        text += f" [{figure['ci'][0]:.3f}, {figure['ci'][1]:.3f}]"
    if figure.get("reading"):
        text += f" {figure['reading']}"
    text += (f"  (items {figure['n_items']}, pairable {figure['n_pairable']}, "
             f"coders {figure['n_coders']})")
    if figure.get("ci_withheld"):
        text += f"  [{figure['ci_withheld']}]"
    return text


@click.command("agreement")
@click.argument("project")
@click.option("--json", "as_json", is_flag=True, help="Print the whole report as JSON.")
@click.option("--document", "documents", multiple=True, type=int, help="Only these document ids.")
@click.option("--annotator", "annotators", multiple=True, help="Only these usernames.")
@click.option("--gold", is_flag=True, help="Count the gold key as one more rater ('gold').")
@click.option("--by", "by", type=click.Choice(["round"]),
              help="Each round's figures, how they moved, and the test-retest.")
def agreement_command(project: str, as_json: bool, documents: tuple[int, ...],
                      annotators: tuple[str, ...], gold: bool, by: str | None) -> None:
    """Print the agreement report of PROJECT (id or title)."""
    import json

    from app.services.agreement import Scope, build_report

    scope = Scope(documents or None, annotators or None, gold)
    if by == "round":
        from app.services.rounds.report import by_round

        rounds_report = by_round(_project(project), scope)
        if as_json:
            click.echo(json.dumps(rounds_report, indent=1, ensure_ascii=False))
        else:
            _print_rounds(rounds_report)
        return
    report = build_report(_project(project), scope)
    if as_json:
        click.echo(json.dumps(report, indent=1, ensure_ascii=False))
        return
    click.echo(f"{report['project']['title']}: {len(report['annotators'])} annotators, "
               f"{len(report['documents'])} documents, codebook version "
               f"{report['codebook_version']}")
    click.echo(f"{report['methods']['worked_on']} Definitions: --json, \"methods\".")
    layers = report["layers"]
    for key, title in (("source_passages", "Source type per passage"),
                       ("source_characters", "Source type per character (innermost span)"),
                       ("rhetoric", "Rhetoric (spans)"), ("claim", "Unsupported claims (spans)")):
        click.echo(f"\n{title}")
        for figure in layers[key]["coefficients"]:
            click.echo(f"  {figure['name']:<18} {_format_figure(figure)}")
        if key in ("rhetoric", "claim"):
            # Per label with its interval, as the page's chart draws it.
            for figure in layers[key]["labels"]:
                click.echo(f"    {figure['label']:<32} {_format_figure(figure)}")
        for warning in layers[key].get("warnings", []):
            click.echo(f"  ! {warning}")
    click.echo("\nDocument ratings")
    for field in layers["ratings"]["fields"]:
        for figure in field["coefficients"]:
            click.echo(f"  {field['field']:<32} {figure['name']:<15} {_format_figure(figure)}")


def _print_rounds(report: dict) -> None:
    """The report by round in words: headline figures, codebook changes, movers, retest."""
    click.echo(f"{report['project']['title']}: {len(report['rounds'])} rounds, codebook "
               f"version {report['codebook_version']}")
    for entry in report["rounds"]:
        click.echo(f"\n{entry['name']}: {len(entry['documents'])} documents, "
                   f"{len(entry['annotators'])} annotators, codebook version(s) "
                   f"{', '.join(map(str, entry['codebook_versions'])) or '-'}")
        for change in entry["codebook_changes"]:
            click.echo(f"  * {change['summary']}")
        for figure in entry["headline"]:
            click.echo(f"  {figure['title']:<30} {_format_figure(figure)}")
        for part in entry["by_version"]:
            for figure in part["headline"]:
                click.echo(f"    version {part['version']}: {figure['title']:<30} "
                           f"{_format_figure(figure)}")
        for kind, sign in (("gained", "+"), ("lost", "-")):
            for mover in (entry["movers"] or {}).get(kind, []):
                click.echo(f"  {sign} {mover['name']}: {mover['before']:.3f} -> "
                           f"{mover['after']:.3f}")
    for pair in report["retest"]:
        click.echo(f"\nTest-retest {pair['rounds'][0]} -> {pair['rounds'][1]}: "
                   f"{len(pair['annotators'])} annotators")
        for key, layer in pair["layers"].items():
            click.echo(f"  {key:<30} {_format_figure(layer['pooled'])}")


@click.command("export")
@click.argument("project")
@click.option("--format", "fmt", required=True, type=click.Choice(EXPORT_FORMATS),
              help="The file format.")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The file to write (replaced only when the export succeeds).")
@click.option("--document", "documents", multiple=True, type=int, help="Only these document ids.")
@click.option("--annotator", "annotators", multiple=True, help="Only these usernames.")
@click.option("--layer", "layers", multiple=True,
              help="Only these layers (source, rhetoric, claim) and/or 'rating'.")
@click.option("--gold-only", is_flag=True, help="Only the gold key, no annotator's work.")
@click.option("--pseudonymise", is_flag=True,
              help="Replace annotator names with stable pseudonyms.")
@click.option("--card", is_flag=True, help="Also write a dataset card (Markdown) next to it.")
def export_command(project: str, fmt: str, out: Path, documents: tuple[int, ...],
                   annotators: tuple[str, ...], layers: tuple[str, ...], gold_only: bool,
                   pseudonymise: bool, card: bool) -> None:
    """Export the annotations of PROJECT (id or title) to a file."""
    import os
    import tempfile

    from app.services.datasets import export
    from app.services.datasets.card import dataset_card

    target = _project(project)
    filters = export.Filters(documents, tuple(a.lower() for a in annotators), layers,
                             gold_only, pseudonymise)
    try:
        export.check_filters(target, filters)
    except ServiceError as exc:
        _fail(exc.message)
    total = len(export.document_ids(target, filters))
    out = out.resolve()
    if not out.parent.is_dir():
        _fail(f"The folder {out.parent} does not exist; create it first or choose another "
              "--out.")
    handle, temporary = tempfile.mkstemp(prefix=f".{out.name}.", dir=out.parent)
    try:
        with os.fdopen(handle, "wb") as stream, click.progressbar(
                length=total, label=f"Exporting {total} documents", file=sys.stderr) as bar:
            export.export(target, fmt, stream, filters, progress=bar.update)
        os.replace(temporary, out)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    click.echo(f"Wrote {out} ({out.stat().st_size:,} bytes, {total} documents, {fmt}).")
    if card:
        card_path = out.with_name(out.name.split(".")[0] + ".card.md")
        card_path.write_text(dataset_card(target, filters, fmt), encoding="utf-8")
        click.echo(f"Wrote the dataset card {card_path}.")
    if fmt == "label-studio":
        from app.services.datasets.formats.labelstudio import labeling_config

        config_path = out.with_name(out.name.split(".")[0] + ".label-config.xml")
        config_path.write_text(labeling_config(export.context(target)), encoding="utf-8")
        click.echo(f"Wrote the Label Studio labeling config {config_path}.")


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
def backup_command(path: Path) -> None:
    """Write a consistent snapshot of the database to PATH (SQLite's online backup, or
    pg_dump's custom format); safe while the app is serving."""
    from app.services.backup import backup

    try:
        size = backup(current_app.config["SQLALCHEMY_DATABASE_URI"], path)
    except ServiceError as exc:
        _fail(exc.message)
    click.echo(f"Backed up the database to {path} ({size:,} bytes).")


@click.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask before replacing the data.")
def restore_command(path: Path, yes: bool) -> None:
    """Replace the database's contents with the backup at PATH. Stop the app first."""
    from app.services.backup import restore

    if not yes:
        click.confirm("This replaces everything in the database with the backup. Go on?",
                      abort=True)
    db.session.remove()
    db.engine.dispose()
    try:
        restore(current_app.config["SQLALCHEMY_DATABASE_URI"], path)
    except ServiceError as exc:
        _fail(exc.message)
    click.echo(f"Restored the database from {path}.")


def init_app(app: Flask) -> None:
    for group in (users_cli, settings_cli, invitations_cli, documents_cli, demo_cli):
        app.cli.add_command(group)
    app.cli.add_command(agreement_command)
    app.cli.add_command(export_command)
    from app.cli_import import import_command  # here: it takes this module's helpers

    app.cli.add_command(import_command)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
