"""Text measurement: the wrapped line count (row heights of every workbook) is the character-by-character rule of
``measure.lines_of``'s docstring, whichever way it is computed."""

from __future__ import annotations

import random
import unicodedata

from perftool.generate import measure
from perftool.generate.measure import (CELL_PADDING, LINE_SPACING, MEASURED, SIDE_PADDING, Block, RowFit,
                                       column_points, fit_row, fit_rows, lines_of, text_height)


def reference_lines(text: str, width_points: float, size: float) -> int:
    """The rule itself: characters added one by one, a new line before the one that would overflow."""
    room = max(size, width_points - SIDE_PADDING)
    lines = 0
    for part in text.split("\n"):
        line, count = 0.0, 1
        for ch in part:
            w = size if unicodedata.east_asian_width(ch) in "WFA" else size * 0.55
            if line + w > room:
                count += 1
                line = 0.0
            line += w
        lines += count
    return max(1, lines)


def test_line_counts_follow_the_character_rule():
    rnd = random.Random(17)
    alphabet = "财政拨款收入合计（万元）—…·、，。0123456789.%ABCxyz ＝①\n"
    for _ in range(3000):
        text = "".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 160)))
        width = sum(column_points(rnd.choice((5, 8.5, 13, 22, 30, 50, 56))) for _ in range(rnd.randint(1, 3)))
        size = rnd.choice((10.0, 10.0, 11.0, 12.0, 16.0))
        assert lines_of(text, width, size) == reference_lines(text, width, size), (text, width, size)
    assert lines_of("一" * 40, column_points(22), 10.0) == 4  # 22 columns, 114.25 pt of text: 11 characters a line
    assert lines_of("", column_points(22), 10.0) == 1


def test_refitting_a_few_rows_gives_what_fitting_everything_gives():
    """``RowFit`` (a layout's labels fitted once, a unit's texts refitted where they are) returns exactly what
    ``fit_rows`` returns for the whole list, heights and set rows alike: on random layouts of single-row and
    spanning blocks (some over rows without a base height), with texts added among them or none."""
    rng = random.Random(17)
    words = ["合计", "一般公共预算财政拨款收入", "其中：基本支出", "A", "说明" * 30, "第一行\n第二行\n第三行", "x" * 95]
    checked = 0
    for _ in range(300):
        widths = [rng.choice([0.0, 4.0, 8.5, 12.0, 30.0]) for _ in range(6)]
        base = {r: rng.choice([15.0, 16.0, 20.0, 30.0, 17.3]) for r in range(12) if rng.random() < 0.8}

        def block() -> Block:
            r, c = rng.randrange(12), rng.randrange(6)
            return Block(r, c, min(11, r + rng.choice([0, 0, 0, 1, 2])), min(5, c + rng.choice([0, 0, 1])),
                         rng.choice(words), 10.0)

        items = [block() for _ in range(rng.randrange(1, 25))]
        extra_at = rng.sample(range(len(items)), rng.randrange(0, min(6, len(items)) + 1))
        extra = [(i, block()) for i in sorted(extra_at)]
        fixed = [(i, b) for i, b in enumerate(items) if i not in extra_at]
        whole = sorted(fixed + extra)
        assert RowFit(fixed, widths, base).fit(extra) == fit_rows([b for _, b in whole], widths, dict(base))
        checked += bool(extra)
    assert checked > 200


def test_measured_heights_are_kept_within_bound():
    """Heights of texts measured are kept across copies (messages recur), at most ``MEASURED`` of them; a text
    short enough to fit one line at any glyph width is not measured, and gets the one-line height."""
    measure._measured_height.cache_clear()
    width = column_points(40)
    for i in range(MEASURED + 500):
        text_height(f"第{i}条：问题说明的文字较长，须测量换行后的行数才能定出行高", width)
    assert measure._measured_height.cache_info().currsize == MEASURED
    measure._measured_height.cache_clear()
    assert text_height("短文字", width) == 1 * 10.0 * LINE_SPACING + CELL_PADDING
    assert measure._measured_height.cache_info().currsize == 0
    assert text_height("短文字\n", width) == 2 * 10.0 * LINE_SPACING + CELL_PADDING  # a line break: measured
    assert text_height("一" * 20, width) == measure._measured_height("一" * 20, width, 10.0)
    assert text_height("一" * 41, width) == measure._measured_height("一" * 41, width, 10.0) > text_height("一", width)


def test_a_row_of_single_cell_texts_fits_as_fit_rows_fits_it():
    """``fit_row`` (the 审核结果 rows) gives the height ``fit_rows`` gives the same texts as blocks of one cell."""
    rng = random.Random(17)
    widths = [5, 9, 8, 13, 18, 24, 40, 24, 10, 36]
    for case in range(300):
        texts = [(c, "".join(rng.choice("一a1，\n") for _ in range(rng.randrange(0, 90)))) for c in
                 rng.sample(range(len(widths)), rng.randrange(1, 8))]
        start = rng.choice([15.0, 18.0, 30.0, 14.9])
        blocks = [Block(3, c, 3, c, text) for c, text in texts]
        expected = fit_rows(blocks, widths, {3: start})[3]
        assert fit_row(((text, column_points(widths[c])) for c, text in texts), start) == expected, case


def test_a_line_break_free_text_never_takes_more_lines_than_most_lines():
    """``most_lines`` bounds ``lines_of`` from above, exactly for texts of the widest glyphs."""
    rnd = random.Random(8)
    for _ in range(3000):
        text = "".join(rnd.choice("财政拨款（万元）0123456789.%ABC ①") for _ in range(rnd.randint(0, 200)))
        width = column_points(rnd.choice((1, 5, 8.5, 13, 22, 56)))
        size = rnd.choice((10.0, 11.0, 16.0))
        assert reference_lines(text, width, size) <= measure.most_lines(len(text), width, size), (text, width)
        assert reference_lines("财" * len(text), width, size) == measure.most_lines(len(text), width, size)
    assert measure.most_lines(40, column_points(22)) == 4 and measure.most_lines(0, column_points(22)) == 1


def test_a_row_fits_as_fit_rows_fits_it_with_texts_left_unmeasured(monkeypatch):
    """Texts without line breaks that cannot raise the row are not measured, and the row's height is still the
    one ``fit_rows`` gives."""
    rng = random.Random(9)
    widths = [5, 9, 8, 13, 18, 24, 40, 24, 10, 36]
    measured: list[str] = []
    real = measure._measured_height

    def counted(text, points, size):
        measured.append(text)
        return real(text, points, size)

    monkeypatch.setattr(measure, "_measured_height", counted)
    skipped = 0
    for case in range(300):
        texts = [(c, "".join(rng.choice("一一a1，") for _ in range(rng.randrange(0, 160)))) for c in
                 rng.sample(range(len(widths)), rng.randrange(1, 8))]
        start = rng.choice([15.0, 18.0, 30.0, 14.9, 120.0])
        expected = fit_rows([Block(3, c, 3, c, text) for c, text in texts], widths, {3: start})[3]
        measured.clear()
        assert fit_row(((text, column_points(widths[c])) for c, text in texts), start) == expected, case
        skipped += sum(1 for c, text in texts if len(text) * 10.0 > column_points(widths[c]) - SIDE_PADDING) \
            - len(measured)
    assert skipped > 100
