"""`flask agreement`: a project's agreement report in words (or as JSON), overall or by
round."""

from __future__ import annotations

import json

import click
from flask_babel import format_number, ngettext
from flask_babel import gettext as _

from app.cli import _project, speaks
from app.services.wording.coefficients import reading_name


def _format_figure(figure: dict) -> str:
    if figure.get("value") is None:
        return _("undefined (%(why)s)", why=figure.get("undefined"))
    text = f"{figure['value']:.3f}"
    if figure.get("ci"):
        text += f" [{figure['ci'][0]:.3f}, {figure['ci'][1]:.3f}]"
    if figure.get("reading"):
        text += f" {reading_name(figure['reading'])}"
    text += "  " + _("(items %(items)s, pairable %(pairable)s, coders %(coders)s)",
                     items=format_number(figure["n_items"]),
                     pairable=format_number(figure["n_pairable"]),
                     coders=format_number(figure["n_coders"]))
    if figure.get("ci_withheld"):
        text += f"  [{figure['ci_withheld']}]"
    return text


def _annotators(count: int) -> str:
    return ngettext("%(num)d annotator", "%(num)d annotators", count)


def _documents(count: int) -> str:
    return ngettext("%(num)d document", "%(num)d documents", count)


@click.command("agreement")
@click.argument("project")
@click.option("--json", "as_json", is_flag=True, help="Print the whole report as JSON.")
@click.option("--document", "documents", multiple=True, type=int, help="Only these document ids.")
@click.option("--annotator", "annotators", multiple=True, help="Only these usernames.")
@click.option("--gold", is_flag=True, help="Count the gold key as one more rater ('gold').")
@click.option("--by", "by", type=click.Choice(["round"]),
              help="Each round's figures, how they moved, and the test-retest.")
@speaks
def agreement_command(project: str, as_json: bool, documents: tuple[int, ...],
                      annotators: tuple[str, ...], gold: bool, by: str | None) -> None:
    """Print the agreement report of PROJECT (id or title)."""
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
    click.echo(_("%(project)s: %(annotators)s, %(documents)s, codebook version %(version)s",
                 project=report["project"]["title"],
                 annotators=_annotators(len(report["annotators"])),
                 documents=_documents(len(report["documents"])),
                 version=report["codebook_version"]))
    click.echo(_("An annotator worked on a document when they tagged one of its passages, "
                 "marked a span in any layer, rated it or marked it done.") + " "
               + _('Definitions: --json, "methods".'))
    layers = report["layers"]
    for key, title in (("source_passages", _("Source type per passage")),
                       ("source_characters", _("Source type per character (innermost span)")),
                       ("rhetoric", _("Rhetoric (spans)")),
                       ("claim", _("Unsupported claims (spans)"))):
        click.echo(f"\n{title}")
        for figure in layers[key]["coefficients"]:
            click.echo(f"  {figure['name']:<18} {_format_figure(figure)}")
        if key in ("rhetoric", "claim"):
            # Per label with its interval, as the page's chart draws it.
            for figure in layers[key]["labels"]:
                click.echo(f"    {figure['label']:<32} {_format_figure(figure)}")
        for warning in layers[key].get("warnings", []):
            click.echo(f"  ! {warning}")
    click.echo("\n" + _("Document ratings"))
    for field in layers["ratings"]["fields"]:
        for figure in field["coefficients"]:
            click.echo(f"  {field['field']:<32} {figure['name']:<15} {_format_figure(figure)}")


def _print_rounds(report: dict) -> None:
    """The report by round in words: headline figures, codebook changes, movers, retest."""
    click.echo(ngettext("%(project)s: %(num)d round, codebook version %(version)s",
                        "%(project)s: %(num)d rounds, codebook version %(version)s",
                        len(report["rounds"]), project=report["project"]["title"],
                        version=report["codebook_version"]))
    for entry in report["rounds"]:
        click.echo("\n" + _("%(round)s: %(documents)s, %(annotators)s, codebook version(s) "
                            "%(versions)s", round=entry["name"],
                            documents=_documents(len(entry["documents"])),
                            annotators=_annotators(len(entry["annotators"])),
                            versions=", ".join(map(str, entry["codebook_versions"])) or "-"))
        for change in entry["codebook_changes"]:
            click.echo(f"  * {change['summary']}")
        for figure in entry["headline"]:
            click.echo(f"  {figure['title']:<30} {_format_figure(figure)}")
        for part in entry["by_version"]:
            for figure in part["headline"]:
                click.echo("    " + _("version %(version)s:", version=part["version"])
                           + f" {figure['title']:<30} {_format_figure(figure)}")
        for kind, sign in (("gained", "+"), ("lost", "-")):
            for mover in (entry["movers"] or {}).get(kind, []):
                click.echo(f"  {sign} {mover['name']}: {mover['before']:.3f} -> "
                           f"{mover['after']:.3f}")
    for pair in report["retest"]:
        click.echo("\n" + _("Test-retest %(first)s -> %(second)s: %(annotators)s",
                            first=pair["rounds"][0], second=pair["rounds"][1],
                            annotators=_annotators(len(pair["annotators"]))))
        for key, layer in pair["layers"].items():
            click.echo(f"  {key:<30} {_format_figure(layer['pooled'])}")
