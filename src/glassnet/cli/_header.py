"""Whether row 1 of a CSV file names its columns or is data, judged on its first rows."""

import re

from ._common import shown
from ._csv import _is_number, _is_text


def _header_reason(rows):
    """Why row 1 names the columns, or None when it is data: "names" when none of its cells
    is a number, or when one of its text cells heads a column of numbers; "labels" when its
    numbers are whole (pandas names a NumPy array's columns 0, 1, 2...) and one of its text
    cells heads a column of recurring labels it is not one of (a header-less file may hold
    text labels in every row; its first row usually has fractional numbers); "numbers" when it
    is 0, 1, 2, ... in order (``pd.DataFrame(array).to_csv(index=False)``'s header; after an
    empty cell, the index's, without ``index=False``) over three
    or more columns with a number that is not whole below, or over five or more columns (a
    data row "0,1" (x = 0, y = 1) or "0,1,2" among whole numbers is too likely)."""
    first = rows[0][1]
    if not any(_is_number(c) for c in first):  # (a blank row is no row)
        return "names"
    if any(_is_text(cell) and _numbers_below(rows, k) for k, cell in enumerate(first)):
        return "names"
    if all(re.fullmatch(r"[+-]?\d+", c) for c in first if _is_number(c)) and any(
            _is_text(cell) and _names_labels(rows, k, cell) for k, cell in enumerate(first)):
        return "labels"
    numbered = first[1:] if first[:1] == [""] else first  # (pandas's index column has no name)
    if numbered == [str(k) for k in range(len(numbered))] and len(numbered) > 2 and len(rows) > 1 and (
            len(numbered) > 4 or any(not re.fullmatch(r"[+-]?\d+", c) for _, cells in rows[1:] for c in cells)):
        return "numbers"
    return None


def _shown(cells):
    """A row's cells for a message, the first few of a wide one."""
    return ",".join(map(shown, cells[:6])) + (",..." if len(cells) > 6 else "")


#: the header of a column of row numbers: none (pandas's index, R's row names) or the name pandas reads for it
ROW_INDEX_NAME = re.compile(r"(Unnamed: \d+(\.\d+)?)?")


def _is_row_index(rows, k=0):
    """Whether column ``k`` (``rows``: the header and the first rows) numbers the rows 0, 1, 2, ... or 1, 2, 3, ...
    under an empty header or the name pandas reads for one ("Unnamed: 0"), and is not the last: the index that
    pandas's ``to_csv`` writes unless told ``index=False`` (read back and written again: "Unnamed: 0"), or the row
    names of R's ``write.csv`` (from 1)."""
    header, body = rows[0][1], [cells for _, cells in rows[1:]]
    if (len(header) <= k + 1 or not ROW_INDEX_NAME.fullmatch(header[k]) or not body or len(body[0]) <= k
            or body[0][k] not in ("0", "1")):
        return False
    return all(len(c) > k and c[k] == str(i + int(body[0][k])) for i, c in enumerate(body))


def _names_labels(rows, k, cell):
    """Whether ``cell`` (row 1, column ``k``) names a column of text labels: the labels below
    recur (each class has several samples), the name appears nowhere among them."""
    below = [c[k] for _, c in rows[1:] if k < len(c)]
    return (bool(below) and all(_is_text(c) for c in below) and cell not in below
            and len(set(below)) < len(below))


def _numbers_below(rows, k):
    """Whether column ``k`` holds numbers below row 1 (at least one; empty cells aside)."""
    below = [c[k] for _, c in rows[1:] if k < len(c) and c[k] != ""]
    return bool(below) and all(_is_number(c) for c in below)
