"""Flesch reading ease, and the words a person actually sees on an Adaptive Card.

    score = 206.835 - 1.015 * (words / sentences) - 84.6 * (syllables / words)

60 or more is "plain English" (most 13- to 15-year-olds read it easily); 30 or less is
the language of contracts. People disclosing harm should never have to work to read us.

Syllables are counted by a heuristic, good to within a syllable on most English words:

- only the letters of a word count (``you're`` -> ``youre``); a hyphenated word is
  counted part by part (``non-binary`` -> non + binary);
- each run of vowels (a e i o u y) is one syllable (``advocate`` -> a, o, a, e = 4);
- a final ``e`` is silent (``advocate`` -> 3, ``please`` -> 1) ...
- ... except in a consonant + ``le`` ending, which is a syllable of its own
  (``people`` -> 2, ``table`` -> 2);
- so is the ``e`` of a final ``-ed`` or ``-es`` after a consonant (``offered`` -> 2,
  ``makes`` -> 1), except where it is said: ``-ted``/``-ded`` (``wanted`` -> 2) and
  ``-ses``, ``-ces``, ``-ges``, ``-xes``, ``-zes``, ``-ches``, ``-shes`` (``cases`` -> 2);
- every word has at least one syllable; a part with no letters at all (``999``,
  ``2026`` in ``SMA-2026-0042``) is read as a unit and adds nothing beyond that minimum.

Sentences end at ``.``, ``!`` or ``?``. Each label, button, choice or fact title on a card
is a sentence of its own, even without a full stop, because that is how it is read.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

_VOWEL_RUN = re.compile(r"[aeiouy]+")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
_CONSONANT_LE = re.compile(r"[^aeiouy]le$")
# A final -ed or -es whose e is not said: after a consonant, but not in -ted, -ded, -ses ...
_SILENT_ED_ES = re.compile(r"(?:[^aeiouytd]ed|[^aeiouycgsxzh]es|[^cs]hes)$")


def syllables(word: str) -> int:
    """Syllables in one word, by the heuristic in the module docstring."""
    total = 0
    for part in word.lower().split("-"):
        letters = re.sub(r"[^a-z]", "", part)
        if not letters:
            continue
        count = len(_VOWEL_RUN.findall(letters))
        silent_e = letters.endswith("e") and not _CONSONANT_LE.search(letters)
        if count > 1 and (silent_e or _SILENT_ED_ES.search(letters)):
            count -= 1
        total += max(count, 1)
    return max(total, 1)


def words(sentence: str) -> list[str]:
    """Whitespace-separated tokens with at least one letter or digit."""
    return [token for token in sentence.split() if re.search(r"[A-Za-z0-9]", token)]


def split_sentences(text: str) -> list[str]:
    """A piece of text cut into sentences at . ! ? (empty pieces dropped)."""
    return [s.strip() for s in _SENTENCE_END.split(text.strip()) if words(s)]


def flesch(sentences: list[str]) -> float:
    """Flesch reading ease over all the sentences together (not an average of scores)."""
    all_words = [w for s in sentences for w in words(s)]
    if not all_words:
        return 206.835
    total_syllables = sum(syllables(w) for w in all_words)
    return (
        206.835
        - 1.015 * (len(all_words) / len(sentences))
        - 84.6 * (total_syllables / len(all_words))
    )


def sentence_score(sentence: str) -> float:
    return flesch([sentence])


# What each element type shows. Input values (the person's own words) are never scored.
_SHOWN_KEYS: dict[str, tuple[str, ...]] = {
    "TextBlock": ("text",),
    "TextRun": ("text",),
    "Input.Text": ("label", "placeholder", "errorMessage"),
    "Input.Number": ("label", "placeholder", "errorMessage"),
    "Input.Date": ("label", "placeholder", "errorMessage"),
    "Input.Time": ("label", "placeholder", "errorMessage"),
    "Input.Toggle": ("label", "title", "errorMessage"),
    "Input.ChoiceSet": ("label", "placeholder", "errorMessage"),
}


def _shown_texts(element: Any, fact_value_shown: Callable[[str], bool]) -> Iterator[str]:
    if isinstance(element, list):
        for item in element:
            yield from _shown_texts(item, fact_value_shown)
        return
    if not isinstance(element, dict):
        return
    kind = str(element.get("type", ""))
    for key in _SHOWN_KEYS.get(kind, ()):
        if element.get(key):
            yield str(element[key])
    if kind.startswith("Action.") and element.get("title"):
        yield str(element["title"])
    if kind == "Input.ChoiceSet":
        yield from (str(c["title"]) for c in element.get("choices", []))
    if kind == "FactSet":
        for fact in element.get("facts", []):
            yield str(fact["title"])
            if fact_value_shown(str(fact["value"])):
                yield str(fact["value"])
    for key, value in element.items():
        if key not in ("data", "choices", "facts"):
            yield from _shown_texts(value, fact_value_shown)


def card_sentences(
    card: dict[str, Any], fact_value_shown: Callable[[str], bool] = lambda _: False
) -> list[str]:
    """Every sentence the card shows in the service's own words.

    `fact_value_shown` says which fact values are the service's wording (scored) rather
    than the person's answers, ids or dates (not scored)."""
    return [s for text in _shown_texts(card, fact_value_shown) for s in split_sentences(text)]


@dataclass(frozen=True)
class Readability:
    name: str
    score: float
    sentences: tuple[str, ...]

    def hardest(self, n: int = 3) -> list[str]:
        return sorted(self.sentences, key=sentence_score)[:n]

    def report(self) -> str:
        lines = [f"{self.name}: Flesch reading ease {self.score:.1f} (needs 60 or more)"]
        lines += ["  hardest sentences:"]
        lines += [f"    {sentence_score(s):6.1f}  {s}" for s in self.hardest()]
        return "\n".join(lines)


def score_card(
    name: str, card: dict[str, Any], fact_value_shown: Callable[[str], bool] = lambda _: False
) -> Readability:
    sentences = card_sentences(card, fact_value_shown)
    return Readability(name, flesch(sentences), tuple(sentences))
