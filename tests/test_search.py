"""The bigram search against a LIKE scan, in a real SQLite FTS5 table built like the archive's."""
import sqlite3

from hypothesis import given, settings
from hypothesis import strategies as st

from archive.search import grams, match_expression, passage

# A small alphabet makes words recur across texts: Chinese, a digit, Latin, punctuation and spaces.
ALPHABET = "上饶市民政复议诉讼收费信息公开局年报2０Ab，。 、"


def _table(texts: list[str]) -> sqlite3.Connection:
    db = sqlite3.connect(":memory:")
    db.execute("create virtual table s using fts5(text, prefix='1')")
    db.executemany("insert into s (rowid, text) values (?, ?)", [(i, grams(t)) for i, t in enumerate(texts)])
    return db


def _found(db: sqlite3.Connection, query: str) -> set[int]:
    return {r[0] for r in db.execute("select rowid from s where s match ?", [match_expression(query)])}


def _like(texts: list[str], *words: str) -> set[int]:
    return {i for i, text in enumerate(texts) if all(w in text for w in words)}


@settings(max_examples=150, deadline=None)
@given(st.lists(st.text(ALPHABET, max_size=40), min_size=1, max_size=12), st.data())
def test_a_word_of_any_length_is_found_exactly_where_a_like_scan_finds_it(texts, data):
    db = _table(texts)
    source = data.draw(st.sampled_from(texts))
    start = data.draw(st.integers(0, max(0, len(source) - 1)))
    word = data.draw(st.text("上饶市民政复议诉讼收费信息公开局年报Ab", min_size=1, max_size=4))
    taken = source[start:start + data.draw(st.integers(1, 4))]
    for query in (word, taken):
        if query and all(ch in "上饶市民政复议诉讼收费信息公开局年报Ab" for ch in query):
            assert _found(db, query) == _like([t.lower() for t in texts], query.lower()), query


def test_hand_written_cases():
    texts = ["上饶市工业和信息化局2021年政府信息公开工作年度报告", "因政府信息公开被申请行政复议3件，行政诉讼0件。",
             "本年度未收取信息处理费。", "上饶，市场", "市", "民政局：复议"]
    db = _table(texts)
    assert _found(db, "市") == {0, 3, 4}
    assert _found(db, "复议") == {1, 5}
    assert _found(db, "上饶市") == {0}  # "上饶，市场" has the characters, not the word
    assert _found(db, "复议 诉讼") == {1}  # AND
    assert _found(db, "信息处理费") == {2}
    assert _found(db, "２０２１") == {0}  # full-width digits are the same number
    assert _found(db, "，。") == set()  # no letter or digit: nothing, not everything


def test_passage_marks_the_word():
    text = "前文" * 30 + "本年度未收取信息处理费。" + "后文" * 30
    found = passage(text, "信息处理费")
    assert "【信息处理费】" in found and found.startswith("…") and found.endswith("…") and len(found) < 100
    assert passage(text, "没有的词") is None
