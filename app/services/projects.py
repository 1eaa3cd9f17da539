"""Class projects: creating them, joining with a code, rosters, and who may see what."""

from __future__ import annotations

import re
import secrets
from typing import NamedTuple

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.dialects import postgresql, sqlite

from app import security_log, zones
from app.extensions import adopt, db, run_prepared
from app.models import Document, Membership, Passage, Project, User, published
from app.services import accounts, quotas
from app.services.codebooks import install_default_codebook
from app.services.errors import Forbidden, Invalid, NotFound

_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


def draw_join_code() -> str:
    """An 8-character code, shown as XXXX-XXXX, that reads unambiguously aloud and on a board
    (31 characters: 8.5 × 10^11 codes; whether another project has it is not asked here)."""
    code = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(8))
    return f"{code[:4]}-{code[4:]}"


def new_join_code() -> str:
    """A join code no project has yet."""
    while True:
        code = draw_join_code()
        if db.session.scalar(sa.select(Project.id).where(Project.join_code == code)) is None:
            return code


def warm() -> None:
    """Build now, once per process, what creating a project reads: the languages and time
    zones it may name (Babel's locale data) and the default codebook's rows. Else the first
    new project of each app server process waits about half a second for them."""
    from app.i18n import languages
    from app.services.codebooks import warm as warm_codebooks

    languages()
    zones.zone_names()
    warm_codebooks()


def normalize_code(code: str) -> str:
    raw = re.sub(r"[^A-Za-z0-9]", "", code or "").upper()
    return f"{raw[:4]}-{raw[4:]}" if len(raw) == 8 else raw


def check_title(title: str) -> str:
    title = (title or "").strip()
    if not title:
        raise Invalid(_("A project needs a title."), {"title": "required"})
    if len(title) > 200:
        raise Invalid(_("The title is too long (200 characters at most)."), {"title": "too long"})
    return title


def check_language(language: str) -> str:
    """A language the interface offers (the project's pages and its default codebook)."""
    from app.i18n import supported

    code = supported(language)
    if code is None:
        raise Invalid(_("Unknown language %(language)s.",
                        language=repr(language)), {"language": "unknown"})
    return code


def create_project(owner: User, title: str, instructions: str = "",
                   time_zone: str = zones.DEFAULT, language: str = "en") -> Project:
    """A new project owned by a teacher (or admin), with its own copy of the default codebook
    in the project's language."""
    if owner.role not in {"teacher", "admin"}:
        raise Forbidden(_("Only teachers create projects."))
    project = _insert_project({
        "title": check_title(title), "instructions": (instructions or "").strip(),
        "created_by_id": owner.id, "time_zone": zones.check_zone(time_zone),
        "language": check_language(language)})
    # Core inserts: an ORM project, membership and codebook cost more in bookkeeping than in
    # writing.
    run_prepared(_INSERT_MEMBER, {"project_id": project.id, "user_id": owner.id,
                                  "role": "teacher"})
    install_default_codebook(project)
    db.session.commit()
    return project


def _insert_project(values: dict) -> Project:
    """Insert a project's row with a join code no other project has, and return it as the
    session's object. The unique index decides in the insert itself (a clash inserts
    nothing, and another code is drawn), where asking first would cost a statement on every
    project for a clash that almost never comes."""
    statement = _INSERT_PROJECT[db.session().connection().dialect.name]
    while True:
        row = run_prepared(statement, {**values, "join_code": draw_join_code()}).first()
        if row is not None:
            return adopt(Project, row)


_INSERT_MEMBER = sa.insert(Membership.__table__)
_INSERT_PROJECT = {
    name: dialect.insert(Project.__table__)
    .on_conflict_do_nothing(index_elements=[Project.__table__.c.join_code])
    .returning(*Project.__table__.c)
    for name, dialect in (("sqlite", sqlite), ("postgresql", postgresql))}


