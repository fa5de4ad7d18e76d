"""Every `xxgk` command has --help and a section in docs/; every setting is in docs/settings.md; the
README links every docs/ page."""
import re
import subprocess
import sys
from pathlib import Path

from commands.main import main

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"


def commands() -> list[str]:
    done = subprocess.run([sys.executable, "-m", "commands", "--help"], cwd=ROOT, capture_output=True, text=True)
    return re.search(r"\{([\w,-]+)\}", done.stdout).group(1).split(",")


def pages() -> dict[str, str]:
    return {p.name: p.read_text(encoding="utf-8") for p in DOCS.glob("*.md")}


def test_every_command_has_a_section_and_a_row_in_the_index():
    docs = pages()
    assert len(commands()) >= 4
    for name in commands():
        heading = re.compile(rf"^### `xxgk {name}[ `]", re.M)
        holders = [page for page, text in docs.items() if heading.search(text)]
        assert holders, f"no docs/ page has a section ### `xxgk {name}"
        assert f"[`xxgk {name}`]({holders[0]}#" in docs["commands.md"], name


def test_every_command_has_help(capsys):
    for name in commands():
        try:
            main([name, "--help"])
        except SystemExit as stop:
            assert stop.code == 0
        assert "usage: xxgk " + name in capsys.readouterr().out


def test_every_setting_variable_is_documented():
    settings = (DOCS / "settings.md").read_text(encoding="utf-8")
    names = set()
    for folder in ("commands", "crawler", "spiders", "extractors", "archive", "browse", "exports"):
        for source in (ROOT / folder).rglob("*.py"):
            names |= set(re.findall(r'environ(?:\.get\(|\[)\s*"(XXGK_\w+)"', source.read_text(encoding="utf-8")))
    assert "XXGK_ARCHIVE" in names
    for name in names:
        assert f"`{name}`" in settings, name


def test_the_readme_links_every_docs_page_and_every_link_resolves():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for page in pages():
        assert f"(docs/{page})" in readme, page
    for page, text in pages().items():
        for target in re.findall(r"\]\(([\w\-]+\.md)(?:#[^)]*)?\)", text):
            assert (DOCS / target).exists(), f"{page} links {target}"
