"""Start-up of ``xxgk extract``: what a user waits for before the first number (issue 11: < 0.3 s).

Times whole commands, as a shell runs them (median and worst of ``--repeats``):

- ``xxgk --help``: the command-line tool itself;
- ``xxgk extract`` on a text file that is not a report: the fixed cost of reading any file (the
  tool, the reading child, the text reader);
- ``xxgk extract`` on a text report and on an HTML report page rendered by the replica: what a
  format adds (HTML needs lxml and trafilatura, imported only when an HTML page is met).

    .venv/bin/python benchmarks/bench_startup.py [--repeats 7]
"""
from __future__ import annotations

import argparse
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from replica.render import render_html, render_text  # noqa: E402
from replica.reports import ORGAN, random_model  # noqa: E402
from extractors.keys import GB2021  # noqa: E402

XXGK = Path(sys.executable).with_name("xxgk")


def inputs(folder: Path) -> dict[str, Path]:
    model = random_model(random.Random(3), GB2021, "临江市生态环境局", 2022, scope=ORGAN, activity="medium", blank_rate=0.2)
    files = {
        "text, not a report": ("notice.txt", "关于举办政务公开培训班的通知\n各单位：定于下周举办培训。".encode()),
        "text report": ("report.txt", render_text(model).encode()),
        "HTML report page": ("report.html", f"<html><head><meta charset='utf-8'></head><body>{render_html(model)}</body></html>".encode()),
    }
    paths = {}
    for label, (name, body) in files.items():
        paths[label] = folder / name
        paths[label].write_bytes(body)
    return paths


def timed(command: list[str], repeats: int) -> list[float]:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        commands = {"xxgk --help": [str(XXGK), "--help"]}
        commands |= {f"xxgk extract ({label})": [str(XXGK), "extract", str(path)] for label, path in inputs(Path(tmp)).items()}
        print("| command | median s | worst s |\n|---|---|---|")
        for label, command in commands.items():
            times = timed(command, args.repeats)
            print(f"| {label} | {statistics.median(times):.3f} | {max(times):.3f} |", flush=True)


if __name__ == "__main__":
    main()
