"""Find English a reader would see that is not wrapped for translation: string literals of the
JS modules outside t()/nt(), and text, attributes and literals of a Jinja template outside _()."""

from __future__ import annotations

import ast
import re

# Keys and codes the modules compare event.key / event.code with: words, but not for readers.
KEY_NAMES = {"Escape", "Enter", "Tab", "Home", "End", "Backspace", "Delete", "Shift", "Alt",
             "Control", "Meta", "Space", "Slash", "Backslash", "Minus", "Equal", "Comma", "Period",
             "Quote", "Semicolon", "Backquote", "Key", "Digit"}
COMBO = re.compile(r"^(Alt|Ctrl|Shift|Meta)\+\S+$")
# Class names: lowercase words, at least one of them hyphenated.
CLASSES = re.compile(r"^(?=.*-)[a-z0-9_-]+(\s+[a-z0-9_-]+)*$")
TAGS = {"a", "button", "input", "select", "textarea", "li", "ul", "span", "div", "p", "kbd",
        "details", "summary", "form", "label", "option", "section", "dl", "dt", "dd", "h2", "h3"}
PROSE = re.compile(r"\b[A-Za-z][a-z]*[,:;.!?…’']?\s+[A-Za-z]{2,}")
WORD = re.compile(r"^[A-Z][a-z]+\W*$")
# A line that puts text in front of the reader: whatever literal it holds is read.
SINK = re.compile(r"textContent\s*=|\.title\s*=|\btext:\s|\"aria-label\"|\btitle:\s|announce\(|"
                  r"setState\(|signedOut\(|\.keep\(|\.link\(|\.item\(")
OPENS_T = re.compile(r"(?:^|[^\w.$])n?t\(\s*$")
OPENS_GETTEXT = re.compile(r"(?:^|[^\w.])(?:_|gettext|ngettext)\(\s*$")
NGETTEXT_PLURAL = re.compile(r"ngettext\(\s*('[^']*'|\"[^\"]*\")\s*,\s*$")


def _selector(text: str) -> bool:
    """A CSS selector (or a list of them) rather than words."""
    for part in text.split(","):
        for token in part.split():
            head = re.match(r"[a-z][a-z0-9]*", token)
            after = token[head.end():head.end() + 1] if head else ""
            if token[0] in "#.[*>~+" or (head and head.group() in TAGS and after in "[.#:"):
                continue
            return False
    return True


def looks_english(text: str, sink: bool = False, template: bool = False) -> bool:
    """Words for a reader: prose, a capitalised word that is no key's name, or (on a line that
    shows text) anything more than an identifier; in a template, a word between placeholders."""
    bare = re.sub(r"\{[^{}]*\}", " ", text).strip()
    if not re.search(r"[A-Za-z]{2,}", bare) or COMBO.match(bare) or CLASSES.match(bare):
        return False
    spaced = re.search(r"(^|\s)[a-z]{2,}\s|\s[a-z]{2,}$", text)
    if (PROSE.search(bare) or (template and spaced)) and not _selector(text.replace("{}", "x")):
        return True
    if WORD.match(bare) and bare.rstrip("…✓.!?:") not in KEY_NAMES:
        return True
    return sink and bool(re.search(r"[^A-Za-z0-9_:-]", bare))


def js_literals(source: str):
    """Each string and template literal outside comments and regular expressions: (text, line,
    code before it on its line, 'string' or 'template', whether it is inside a template's ${…});
    a template's own ${…} become {}."""
    i, n = 0, len(source)
    stack: list[list] = []  # open templates: [start, text pieces, brace depth of the ${…}]
    depth = 0
    prev = ""  # the last significant character of code
    while i < n:
        c = source[i]
        if stack and stack[-1][2] is None:  # inside a template's text
            start, pieces, _ = stack[-1]
            if c == "\\":
                pieces.append(source[i:i + 2])
                i += 2
            elif c == "`":
                stack.pop()
                yield ("".join(pieces), source.count("\n", 0, start) + 1,
                       _line_before(source, start), "template", bool(stack))
                i += 1
                prev = "`"
            elif source.startswith("${", i):
                pieces.append("{}")
                stack[-1][2] = depth
                depth += 1
                i += 2
                prev = "{"
            else:
                pieces.append(c)
                i += 1
            continue
        if source.startswith("//", i):
            i = source.find("\n", i)
            i = n if i < 0 else i
        elif source.startswith("/*", i):
            i = source.index("*/", i) + 2
        elif c in "'\"":
            j = i + 1
            while source[j] != c:
                j += 2 if source[j] == "\\" else 1
            yield (source[i + 1:j], source.count("\n", 0, i) + 1, _line_before(source, i), "string",
                   bool(stack))
            i, prev = j + 1, c
        elif c == "`":
            stack.append([i, [], None])
            i += 1
        elif c == "/" and (not prev or prev in "(,=:[!&|?{};+-*%<>~^" or
                           re.search(r"\b(return|typeof)\s*$", source[:i])):
            j, klass = i + 1, False
            while klass or source[j] != "/":
                if source[j] == "\\":
                    j += 1
                elif source[j] == "[":
                    klass = True
                elif source[j] == "]":
                    klass = False
                j += 1
            i, prev = j + 1, "/"
        else:
            if c == "{":
                depth += 1
            elif c == "}":
                depth -= 1
                if stack and stack[-1][2] == depth:
                    stack[-1][2] = None  # back in the template's text
            if not c.isspace():
                prev = c
            i += 1


