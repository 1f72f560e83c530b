"""Which comments speak of a member the resolution names, matched carefully.

Comments name members loosely ("Sherry W", "confirmed by Keegan", "Keegan's branch"), and a
member's first name is often also another person's or an English word ("Will the ISO enact…").
A comment counts as mentioning a member only if it writes the member's name with its initial
("Sherry W", "Sherry W.", "sherry w"), or the first name alone when no other member has that
first name, it is not a common word, and it is written as a name (capitalised, a whole word, not
followed by some other surname). Accents do not matter either way: "Hector" is Héctor A., and
"Fermín" would be Fermin V.

Matching runs at query time: FTS finds the comments holding the first name (the tokenizer folds
case and accents the same way), and the careful pattern is checked in Python on those candidates
only, so a lookup stays fast on a large archive without a precomputed table.
"""

from __future__ import annotations

import functools
import itertools
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

import aiosqlite

from bot.archive.models import Member

# First names that are also everyday English words: alone, at the start of a sentence, they are
# far more often the word than the person ("Will the ISO…", "Rose to speak"), so for these only
# the name with its initial counts.
COMMON_WORD_NAMES = frozenset(
    {
        "amber", "april", "art", "bill", "buck", "carol", "chase", "chip", "crystal", "daisy",
        "dawn", "dean", "destiny", "faith", "frank", "gene", "grace", "guy", "hazel", "heather",
        "holly", "hope", "iris", "ivy", "jack", "jade", "joy", "june", "lily", "mark", "max",
        "may", "miles", "pat", "pearl", "penny", "rich", "rob", "robin", "rose", "ruby", "rusty",
        "sandy", "skip", "sue", "summer", "sunny", "will", "win",
    }
)  # fmt: skip

# How much text an excerpt keeps on either side of the name.
_CONTEXT = 70
_LETTERS = r"[^\W\d_]+"
# Candidate comments fetched at a time: few thread hops, bounded memory.
_BATCH = 2_000


@dataclass(frozen=True, slots=True)
class Mention:
    comment_id: str
    excerpt: str  # RAW archive text around the name, whitespace collapsed, "…" where cut
    highlight: tuple[int, int]  # [start, end) of the name in ``excerpt``


def fold_accents(text: str) -> str:
    """Text without accents, one character for one ("Héctor" gives "Hector").

    Letters whose accent-free form is not a single character (ligatures) are kept as they are.
    """
    return "".join(_fold_char(ch) for ch in text)


@functools.cache
def _fold_char(ch: str) -> str:
    base = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c))
    return base if len(base) == 1 else ch


@functools.cache
def _accented() -> dict[str, str]:
    """Each ASCII letter and the Latin letters with accents that fold to it."""
    found: dict[str, str] = {}
    for code in itertools.chain(range(0xC0, 0x250), range(0x1E00, 0x1F00)):
        base = _fold_char(chr(code))
        if base != chr(code) and base.isascii():
            found[base] = found.get(base, "") + chr(code)
    return found


def _letters(word: str) -> str:
    """An accent-free word as a pattern that matches it with or without accents.

    Accents go into the pattern rather than being folded out of every comment: a comment is
    then searched as it is, which keeps checking many candidates cheap.
    """
    accented = _accented()
    return "".join(
        f"[{re.escape(ch + accented[ch])}]" if ch in accented else re.escape(ch) for ch in word
    )


def _given_and_surname(member: Member) -> tuple[str, str]:
    words = fold_accents(unicodedata.normalize("NFC", member.name)).split()
    if len(words) < 2:
        return " ".join(words), ""
    return " ".join(words[:-1]), words[-1]


def _surname_pattern(surname: str) -> str:
    """The surname as written ("W.-F."), with its dots and hyphens optional, or its initial."""
    parts = re.findall(_LETTERS, surname)
    if not parts:
        return ""
    full = r"[.\s-]*".join(_letters(part) for part in parts) + r"\.?"
    return rf"(?:{full}|{_letters(parts[0][0])}\.?)"


# Matches nothing: for a name with no form that tells its member apart.
_NOBODY = re.compile(r"(?!)")


