"""Operations commands: `xxgk verify` (and the scheduling command), each in its own function."""
from __future__ import annotations

import sys


def add_parsers(sub, archive_help: str) -> None:
    p = sub.add_parser("verify", help="re-hash every blob and check every row refers to what exists; exit 1 if not")
    p.add_argument("--archive", help=archive_help)
    p.set_defaults(func=cmd_verify)


def cmd_verify(args) -> int:
    from archive.verify import verify
    from crawler.cli import _archive_path

    path = _archive_path(args)
    if not path.exists():
        print(f"xxgk verify: no archive at {path}", file=sys.stderr)
        return 2
    verdict = verify(path)
    for problem in verdict.problems:
        print(problem)
    counted = ", ".join(f"{n} {what}" for what, n in verdict.counted.items())
    if verdict.ok:
        print(f"{path}: ok ({counted}; sqlite integrity_check ok)")
        return 0
    print(f"{path}: {len(verdict.problems)} problem(s) ({counted})", file=sys.stderr)
    return 1