def _line_before(source: str, at: int) -> str:
    return source[source.rfind("\n", 0, at) + 1:at]


def js_untranslated(source: str) -> list[str]:
    """English literals of a JS module outside t()/nt(), and template literals passed to them."""
    out = []
    nt_first = False
    for text, line, before, kind, nested in js_literals(source):
        wrapped = bool(OPENS_T.search(before)) or (nt_first and before.rstrip().endswith(","))
        nt_first = bool(re.search(r"(?:^|[^\w.$])nt\(\s*$", before)) and kind == "string"
        if wrapped and kind == "template":
            out.append(f"line {line}: t() needs a plain string, not `{text}`")
        elif wrapped and nested:
            # Babel's JavaScript extractor does not look inside a template's ${…}.
            out.append(f"line {line}: t({text!r}) inside a template literal is not extracted")
        elif not wrapped and looks_english(text, bool(SINK.search(before)), kind == "template"):
            out.append(f"line {line}: {text!r}")
    return out


def template_untranslated(source: str) -> list[str]:
    """English of a Jinja template outside _(): text, readable attributes and literals in {{ }}."""
    out = []
    source = re.sub(r"\{#.*?#\}", "", source, flags=re.S)
    source = re.sub(r"<script\b.*?</script>", "", source, flags=re.S)
    for expression in re.finditer(r"\{\{(.*?)\}\}|\{%(.*?)%\}", source, flags=re.S):
        code = expression.group(1) or expression.group(2)
        for literal in re.finditer(r"'([^']*)'|\"([^\"]*)\"", code):
            text = literal.group(1) if literal.group(1) is not None else literal.group(2)
            before = code[:literal.start()]
            wrapped = OPENS_GETTEXT.search(before) or NGETTEXT_PLURAL.search(before)
            if not wrapped and looks_english(text):
                out.append(f"{{{{ {text!r} }}}}")
    bare = re.sub(r"\{\{.*?\}\}|\{%.*?%\}", " ", source, flags=re.S)
    bare = re.sub(r"<kbd>[^<]*</kbd>", " ", bare)  # a key's own name, as printed on it
    for attribute in re.finditer(r'\b(aria-label|title|placeholder|alt)="([^"]*)"', bare):
        if re.search(r"[A-Za-z]{2,}", attribute.group(2)):
            out.append(f'{attribute.group(1)}="{attribute.group(2).strip()}"')
    for text in re.findall(r">([^<>]*)<", bare):
        if re.search(r"[A-Za-z]{2,}", text) and not CLASSES.match(text.strip()):
            out.append(text.strip())
    return out


# --- Python: what flash(), abort(), the error bodies, service errors and forms show ---------

# The service errors (app/services/errors.py and their subclasses): their message is shown.
SERVICE_ERRORS = {"ServiceError", "Invalid", "NotFound", "Forbidden", "Conflict", "StaleVersion",
                  "ConfirmationNeeded", "TooManyAttempts", "ImportFailed", "Locked",
                  "LaunchRefused"}
FIELDS = {"StringField", "TextAreaField", "PasswordField", "BooleanField", "SelectField",
          "SelectMultipleField", "IntegerField", "DecimalField", "FloatField", "FileField",
          "MultipleFileField", "SubmitField", "RadioField", "DateField", "DateTimeField",
          "DateTimeLocalField", "EmailField", "URLField", "HiddenField"}
# Where the shown text is: the positional argument's index, and the keyword's name.
SHOWN = {"flash": (0, "message"), "abort": (1, "description"), "api_error": (1, "message"),
         **{name: (0, "message") for name in SERVICE_ERRORS},
         "Problem": (1, "message"),  # an import's problem, shown with its file and row
         "_refuse": (1, "message"),  # a zip refused, shown as the import's problem
         "problem": (0, "message"),  # a brat line's problem
         **{name: (0, "label") for name in FIELDS}}
# Shown only when called with so many positional arguments: (how many, the message's index).
# An import's Problems.add(where, field, message) (a set's add() takes one argument) and a
# JSONL line's type check bad(field, message), and a codebook label's bad(field, code, message).
BY_ARITY = {"add": {3: 2}, "bad": {2: 1, 3: 2}}
WRAPPERS = {"_", "gettext", "ngettext", "lazy_gettext", "_l", "lazy_ngettext", "pgettext"}


def _callee(node: ast.Call) -> str:
    func = node.func
    return func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")


