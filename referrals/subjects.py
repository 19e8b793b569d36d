"""Whom a referral is about, and noticing when two people raise the same person.
Standard library only.

At intake the person may say, if they want to, who the concern is about (a name, and a
staff or collar number or a work e-mail if they know one) and what the service may do
with it (`SubjectWish`). This is the escrow model Callisto pioneered, fitted to this
service's lifecycle, and the intake card says exactly this to the person:

- The referral itself goes to the SMLO as every referral does: the person asked for
  support, and gets it, whatever they choose here.
- `ACT_NOW`: the SMLO may see whom it is about straight away, with the referral.
- `ONLY_IF_ANOTHER` (held): nobody at the service sees whom it is about, and nothing is
  done with it, *unless someone else* (a different referrer) names the same person. Then
  the SMLOs are told that two referrals may be about the same person, and only then is the
  name on this referral shown to them. A person who names nobody, or who does not choose,
  is treated as `ONLY_IF_ANOTHER`: the service does less with their words, never more.

Either way the name counts for matching, and nobody who named someone is ever told of
another referral.

What is stored: the words the person typed, sealed with the rest of their answers
(`IntakeAnswers.subject_*`), and for matching a *blind index* of each identifier:
HMAC-SHA256, under a key kept apart from the data keys, of the identifier normalised so
that the ways people write the same name, number or address give the same value
(`normalised`). Equal indexes say two referrals name the same identifier; without the key
they say nothing else, and even with it only a guess can be checked, one at a time.

The HMAC is here, in the domain, with its key injected (`BlindIndex`), rather than behind
a port: it is one stdlib call, and keeping it beside the normalisation means no adapter
can ever index a value that was not normalised, or normalised another way. The key itself
is read by `storage.keys` (SMA_BLIND_INDEX_KEY) and never leaves the `BlindIndex`.

Matching (`matches`) is a pure function over the stored index rows: two referrals match
when they share an index and were made by *different* referrers (someone who names the
same person twice has not been corroborated by anyone).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

KEY_BYTES = 32
# Titles and ranks people put before a name; "PC Jo Bloggs" and "Jo Bloggs" are one person.
NAME_TITLES = frozenset(
    [
        "pc",
        "ps",
        "dc",
        "ds",
        "di",
        "dci",
        "dsi",
        "sgt",
        "insp",
        "ch",
        "supt",
        "cst",
        "mr",
        "mrs",
        "ms",
        "miss",
        "mx",
        "dr",
        "sir",
    ]
)
_APOSTROPHES = re.compile(r"['\u2019\u02bc`]")
_NOT_WORD = re.compile(r"[^0-9a-z]+")
_NUMBER = re.compile(r"([a-z]*)0*([0-9]+)([a-z]*)")


class SubjectWish(StrEnum):
    """What the service may do with whom the referral is about (see the module)."""

    ACT_NOW = "act_now"
    ONLY_IF_ANOTHER = "only_if_another"  # held until a different referrer names them


class IdentifierKind(StrEnum):
    NAME = "name"
    NUMBER = "number"  # staff or collar number
    EMAIL = "email"  # work e-mail address or sign-in name (UPN)
    DIRECTORY = "directory"  # the Entra object id the e-mail resolved to
    REFERRER = "referrer"  # who made the referral: distinct referrers, never a subject


def _plain(text: str) -> str:
    """Compatibility-decomposed, combining marks dropped, case-folded: "Zoë" -> "zoe"."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def normalise_name(text: str) -> str:
    """Case, spacing, accents, punctuation and word order do not matter ("Smith, Jo" and
    "jo  SMITH" are one name); apostrophes join ("O'Brien" = "OBrien"); leading titles and
    ranks go ("PC Jo Smith")."""
    words = _NOT_WORD.sub(" ", _APOSTROPHES.sub("", _plain(text))).split()
    while words and words[0] in NAME_TITLES and len(words) > 1:
        words = words[1:]
    return " ".join(sorted(words))


def normalise_number(text: str) -> str:
    """Spaces, dashes and other separators go, letters are case-folded and leading zeros
    dropped: "PC 01234", "pc-1234" and "Pc1234" are one number. Something that is not a
    number at all gives ""."""
    compact = _NOT_WORD.sub("", _plain(text))
    found = _NUMBER.fullmatch(compact)
    if found is None:
        return ""
    prefix, digits, suffix = found.groups()
    return f"{prefix}{digits}{suffix}"


def normalise_email(text: str) -> str:
    """An address (or UPN) as mail systems compare it in practice: trimmed, lower-case."""
    address = unicodedata.normalize("NFKC", text).strip().lower()
    return address if "@" in address.strip("@") else ""


@dataclass(frozen=True)
class Identifier:
    kind: IdentifierKind
    value: str  # normalised


def identifiers(
    name: str, number: str, email: str, directory_id: str = ""
) -> tuple[Identifier, ...]:
    """Every identifier the person gave, normalised; those that normalise to nothing are
    left out, so a stray dash never matches another stray dash."""
    found = (
        Identifier(IdentifierKind.NAME, normalise_name(name)),
        Identifier(IdentifierKind.NUMBER, normalise_number(number)),
        Identifier(IdentifierKind.EMAIL, normalise_email(email)),
        Identifier(IdentifierKind.DIRECTORY, directory_id.strip().lower()),
    )
    return tuple(i for i in found if i.value)


class BlindIndex:
    """Keyed, one-way indexes of identifiers: equal for the same identifier, unguessable
    without the key (`SMA_BLIND_INDEX_KEY`, never a data key)."""

    def __init__(self, key: bytes) -> None:
        if len(key) != KEY_BYTES:
            raise ValueError(f"a blind index key is {KEY_BYTES} bytes")
        self._key = key

    def __repr__(self) -> str:  # the key never reaches a log or a traceback
        return "BlindIndex(<key>)"

    def of(self, identifier: Identifier) -> str:
        # The kind is part of what is hashed: a name never equals a number.
        message = f"{identifier.kind}\x1f{identifier.value}".encode()
        return hmac.new(self._key, message, hashlib.sha256).hexdigest()

    def referrer(self, referrer_id: str) -> str:
        """Who referred, as the index rows keep it: distinct, but no id in clear."""
        return self.of(Identifier(IdentifierKind.REFERRER, referrer_id.strip().lower()))


@dataclass(frozen=True)
class SubjectMark:
    """One stored row: this referral names the identifier with this index, and was made
    by the referrer with this index. Nothing else (no kind, no words, no escrow)."""

    referral_id: str
    index: str
    referrer: str


def marks_for(
    referral_id: str, referrer_id: str, found: Iterable[Identifier], blind: BlindIndex
) -> tuple[SubjectMark, ...]:
    referrer = blind.referrer(referrer_id)
    indexes = dict.fromkeys(blind.of(i) for i in found)
    return tuple(SubjectMark(referral_id, index, referrer) for index in indexes)


def matches(referral_id: str, stored: Sequence[SubjectMark]) -> tuple[str, ...]:
    """The referrals that may be about the same person as `referral_id`: those sharing an
    index with it, `referral_id` first, the rest in the order stored; () unless at least
    two *different* referrers are among them (the same person raising it twice is not
    someone else raising it)."""
    mine = [m for m in stored if m.referral_id == referral_id]
    indexes = {m.index for m in mine}
    sharing = [m for m in stored if m.index in indexes and m.referral_id != referral_id]
    referrers = {m.referrer for m in mine} | {m.referrer for m in sharing}
    if not mine or len(referrers) < 2:
        return ()
    others = dict.fromkeys(m.referral_id for m in sharing)
    return (referral_id, *others)
