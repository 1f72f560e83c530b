"""A synthetic archive page in the real page's text format, for benchmarks and scale tests.

Everything is drawn from one ``random.Random(seed)``, so a seed and a size always give the same
page. Words follow a Zipf-like law over a fixed vocabulary, as in real prose: "the" is in nearly
every comment and most words are rare, which is what makes full-text ranking expensive.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterator
from dataclasses import dataclass

DEFAULT_SEED = 20140217
TITLE = "We are expelled\u00a0(Synthetic)"

# The most frequent English words lead the ranking, so that the common-word queries of the
# benchmark ask about the words real readers type.
_FUNCTION_WORDS = (
    "the", "and", "of", "to", "a", "in", "is", "that", "it", "for", "was", "on", "with", "as",
    "be", "this", "not", "but", "have", "are", "they", "by", "at", "from", "or", "his", "an", "we",
    "were", "which", "all", "their", "one", "had", "you", "there", "been", "has", "would", "more",
    "who", "will", "can", "if", "about", "so", "what", "no", "out", "them", "up", "when", "some",
    "members", "organization", "socialist", "party", "convention", "leadership", "branch",
    "faction", "democracy", "left", "movement", "comrades", "politics", "struggle",
)  # fmt: skip
_ONSETS = ("b", "c", "d", "f", "g", "h", "k", "l", "m", "n", "p", "r", "s", "t", "v", "z", "")
_VOWELS = ("a", "e", "i", "o", "u", "ai", "ou", "é")
_CODAS = ("", "", "n", "r", "s", "l", "t", "m")
_VOCABULARY_SIZE = 20_000
_CITIES = ("New York City", "Chicago", "Boston", "Madison", "Atlanta", "San Diego", "Bay Area")


@dataclass(frozen=True, slots=True)
class Vocabulary:
    """Words by falling frequency, with the cumulative weights ``random.choices`` takes."""

    words: tuple[str, ...]
    cumulative_weights: tuple[float, ...]

    def rank(self, rank: int) -> str:
        """The word of this frequency rank (0 is the most frequent)."""
        return self.words[rank]


def build_vocabulary(seed: int = DEFAULT_SEED) -> Vocabulary:
    rng = random.Random(seed)
    words = list(_FUNCTION_WORDS)
    seen = set(words)
    while len(words) < _VOCABULARY_SIZE:
        syllables = rng.randint(2, 4)
        word = "".join(
            rng.choice(_ONSETS) + rng.choice(_VOWELS) + rng.choice(_CODAS) for _ in range(syllables)
        )
        if word not in seen:
            seen.add(word)
            words.append(word)
    # Zipf-Mandelbrot: weight 1 / (rank + 2.7); the offset flattens the very top a little, as
    # measured on English text.
    weights = itertools.accumulate(1.0 / (rank + 2.7) for rank in range(len(words)))
    return Vocabulary(tuple(words), tuple(weights))


def generate_page(comments: int, seed: int = DEFAULT_SEED) -> str:
    """A page whose comment section parses to exactly ``comments`` comments, none missing."""
    if comments < 1:
        raise ValueError("a page needs at least one comment")
    rng = random.Random(seed)
    vocabulary = build_vocabulary(seed)
    lines = [*_intro(rng, vocabulary), "", f"{comments} thoughts on “{TITLE}", ""]
    lines.extend(_comment_section(rng, vocabulary, comments))
    lines += ["", "Leave a Reply", "", "Fill in your details below or click an icon to log in:"]
    return "\n".join(lines) + "\n"


def _sentence(rng: random.Random, vocabulary: Vocabulary, words: int) -> str:
    chosen = rng.choices(vocabulary.words, cum_weights=vocabulary.cumulative_weights, k=words)
    return " ".join(chosen).capitalize() + "."


def _intro(rng: random.Random, vocabulary: Vocabulary) -> list[str]:
    members = ", ".join(
        f"Member{n} {chr(65 + n % 26)}. ({_CITIES[n % len(_CITIES)]})" for n in range(1, 26)
    )
    return [
        TITLE,
        "",
        f"On 17 February 2014, {_sentence(rng, vocabulary, 30).lower()}",
        "",
        _sentence(rng, vocabulary, 40),
        "",
        "Update: The resolution is reproduced below. It is recorded as passing"
        " “Many for, 6 no, 1 abstention.”",
        "",
        f"Whereas {_sentence(rng, vocabulary, 40).lower()}",
        "",
        f"We, the delegates of the convention, {_sentence(rng, vocabulary, 20).lower()}",
        "",
        f"{members}, and Member26 Z. (Chicago)",
    ]


def _comment_section(rng: random.Random, vocabulary: Vocabulary, comments: int) -> Iterator[str]:
    # Each item is (depth, pingback?); replies only ever follow their parent, so the page has
    # no gaps and parses to exactly `comments` comments without placeholders.
    written = 0
    for number in itertools.count(1):
        pingback = number % 997 == 0
        shape = [1] if pingback else [1, *_replies(rng)]
        for depth in shape:
            if written == comments:
                return
            written += 1
            yield from _comment_lines(rng, vocabulary, number, depth, pingback)


def _replies(rng: random.Random) -> list[int]:
    depths: list[int] = []
    for _ in range(rng.choice((0, 0, 1, 1, 2, 3))):
        depths.append(2)
        depths.extend([3] * rng.choice((0, 0, 1, 2)))
    return depths


def _comment_lines(
    rng: random.Random, vocabulary: Vocabulary, number: int, depth: int, pingback: bool
) -> Iterator[str]:
    if pingback:
        yield f"  {number}. Pingback: {_sentence(rng, vocabulary, 8)} | Site {number}"
        yield ""
        return
    paragraphs = [_sentence(rng, vocabulary, rng.randint(8, 60)) for _ in range(rng.randint(1, 3))]
    first, *rest = paragraphs
    indent = "  " * depth
    yield f"  {number}. {first}" if depth == 1 else f"{indent}• {first}"
    for paragraph in rest:
        # Continuation paragraphs sit under the comment's text, as on the real page.
        yield ""
        yield f"{indent}  {paragraph}"
    yield ""
