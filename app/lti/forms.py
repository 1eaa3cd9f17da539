"""Forms of the LTI pages."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import URL, DataRequired, Length, Optional


class PlatformForm(FlaskForm):
    name = StringField(_l("Name (for you)"), validators=[Optional(), Length(max=120)],
                       render_kw={"placeholder": "School Moodle"})
    issuer = StringField(_l("Issuer (platform id)"), validators=[DataRequired(), Length(max=255)])
    client_id = StringField(_l("Client id"), validators=[DataRequired(), Length(max=255)])
    deployment_ids = TextAreaField(_l("Deployment ids (one a line)"),
                                   validators=[Length(max=5000)])
    auth_login_url = StringField(_l("OIDC authentication (auth) URL"),
                                 validators=[DataRequired(), URL(), Length(max=1000)])
    auth_token_url = StringField(_l("Access token URL"),
                                 validators=[DataRequired(), URL(), Length(max=1000)])
    jwks_url = StringField(_l("Public keyset (JWKS) URL"),
                           validators=[DataRequired(), URL(), Length(max=1000)])
    submit = SubmitField(_l("Register"))


class DeploymentForm(FlaskForm):
    deployment_id = StringField(_l("Deployment id"), validators=[DataRequired(), Length(max=255)])
    submit = SubmitField(_l("Add deployment"))


FORMULAS = [
    SelectChoice("completion", _l("Completion: the share of documents submitted")),
    SelectChoice("passages", _l("Passages agreeing with the answer key")),
    SelectChoice("f1", _l("F1 of marked spans against the answer key")),
]


class LinkForm(FlaskForm):
    """What a course link opens, and how its grade is computed."""

    project = SelectField(_l("Project"), coerce=int)
    document = SelectField(_l("Only this document (optional)"), coerce=int)
    formula = RadioField(_l("Grade sent to the LMS"), choices=FORMULAS, default="completion")
    submit = SubmitField(_l("Save"))


class DeepLinkForm(FlaskForm):
    project = SelectField(_l("An existing project"), coerce=int, validators=[Optional()])
    new_title = StringField(_l("…or a new project titled"), validators=[Optional(),
                                                                  Length(max=200)])
    document = SelectField(_l("Only this document (optional)"), coerce=int,
                           validators=[Optional()])
    submit = SubmitField(_l("Add to the course"))
