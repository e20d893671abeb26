"""Print test: LibreOffice renders every sheet of a generated, the filled, the annotated and a summary workbook
to PDF. Each sheet prints on the pages the official form takes (one where it is one page), no two words on a
page overlap, and no text of a cell is cut off by a row too low for it."""

from __future__ import annotations

from collections import Counter

import openpyxl
import pytest
from click.testing import CliRunner

from perftool.annotate.workbook import annotate
from perftool.cli import main
from printing import available, missing_text, overlaps, pages, to_pdf

pytestmark = pytest.mark.skipif(not available(), reason="LibreOffice 或 poppler-utils 未安装（make test 会自动安装）")

EXAMPLES = ("000_yueyang_2022", "001_yueyanglou_2021", "002_jingmen_2023", "003_yiyang_2022")
PUBLIC = {"公开01": 1, "公开02": 1, "公开03": 1, "公开04": 1, "公开05": 1, "公开06": 1, "公开07": 1, "公开08": 1,
          "公开09": 1}
#: Pages per sheet of each printed workbook.
EXPECTED = {
    "blank_2024": {**PUBLIC, "附件1": 1, "附件2": 1, "评分表": 3, "审核结果": 1},  # 审核结果 empty: 尚未审核
    "000_yueyang_2022": {"附件1": 1, "附件2": 1, "审核结果": 1},
    "001_yueyanglou_2021": {"自评报告": 3, "附件1": 1, "评分表": 3, "审核结果": 1},
    "002_jingmen_2023": {**PUBLIC, "审核结果": 1},
    "003_yiyang_2022": {"自评报告": 3, "附件1": 1, "附件2": 1, "审核结果": 1},
    "000_yueyang_2022_审核": {"审核结果": 1, "评分结果": 2, "附件1": 1, "附件2": 1},
    "001_yueyanglou_2021_审核": {"审核结果": 1, "评分结果": 2, "自评报告": 3, "附件1": 1, "评分表": 3},
    "002_jingmen_2023_审核": {"审核结果": 1, "评分结果": 1, **PUBLIC},
    "003_yiyang_2022_审核": {"审核结果": 2, "评分结果": 2, "自评报告": 3, "附件1": 1, "附件2": 1},
    "汇总表": {"汇总表": 1, "按公式统计": 1, "按单位统计": 1},
    "long_fj1": {"附件1": 2, "审核结果": 1},  # 80 专项资金 rows
}


@pytest.fixture(scope="module")
def printed(example, workbook_2024, tmp_path_factory):
    """Every workbook printed: name → (workbook, its pages)."""
    folder = tmp_path_factory.mktemp("print")
    books = {"blank_2024": folder / "blank_2024.xlsx"}
    books["blank_2024"].write_bytes(workbook_2024[0].read_bytes())
    books["long_fj1"] = folder / "long_fj1.xlsx"
    result = CliRunner().invoke(main, ["generate", "--year", "2024", "--tables", "fj1", "--rows", "fj1.special=80",
                                       "-o", str(books["long_fj1"])])
    assert result.exit_code == 0, result.output
    inbox = folder / "inbox"
    inbox.mkdir()
    for name in EXAMPLES:
        path, a = example(name)
        books[name] = folder / f"{name}.xlsx"
        books[name].write_bytes(path.read_bytes())
        (inbox / f"{name}.xlsx").write_bytes(path.read_bytes())
        books[f"{name}_审核"] = folder / f"{name}_审核.xlsx"
        annotate(a, books[f"{name}_审核"])
    result = CliRunner().invoke(main, ["batch", str(inbox), "-o", str(folder / "out"), "--jobs", "1"])
    assert result.exit_code == 1, result.output
    books["汇总表"] = folder / "汇总表.xlsx"
    books["汇总表"].write_bytes((folder / "out" / "汇总表.xlsx").read_bytes())
    pdfs = to_pdf(list(books.values()), folder / "pdf", folder / "profile")
    out = {}
    for (name, book), pdf in zip(books.items(), pdfs, strict=True):
        sheets = openpyxl.load_workbook(book, read_only=True).sheetnames
        out[name] = (book, pages(pdf, sheets))
    return out


@pytest.mark.parametrize("name", EXPECTED)
def test_each_sheet_prints_on_its_pages(printed, name):
    _, found = printed[name]
    assert all(p.sheet for p in found), "a page without its sheet name in the print header"
    assert dict(Counter(p.sheet for p in found)) == EXPECTED[name]


@pytest.mark.parametrize("name", EXPECTED)
def test_no_text_overlaps_or_is_cut_off(printed, name):
    book, found = printed[name]
    for page in found:
        assert not overlaps(page), (page.number, page.sheet, [(a.text, b.text) for a, b in overlaps(page)[:3]])
    assert missing_text(book, found) == {}


@pytest.mark.parametrize("name", [n for n in EXPECTED if n.endswith("审核") or n == "汇总表"])
def test_every_chart_prints_once_beside_its_table(printed, name):
    """A chart split by a page break is printed on both pages (LibreOffice): each title must appear once."""
    _, found = printed[name]
    titles = Counter(w.text for p in found for w in p.lines if w.text.endswith(("各一级指标得分", "等次分布")))
    assert set(titles.values()) <= {1}, titles
    assert bool(titles) == (name != "002_jingmen_2023_审核")  # 公开 tables alone are not scored: no chart


def test_the_group_table_and_its_chart_share_a_page(printed):
    """The 评分结果's 一级指标 table and its chart print on one page: every 一级指标 name shares a page with the
    chart's title."""
    _, found = printed["003_yiyang_2022_审核"]
    chart = [p for p in found if any(w.text == "自评表（复核）：各一级指标得分" for w in p.lines)]
    assert len(chart) == 1
    words = {w.text for w in chart[0].lines}
    assert {"年度资金总额", "产出指标", "效益指标", "满意度指标"} <= words


def test_a_table_without_header_rows_repeats_its_column_captions(printed):
    """附件1 has no header rows: split after 80 专项资金 rows, its 经费控制情况 caption row heads the next page."""
    _, found = printed["long_fj1"]
    second = sorted(found[1].lines, key=lambda w: (round(w.y0), w.x0))
    assert [w.text for w in second[:3]] == ["附件1", "2024年度", "经费控制情况（万元）"]
