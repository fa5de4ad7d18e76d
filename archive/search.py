"""Chinese full-text search without a word segmenter: texts are indexed as overlapping character
pairs (bigrams) and queries are rewritten into the same pairs.

SQLite's ``unicode61`` tokenizer reads a run of Chinese as one token, ``trigram`` cannot match fewer
than three characters, and this Python cannot load a tokenizer extension. So the archive stores
each text as space-separated pairs in an FTS5 table (built when a report is written, so a read-only
server can search), and a query becomes an FTS5 expression over those pairs:

- a word of 2+ characters: the phrase of its pairs ("上饶市" → "上饶 饶市"): consecutive pairs match
  exactly the texts that contain the word;
- a word of one character: a prefix query ("市"*). Every run of characters ends with its last
  character on its own, so a character at the end of a run is found too;
- several words: all of them (AND).

Runs are letters and digits after NFKC (full-width ２０２１ is 2021) and lower-casing; anything else
separates runs in a text, as it separates words in a query. So a word matches where a ``LIKE``
scan finds it, except across punctuation or spaces.
"""
from __future__ import annotations

import re
import unicodedata

_RUN = re.compile(r"[^\W_]+")  # letters and digits


def _runs(text: str) -> list[str]:
    return _RUN.findall(unicodedata.normalize("NFKC", text or "").lower())


def _pairs(run: str) -> list[str]:
    return [run[i:i + 2] for i in range(len(run) - 1)]


def grams(text: str | None) -> str:
    """The indexed form of a text: each run's pairs, then its last character alone."""
    tokens: list[str] = []
    for run in _runs(text or ""):
        tokens += _pairs(run)
        tokens.append(run[-1])
    return " ".join(tokens)


def match_expression(query: str | None) -> str:
    """The FTS5 expression for a user's query over :func:`grams` columns.

    A query with no letter or digit matches nothing (an empty phrase), rather than everything.
    """
    terms = []
    for run in _runs(query or ""):
        terms.append(f'"{run}"*' if len(run) == 1 else '"' + " ".join(_pairs(run)) + '"')
    return " AND ".join(terms) or '""'


def words(query: str | None) -> list[str]:
    """The words of a query as the index sees them (for highlighting a passage)."""
    return _runs(query or "")


def passage(text: str | None, query: str | None, width: int = 30) -> str | None:
    """The stretch of ``text`` around the first word of ``query`` it contains, the word in 【】."""
    if not text:
        return None
    folded = unicodedata.normalize("NFKC", text).lower()
    for word in words(query):
        at = folded.find(word)
        # NFKC can change the length of what it folds; only cut the original where lengths agree.
        if at >= 0 and len(folded) == len(text):
            start, end = max(0, at - width), min(len(text), at + len(word) + width)
            return (("…" if start else "") + text[start:at] + "【" + text[at:at + len(word)] + "】"
                    + text[at + len(word):end] + ("…" if end < len(text) else "")).replace("\n", " ")
        if at >= 0:
            return folded[max(0, at - width):at + len(word) + width].replace("\n", " ")
    return None
