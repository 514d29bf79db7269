"""The README and the docs/ pages: every relative link leads to a path in the repository."""

import re
from pathlib import Path

import pytest
from conftest import REPO_ROOT

PAGES = [REPO_ROOT / "README.md", *sorted((REPO_ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"\]\(([^)\s]+)\)")  # [text](target) and ![alt](target)


def broken_links(page: Path) -> list[str]:
    """The page's relative link targets (anchors dropped) that do not exist beside it."""
    targets = [target.split("#")[0] for target in LINK.findall(page.read_text())]
    return [target for target in targets
            if target and not re.match(r"[a-z]+:", target) and not (page.parent / target).exists()]


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.relative_to(REPO_ROOT).as_posix())
def test_every_relative_link_leads_to_a_path_in_the_repository(page):
    assert broken_links(page) == []


def test_a_link_to_a_missing_page_is_found(tmp_path):
    (tmp_path / "here.md").write_text("x")
    page = tmp_path / "page.md"
    page.write_text("[ok](here.md#part) [web](https://dvc.org/doc) [gone](docs/gone.md) ![img](missing.png)")
    assert broken_links(page) == ["docs/gone.md", "missing.png"]


def test_the_readme_stays_short_and_links_every_docs_page():
    readme = (REPO_ROOT / "README.md").read_text()
    assert len(readme.splitlines()) < 200
    for page in PAGES[1:]:
        assert f"docs/{page.name}" in readme, f"the README does not link {page.name}"
