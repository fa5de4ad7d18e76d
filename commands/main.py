"""`xxgk`: the command-line tool. One module per command group; each adds its own subcommands.
Every command and setting is documented in docs/ (tests/test_docs.py checks that)."""
from __future__ import annotations

import argparse
import os
import sys

from commands import agencies, archive, crawl, documents, research, schedule, sites
from commands.common import EXIT_CRASHED

GROUPS = (crawl, sites, archive, documents, agencies, research, schedule)


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="xxgk", description="Crawl and archive government information-disclosure annual reports.")
    sub = top.add_subparsers(dest="command", required=True)
    for group in GROUPS:
        group.add_parsers(sub)
    return top


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return args.func(args) or 0
    except BrokenPipeError:  # the reader stopped reading (`xxgk sites list | head`): not a crash, and nothing to say
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # so the interpreter's final flush is quiet too
        return 141  # as a shell reports a process ended by SIGPIPE
    except Exception:  # a bug, not a verdict on the sites: its own exit code, so cron and CI tell them apart
        import traceback

        traceback.print_exc()
        return EXIT_CRASHED


if __name__ == "__main__":
    sys.exit(main())
