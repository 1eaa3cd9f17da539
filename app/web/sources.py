"""Source profiles: what the class's annotations say about each publisher and speaker, and
the names students gave speakers, linked to canonical people and institutions."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.services import projects, sources
from app.services.errors import ServiceError
from app.web import bp
from app.web.forms import ActionForm, EntityForm, LinkNameForm

SORTS = {  # the most telling first: densest rhetoric, most reliable, documents …
    "name": lambda f: f["name"].casefold(),
    # Rates rank by the low end of their interval: a high rate from little text is not
    # yet evidence of much rhetoric, and sources without enough text come last.
    "rhetoric": lambda f: (f["rhetoric_low"] is None, -(f["rhetoric_low"] or 0),
                           -(f["rhetoric_per_1000"] or 0)),
    "claims": lambda f: (f["claims_low"] is None, -(f["claims_low"] or 0),
                         -(f["claims_per_1000"] or 0)),
    "reliability": lambda f: (f["reliability"]["mean"] is None,
                              -(f["reliability"]["mean"] or 0)),
    "slant": lambda f: (f["slant"]["mean"] is None, f["slant"]["mean"] or 0),
    "documents": lambda f: -f["documents"],
}


def _teacher_project(project_id: int):
    project = projects.get_project(current_user, project_id)
    if projects.project_role(project, current_user) != "teacher":
        abort(403)
    return project


def chart(rows: list[dict]) -> dict:
    """Points of the reliability (x, 1–7) × slant (y, −3…+3) chart, in SVG units, with the
    95% interval of each mean as whiskers."""
    width, height, pad = 760, 400, 48

    plot = 600  # the plot's width; the rest is room for names on the right

    def x(v: float) -> float:
        return pad + (v - 1) / 6 * plot

    def y(v: float) -> float:
        return height - pad - (v + 3) / 6 * (height - 2 * pad)

    points = []
    for row in rows:
        # Publishers and linked people and institutions; a bare name only when it speaks in
        # more than one document (otherwise it would sit on its one document's point).
        if row["kind"] == "name" and row["documents"] < 2:
            continue
        r, s = row["reliability"], row["slant"]
        if r["mean"] is None or s["mean"] is None:
            continue
        points.append({
            "row": row, "x": x(r["mean"]), "y": y(s["mean"]),
            "x1": x(max(1, r["low"])) if r["low"] is not None else x(r["mean"]),
            "x2": x(min(7, r["high"])) if r["high"] is not None else x(r["mean"]),
            "y1": y(max(-3, s["low"])) if s["low"] is not None else y(s["mean"]),
            "y2": y(min(3, s["high"])) if s["high"] is not None else y(s["mean"]),
        })
    _place_labels(points, width, height)
    ticks_x = [{"v": v, "at": x(v)} for v in range(1, 8)]
    ticks_y = [{"v": v, "at": y(v)} for v in range(-3, 4)]
    return {"width": width, "height": height, "pad": pad, "points": points,
            "ticks_x": ticks_x, "ticks_y": ticks_y}


# Where a name may go around its point: offsets of the text's baseline start, and its anchor.
_LABEL_SPOTS = ((9, -8, "start"), (9, 16, "start"), (-9, -8, "end"), (-9, 16, "end"),
                (9, -22, "start"), (9, 30, "start"), (-9, -22, "end"), (-9, 30, "end"))


def _place_labels(points: list[dict], width: float, height: float) -> None:
    """Put each point's name where it overlaps no other name and no point and stays inside
    the chart (about 6.5 units a character at the chart's font size). A name with no such
    place is left off the chart: the point keeps it as its accessible name and tooltip, and
    the table below lists it."""
    dots = [(p["x"] - 6, p["y"] - 6, p["x"] + 6, p["y"] + 6) for p in points]
    placed: list[tuple[float, float, float, float]] = []

    def clear(box: tuple[float, float, float, float]) -> bool:
        return all(box[2] < b[0] or b[2] < box[0] or box[3] < b[1] or b[3] < box[1]
                   for b in (*placed, *dots))

    for point in sorted(points, key=lambda p: (p["x"], p["y"])):
        name = point["row"]["name"]
        point["label"] = name if len(name) <= 34 else name[:33] + "…"
        text_width = 6.5 * len(point["label"])
        point["lx"] = None
        for dx, dy, anchor in _LABEL_SPOTS:
            left = point["x"] + dx - (text_width if anchor == "end" else 0)
            box = (left, point["y"] + dy - 11, left + text_width, point["y"] + dy + 3)
            inside = box[0] >= 0 and box[2] <= width and box[1] >= 0 and box[3] <= height
            if inside and clear(box):
                placed.append(box)
                point.update(lx=point["x"] + dx, ly=point["y"] + dy, anchor=anchor)
                break


@bp.get("/projects/<int:project_id>/sources")
@login_required
def sources_page(project_id: int):
    project = _teacher_project(project_id)
    rows = sources.comparison(project)
    order = request.args.get("sort", "rhetoric")
    rows.sort(key=SORTS.get(order, SORTS["rhetoric"]))
    poles = None
    from app.services.codebooks import slant_field

    slant = slant_field(project.codebook) if project.codebook else None
    if slant:
        poles = slant.get("poles")
    return render_template("web/sources.html", project=project, rows=rows, order=order,
                           chart=chart(rows), poles=poles, min_words=sources.min_words())


@bp.get("/projects/<int:project_id>/sources/profile")
@login_required
def source_profile(project_id: int):
    project = _teacher_project(project_id)
    detail = sources.profile_detail(project, request.args.get("ref", ""))
    return render_template("web/source_profile.html", project=project, p=detail)


@bp.route("/projects/<int:project_id>/sources/names", methods=["GET", "POST"])
@login_required
def source_names(project_id: int):
    """Speakers' names as students wrote them, and the people and institutions they stand
    for. Teachers add sources and link names at once; students propose links."""
    project = projects.get_project(current_user, project_id)
    teacher = projects.project_role(project, current_user) == "teacher"
    entity_form, link_form = EntityForm(prefix="entity"), LinkNameForm(prefix="link")
    entities = sorted(sources.resolver(project.id).entities.values(), key=lambda e: e.name)
    link_form.entity.choices = [(e.id, e.name) for e in entities]
    try:
        if teacher and entity_form.submit.data and entity_form.validate_on_submit():
            entity = sources.create_entity(project, current_user, entity_form.name.data,
                                           entity_form.kind.data, entity_form.description.data)
            flash(_("Added %(name)s.", name=entity.name), "info")
            return redirect(url_for("web.source_names", project_id=project.id))
        if link_form.submit.data and link_form.validate_on_submit():
            alias = sources.link_name(project, current_user, link_form.name.data,
                                      link_form.entity.data)
            words = {"name": link_form.name.data, "source": alias.entity.name}
            flash(_("“%(name)s” now stands for %(source)s.", **words)
                  if alias.status == "approved" else
                  _("Proposed: “%(name)s” = %(source)s (the teacher reviews it).", **words),
                  "info")
            return redirect(url_for("web.source_names", project_id=project.id))
    except ServiceError as exc:
        flash(exc.message, "error")
    names = sources.speaker_names(project) if teacher else []
    return render_template("web/source_names.html", project=project, teacher=teacher,
                           names=names, entities=entities, entity_form=entity_form,
                           link_form=link_form, action_form=ActionForm())


@bp.post("/projects/<int:project_id>/sources/links/<int:alias_id>/<action>")
@login_required
def source_link_action(project_id: int, alias_id: int, action: str):
    project = projects.get_project(current_user, project_id)
    if not ActionForm().validate_on_submit() or action not in ("approve", "reject", "remove"):
        abort(400)
    if action == "remove":
        sources.unlink(project, current_user, alias_id)
    else:
        sources.review_alias(project, current_user, alias_id, approve=action == "approve")
    return redirect(url_for("web.source_names", project_id=project.id))


def download(project, what: str, fmt: str):
    """Profiles or the board as CSV or our JSONL."""
    from flask import Response

    from app.services import board_export

    if fmt not in ("csv", "jsonl"):
        abort(404)
    records = board_export.source_records(project) if what == "sources" \
        else board_export.claim_records(project)
    body = board_export.as_csv(records) if fmt == "csv" else board_export.as_jsonl(records)
    slug = "".join(c if c.isalnum() else "-" for c in project.title.lower()).strip("-")[:60]
    mimetype = "text/csv" if fmt == "csv" else "application/x-ndjson"
    return Response(body, mimetype=mimetype, headers={
        "Content-Disposition": f'attachment; filename="{slug or "project"}-{what}.{fmt}"'})


@bp.get("/projects/<int:project_id>/sources/export.<fmt>")
@login_required
def sources_export(project_id: int, fmt: str):
    return download(_teacher_project(project_id), "sources", fmt)


@bp.get("/projects/<int:project_id>/claims/export.<fmt>")
@login_required
def claims_export(project_id: int, fmt: str):
    return download(_teacher_project(project_id), "claims", fmt)
