"""The report card: figures from the canonical cells, kept in step with what the archive writes."""
from dataclasses import replace

import pytest

from archive.store import Archive
from extractors.keys import GB2021, keys_for
from extractors.model import Check, Extraction
from tests.test_archive import capture


def report(cells: dict, checks=(), agency="某某局", year=2023, title="某某局2023年政府信息公开工作年度报告") -> Extraction:
    full = {key: None for key in keys_for(GB2021)} | cells
    return Extraction(is_report=True, agency=agency, year=year, template=GB2021, scope="organ", title=title,
                      cells=full, raw={k: str(v) for k, v in full.items() if v is not None}, checks=tuple(checks),
                      source_format="html", text=f"{title}。本年度共收到复议申请。")


@pytest.fixture
def archive(tmp_path):
    a = Archive(tmp_path / "a.db")
    yield a
    a.close()


def _file(archive, extraction, url="http://127.0.0.1:1/r.html", body=b"v1"):
    run = archive.start_run("test", {})
    cid, _ = archive.record_capture(capture(url=url, body=body), run)
    return archive.record_extraction(extraction, capture_id=cid, run_id=run)


def _card(archive, rid):
    return next(archive.db["report_card"].rows_where("report_id = ?", [rid]))


def test_figures_add_up_the_canonical_cells(archive):
    cells = {"t3.new.total": 40, "t3.carried_in.total": 2, "t3.granted.total": 20, "t3.partial.total": 5,
             "t3.denied.state_secret.total": 1, "t3.denied.process.total": 3, "t3.denied.inquiry.total": 0,
             "t3.unable.not_held.total": 4, "t3.rejected.duplicate.total": 2, "t3.other.misc.total": 1,
             "t3.total.total": 40, "t3.carried_over.total": 2, "t4.review.total": 3, "t4.review.corrected": 1,
             "t4.suit_direct.total": 2, "t4.suit_direct.corrected": 1, "t4.suit_after_review.total": 0,
             "t2.fees.amount_wan": 12.5}
    rid = _file(archive, report(cells, [Check("T3-FLOW", "total", 42, 42, True), Check("T4-SUM", "review", 3, 4, False)]))
    card = _card(archive, rid)
    assert (card["new_requests"], card["granted"], card["partly_granted"], card["denied"]) == (40, 20, 5, 4)
    assert (card["unable"], card["not_processed"], card["other"], card["total_processed"]) == (4, 2, 1, 40)
    assert (card["reviews"], card["lawsuits_direct"], card["lawsuits_after_review"], card["lawsuits"]) == (3, 2, 0, 2)
    assert card["corrected"] == 2 and card["fees_wan"] == 12.5
    # five of the eight 不予公开 rows are blank: null in the strict rate, 0 in the other (archive.definitions)
    assert card["refusal_rate"] is None and card["refusal_rate_blank_as_zero"] == 0.1
    assert card["checks"] == "fail" and card["checks_failed"] == 1 and card["cross_year_failed"] == 0
    assert card["disclosure_fees_yuan"] is None  # a gb2021 report has none: blank, not 0
    assert card["archived_copy"].startswith("/blobs/") and card["archived_copy"].endswith(card["archived_copy"][-64:])


def test_a_figure_whose_cells_are_all_blank_stays_null(archive):
    rid = _file(archive, report({"t3.new.total": 0, "t3.total.total": 0}))
    card = _card(archive, rid)
    assert card["new_requests"] == 0 and card["denied"] is None and card["refusal_rate"] is None
    assert card["refusal_rate_blank_as_zero"] is None  # handled 0: a rate over nothing is null, not 0 %
    assert card["checks"] == "none"


def test_a_changed_report_and_a_removal_show_on_its_card(archive):
    rid = _file(archive, report({"t3.new.total": 5}))
    first_id = _card(archive, rid)["id"]
    _file(archive, report({"t3.new.total": 6}), body=b"v2")  # same URL, new numbers: version 2
    card = _card(archive, rid)
    assert card["id"] == first_id and card["versions"] == 2 and card["changed_after_publication"] == 1
    assert card["new_requests"] == 6
    archive.db.execute("update reports set removed_at = '2026-03-09' where id = ?", [rid])  # whoever does it
    assert _card(archive, rid)["removed_at"] == "2026-03-09"
    archive.db.execute("delete from reports where id = ?", [rid])
    assert archive.db["report_card"].count == 0 and archive.db["report_search"].count == 0


def test_search_follows_the_text_of_the_current_version(archive):
    from archive.search import match_expression

    rid = _file(archive, report({}, title="甲局2023年政府信息公开工作年度报告"))
    ex = replace(report({"t3.new.total": 1}, title="乙局2023年政府信息公开工作年度报告"))
    _file(archive, ex, body=b"v2")

    def hits(word):
        return [r["report_id"] for r in archive.db.query(
            "select c.report_id from report_search s join report_card c on c.id = s.rowid where report_search match ?",
            [match_expression(word)])]

    assert hits("乙局") == [rid] and hits("甲局") == []