def name_pattern(member: Member, members: Sequence[Member]) -> re.Pattern[str]:
    """The careful pattern for ``member``, accents or none.

    Group ``alone`` is set when only the first name matched; :func:`first_mention` then checks
    that no other surname follows it.
    """
    given, surname = _given_and_surname(member)
    if not given.strip():
        return _NOBODY
    given_words = r"\s+".join(_letters(word) for word in given.split())
    forms = []
    surname_re = _surname_pattern(surname)
    if surname_re:
        forms.append(rf"(?i:{given_words}\s+{surname_re})(?!\w)")
    same_given = sum(1 for m in members if _given_and_surname(m)[0].casefold() == given.casefold())
    if same_given == 1 and given.casefold() not in COMMON_WORD_NAMES:
        shouted = r"\s+".join(_letters(word.upper()) for word in given.split())
        forms.append(rf"(?P<alone>{given_words}|{shouted})(?!\w)")
    if not forms:
        return _NOBODY
    # Every form starts with the first letter: a lookahead for it lets the regex engine skip
    # ahead to the places worth trying, about twice as fast on long comments.
    initial = "".join(
        ch + _accented().get(ch, "") for ch in dict.fromkeys(given[:1].upper() + given[:1].lower())
    )
    return re.compile(rf"(?=[{re.escape(initial)}])(?<!\w)(?:{'|'.join(forms)})")


# A capitalised word of two letters or more right after a first name: that name belongs to
# someone else ("Sherry Turkle").
_OTHER_SURNAME = re.compile(rf"\s+(?=[^\W\d_]{{2}})(?:{_LETTERS})")


def first_mention(text: str, pattern: re.Pattern[str]) -> tuple[int, int] | None:
    """The [start, end) of the first careful mention in ``text`` (NFC), or None."""
    for match in pattern.finditer(text):
        if match.groupdict().get("alone") is not None:
            after = _OTHER_SURNAME.match(text, match.end())
            if after is not None and after[0].lstrip()[0].isupper():
                continue
        return match.span()
    return None


def _collapse(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def excerpt(text: str, start: int, end: int) -> tuple[str, tuple[int, int]]:
    """A short excerpt of ``text`` around [start, end), cut at words, and where the span lands."""
    lead = "…" if start > _CONTEXT else ""
    tail = "…" if end + _CONTEXT < len(text) else ""
    before = text[max(0, start - _CONTEXT) : start]
    after = text[end : end + _CONTEXT]
    # A word cut by the window is dropped rather than shown in part.
    if lead:
        before = re.sub(r"^\S*\s*", "", before, count=1)
    if tail:
        after = re.sub(r"\s*\S*$", "", after, count=1)
    before, name, after = _collapse(before).lstrip(), _collapse(text[start:end]), _collapse(after)
    after = after.rstrip()
    head = lead + before
    snippet = head + name + after + tail
    return snippet, (len(head), len(head) + len(name))


def candidates_sql() -> str:
    """Comments whose text holds the phrase ``?1`` (case and accents folded), in page order."""
    return (
        "SELECT c.id, c.body FROM comment_fts JOIN comment AS c ON c.rowid = comment_fts.rowid"
        " WHERE comment_fts MATCH ?1 ORDER BY c.position"
    )


def fts_phrase(member: Member) -> str:
    """The member's first name as an FTS5 phrase: every careful form contains it."""
    given, _ = _given_and_surname(member)
    return '"' + given.replace('"', '""') + '"'


async def mentions_of(
    db: aiosqlite.Connection, member: Member, members: Sequence[Member]
) -> list[Mention]:
    """The comments that mention ``member``, in page order, each with an excerpt."""
    pattern = name_pattern(member, members)
    if pattern is _NOBODY:
        return []
    found: list[Mention] = []
    async with db.execute(candidates_sql(), (fts_phrase(member),)) as cursor:
        # Batches rather than rows: each fetch is a hop to aiosqlite's thread.
        while rows := await cursor.fetchmany(_BATCH):
            for comment_id, body in rows:
                text = unicodedata.normalize("NFC", body)
                span = first_mention(text, pattern)
                if span is not None:
                    found.append(Mention(comment_id, *excerpt(text, *span)))
    return found


def _name_key(text: str) -> str:
    """A name as typed, compared loosely: case, accents, dots and spacing ignored."""
    return " ".join(re.findall(r"\w+", fold_accents(unicodedata.normalize("NFC", text)).casefold()))


def find_member(members: Sequence[Member], typed: str) -> Member | None:
    """The member whose name is ``typed``, read loosely ("hector a" is Héctor A.)."""
    key = _name_key(typed)
    return next((m for m in members if _name_key(m.name) == key), None) if key else None


def complete_members(members: Sequence[Member], typed: str) -> list[Member]:
    """Members whose name contains what was typed (loosely), those starting with it first."""
    key = _name_key(typed)
    matching = [m for m in members if key in _name_key(m.name)]
    return sorted(matching, key=lambda m: not _name_key(m.name).startswith(key))
