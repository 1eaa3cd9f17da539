"""`flask import`: annotated documents from a file, with who is who said before anything
is stored."""

from __future__ import annotations

from pathlib import Path

import click
from flask_babel import gettext as _

from app import security_log
from app.cli import _fail, _project, speaks
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
@speaks
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
                _fail(_("--map '%(item)s': write it as NAME=USERNAME.", item=item))
            choices[name.strip()] = pending.choice_for(target, username.strip())
        errors = pending.check_choices(target, choices)
        if errors:
            _fail("\n".join(f"--map '{name}': {message}" for name, message in errors.items()))
        plan = plan_file(target, fmt, path.name, raw, ground_truth_gold=ground_truth_gold,
                         choices=choices)
        if not plan.as_is:
            click.echo(_("Who is who in the file (name: work -> what it becomes):"))
            for person in plan.people:
                who = person.choice.username
                becomes = {"gold": _("the gold key"),
                           "member": _("member %(username)s", username=who),
                           "new": _("new account %(username)s", username=who)}[person.choice.kind]
                click.echo("  " + _("%(name)s: %(spans)s spans, %(tags)s passage tags, "
                                    "%(ratings)s ratings -> %(becomes)s", name=repr(person.name),
                                    spans=person.spans, tags=person.passage_tags,
                                    ratings=person.ratings, becomes=becomes))
            if not yes:
                click.confirm(_("Import with these names? (set others with --map NAME=USERNAME)"),
                              abort=True)
        summary = import_file(target, fmt, path.name, raw, ground_truth_gold=ground_truth_gold,
                              choices=plan.choices())
    except ImportFailed as exc:
        security_log.event("dataset_import", "refused", project_id=target.id,
                           object=f"project:{target.id}", file=path.name, via="cli",
                           problems=len(exc.problems))
        for problem in exc.problems:
            click.echo(_("error: %(problem)s", problem=problem), err=True)
        _fail(_("Nothing was imported."))
    except ServiceError as exc:
        _fail(exc.message)
    security_log.event("dataset_import", project_id=target.id, object=f"project:{target.id}",
                       file=path.name, via="cli", accounts_created=len(summary.accounts))
    said = _("Imported into '%(project)s': %(added)s new document(s), %(matched)s already "
             "there; %(spans)s spans, %(tags)s passage tags, %(ratings)s ratings by "
             "%(annotators)s annotator(s) and the gold key.") if summary.gold else _(
        "Imported into '%(project)s': %(added)s new document(s), %(matched)s already there; "
        "%(spans)s spans, %(tags)s passage tags, %(ratings)s ratings by %(annotators)s "
        "annotator(s).")
    click.echo(said % {"project": target.title, "added": summary.documents_added,
                       "matched": summary.documents_matched, "spans": summary.spans,
                       "tags": summary.passage_tags, "ratings": summary.ratings,
                       "annotators": len(summary.annotators)})
    for name, username in summary.renamed.items():
        click.echo("  " + _("the work of '%(name)s' went to %(username)s", name=name,
                            username=username))
    if summary.accounts:
        click.echo(_("New accounts (give each student their password):"))
        for username, password in summary.accounts:
            click.echo(f"  {username:<24} {_('password:')} {password}")
