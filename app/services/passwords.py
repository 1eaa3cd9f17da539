"""Which passwords a person may choose: long enough, and not one that is guessed first.

"Guessed first" is zxcvbn's list of the 30,000 most common passwords (ranked by frequency
in leaked password sets; the list its strength estimator is built on), the person's own
username and the site's name, ignoring case and the digits or symbols people add around
them ("Password1!", "amina2024", "sourcemark!").
"""

from __future__ import annotations

import importlib.util
import re
from functools import cache
from pathlib import Path

from flask_babel import gettext as _

from app.services.errors import Invalid

MIN_PASSWORD = 8
MAX_PASSWORD = 200
SITE_NAME = "sourcemark"
# What people add before or after a word to "strengthen" it.
_DECORATION = re.compile(r"^[\W\d_]+|[\W\d_]+$")


@cache
def common_passwords() -> frozenset[str]:
    """zxcvbn's 30,000 most common passwords, lower case (loaded once, on first use)."""
    # Only the list's file is read, not the zxcvbn package: importing that builds ranked
    # dictionaries of all its word lists, some 17 MB per app worker; this keeps about 3.
    package = importlib.util.find_spec("zxcvbn")
    path = Path(package.submodule_search_locations[0]) / "frequency_lists.py" \
        if package and package.submodule_search_locations else None
    spec = importlib.util.spec_from_file_location("_zxcvbn_frequency_lists", path) \
        if path else None
    if spec is None or spec.loader is None:
        raise RuntimeError("The zxcvbn package is missing: pip install 'zxcvbn>=4.5,<5'.")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return frozenset(word.lower() for word in module.FREQUENCY_LISTS["passwords"])


def is_guessable(password: str, username: str = "") -> bool:
    """True if the password is a common one, the username or the site's name, perhaps with
    digits or symbols around it."""
    folded = password.casefold()
    name = username.casefold()
    personal = {SITE_NAME, name, _DECORATION.sub("", name)} - {""}
    for candidate in {folded, _DECORATION.sub("", folded)}:
        if candidate in personal or candidate in common_passwords():
            return True
    return False


def check_password(password: str, username: str = "") -> str:
    """Return the password, or raise Invalid (field `password`) with the rule it breaks."""
    if len(password or "") < MIN_PASSWORD:
        raise Invalid(_("The password must have at least %(min_password)s characters.",
                        min_password=MIN_PASSWORD),
                      {"password": f"at least {MIN_PASSWORD} characters"})
    if len(password) > MAX_PASSWORD:
        raise Invalid(_("The password is too long (%(max_password)s characters at most).",
                        max_password=MAX_PASSWORD),
                      {"password": f"{MAX_PASSWORD} characters at most"})
    if is_guessable(password, username):
        raise Invalid(_("This password is among the first ones anybody would try (a common "
                        "password, your username or the site's name): choose another, for "
                        "example three words you will remember."),
                      {"password": "too common"})
    return password
