"""`flask translations`: extract the messages, start a language, update and compile catalogues."""

from __future__ import annotations

import click
from babel import Locale, UnknownLocaleError
from babel.messages.pofile import write_po
from flask.cli import AppGroup

from app.i18n import TRANSLATIONS, catalogues

translations_cli = AppGroup("translations", help="The interface's message catalogues.")
POT = TRANSLATIONS / "messages.pot"


@translations_cli.command("extract")
def extract_command() -> None:
    """Write app/translations/messages.pot from the code and bring every catalogue up to it."""
    template = catalogues.extract()
    with POT.open("wb") as handle:
        write_po(handle, template, width=100, sort_by_file=True)
    for code in catalogues.codes():
        catalogues.write(code, catalogues.update(code, template))
    click.echo(f"{len(template)} messages; catalogues updated: "
               f"{', '.join(catalogues.codes()) or 'none yet'}")


@translations_cli.command("init")
@click.argument("language")
def init_command(language: str) -> None:
    """Start the catalogue of LANGUAGE (a code such as uz or tr) from the code's messages."""
    try:
        Locale.parse(language)
    except (ValueError, UnknownLocaleError) as exc:
        raise click.UsageError(f"{language!r} is not a language code Babel knows") from exc
    if catalogues.po_path(language).exists():
        raise click.UsageError(f"{catalogues.po_path(language)} exists already; "
                               "`flask translations extract` updates it")
    catalogues.write(language, catalogues.update(language, catalogues.extract()))
    click.echo(f"Created {catalogues.po_path(language)}: translate it, then run "
               "`flask translations compile`.")


@translations_cli.command("compile")
def compile_command() -> None:
    """Compile every catalogue for the server (.mo) and the browser (.json)."""
    for path in catalogues.compile_all():
        click.echo(f"wrote {path.relative_to(catalogues.ROOT)}")


@translations_cli.command("check")
def check_command() -> None:
    """List the messages each catalogue lacks; exit 1 when any does."""
    template = catalogues.extract()
    short = False
    for code in catalogues.codes():
        if code == catalogues.DEFAULT:
            continue
        lacking = catalogues.missing(code, template)
        click.echo(f"{code}: {len(template) - len(lacking)} of {len(template)} translated")
        for message in lacking:
            click.echo(f"  {message}")
        short = short or bool(lacking)
    if short:
        raise SystemExit(1)
