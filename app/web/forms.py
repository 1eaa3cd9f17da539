"""Forms of the pages."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired, MultipleFileField
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget


def zone_choices(first: tuple[str, str] | None = None) -> list[SelectChoice]:
    from app.i18n import current
    from app.zones import zone_labels

    return ([SelectChoice(*first)] if first else []) + [SelectChoice(zone, name)
                                                        for zone, name in zone_labels(current())]


class ProjectForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    instructions = TextAreaField(_l("Instructions for students"),
                                 validators=[Length(max=20000)])
    # Filled with the browser's zone by app.js on a new project (validate_choice is off: the
    # service names an unknown zone in its 400).
    time_zone = SelectField(_l("Time zone of the class (due dates end at midnight there)"),
                            default="UTC", validate_choice=False)
    submit = SubmitField(_l("Save"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.time_zone.choices = zone_choices()


class NewProjectForm(ProjectForm):
    """A new project: also its language, which picks the default codebook's words."""

    language = SelectField(_l("Language of the class (its codebook and its pages)"), choices=[])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from app.i18n import current, languages

        self.language.choices = [SelectChoice(code, name) for code, name in languages().items()]
        if not self.language.data:
            self.language.data = current()


class EditProjectForm(ProjectForm):
    """The project's settings once it exists: its text, and what students see of others."""

    reveal = SelectField(_l("Students see classmates' annotations and the answer key"), choices=[
        SelectChoice("never", _l("Never")),
        SelectChoice("after_submit", _l("After the student submits the document")),
        SelectChoice("after_due", _l("After the document's due date"))])
    reveal_anonymous = BooleanField(_l("Show classmates anonymously"))


class JoinCodeForm(FlaskForm):
    code = StringField(_l("Class code"), validators=[DataRequired(), Length(max=20)],
                       render_kw={"placeholder": "ABCD-2345"})
    submit = SubmitField(_l("Join"))


class UploadForm(FlaskForm):
    files = MultipleFileField(_l("Files (.txt, .md, .html, .pdf, .docx, .jsonl; several at once)"),
                              render_kw={"accept": ".txt,.md,.markdown,.html,.htm,.pdf,.docx,"
                                                   ".jsonl"})
    submit = SubmitField(_l("Import"))


class PasteForm(FlaskForm):
    """A text pasted from anywhere, with what is known about it."""

    title = StringField(_l("Title (the first line if left empty)"),
                        validators=[Length(max=300)])
    publisher = StringField(_l("Publisher"), validators=[Length(max=200)])
    author = StringField(_l("Author"), validators=[Length(max=200)])
    published = StringField(_l("Published"), validators=[Length(max=32)],
                            render_kw={"placeholder": _l("2011-12-19, 2011-12 or 2011")})
    url = StringField(_l("Address (URL)"), validators=[Length(max=2000)])
    text = TextAreaField(_l("Text"), render_kw={"rows": 14})
    submit = SubmitField(_l("Add the document"))


class RosterForm(FlaskForm):
    roster = TextAreaField(_l("One student a line: Full Name, or Full Name, username"),
                           validators=[DataRequired(), Length(max=20000)],
                           render_kw={"rows": 6})
    expire = BooleanField(_l("Students choose their own password the first time they sign in"),
                          default=True)
    submit = SubmitField(_l("Create accounts and print login slips"))


class TimeZoneForm(FlaskForm):
    """The zone a user reads times in ("" follows the browser)."""

    time_zone = SelectField(_l("Show times in"), validate_choice=False)
    submit = SubmitField(_l("Save"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.time_zone.choices = zone_choices(("", _l("this browser's time zone")))


class TokenForm(FlaskForm):
    name = StringField(_l("Token name"), validators=[DataRequired(), Length(max=80)],
                       render_kw={"placeholder": _l("export script")})
    submit = SubmitField(_l("Create token"))


class SettingsForm(FlaskForm):
    teacher_signup = BooleanField(_l("Teachers may create their own accounts at /signup"))
    submit = SubmitField(_l("Save settings"))


class InvitationForm(FlaskForm):
    note = StringField(_l("For whom (only you see this)"), validators=[Length(max=200)])
    days = IntegerField(_l("Valid for (days)"), default=7,
                        validators=[DataRequired(), NumberRange(min=1, max=90)])
    submit = SubmitField(_l("Create an invitation link"))


class ActionForm(FlaskForm):
    """A button that posts (with its CSRF token) and carries nothing else."""

    submit = SubmitField(_l("Go"))


class JoiningForm(FlaskForm):
    enabled = BooleanField(_l("Students may join with the code"))
    submit = SubmitField(_l("Save"))


class DatasetImportForm(FlaskForm):
    format = SelectField(_l("Format"), choices=[
        SelectChoice("jsonl", "Sourcemark JSONL"),
        SelectChoice("doccano", _l("doccano JSONL (or its zip export)")),
        SelectChoice("label-studio", "Label Studio JSON"),
        SelectChoice("brat", _l("brat standoff (zip)")),
        SelectChoice("ptc", _l("SemEval-2020 Task 11 / PTC (zip)"))])
    file = FileField(_l("File"), validators=[FileRequired(_l("Choose a file to import."))])
    ground_truth_gold = BooleanField(_l("Label Studio: annotations marked ground truth are the "
                                        "gold key"))
    submit = SubmitField(_l("Import"))


class AssignForm(FlaskForm):
    """Who annotates which document: everyone everything, or each document to k students."""

    mode = RadioField(_l("Who annotates what"), default="all", choices=[
        SelectChoice("all", _l("Everyone does every document")),
        SelectChoice("k", _l("Each document to k students"))])
    k = IntegerField(_l("Students per document (k)"), default=2,
                     validators=[Optional(), NumberRange(min=1, max=1000)],
                     render_kw={"min": 1, "inputmode": "numeric"})
    due = DateField(_l("Due date (optional; the end of that day in the project's time zone)"),
                    validators=[Optional()])
    submit = SubmitField(_l("Assign"))


class ReopenForm(FlaskForm):
    """The teacher lets a student change a submitted document again."""

    username = HiddenField(validators=[DataRequired(), Length(max=64)])
    submit = SubmitField(_l("Reopen"))


class PremergeForm(FlaskForm):
    threshold = SelectField(_l("Take what"), choices=[
        SelectChoice("majority", _l("more than half of the annotators agree on")),
        SelectChoice("two_thirds", _l("at least two thirds agree on")),
        SelectChoice("all", _l("every annotator agrees on"))], default="majority")
    submit = SubmitField(_l("Pre-merge into the gold key"))


class MemberRoleForm(FlaskForm):
    """A teacher changes a member's role in the project."""

    role = SelectField(_l("Role"), choices=[SelectChoice("student", _l("student")),
                                            SelectChoice("adjudicator", _l("adjudicator")),
                                            SelectChoice("teacher", _l("teacher"))])
    submit = SubmitField(_l("Change"))



class ConfirmForm(FlaskForm):
    """A destructive action asked again: `confirm` is "yes" only from the confirm button."""

    confirm = HiddenField()
    submit = SubmitField(_l("Delete"))


class EntityForm(FlaskForm):
    """A canonical person or institution that speakers' names can stand for."""

    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)],
                       render_kw={"placeholder": _l("Kalmukhambet Kasymov, Interior Minister")})
    kind = SelectField(_l("Kind"), choices=[SelectChoice("person", _l("Person")),
                                            SelectChoice("institution", _l("Institution"))])
    description = StringField(_l("Description"), validators=[Length(max=2000)])
    submit = SubmitField(_l("Add the source"))


