"""Issue 18: the README is a front door and docs/ holds the reference.

The README stays short, every relative link in it and in docs/ leads to a file (and a heading,
where it names one), and the README's test command is the one CI runs.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
DOCS = ROOT / "docs"

# Pages other branches of issue 18 write: the lead's "Using fpmetrics as a library" and the
# test-suite guide. Linked already; the lead removes this exception once they are merged.
PENDING: set[Path] = set()  # pages linked before they are written (none now)

LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
FENCE = re.compile(r"^```.*?^```", re.S | re.M)


def _pages() -> list[Path]:
    return [README, *sorted(DOCS.glob("*.md"))]


def _links(page: Path) -> list[str]:
    """The link targets of a Markdown page, outside code blocks."""
    text = FENCE.sub("", page.read_text(encoding="utf-8"))
    return LINK.findall(text)


def _slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def _anchors(page: Path) -> set[str]:
    text = FENCE.sub("", page.read_text(encoding="utf-8"))
    return {_slug(h) for h in re.findall(r"^#+ (.+)$", text, re.M)}


def test_readme_is_under_200_lines():
    lines = README.read_text(encoding="utf-8").splitlines()
    assert len(lines) < 200, f"README.md has {len(lines)} lines; the reference belongs in docs/"


@pytest.mark.parametrize("page", _pages(), ids=lambda p: str(p.relative_to(ROOT)))
def test_relative_links_lead_to_files(page: Path):
    broken = []
    for target in _links(page):
        if re.match(r"[a-z]+:", target):  # https:, mailto: … are not checked here
            continue
        path, _, anchor = target.partition("#")
        dest = (page.parent / path).resolve() if path else page
        if dest in PENDING and not dest.exists():
            continue
        if not dest.exists():
            broken.append(target)
        elif anchor and dest.suffix == ".md" and anchor not in _anchors(dest):
            broken.append(f"{target} (no such heading)")
    assert not broken, f"{page.relative_to(ROOT)}: broken links {broken}"


def test_the_link_checker_sees_a_broken_link(tmp_path: Path):
    """The checker's parts catch what they are for (so the test above can fail)."""
    page = tmp_path / "page.md"
    page.write_text(
        "# A title: `x` (y)\n[a](missing.md) [b](#a-title-x-y)\n```\n[c](in-code.md)\n```\n",
        encoding="utf-8",
    )
    assert _links(page) == ["missing.md", "#a-title-x-y"]
    assert _anchors(page) == {"a-title-x-y"}


def test_every_docs_page_is_in_the_index():
    index = {t.partition("#")[0] for t in _links(DOCS / "README.md")}
    pages = {p.name for p in DOCS.glob("*.md")} - {"README.md"}
    assert pages <= index, f"docs/README.md does not list {sorted(pages - index)}"


def test_readme_links_to_the_docs_index_library_and_testing():
    targets = set(_links(README))
    assert {"docs/README.md", "docs/library.md", "docs/testing.md"} <= targets


def test_readme_test_command_is_the_one_ci_runs():
    """.ci/run runs "the README's test command"; the README's quick start shows it."""
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    marker = ci.index("# The README's test command:")
    ci_command = ci[marker + 1].strip()
    assert ci_command.startswith("uv run pytest"), ci_command
    quick_start = README.read_text(encoding="utf-8").split("## Quick start", 1)[1]
    block = re.search(r"```sh\n(.*?)```", quick_start, re.S).group(1)
    commands = [line for line in block.splitlines() if line and not line.startswith("#")]
    assert len(commands) == 2, commands
    check, tests = commands
    assert "fpmetrics check sample_data/" in check
    words = tests.split(";")[-1].split()
    env = [w for w in words if re.fullmatch(r"[A-Z_]+=\S*", w)]
    assert " ".join(words[len(env) :]) == ci_command, (tests, ci_command)
    # The same environment: CI exports what the README sets for the command.
    assert all(f"export {e}" in ci for e in env), env