def update_project(project: Project, title: str, instructions: str,
                   time_zone: str | None = None) -> Project:
    """Change the project's text (and its time zone, when one is given)."""
    project.title = check_title(title)
    project.instructions = (instructions or "").strip()
    if time_zone is not None:
        project.time_zone = zones.check_zone(time_zone)
    db.session.commit()
    return project


def regenerate_join_code(project: Project) -> str:
    project.join_code = new_join_code()
    db.session.commit()
    return project.join_code


def set_joining(project: Project, enabled: bool) -> None:
    project.join_enabled = enabled
    db.session.commit()


def project_by_code(code: str) -> Project:
    project = db.session.scalar(sa.select(Project).where(Project.join_code == normalize_code(code)))
    if project is None or not project.join_enabled:
        raise NotFound(_("No class project has this join code. Check it with your teacher."),
                       {"code": "unknown code"})
    return project


def add_member(project: Project, user: User, role: str = "student") -> Membership:
    existing = membership(project, user)
    if existing is not None:
        return existing
    quotas.check_members(project)
    member = Membership(project=project, user=user, role=role)
    db.session.add(member)
    return member


def set_member_role(project: Project, user_id: int, role: str) -> Membership:
    """Make a member a student, an adjudicator (edits the gold key) or a teacher; the
    project always keeps at least one teacher."""
    from app.i18n import role_name
    from app.models import PROJECT_ROLES

    if role not in PROJECT_ROLES:
        raise Invalid(_("A member is one of %(value)s.",
                        value=', '.join(role_name(r) for r in PROJECT_ROLES)),
                      {"role": "unknown"})
    member = db.session.scalar(sa.select(Membership).where(
        Membership.project_id == project.id, Membership.user_id == user_id))
    if member is None:
        raise NotFound(_("No such member."))
    if member.role == "teacher" and role != "teacher":
        teachers = db.session.scalar(sa.select(sa.func.count(Membership.id)).where(
            Membership.project_id == project.id, Membership.role == "teacher"))
        if teachers <= 1:
            raise Invalid(_("The project needs a teacher: make someone else a teacher first."),
                          {"role": "last teacher"})
    before, member.role = member.role, role
    db.session.commit()
    security_log.event("member_role_changed", project_id=project.id,
                       object=f"user:{user_id}", before=before, after=role)
    return member


def join_with_code(user: User, code: str) -> Project:
    """Add an existing user to the project of a join code, as a student."""
    project = project_by_code(code)
    add_member(project, user, "student")
    db.session.commit()
    return project


def sign_up_student(code: str, username: str, password: str, display_name: str = "") -> User:
    """A new student account that joins the project of the code, in one transaction."""
    project = project_by_code(code)
    try:
        user = accounts.new_user(username, password, "student", display_name)
        add_member(project, user, "student")
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    security_log.event("sign_up", user=user, role="student", project_id=project.id)
    return user


def membership(project: Project, user: User) -> Membership | None:
    return db.session.scalar(
        sa.select(Membership).where(Membership.project_id == project.id,
                                    Membership.user_id == user.id)
    )


def visible_projects(user: User) -> list[Project]:
    """The projects a user belongs to (every project, for an admin), newest first."""
    query = sa.select(Project).order_by(Project.created_at.desc(), Project.id.desc())
    if user.role != "admin":
        query = query.join(Membership).where(Membership.user_id == user.id)
    return list(db.session.scalars(query))


def project_role(project: Project, user: User) -> str | None:
    """The user's role in the project; admins act as teachers everywhere."""
    member = membership(project, user)
    if member is not None:
        return member.role
    return "teacher" if user.role == "admin" else None


def get_project(user: User, project_id: int, *, manage: bool = False) -> Project:
    """The project if the user may see it (404 otherwise); `manage` requires teaching it."""
    project = db.session.get(Project, project_id)
    role = project_role(project, user) if project is not None else None
    if role is None:
        if project is not None:
            _refused(user, project_id, f"project:{project_id}", "not a member")
        raise NotFound(_("No such project."))
    if manage and role != "teacher":
        _refused(user, project_id, f"project:{project_id}", f"{role}, not teacher")
        raise Forbidden(_("Only the project's teachers can do this."))
    return project


