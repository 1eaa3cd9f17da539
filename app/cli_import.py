"""`flask import`: annotated documents from a file, with who is who said before anything
is stored."""

from __future__ import annotations

from pathlib import Path

import click

from app import security_log
from app.cli import _fail, _project
from app.services.datasets.formats import IMPORT_FORMATS
from app.services.errors import ImportFailed, ServiceError


@click.command("import")
@click.argument("project")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--format", "fmt", required=True, type=click.Choice(IMPORT_FORMATS),
              help="The file's format.")
@click.option("--ground-truth-gold", is_flag=True,
              help="Label Studio: annotations marked ground truth are the gold key.")
@click.option("--map", "mapping", multiple=True, metavar="NAME=USERNAME",
              help="What a name in the file becomes: a member's username, a new account's "
                   "username, or 'gold' (repeatable).")
@click.option("--yes", is_flag=True, help="Do not ask before importing names that are not "
                                          "members' usernames.")
def import_command(project: str, path: Path, fmt: str, ground_truth_gold: bool,
                   mapping: tuple[str, ...], yes: bool) -> None:
    """Import annotated documents from PATH into PROJECT (id or title): all or nothing.
    Names that are not members' usernames are listed with what they become, and asked."""
    from app.services.datasets.importing import import_file, pending, plan_file

    target = _project(project)
    raw = path.read_bytes()
    try:
        choices = {}
        for item in mapping:
            name, sep, username = item.partition("=")
            if not sep or not name.strip() or not username.strip():
                _fail(f"--map '{item}': write it as NAME=USERNAME.")
            choices[name.strip()] = pending.choice_for(target, username.strip())
        errors = pending.check_choices(target, choices)
        if errors:
            _fail("\n".join(f"--map '{name}': {message}" for name, message in errors.items()))
        plan = plan_file(target, fmt, path.name, raw, ground_truth_gold=ground_truth_gold,
                         choices=choices)
        if not plan.as_is:
            click.echo("Who is who in the file (name: work -> what it becomes):")
            for person in plan.people:
                becomes = {"gold": "the gold key", "member": f"member {person.choice.username}",
                           "new": f"new account {person.choice.username}"}[person.choice.kind]
                click.echo(f"  {person.name!r}: {person.spans} spans, {person.passage_tags} "
                           f"passage tags, {person.ratings} ratings -> {becomes}")
            if not yes:
                click.confirm("Import with these names? (set others with --map NAME=USERNAME)",
                              abort=True)
        summary = import_file(target, fmt, path.name, raw, ground_truth_gold=ground_truth_gold,
                              choices=plan.choices())
    except ImportFailed as exc:
        security_log.event("dataset_import", "refused", project_id=target.id,
                           object=f"project:{target.id}", file=path.name, via="cli",
                           problems=len(exc.problems))
        for problem in exc.problems:
            click.echo(f"error: {problem}", err=True)
        _fail("Nothing was imported.")
    except ServiceError as exc:
        _fail(exc.message)
    security_log.event("dataset_import", project_id=target.id, object=f"project:{target.id}",
                       file=path.name, via="cli", accounts_created=len(summary.accounts))
    click.echo(f"Imported into '{target.title}': {summary.documents_added} new document(s), "
               f"{summary.documents_matched} already there; {summary.spans} spans, "
               f"{summary.passage_tags} passage tags, {summary.ratings} ratings by "
               f"{len(summary.annotators)} annotator(s)"
               + (" and the gold key." if summary.gold else "."))
    for name, username in summary.renamed.items():
        click.echo(f"  the work of '{name}' went to {username}")
    if summary.accounts:
        click.echo("New accounts (give each student their password):")
        for username, password in summary.accounts:
            click.echo(f"  {username:<24} password: {password}")