class LinkNameForm(FlaskForm):
    """A name as written, and the source it stands for."""

    name = StringField(_l("Name as written"), validators=[DataRequired(), Length(max=200)])
    entity = SelectField(_l("Stands for"), coerce=int, choices=[])
    submit = SubmitField(_l("Link"))


class QuestionForm(FlaskForm):
    """A question claims across the corpus answer."""

    text = StringField(_l("Question"), validators=[DataRequired(), Length(min=5, max=500)],
                       render_kw={"placeholder": _l("How many people died in Zhanaozen on 16 "
                                                    "December 2011?")})
    value_kind = SelectField(_l("Claims answer with"), choices=[
        SelectChoice("number", _l("a number")), SelectChoice("date", _l("a date")),
        SelectChoice("text", _l("text"))])
    submit = SubmitField(_l("Add the question"))


class DocumentMetaForm(FlaskForm):
    """What is known about a document; its text is fixed."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from app.i18n import current
        from app.i18n.detect import choices

        self.language.choices = [SelectChoice("", _l("Not known")),
                                 *(SelectChoice(code, name) for code, name in choices(current()))]

    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=300)])
    publisher = StringField(_l("Publisher"), validators=[Length(max=200)])
    author = StringField(_l("Author"), validators=[Length(max=200)])
    published = StringField(_l("Published"), validators=[Length(max=32)],
                            render_kw={"placeholder": "2011-12-19, 2011-12, 2011"})
    url = StringField(_l("Address (URL)"), validators=[Length(max=2000)])
    language = SelectField(_l("Language of the text"), choices=[], validate_choice=False)
    notes = TextAreaField(_l("Notes"), validators=[Length(max=5000)])
    submit = SubmitField(_l("Save"))


class ResetPasswordForm(FlaskForm):
    """A teacher (or admin) gives someone a new generated password and a new slip."""

    expire = BooleanField(_l("Make them choose their own password when they sign in with it"),
                          default=True)
    submit = SubmitField(_l("New password"))


class RemoveMemberForm(FlaskForm):
    """A student taken out of a project: what happens to their work, asked again."""

    how = RadioField(_l("Their work in this project"), default="keep", choices=[
        SelectChoice("keep", _l("stays under their name")),
        SelectChoice("pseudonymise", _l("stays, pseudonymised: under a “former-…” name that "
                                        "cannot sign in"))])
    confirm = HiddenField()
    submit = SubmitField(_l("Remove from the project"))


class MoveMemberForm(FlaskForm):
    target = SelectField(_l("Move to"), coerce=int, choices=[])
    submit = SubmitField(_l("Move"))


class CopyProjectForm(FlaskForm):
    title = StringField(_l("Title of the new project"),
                        validators=[DataRequired(), Length(max=200)])
    submit = SubmitField(_l("Copy into a new project"))


class RoundForm(FlaskForm):
    """A round: its name, dates and documents."""

    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)],
                       render_kw={"placeholder": _l("Round 1: calibration")})
    starts = DateField(_l("Starts (optional)"), validators=[Optional()])
    due = DateField(_l("Due (optional; the end of that day in the class's time zone)"),
                    validators=[Optional()])
    documents = SelectMultipleField(_l("Documents"), coerce=int, option_widget=CheckboxInput(),
                                    widget=ListWidget(prefix_label=False))
    submit = SubmitField(_l("Save the round"))