def test_a_newer_extractor_reading_the_same_bytes_is_not_a_change_by_the_portal(archive):
    from archive import report_card

    rid = _file(archive, report({"t3.new.total": 5}))
    archive.db.execute("update report_versions set reason = 'reextracted' where report_id = ?", [rid])
    archive.db.execute("insert into report_versions (report_id, version, reason) values (?, 2, 'reextracted')", [rid])
    archive.db.execute("update reports set version = 2 where id = ?", [rid])
    report_card.refresh(archive.db, rid)
    card = _card(archive, rid)
    assert card["versions"] == 2 and card["changed_after_publication"] == 0



def test_a_failed_check_across_years_fails_the_report_and_is_counted_apart(archive):
    from archive import report_card

    rid = _file(archive, report({"t3.new.total": 5}, [Check("T4-SUM", "review", 3, 3, True)]))
    archive.db.execute("insert into checks (report_id, version, rule, subject, \"left\", \"right\", passed) "
                       "values (?, 1, 'T3-CARRY', 'total', 4, 5, 0)", [rid])
    report_card.refresh(archive.db, rid)
    card = _card(archive, rid)
    assert card["checks"] == "fail" and card["checks_failed"] == 0 and card["cross_year_failed"] == 1


def _year(archive, year: int, carried_in: int, carried_over: int, body: bytes) -> str:
    cells = {"t3.new.total": 10, "t3.carried_in.total": carried_in, "t3.total.total": 10 + carried_in - carried_over,
             "t3.granted.total": 10 + carried_in - carried_over, "t3.carried_over.total": carried_over}
    return _file(archive, report(cells, year=year, title=f"某某局{year}年政府信息公开工作年度报告"),
                 url=f"http://127.0.0.1:1/{year}.html", body=body)


def test_cross_year_flags_follow_the_stored_rows_both_ways(archive):
    """The flags on reports and the card change where the cross-year rows are stored (the end of a
    crawl): a later year that disagrees fails; once a new version agrees, it passes again."""
    _year(archive, 2022, carried_in=0, carried_over=3, body=b"2022")
    later = _year(archive, 2023, carried_in=2, carried_over=0, body=b"2023")  # 3 carried over, 2 carried in
    assert _card(archive, later)["checks"] == "none"  # not stored yet: nothing known against 2022
    archive.refresh_cross_year_checks()
    flags = archive.db.execute("select checks_failed, cross_year_failed from reports where id = ?", [later]).fetchone()
    card = _card(archive, later)
    assert flags == (0, 1) and (card["checks"], card["cross_year_failed"]) == ("fail", 1)
    _year(archive, 2023, carried_in=3, carried_over=0, body=b"2023 v2")  # the portal corrects it: version 2
    archive.refresh_cross_year_checks()
    card = _card(archive, later)
    assert card["versions"] == 2 and (card["checks"], card["cross_year_failed"]) == ("pass", 0)
    assert archive.db.execute("select cross_year_failed from reports where id = ?", [later]).fetchone() == (0,)


def test_an_archive_from_before_m015_gets_the_flags_and_keeps_its_card_ids(tmp_path):
    """m015 on an archive whose card and reports predate it: the columns appear in the card's order,
    every row keeps its id (the search index's rowid), indexes stay, and the flags are filled from
    the cross-year rows already stored."""
    from archive import report_card
    from archive.search import match_expression

    path = tmp_path / "old.db"
    archive = Archive(path)
    _year(archive, 2022, carried_in=0, carried_over=3, body=b"2022")
    later = _year(archive, 2023, carried_in=2, carried_over=0, body=b"2023")
    archive.refresh_cross_year_checks()
    ids = dict(archive.db.execute("select report_id, id from report_card"))
    indexes = {r[0] for r in archive.db.execute("select name from sqlite_master where type = 'index' and tbl_name = 'report_card'")}
    # back to the schema m015 found: no flag columns, the card without its new columns
    for table, column in (("reports", "cross_year_failed"), ("reports", "published"), ("report_versions", "published"),
                          ("report_card", "refusal_rate_blank_as_zero"), ("report_card", "cross_year_failed")):
        archive.db.execute(f"alter table {table} drop column {column}")
    archive.db.execute("delete from _migrations where name = 'm015_flags_and_provenance'")
    archive.close()

    archive = Archive(path)
    assert "m015_flags_and_provenance" in archive.applied_on_open
    names = [r[1] for r in archive.db.execute("pragma table_info(report_card)")]
    assert names == [name for name, *_ in report_card.COLUMNS]
    assert dict(archive.db.execute("select report_id, id from report_card")) == ids
    assert indexes <= {r[0] for r in archive.db.execute("select name from sqlite_master where type = 'index' and tbl_name = 'report_card'")}
    assert archive.db.execute("select cross_year_failed from reports where id = ?", [later]).fetchone() == (1,)
    assert (_card(archive, later)["checks"], _card(archive, later)["cross_year_failed"]) == ("fail", 1)
    hit = archive.db.execute("select c.report_id from report_search s join report_card c on c.id = s.rowid "
                             "where report_search match ?", [match_expression("2023年")]).fetchall()
    assert hit == [(later,)]
    archive.close()