def _refused(user: User, project_id: int, thing: str, reason: str) -> None:
    """Write down a request for another class's object (the one place that decides)."""
    security_log.event("access_refused", "refused", user=user, project_id=project_id,
                       object=thing, reason=reason)


# Every annotation request starts here, so the statement is built once (bound parameters).
_DOCUMENT_FOR = (
    sa.select(Document.__table__, Membership.role.label("member_role"))
    .outerjoin(Membership, (Membership.project_id == Document.project_id)
               & (Membership.user_id == sa.bindparam("user")))
    .where(Document.id == sa.bindparam("document"),
           Document.project_id == sa.bindparam("project"), Document.archived_at.is_(None),
           published())
)


def get_document(user: User, project_id: int, document_id: int) -> Document:
    """The document if the user may see its project (404 otherwise), in one query."""
    return document_and_role(user, project_id, document_id)[0]


def document_and_role(user: User, project_id: int, document_id: int
                      ) -> tuple[Document, str | None]:
    """get_document, with the user's role in the project read by the same query (None for
    an admin who is not a member)."""
    row = run_prepared(_DOCUMENT_FOR, {"user": user.id, "document": document_id,
                                       "project": project_id}).first()
    if row is None:
        raise NotFound(_("No such document."))
    if row.member_role is None and user.role != "admin":
        _refused(user, project_id, f"document:{document_id}", "not a member")
        raise NotFound(_("No such document."))
    return adopt(Document, row), row.member_role


def document_rows(project: Project) -> list[tuple[Document, int]]:
    """Documents of a project with their passage counts, in one query."""
    counts = (
        sa.select(Passage.document_id, sa.func.count(Passage.id).label("n"))
        .group_by(Passage.document_id)
        .subquery()
    )
    rows = db.session.execute(
        sa.select(Document, sa.func.coalesce(counts.c.n, 0))
        .outerjoin(counts, counts.c.document_id == Document.id)
        .where(Document.project_id == project.id)
        .order_by(Document.position, Document.id)
    ).all()
    return [(doc, n) for doc, n in rows]


def document_ids(project_id: int) -> list[int]:
    """The ids of a project's documents in the order of its list (no rows loaded; archived
    and unpublished documents left out, as from every list)."""
    return list(run_prepared(_DOCUMENT_IDS, {"project": project_id}).scalars())


_DOCUMENT_IDS = (sa.select(Document.id)
                 .where(Document.project_id == sa.bindparam("project"),
                        Document.archived_at.is_(None), published())
                 .order_by(Document.position, Document.id))


class PassageRow(NamedTuple):
    id: int
    index: int
    start: int
    end: int


def passage_rows(document_id: int) -> list[PassageRow]:
    """A document's passages as (id, index, start, end) rows, in order."""
    # Plain named tuples: on a SQLAlchemy row `index` is also a sequence method, and reading
    # it by name took the slow path, hundreds of times per page of a long thread.
    return [PassageRow(*row) for row in run_prepared(_PASSAGE_ROWS, {"document": document_id})]


# A Core statement built once: the ORM's loading of hundreds of rows cost more than the query.
_PASSAGE_ROWS = (sa.select(Passage.id, Passage.index, Passage.start, Passage.end)
                 .where(Passage.document_id == sa.bindparam("document"))
                 .order_by(Passage.index))


def passage_gaps(text: str, passages: list[PassageRow]) -> list[str]:
    """What lies before, between and after the passages (one more than there are): with the
    passages' own text, in turn, the whole text."""
    gaps, at = [], 0
    for passage in passages:
        gaps.append(text[at:passage.start])
        at = passage.end
    gaps.append(text[at:])
    return gaps


def members(project: Project) -> list[Membership]:
    return list(
        db.session.scalars(
            sa.select(Membership)
            .join(User)
            .where(Membership.project_id == project.id)
            .order_by(Membership.role.desc(), User.username)
        )
    )
