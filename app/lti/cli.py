"""`flask lti …`: register platforms, send queued grades, rotate our signing key."""

from __future__ import annotations

import click
from flask.cli import AppGroup
from flask_babel import format_number, ngettext
from flask_babel import gettext as _

from app.cli import speaks
from app.services.errors import ServiceError
from app.services.lti import grades, keys, platforms

lti_cli = AppGroup("lti", help="LTI 1.3: LMS platforms, grades and keys.")


@lti_cli.command("add-platform")
@click.option("--issuer", required=True, help="The platform's issuer (iss).")
@click.option("--client-id", required=True, help="The client id the LMS gave Sourcemark.")
@click.option("--deployment-id", "deployment_ids", multiple=True,
              help="A deployment id (repeat for several).")
@click.option("--auth-login-url", required=True, help="The LMS's OIDC authentication URL.")
@click.option("--auth-token-url", required=True, help="The LMS's access token URL.")
@click.option("--jwks-url", required=True, help="The LMS's public keyset URL.")
@click.option("--name", default="", help="A name for people.")
@speaks
def add_platform(issuer, client_id, deployment_ids, auth_login_url, auth_token_url, jwks_url,
                 name):
    """Register an LMS."""
    try:
        platform = platforms.register(
            {"issuer": issuer, "client_id": client_id, "auth_login_url": auth_login_url,
             "auth_token_url": auth_token_url, "jwks_url": jwks_url, "name": name},
            deployment_ids)
    except ServiceError as exc:
        raise click.ClickException(exc.message) from None
    click.echo(ngettext("Registered platform %(id)s (%(issuer)s) with %(num)d deployment.",
                        "Registered platform %(id)s (%(issuer)s) with %(num)d deployments.",
                        len(platform.deployments), id=platform.id, issuer=platform.issuer))


@lti_cli.command("send-grades")
@click.option("--limit", default=500, show_default=True, help="At most this many grades.")
@speaks
def send_grades(limit):
    """Send the queued grades that are due (run it from cron every few minutes)."""
    counts = grades.drain(limit)
    click.echo(_("%(sent)s sent, %(failed)s failed (retried later).",
                 sent=format_number(counts["sent"]), failed=format_number(counts["failed"])))


@lti_cli.command("rotate-key")
@click.option("--retire-old", is_flag=True, help="Stop publishing the previous keys now.")
@speaks
def rotate_key(retire_old):
    """Make a new signing key."""
    key = keys.rotate(retire_old)
    click.echo(_("New signing key %(kid)s.", kid=key.kid))
