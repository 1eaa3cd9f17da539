"""The scale measures of benchmarks/peers.py, for Sourcemark: a class of 200 students with
50,000 spans in one project, and the export of a million spans.

The class is written straight into the served database (Core inserts: 200 accounts, their
memberships and 50,000 spans over the project's 51 documents; the page's student holds
1,000 of them on the forum thread, as in the rounds), then driven over HTTP like the rounds:
span create (one client, p50), the annotation page, the JSON-lines export. Each figure is
printed beside the rounds' figure with the factor it grew by, so that
`…growth: 1.1x` for 25 times the spans reads as "flat".
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time

from peers_sourcemark import STUDENT
from peers_tools import ROOT

STUDENTS = 200
SPANS = 50_000
MILLION = 1_000_000

# Run in the server's environment (its DATABASE_URL): writes the class, prints nothing but
# a JSON line. The accounts share one password hash: hashing 200 passwords would be the
# set-up's whole time and is no part of what is measured.
POPULATE = """
import json, random, sys, uuid
import sqlalchemy as sa
from app import create_app
from app.extensions import db
from app.models import Document, Membership, Span, User, utcnow
from app.services.vocabulary import vocabulary
project_id, forum_id, page_user, students, total = {args}
app = create_app()
with app.app_context():
    words = vocabulary(project_id)
    rhetoric = [i for (layer, _), i in words.labels.items() if layer == "rhetoric"]
    hashed = db.session.scalar(sa.select(User.password_hash).where(User.id == page_user))
    now = utcnow()
    stamp = uuid.uuid4().hex[:6]
    db.session.execute(sa.insert(User), [{{"username": f"scale{{stamp}}{{n}}",
        "password_hash": hashed, "role": "student"}} for n in range(students - 1)])
    ids = list(db.session.scalars(sa.select(User.id).where(
        User.username.like(f"scale{{stamp}}%"))))
    db.session.execute(sa.insert(Membership), [{{"project_id": project_id, "user_id": i,
        "role": "student"}} for i in ids])
    docs = list(db.session.execute(sa.select(Document.id, Document.text).where(
        Document.project_id == project_id)))
    have = db.session.scalar(sa.select(sa.func.count(Span.id)).where(
        Span.document_id.in_([d.id for d in docs])))
    rng = random.Random(5)
    rows = []
    for n in range(total - have):
        doc = docs[n % len(docs)]
        start = rng.randrange(0, max(1, len(doc.text) - 40))
        end = min(len(doc.text), start + rng.randrange(3, 40))
        label = rng.choice(rhetoric)
        rows.append({{"document_id": doc.id, "user_id": ids[n % len(ids)],
            "layer_id": words.layers["rhetoric"].id, "label_id": label.id,
            "client_id": uuid.uuid4().hex, "start": start, "end": end, "note": "",
            "attributes": {{}}, "codebook_version": words.version, "created_at": now,
            "updated_at": now}})
        if len(rows) == 5000:
            db.session.execute(sa.insert(Span), rows)
            rows.clear()
    if rows:
        db.session.execute(sa.insert(Span), rows)
    db.session.commit()
    count = db.session.scalar(sa.select(sa.func.count(Span.id)).where(
        Span.document_id.in_([d.id for d in docs])))
    print(json.dumps({{"spans": count, "students": len(ids) + 1}}))
"""


def class_of_200(tool, base: dict[str, float], print_line) -> None:
    """Sourcemark with 200 students and 50,000 spans in the project: span create, the
    annotation page and the export, each beside `base` (the rounds' medians)."""
    project = tool.create_project()
    documents = tool.import_documents(project)
    tool.ready_to_annotate(project)
    forum = documents["forum"]
    tool.create_spans(project, forum, 8, 125)  # the page's student: 1,000 spans
    page_user = int(tool.run(
        [sys.executable, "-c", "from app import create_app\nfrom app.extensions import db\n"
         "from app.models import User\nimport sqlalchemy as sa\n"
         "with create_app().app_context():\n"
         f"    print(db.session.scalar(sa.select(User.id).where(User.username == "
         f"{STUDENT!r})))"], env=tool.env, cwd=ROOT).split()[-1])
    began = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", POPULATE.format(args=(project["id"], forum, page_user,
                                                     STUDENTS, SPANS))],
        env=tool.env, cwd=ROOT, capture_output=True, text=True, check=False)
    if done.returncode:
        print_line(f"sourcemark.scale_class: failed: {done.stderr.strip()[-300:]}")
        return
    made = json.loads(done.stdout.strip().splitlines()[-1])
    print(f"# {made['students']} students, {made['spans']} spans written in "
          f"{time.perf_counter() - began:.1f} s", flush=True)
    name = f"sourcemark.scale_{SPANS}_spans_{STUDENTS}_students"
    latencies, _ = tool.create_spans(project, forum, 1, 100)
    p50 = statistics.median(latencies) * 1000
    page, size = tool.open_page(project, forum)
    export = tool.export(project)
    for measure, value, unit in (("span_create_p50_1_client", p50, "ms"),
                                 ("annotate_page_1000_spans", page, "s"),
                                 ("annotate_page_bytes_1000_spans", size / 1024, "KB"),
                                 ("export_jsonl_all_spans", export, "s")):
        print_line(f"{name}.{measure}: {value:.4g} {unit}")
        reference = base.get(measure if measure != "export_jsonl_all_spans"
                             else "export_jsonl_2000_spans")
        if reference:
            print_line(f"{name}.{measure}.growth: {value / reference:.2f} x")


def million_export(print_line, base: dict[str, float]) -> None:
    """The export of a million spans (benchmarks/export.py in its own process: it builds its
    own database), in process and through gunicorn as `make serve` runs it: time and peak
    memory, and the time's growth over the rounds' 2,000-span export."""
    done = subprocess.run(
        ["nice", "-n", "10", sys.executable, str(ROOT / "benchmarks" / "export.py"),
         "--runs", "1", "--spans", str(MILLION), "--served", "--formats", "jsonl"],
        capture_output=True, text=True, check=False)
    for line in done.stdout.splitlines():
        print_line(f"sourcemark.scale_{line}" if not line.startswith("#") else line)
        name, _, value = line.partition(":")
        reference = base.get("export_jsonl_2000_spans")
        if name == "export_jsonl_served_seconds" and reference:
            seconds = float(value.split()[0])
            print_line(f"sourcemark.scale_{MILLION}_spans.export_jsonl.growth: "
                       f"{seconds / reference:.0f} x for {MILLION // 2000} x the spans")
    if done.returncode:
        print_line(f"sourcemark.scale_{MILLION}_spans: failed: {done.stderr.strip()[-300:]}")
