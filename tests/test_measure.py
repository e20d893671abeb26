"""Text measurement: the wrapped line count (row heights of every workbook) is the character-by-character rule of
``measure.lines_of``'s docstring, whichever way it is computed."""

from __future__ import annotations

import random
import unicodedata

from perftool.generate.measure import SIDE_PADDING, column_points, lines_of


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
