"""Forms of the sign-in pages."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, EqualTo, Length


class LoginForm(FlaskForm):
    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=64)],
                           render_kw={"autocomplete": "username", "autofocus": True})
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)],
                             render_kw={"autocomplete": "current-password"})
    submit = SubmitField(_l("Sign in"))


class NewAccountForm(FlaskForm):
    display_name = StringField(_l("Your name (shown to your classes)"),
                               validators=[Length(max=120)])
    username = StringField(_l("Username"), validators=[DataRequired(), Length(min=2, max=32)],
                           render_kw={"autocomplete": "username"})
    password = PasswordField(_l("Password (8 characters or more)"),
                             validators=[DataRequired(), Length(min=8, max=200)],
                             render_kw={"autocomplete": "new-password"})
    confirm = PasswordField(_l("Password again"),
                            validators=[DataRequired(),
                                        EqualTo("password", _l("The passwords differ."))],
                            render_kw={"autocomplete": "new-password"})
    submit = SubmitField(_l("Create account"))


class SignupForm(NewAccountForm):
    invite = HiddenField(validators=[Length(max=100)])  # a teacher invitation's token


class JoinForm(NewAccountForm):
    code = StringField(_l("Class code"), validators=[DataRequired(), Length(max=20)],
                       render_kw={"placeholder": "ABCD-2345", "autocapitalize": "characters"})
    submit = SubmitField(_l("Join the class"))


class ChangePasswordForm(FlaskForm):
    current = PasswordField(_l("Current password (or the one on your login slip)"),
                            validators=[DataRequired(), Length(max=200)],
                            render_kw={"autocomplete": "current-password"})
    password = PasswordField(_l("New password (8 characters or more)"),
                             validators=[DataRequired(), Length(min=8, max=200)],
                             render_kw={"autocomplete": "new-password"})
    confirm = PasswordField(_l("New password again"),
                            validators=[DataRequired(),
                                        EqualTo("password", _l("The passwords differ."))],
                            render_kw={"autocomplete": "new-password"})
    submit = SubmitField(_l("Change the password"))
