"""Every `xxgk` command has --help and a section in the README."""
import re
import subprocess
import sys
from pathlib import Path

from crawler.cli import main

ROOT = Path(__file__).resolve().parents[1]


def commands() -> list[str]:
    done = subprocess.run([sys.executable, "-m", "crawler.cli", "--help"], cwd=ROOT, capture_output=True, text=True)
    return re.search(r"\{([\w,-]+)\}", done.stdout).group(1).split(",")


def test_every_command_is_documented_in_the_readme():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(commands()) >= 4
    for name in commands():
        assert f"### `xxgk {name}" in readme, name


def test_every_command_has_help(capsys):
    for name in commands():
        try:
            main([name, "--help"])
        except SystemExit as stop:
            assert stop.code == 0
        assert "usage: xxgk " + name in capsys.readouterr().out


def test_every_setting_variable_is_documented():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    names = set()
    for folder in ("crawler", "spiders", "extractors", "archive", "browse"):
        for source in (ROOT / folder).rglob("*.py"):
            names |= set(re.findall(r'environ(?:\.get\(|\[)\s*"(XXGK_\w+)"', source.read_text(encoding="utf-8")))
    assert "XXGK_ARCHIVE" in names
    for name in names:
        assert f"`{name}`" in readme, name
