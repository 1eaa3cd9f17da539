"""Forms of the LTI pages."""

from flask_wtf import FlaskForm
from wtforms import RadioField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import URL, DataRequired, Length, Optional


class PlatformForm(FlaskForm):
    name = StringField("Name (for you)", validators=[Optional(), Length(max=120)],
                       render_kw={"placeholder": "School Moodle"})
    issuer = StringField("Issuer (platform id)", validators=[DataRequired(), Length(max=255)])
    client_id = StringField("Client id", validators=[DataRequired(), Length(max=255)])
    deployment_ids = TextAreaField("Deployment ids (one a line)",
                                   validators=[Length(max=5000)])
    auth_login_url = StringField("OIDC authentication (auth) URL",
                                 validators=[DataRequired(), URL(), Length(max=1000)])
    auth_token_url = StringField("Access token URL",
                                 validators=[DataRequired(), URL(), Length(max=1000)])
    jwks_url = StringField("Public keyset (JWKS) URL",
                           validators=[DataRequired(), URL(), Length(max=1000)])
    submit = SubmitField("Register")


class DeploymentForm(FlaskForm):
    deployment_id = StringField("Deployment id", validators=[DataRequired(), Length(max=255)])
    submit = SubmitField("Add deployment")


FORMULAS = [
    SelectChoice("completion", "Completion: the share of documents submitted"),
    SelectChoice("passages", "Passages agreeing with the answer key"),
    SelectChoice("f1", "F1 of marked spans against the answer key"),
]


class LinkForm(FlaskForm):
    """What a course link opens, and how its grade is computed."""

    project = SelectField("Project", coerce=int)
    document = SelectField("Only this document (optional)", coerce=int)
    formula = RadioField("Grade sent to the LMS", choices=FORMULAS, default="completion")
    submit = SubmitField("Save")


class DeepLinkForm(FlaskForm):
    project = SelectField("An existing project", coerce=int, validators=[Optional()])
    new_title = StringField("…or a new project titled", validators=[Optional(),
                                                                  Length(max=200)])
    document = SelectField("Only this document (optional)", coerce=int,
                           validators=[Optional()])
    submit = SubmitField("Add to the course")
