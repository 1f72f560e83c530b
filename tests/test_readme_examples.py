"""The README's examples, run as written: each example command in its console block and its
Commands table is typed into the console, and none gets an error."""

from __future__ import annotations

import re

from tests.test_console import REPO, console, console_env, transcript

__all__ = ["console_env"]  # the fixture, shared with the console's tests

README = (REPO / "README.md").read_text(encoding="utf-8")


def readme_examples() -> list[str]:
    block = re.search(r"```text\n(> .*?)```", README, re.DOTALL)
    assert block is not None, "the README's console block"
    typed = [line.removeprefix("> ") for line in block[1].splitlines()]
    table = README[README.index("## Commands") :]
    cells = re.findall(r"^\|[^|]*\|[^|]*\| (`/.*`) \|$", table, re.MULTILINE)
    assert len(cells) == 8, cells  # one per command
    return typed + [example for cell in cells for example in re.findall(r"`(/[^`]*)`", cell)]


# As the README says to load it, for the examples that read the WordPress export.
ARCHIVE_PATH = "data/we-are-expelled.txt:tests/fixtures/exports/tenants.wxr.xml"


def test_every_readme_example_runs_as_written(console_env):
    examples = readme_examples()
    assert f"`ARCHIVE_PATH={ARCHIVE_PATH} make console`" in README
    out = transcript(
        console(console_env | {"ARCHIVE_PATH": ARCHIVE_PATH}, *examples)
    )  # exit status 0: no command failed

    for example in examples:
        assert out[example].strip(), example
        assert "✗" not in out[example], (example, out[example])
    phrase = out['/search query:"democratic centralism" -lenin']
    assert '┌─ Search: "democratic centralism" -lenin' in phrase
    assert "**democratic centralism**" in phrase
