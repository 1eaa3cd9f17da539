"""How much one project may hold: documents (per import and in all), members, labels per
codebook layer, and what an uploaded file's name may be. Each check runs before the work
and refuses with a 400 that names the limit and its setting (README.md "Limits")."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import format_number
from flask_babel import gettext as _

from app import limits
from app.extensions import db
from app.models import CodebookLayer, Document, Label, Membership, Project
from app.services.errors import ImportFailed, Invalid
from app.services.texts import Problem

MAX_FILE_NAME = 255  # the longest name a file system (and our source_name column) holds


def file_name_problem(name: str) -> Problem | None:
    """What is wrong with an uploaded file's name no database stores the same way: one
    holding NUL (or half a surrogate pair), or one longer than 255 characters."""
    shown = name.replace("\x00", "\\0").encode("utf-8", "replace").decode("utf-8")
    if shown != name:  # a NUL or a lone surrogate was replaced
        return Problem(shown[:80], _("the file name holds a character that cannot be stored "
                                     "(NUL or a lone surrogate); rename the file"))
    if len(name) > MAX_FILE_NAME:
        return Problem(shown[:80] + "…", _("the file name is %(count)s characters long, over the "
                                           "limit of %(max_file_name)s; rename the file",
                                           count=format_number(len(name)),
                                           max_file_name=MAX_FILE_NAME))
    return None


def check_file_name(name: str) -> None:
    """Refuse (ImportFailed) a file name that `file_name_problem` finds fault with."""
    problem = file_name_problem(name)
    if problem is not None:
        raise ImportFailed([problem])


def documents_in(project: Project) -> int:
    """How many documents the project holds, archived ones included (they count: they can
    come back), and those of imports under way (two imports at once share the room)."""
    with db.session.no_autoflush:
        return db.session.scalar(
            sa.select(sa.func.count(Document.id)).where(Document.project_id == project.id)
            .execution_options(include_archived=True, include_pending=True)) or 0


def check_import_size(count: int, file: str) -> None:
    """Refuse an import of more documents than the per-import limit."""
    most = limits.setting("MAX_DOCUMENTS_PER_IMPORT")
    if count > most:
        raise ImportFailed([Problem(file, _("%(count)s documents in one import, over the limit of "
                                            "%(most)s (%(value)s); split the file",
                                            count=format_number(count), most=format_number(most),
                                            value=limits.env('MAX_DOCUMENTS_PER_IMPORT')))])


def check_project_room(project: Project, adding: int, file: str, held: int | None = None
                       ) -> None:
    """Refuse `adding` new documents that would pass the per-project limit (`held`: the
    project's count taken before the import put anything in the session)."""
    most = limits.setting("MAX_DOCUMENTS_PER_PROJECT")
    held = documents_in(project) if held is None else held
    if held + adding > most:
        raise ImportFailed([Problem(file, _("the project holds %(held)s documents; %(adding)s "
                                            "more would pass the limit of %(most)s (%(value)s)",
                                            held=format_number(held), adding=format_number(adding),
                                            most=format_number(most),
                                            value=limits.env('MAX_DOCUMENTS_PER_PROJECT')))])


def check_members(project: Project, adding: int = 1) -> None:
    """Refuse adding `adding` members to a project at its member limit."""
    most = limits.setting("MAX_MEMBERS_PER_PROJECT")
    held = db.session.scalar(sa.select(sa.func.count(Membership.id))
                             .where(Membership.project_id == project.id)) or 0
    if held + adding > most:
        raise Invalid(_("The project has %(held)s members; %(adding)s more would pass the limit "
                        "of %(most)s (%(setting)s).", held=format_number(held),
                        adding=format_number(adding), most=format_number(most),
                        setting=limits.env("MAX_MEMBERS_PER_PROJECT")),
                      {"members": _("at most %(most)s", most=format_number(most))})


def check_labels(layer: CodebookLayer, adding: int = 1) -> None:
    """Refuse a new label in a codebook layer at its label limit (retired labels count:
    they stay in the codebook)."""
    most = limits.setting("MAX_LABELS_PER_LAYER")
    held = db.session.scalar(sa.select(sa.func.count(Label.id))
                             .where(Label.layer_id == layer.id)) or 0
    if held + adding > most:
        raise Invalid(_("The layer '%(key)s' has %(held)s labels, the limit is %(most)s "
                        "(%(setting)s).", key=layer.key, held=format_number(held),
                        most=format_number(most), setting=limits.env("MAX_LABELS_PER_LAYER")),
                      {"key": _("at most %(most)s labels a layer", most=format_number(most))})