def _unwrapped_words(node: ast.expr, constants: dict[str, str] | None = None) -> bool:
    """English words in a literal that no gettext call wraps (through f-strings, `+`, `%`,
    conditional expressions, .format() and the module's own string constants)."""
    if isinstance(node, ast.Name) and constants and node.id in constants:
        return bool(re.search(r"[A-Za-z]{2,}", constants[node.id]))
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str) and bool(re.search(r"[A-Za-z]{2,}", node.value))
    if isinstance(node, ast.JoinedStr):
        return any(_unwrapped_words(part) for part in node.values)
    if isinstance(node, ast.BinOp):
        return _unwrapped_words(node.left) or _unwrapped_words(node.right)
    if isinstance(node, ast.IfExp):
        return _unwrapped_words(node.body) or _unwrapped_words(node.orelse)
    if isinstance(node, ast.Call):
        if _callee(node) in WRAPPERS:
            return False
        if isinstance(node.func, ast.Attribute) and node.func.attr in {"format", "join"}:
            return _unwrapped_words(node.func.value)
    return False


def _constants(tree: ast.Module) -> dict[str, str]:
    """The module's top-level `NAME = "text"`: a message kept once and shown from elsewhere."""
    return {node.targets[0].id: node.value.value for node in tree.body
            if isinstance(node, ast.Assign) and len(node.targets) == 1
            and isinstance(node.targets[0], ast.Name) and isinstance(node.value, ast.Constant)
            and isinstance(node.value.value, str)}


def python_untranslated(source: str) -> list[str]:
    """English passed, unwrapped, to flash(), abort(), api_error(), a service error, a form
    field's label, a validator's message= or an import's problems.add(where, field, message)."""
    out = []
    tree = ast.parse(source)
    constants = _constants(tree)
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        shown = []
        index, keyword = SHOWN.get(_callee(node), (None, "message"))
        at = BY_ARITY.get(_callee(node), {}).get(len(node.args))
        if at is not None:
            index = at
        if index is not None and len(node.args) > index:
            shown.append(node.args[index])
        shown += [k.value for k in node.keywords if k.arg == keyword]
        if index is None and _callee(node) not in WRAPPERS:  # a validator's message=
            shown = [k.value for k in node.keywords if k.arg == "message"]
        out += [f"line {arg.lineno}: {ast.unparse(arg)[:70]}" for arg in shown
                if _unwrapped_words(arg, constants)]
    return out


# --- Python: prose anywhere, whatever path it takes to a reader -------------------------------

# Three words in a row: a phrase, not an identifier, a code or a single word.
PHRASE = re.compile(r"[A-Za-z][a-z]+[,;:]? [a-z]{2,}[,;:]? [a-z]{2,}")
NOT_PROSE = re.compile(r"\b(SELECT|INSERT|UPDATE|DELETE|CREATE|PRAGMA)\b|\{\{|<[a-z]|%\([a-z_]+\)r")
# Calls whose string arguments no reader sees: logging, SQL, patterns, string methods, options.
QUIET = {"debug", "info", "warning", "exception", "critical", "log", "text", "execute",
         "exec_driver_sql", "compile", "match", "search", "sub", "findall", "fullmatch",
         "startswith", "endswith", "split", "replace", "strftime", "strptime", "getenv", "get",
         "mapped_column", "Column", "Index", "CheckConstraint", "UniqueConstraint", "route"}
# Exceptions a program meets, never a reader: a bug or a misuse of a function.
PROGRAMMER_ERRORS = {"ValueError", "TypeError", "RuntimeError", "AssertionError", "KeyError",
                     "LookupError", "IndexError", "NotImplementedError", "AttributeError"}


def _docstrings(tree: ast.Module) -> set[int]:
    return {id(node.body[0].value) for node in ast.walk(tree)
            if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
            and node.body and isinstance(node.body[0], ast.Expr)
            and isinstance(node.body[0].value, ast.Constant)}


def _quiet_place(node: ast.AST, parents: dict[int, ast.AST]) -> bool:
    """Inside gettext, a quiet call, an assertion, a programmer's error, or a service error's
    field codes (the dict after its message)."""
    child, parent = node, parents.get(id(node))
    while parent is not None:
        if isinstance(parent, ast.Assert):
            return True
        if isinstance(parent, ast.Raise) and isinstance(parent.exc, ast.Call) \
                and _callee(parent.exc) in PROGRAMMER_ERRORS:
            return True
        if isinstance(parent, ast.Call):
            name = _callee(parent)
            if name in WRAPPERS or name in QUIET:
                return True
            if name in SERVICE_ERRORS | {"api_error"} and isinstance(child, ast.Dict):
                return True
        if isinstance(parent, (ast.FunctionDef, ast.ClassDef, ast.Module)):
            return False
        child, parent = parent, parents.get(id(parent))
    return False


def python_prose(source: str) -> list[tuple[int, str]]:
    """(line, text) of each string literal reading as English prose that no gettext call
    wraps and that is no docstring, log line, SQL, pattern or programmer's error."""
    tree = ast.parse(source)
    parents = {id(child): node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    docs = _docstrings(tree)
    return [(node.lineno, node.value) for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str)
            and id(node) not in docs and PHRASE.search(node.value)
            and not NOT_PROSE.search(node.value) and not _quiet_place(node, parents)]
