"""Forms of the pages."""

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired, MultipleFileField
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional


class ProjectForm(FlaskForm):
    title = StringField("Title", validators=[DataRequired(), Length(max=200)])
    instructions = TextAreaField("Instructions for students", validators=[Length(max=20000)])
    submit = SubmitField("Save")


class EditProjectForm(ProjectForm):
    """The project's settings once it exists: its text, and what students see of others."""

    reveal = SelectField("Students see classmates' annotations and the answer key", choices=[
        SelectChoice("never", "Never"),
        SelectChoice("after_submit", "After the student submits the document"),
        SelectChoice("after_due", "After the document's due date")])
    reveal_anonymous = BooleanField("Show classmates anonymously")


class JoinCodeForm(FlaskForm):
    code = StringField("Class code", validators=[DataRequired(), Length(max=20)],
                       render_kw={"placeholder": "ABCD-2345"})
    submit = SubmitField("Join")


class UploadForm(FlaskForm):
    files = MultipleFileField("Files (.txt, .md, .html, .pdf, .docx, .jsonl; several at once)",
                              render_kw={"accept": ".txt,.md,.markdown,.html,.htm,.pdf,.docx,"
                                                   ".jsonl"})
    submit = SubmitField("Import")


class PasteForm(FlaskForm):
    """A text pasted from anywhere, with what is known about it."""

    title = StringField("Title (the first line if left empty)", validators=[Length(max=300)])
    publisher = StringField("Publisher", validators=[Length(max=200)])
    author = StringField("Author", validators=[Length(max=200)])
    published = StringField("Published", validators=[Length(max=32)],
                            render_kw={"placeholder": "2011-12-19, 2011-12 or 2011"})
    url = StringField("Address (URL)", validators=[Length(max=2000)])
    text = TextAreaField("Text", render_kw={"rows": 14})
    submit = SubmitField("Add the document")


class RosterForm(FlaskForm):
    roster = TextAreaField("One student a line: Full Name, or Full Name, username",
                           validators=[DataRequired(), Length(max=20000)],
                           render_kw={"rows": 6})
    submit = SubmitField("Create accounts and print login slips")


class TokenForm(FlaskForm):
    name = StringField("Token name", validators=[DataRequired(), Length(max=80)],
                       render_kw={"placeholder": "export script"})
    submit = SubmitField("Create token")


class SettingsForm(FlaskForm):
    teacher_signup = BooleanField("Teachers may create their own accounts at /signup")
    submit = SubmitField("Save settings")


class InvitationForm(FlaskForm):
    note = StringField("For whom (only you see this)", validators=[Length(max=200)])
    days = IntegerField("Valid for (days)", default=7,
                        validators=[DataRequired(), NumberRange(min=1, max=90)])
    submit = SubmitField("Create an invitation link")


class ActionForm(FlaskForm):
    """A button that posts (with its CSRF token) and carries nothing else."""

    submit = SubmitField("Go")


class JoiningForm(FlaskForm):
    enabled = BooleanField("Students may join with the code")
    submit = SubmitField("Save")


class DatasetImportForm(FlaskForm):
    format = SelectField("Format", choices=[
        SelectChoice("jsonl", "Sourcemark JSONL"),
        SelectChoice("doccano", "doccano JSONL (or its zip export)"),
        SelectChoice("label-studio", "Label Studio JSON"),
        SelectChoice("brat", "brat standoff (zip)"),
        SelectChoice("ptc", "SemEval-2020 Task 11 / PTC (zip)")])
    file = FileField("File", validators=[FileRequired("Choose a file to import.")])
    submit = SubmitField("Import")


class AssignForm(FlaskForm):
    """Who annotates which document: everyone everything, or each document to k students."""

    mode = RadioField("Who annotates what", default="all", choices=[
        SelectChoice("all", "Everyone does every document"),
        SelectChoice("k", "Each document to k students")])
    k = IntegerField("Students per document (k)", default=2,
                     validators=[Optional(), NumberRange(min=1, max=1000)],
                     render_kw={"min": 1, "inputmode": "numeric"})
    due = DateField("Due date (optional; the end of that day, UTC)", validators=[Optional()])
    submit = SubmitField("Assign")


class ReopenForm(FlaskForm):
    """The teacher lets a student change a submitted document again."""

    username = HiddenField(validators=[DataRequired(), Length(max=64)])
    submit = SubmitField("Reopen")


class PremergeForm(FlaskForm):
    threshold = SelectField("Take what", choices=[
        SelectChoice("majority", "more than half of the annotators agree on"),
        SelectChoice("two_thirds", "at least two thirds agree on"),
        SelectChoice("all", "every annotator agrees on")], default="majority")
    submit = SubmitField("Pre-merge into the gold key")


class MemberRoleForm(FlaskForm):
    """A teacher changes a member's role in the project."""

    role = SelectField("Role", choices=[SelectChoice("student", "student"),
                                        SelectChoice("adjudicator", "adjudicator"),
                                        SelectChoice("teacher", "teacher")])
    submit = SubmitField("Change")



class ConfirmForm(FlaskForm):
    """A destructive action asked again: `confirm` is "yes" only from the confirm button."""

    confirm = HiddenField()
    submit = SubmitField("Delete")


class EntityForm(FlaskForm):
    """A canonical person or institution that speakers' names can stand for."""

    name = StringField("Name", validators=[DataRequired(), Length(max=200)],
                       render_kw={"placeholder": "Kalmukhambet Kasymov, Interior Minister"})
    kind = SelectField("Kind", choices=[SelectChoice("person", "Person"),
                                        SelectChoice("institution", "Institution")])
    description = StringField("Description", validators=[Length(max=2000)])
    submit = SubmitField("Add the source")


class LinkNameForm(FlaskForm):
    """A name as written, and the source it stands for."""

    name = StringField("Name as written", validators=[DataRequired(), Length(max=200)])
    entity = SelectField("Stands for", coerce=int, choices=[])
    submit = SubmitField("Link")


class QuestionForm(FlaskForm):
    """A question claims across the corpus answer."""

    text = StringField("Question", validators=[DataRequired(), Length(min=5, max=500)],
                       render_kw={"placeholder":
                                  "How many people died in Zhanaozen on 16 December 2011?"})
    value_kind = SelectField("Claims answer with", choices=[
        SelectChoice("number", "a number"), SelectChoice("date", "a date"),
        SelectChoice("text", "text")])
    submit = SubmitField("Add the question")


class DocumentMetaForm(FlaskForm):
    """What is known about a document; its text is fixed."""

    title = StringField("Title", validators=[DataRequired(), Length(max=300)])
    publisher = StringField("Publisher", validators=[Length(max=200)])
    author = StringField("Author", validators=[Length(max=200)])
    published = StringField("Published", validators=[Length(max=32)],
                            render_kw={"placeholder": "2011-12-19, 2011-12 or 2011"})
    url = StringField("Address (URL)", validators=[Length(max=2000)])
    notes = TextAreaField("Notes", validators=[Length(max=5000)])
    submit = SubmitField("Save")
