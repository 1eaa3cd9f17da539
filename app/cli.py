"""Command-line tools: thin click commands over the services."""

from __future__ import annotations

import functools
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
@speaks
def create_invitation(days: int, note: str, base_url: str) -> None:
    """Make a single-use link that opens sign-up for one teacher account."""
    from app.services import invitations

    try:
        invitation, token = invitations.create(None, days, note)
    except ServiceError as exc:
        _fail(exc.message)
    click.echo(f"{base_url.rstrip('/')}/signup?invite={token}")
    click.echo(_("Valid once, until %(when)s UTC. It is shown only now.",
                 when=invitation.expires_at.strftime("%Y-%m-%d %H:%M")), err=True)


@invitations_cli.command("list")
@speaks
def list_invitations() -> None:
    """List the invitations not used and not expired yet."""
    from app.services import invitations

    for invitation in invitations.pending():
        until = _("until %(when)s UTC", when=invitation.expires_at.strftime("%Y-%m-%d %H:%M"))
        click.echo(f"#{invitation.id:<5} {until}  {invitation.note}")


@settings_cli.command("show")
@speaks
def show_settings() -> None:
    """Print every setting."""
    for key in accounts.SETTINGS_DEFAULTS:
        click.echo(f"{key} = {accounts.get_setting(key)}")


@settings_cli.command("set")
@click.argument("key")
@click.argument("value")
@speaks
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
@speaks
def load_demo() -> None:
    """Create the demo project, its teacher and students, and the seed texts (idempotent)."""
    project, logins, added = demo.load_demo(Path(current_app.config["SEEDS_DIR"]),
                                            current_app.config["DOCUMENT_MAX_BYTES"])
    click.echo(ngettext("Demo project: %(title)s (join code %(code)s); %(num)d document "
                        "(%(added)s added now).",
                        "Demo project: %(title)s (join code %(code)s); %(num)d documents "
                        "(%(added)s added now).", len(project.documents), title=project.title,
                        code=project.join_code, added=added))
    click.echo(demo.load_demo_annotations(project, Path(current_app.config["DEMO_ANNOTATIONS"])))
    click.echo(demo.load_demo_board(project, Path(current_app.config["DEMO_BOARD"])))
    click.echo(_("Demo logins (local demo only; change or delete them on a shared server):"))
    for login in logins:
        password = _("password: %(password)s", password=login.password)
        click.echo(f"  {role_name(login.role):<8} {login.username:<10} {password}")


def init_app(app: Flask) -> None:
    for group in (users_cli, settings_cli, invitations_cli, documents_cli, demo_cli):
        app.cli.add_command(group)
    # Imported here: these modules take this one's helpers.
    from app.cli_agreement import agreement_command
    from app.cli_data import backup_command, export_command, restore_command
    from app.cli_import import import_command

    for command in (agreement_command, export_command, import_command, backup_command,
                    restore_command):
        app.cli.add_command(command)
