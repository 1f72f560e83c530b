"""Comment ids, from tables: what a typed id means, and where an id sits in the tree."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.archive import outline


@pytest.mark.parametrize(
    ("typed", "canonical"),
    [
        ("3", "3"),
        ("3.2.1", "3.2.1"),
        ("0", "0"),
        (" 3.2 ", "3.2"),
        ("03", "3"),
        ("3.02.001", "3.2.1"),
        ("３.２", "3.2"),  # full-width digits
        ("3．2", "3.2"),  # full-width full stop
        ("\u0663", "3"),  # Arabic-Indic three
        ("\u0969.\u0968", "3.2"),  # Devanagari
        ("²", "2"),  # NFKC folds the superscript
        (".".join(["1"] * outline.MAX_DEPTH), ".".join(["1"] * outline.MAX_DEPTH)),
        (str(outline.MAX_NUMBER), str(outline.MAX_NUMBER)),
        ("", None),
        ("   ", None),
        ("three", None),
        ("3.", None),
        (".3", None),
        ("3..2", None),
        ("-3", None),
        ("3,2", None),
        ("3 2", None),
        ("+3", None),
        ("\ud800", None),
        ("3\ud800", None),
        ("1." * 3000, None),
        (".".join(["1"] * (outline.MAX_DEPTH + 1)), None),
        ("9" * 3000, None),
        (str(outline.MAX_NUMBER + 1), None),
    ],
)
def test_parse(typed: str, canonical: str | None) -> None:
    assert outline.parse(typed) == canonical


@pytest.mark.parametrize(
    ("comment_id", "depth", "parent", "ancestors", "numbers"),
    [
        ("3", 1, None, [], (3,)),
        ("3.2", 2, "3", ["3"], (3, 2)),
        ("3.2.1", 3, "3.2", ["3", "3.2"], (3, 2, 1)),
        ("10.1.2", 3, "10.1", ["10", "10.1"], (10, 1, 2)),
        ("0.1", 2, "0", ["0"], (0, 1)),
    ],
)
def test_place_in_the_tree(
    comment_id: str,
    depth: int,
    parent: str | None,
    ancestors: list[str],
    numbers: tuple[int, ...],
) -> None:
    assert outline.depth(comment_id) == depth
    assert outline.parent(comment_id) == parent
    assert outline.ancestors(comment_id) == ancestors
    assert outline.numbers(comment_id) == numbers
    assert outline.join(numbers) == comment_id


@pytest.mark.parametrize(
    ("parent", "number", "child"),
    [(None, 3, "3"), ("3", 2, "3.2"), ("3.2", 10, "3.2.10")],
)
def test_child(parent: str | None, number: int, child: str) -> None:
    assert outline.child(parent, number) == child
    assert outline.parent(child) == parent


@pytest.mark.parametrize(
    ("comment_id", "other", "descendant"),
    [
        ("3", "3.1", True),
        ("3", "3.10.4", True),
        ("3", "3", False),  # not its own descendant
        ("3", "30", False),  # shares the digits, not the branch
        ("3", "30.1", False),
        ("3", "4", False),
        ("3.1", "3", False),
        ("3.1", "3.10", False),
        ("3.1", "3.1.1", True),
    ],
)
def test_descendants(comment_id: str, other: str, descendant: bool) -> None:
    low, high = outline.descendant_range(comment_id)
    assert outline.is_descendant(other, comment_id) is descendant
    assert (low <= other < high) is descendant


_numbers = st.lists(st.integers(0, 10**9), min_size=1, max_size=6)
_ids = _numbers.map(outline.join)


@given(_numbers, _numbers, st.integers(0, 6))
def test_the_key_range_holds_exactly_the_descendants(
    numbers: list[int], tail: list[int], shared: int
) -> None:
    # The store finds a subtree with one index range scan; this is what makes that correct.
    # The other id shares a prefix with this one, so that branches often meet.
    comment_id, other = outline.join(numbers), outline.join(numbers[:shared] + tail)
    low, high = outline.descendant_range(comment_id)
    assert (low <= other < high) is outline.is_descendant(other, comment_id)
    assert outline.is_descendant(other, comment_id) is (comment_id in outline.ancestors(other))


@given(_ids)
def test_canonical_ids_read_back_as_themselves(comment_id: str) -> None:
    assert outline.parse(comment_id) == comment_id
    ancestors = outline.ancestors(comment_id)
    assert len(ancestors) == outline.depth(comment_id) - 1
    assert (ancestors[-1] if ancestors else None) == outline.parent(comment_id)


@pytest.mark.parametrize(
    ("typed", "ref"),
    [
        ("3.2.1", outline.Ref(comment_id="3.2.1")),
        (" 03.2 ", outline.Ref(comment_id="3.2")),
        ("4/3.2.1", outline.Ref(4, "3.2.1")),
        ("４ / ０3", outline.Ref(4, "3")),
        ("4/", outline.Ref(4)),
        ("#1234", outline.Ref(export_id="1234")),
        ("# dsq-77", outline.Ref(export_id="dsq-77")),
    ],
)
def test_references_people_type(typed: str, ref: outline.Ref) -> None:
    assert outline.parse_ref(typed) == ref
    # The canonical spelling (what autocomplete offers as a value) reads back the same.
    assert outline.parse_ref(str(ref)) == ref


@pytest.mark.parametrize("typed", ["", "x", "0/1", "4/x", "3.2/1", "#", "#a b", "4//1", "/3"])
def test_what_is_not_a_reference(typed: str) -> None:
    assert outline.parse_ref(typed) is None


def test_a_root_reference_has_no_comment() -> None:
    assert outline.Ref(4).is_root and not outline.Ref(4, "1").is_root
