"""What a new password must be: long enough, not the username, not one character
repeated, and not common or otherwise easy to guess.

Guessability is judged by zxcvbn (Dropbox's estimator, maintained on PyPI): it
knows the common-password lists, keyboard walks, sequences, dates, repeats and
l33t spellings, so a rule here does not have to list them. A password it
expects to fall within a million guesses (score 0 or 1) is refused; from there
on, the login throttle (login_throttle.py) keeps online guessing far slower
than that.

Only setting a password is checked: passwords stored before this policy keep
working until they are changed.
"""
from __future__ import annotations

import re
import secrets
import threading

from zxcvbn import zxcvbn

MIN_LENGTH = 10
# zxcvbn refuses longer input (its matching is quadratic); the first 72 characters
# are what it judges, which errs on the side of refusing.
JUDGED_LENGTH = 72
# Score 2 and above: more than a million guesses expected.
MIN_SCORE = 2
# A username this short is part of too many good passwords to refuse them all.
SHORTEST_NAME_REFUSED_INSIDE = 4
PRODUCT_WORDS = ("orderloom",)

# zxcvbn keeps the caller's words in a module-level dictionary while it matches,
# so two threads checking at once would see each other's words.
_zxcvbn_lock = threading.Lock()


def problem(password: str, username: str, other_words: tuple[str, ...] = ()) -> str | None:
    """Why ``password`` may not be used by ``username``, as a clause that follows
    "Password: ", or None when it may. ``other_words`` (the person's name, ...) count
    as easy to guess too."""
    refused = judge(password, username, other_words)
    return refused[1] if refused is not None else None


def judge(password: str, username: str, other_words: tuple[str, ...] = ()
          ) -> tuple[str, str] | None:
    """``problem``'s refusal as (code, English clause), so a page can say it in its
    reader's language (the code names the rule broken: ``password.too_short``,
    ``password.repeated``, ``password.spaces``, ``password.username``,
    ``password.guessable``)."""
    if len(password) < MIN_LENGTH:
        return "password.too_short", f"must be at least {MIN_LENGTH} characters long"
    if len(set(password)) == 1:
        return "password.repeated", "must not be one character repeated"
    if password.strip() != password:
        return "password.spaces", "must not start or end with spaces"
    name = (username or "").strip().lower()
    # Compared without punctuation too, so "Chen_Jing-2024" counts for "chen.jing".
    bare_name, bare_password = _letters_and_digits(name), _letters_and_digits(password.lower())
    if name and (password.lower() == name
                 or (len(bare_name) >= SHORTEST_NAME_REFUSED_INSIDE
                     and bare_name in bare_password)):
        return "password.username", "must not contain the username"
    words = [word for word in (name, *re.split(r"[\W_]+", name), *other_words, *PRODUCT_WORDS)
             if word]
    with _zxcvbn_lock:
        verdict = zxcvbn(password[:JUDGED_LENGTH], user_inputs=words,
                         max_length=JUDGED_LENGTH)
    if verdict["score"] >= MIN_SCORE:
        return None
    warning = (verdict["feedback"]["warning"] or "").rstrip(".")
    why = (warning[:1].lower() + warning[1:] if warning
           else "it is built from common words or patterns")
    return ("password.guessable",
            f"is too easy to guess ({why}); add another word or two, or choose a longer one")


def _letters_and_digits(text: str) -> str:
    return "".join(character for character in text if character.isalnum())


def generate(username: str) -> str:
    """A random password that this policy accepts for ``username`` (``orderloom init``)."""
    while True:
        # 16 characters from 64: about 96 bits, so the loop ends at once in practice.
        candidate = secrets.token_urlsafe(12)
        if problem(candidate, username) is None:
            return candidate
