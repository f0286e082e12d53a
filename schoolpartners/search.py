"""Search keys that match across scripts, cases, transliterations and umlauts.

Every indexed text and every query goes through the same steps: case folding (ё = е, ß = ss, hyphens and
punctuation = space), then each word is expanded into its variants — Cyrillic words into their German
(Duden) and English transliterations, umlauts into both ü→ue and ü→u, and a few aliases (St./Saint/Sankt).
Keys are stored as tokens and matched by prefix (`key >= v AND key < successor(v)`), never with LIKE or
the database's lower(), so results are the same on SQLite and PostgreSQL.
"""

from __future__ import annotations

import re
import unicodedata

_WORD = re.compile(r"[0-9a-zäöüа-я]+")

# Russian → Latin, as German newspapers write it (Duden) and as English does (BGN/PCGN, simplified).
_GERMAN = {
    "а": "a",
    "б": "b",
    "в": "w",
    "г": "g",
    "д": "d",
    "е": "e",
    "ж": "sch",
    "з": "s",
    "и": "i",
    "й": "i",
    "к": "k",
    "л": "l",
    "м": "m",
    "н": "n",
    "о": "o",
    "п": "p",
    "р": "r",
    "с": "s",
    "т": "t",
    "у": "u",
    "ф": "f",
    "х": "ch",
    "ц": "z",
    "ч": "tsch",
    "ш": "sch",
    "щ": "schtsch",
    "ъ": "",
    "ы": "y",
    "ь": "",
    "э": "e",
    "ю": "ju",
    "я": "ja",
}
_ENGLISH = {
    **_GERMAN,  # the letters where English writes otherwise:
    "в": "v",
    "ж": "zh",
    "з": "z",
    "й": "y",
    "х": "kh",
    "ц": "ts",
    "ч": "ch",
    "ш": "sh",
    "щ": "shch",
    "ю": "yu",
    "я": "ya",
}
# Word endings both conventions usually shorten ("Нижний" → Nischni / Nizhny).
_ENDINGS = {"german": (("ий", "i"), ("ый", "y")), "english": (("ий", "y"), ("ый", "y"))}
_VOWELS = set("аеёиоуыэюя")
_UMLAUTS = (("ä", "ae", "a"), ("ö", "oe", "o"), ("ü", "ue", "u"))
ALIASES = {"st": "sankt", "saint": "sankt", "sankt": "sankt", "sv": "sankt"}
MAX_TOKEN = 60


def fold(text: str) -> str:
    """Lower case without accents we do not distinguish; ё = е, ß = ss, punctuation = space."""
    text = unicodedata.normalize("NFC", text).casefold().replace("ё", "е").replace("ß", "ss")
    # Keep umlauts (expanded later) but drop other accents: é → e, č → c.
    kept = []
    for char in unicodedata.normalize("NFD", text):
        umlaut = char == "\u0308" and kept and kept[-1] in "aou"
        short_i = char == "\u0306" and kept and kept[-1] == "и"  # й is a letter of its own
        if unicodedata.combining(char) and not (umlaut or short_i):
            continue
        kept.append(char)
    return unicodedata.normalize("NFC", "".join(kept))


def words(text: str) -> list[str]:
    """The folded words of a text, umlauts kept."""
    return _WORD.findall(fold(text))


def _transliterate(word: str, table: dict[str, str], endings, german: bool) -> str:
    ending_out = ""
    for ending, replacement in endings:
        if word.endswith(ending) and len(word) > len(ending) + 1:
            word, ending_out = word[: -len(ending)], replacement
            break
    out = []
    for i, char in enumerate(word):
        previous = word[i - 1] if i else ""
        following = word[i + 1] if i + 1 < len(word) else ""
        latin = table.get(char, char)
        if char == "е" and (not previous or previous in _VOWELS):
            latin = "je" if german else "ye"  # Jekaterinburg / Yekaterinburg
        elif german and char == "с" and previous in _VOWELS and following in _VOWELS:
            latin = "ss"  # Wassili, not Wasili
        out.append(latin)
    return "".join(out) + ending_out


def latin(text: str) -> list[str]:
    """The words of a text in plain ASCII letters (English transliteration, ü → ue), e.g. for usernames."""
    out = []
    for word in words(text):
        if re.search(r"[а-я]", word):
            word = _transliterate(word, _ENGLISH, _ENDINGS["english"], german=False)
        for umlaut, long, _short in _UMLAUTS:
            word = word.replace(umlaut, long)
        word = re.sub(r"[^0-9a-z]", "", word)
        if word:
            out.append(word)
    return out


def variants(word: str) -> set[str]:
    """Every spelling a word may be searched by."""
    found = {word}
    if re.search(r"[а-я]", word):
        found.add(_transliterate(word, _GERMAN, _ENDINGS["german"], german=True))
        found.add(_transliterate(word, _ENGLISH, _ENDINGS["english"], german=False))
        found.add("".join(_GERMAN.get(c, c) for c in word))  # plain letters, no special rules
    if re.search(r"[äöü]", word):
        long_form, short_form = word, word
        for umlaut, long, short in _UMLAUTS:
            long_form = long_form.replace(umlaut, long)
            short_form = short_form.replace(umlaut, short)
        found.discard(word)
        found |= {long_form, short_form}
    found |= {ALIASES[v] for v in found if v in ALIASES}
    return {v[:MAX_TOKEN] for v in found if v}


def index_keys(*texts: str | None) -> set[str]:
    """The keys to store for a record whose searchable texts are `texts`."""
    keys: set[str] = set()
    for text in texts:
        if text:
            for word in words(text):
                keys |= variants(word)
    return keys


def query_terms(query: str) -> list[set[str]]:
    """One set of alternative spellings per query word; a record must match every word."""
    return [variants(word) for word in words(query)][:8]


def successor(prefix: str) -> str:
    """The smallest string greater than every string starting with `prefix`."""
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)
