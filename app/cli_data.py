"""`flask export`, `flask backup` and `flask restore`: a project's annotations to a file, and
the whole database to and from a snapshot."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import click
from flask import current_app
from flask_babel import format_number, ngettext
from flask_babel import gettext as _

from app.cli import _fail, _project, speaks
from app.extensions import db
from app.services.datasets.formats import EXPORT_FORMATS
from app.services.errors import ServiceError


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
@speaks
def export_command(project: str, fmt: str, out: Path, documents: tuple[int, ...],
                   annotators: tuple[str, ...], layers: tuple[str, ...], gold_only: bool,
                   pseudonymise: bool, card: bool) -> None:
    """Export the annotations of PROJECT (id or title) to a file."""
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
        _fail(_("The folder %(folder)s does not exist; create it first or choose another "
                "--out.", folder=out.parent))
    handle, temporary = tempfile.mkstemp(prefix=f".{out.name}.", dir=out.parent)
    label = ngettext("Exporting %(num)d document", "Exporting %(num)d documents", total)
    try:
        with os.fdopen(handle, "wb") as stream, click.progressbar(
                length=total, label=label, file=sys.stderr) as bar:
            export.export(target, fmt, stream, filters, progress=bar.update)
        os.replace(temporary, out)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    click.echo(ngettext("Wrote %(path)s (%(size)s bytes, %(num)d document, %(format)s).",
                        "Wrote %(path)s (%(size)s bytes, %(num)d documents, %(format)s).",
                        total, path=out, size=format_number(out.stat().st_size), format=fmt))
    if card:
        card_path = out.with_name(out.name.split(".")[0] + ".card.md")
        card_path.write_text(dataset_card(target, filters, fmt), encoding="utf-8")
        click.echo(_("Wrote the dataset card %(path)s.", path=card_path))
    if fmt == "label-studio":
        from app.services.datasets.formats.labelstudio import labeling_config

        config_path = out.with_name(out.name.split(".")[0] + ".label-config.xml")
        config_path.write_text(labeling_config(export.context(target)), encoding="utf-8")
        click.echo(_("Wrote the Label Studio labeling config %(path)s.", path=config_path))


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@speaks
def backup_command(path: Path) -> None:
    """Write a consistent snapshot of the database to PATH (SQLite's online backup, or
    pg_dump's custom format); safe while the app is serving."""
    from app.services.backup import backup

    try:
        size = backup(current_app.config["SQLALCHEMY_DATABASE_URI"], path)
    except ServiceError as exc:
        _fail(exc.message)
    click.echo(_("Backed up the database to %(path)s (%(size)s bytes).", path=path,
                 size=format_number(size)))


@click.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask before replacing the data.")
@speaks
def restore_command(path: Path, yes: bool) -> None:
    """Replace the database's contents with the backup at PATH. Stop the app first."""
    from app.services.backup import restore

    if not yes:
        click.confirm(_("This replaces everything in the database with the backup. Go on?"),
                      abort=True)
    db.session.remove()
    db.engine.dispose()
    try:
        restore(current_app.config["SQLALCHEMY_DATABASE_URI"], path)
    except ServiceError as exc:
        _fail(exc.message)
    click.echo(_("Restored the database from %(path)s.", path=path))
