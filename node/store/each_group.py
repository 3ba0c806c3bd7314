"""The statement that reads the first rows of each of many groups at once (ProjectionTables.
rows_of_each_group): each group's regions by a loose index scan, then each (group, region) an index
walk with LIMIT, as correlated subqueries of one statement. One statement per group cost ~3 (the
group's regions, then a walk of each of its regions and of its rows without one): 1,193 statements
for the API's needs of a network of 400 groups none of whose rows were among the newest."""
from __future__ import annotations

from typing import Any

GROUPS_A_STATEMENT = 500  # groups bound in one statement (SQLite allowed 999 parameters before 3.32)


def each_group_walks(tbl_is: str, side: str | None, column: str, walk: str, windows: list[tuple[list[str], list[Any]]],
                     groups: list[int], region: int | None, per_group: int) -> tuple[str, list[Any]]:
    """The statement (and its arguments) giving (group, region, window index, n, ordering column,
    vid) for the first `per_group` rows of each of `groups` (key numbers, at most
    GROUPS_A_STATEMENT) in `side` (OPEN or LAPSED; None: every row, projections._walk_side) of table
    `tbl_is` (its `p.tbl=N` term), in each
    of its regions (only region number `region` if one is given) and in its rows without a region, in each of
    `windows` (`_walk_windows`): each such walk as the walk of one group would be (the same terms,
    with `walk`, its ORDER BY, and LIMIT), a correlated subquery SQLite runs once per (group,
    region) on the group's index (proj_by_group...). Its rows come in no particular order."""
    on_side = f" AND {side}" if side else ""
    values = ",".join("(?)" for _ in groups)
    args: list[Any] = list(groups)
    if region is not None:  # (a group with no rows there: an empty walk)
        places = "w(g, region) AS (SELECT g, ? FROM gs)"
        args.append(region)
    else:
        # each group's distinct regions, as _regions_of_group finds them, and its rows without one
        first = f"SELECT min(p.region) FROM proj p WHERE {tbl_is}{on_side} AND p.g="
        places = (f"r(g, region) AS (SELECT gs.g, ({first}gs.g AND p.region IS NOT NULL) FROM gs"
                  f" UNION ALL SELECT r.g, ({first}r.g AND p.region>r.region) FROM r WHERE r.region IS NOT NULL),"
                  " w(g, region) AS (SELECT g, region FROM r WHERE region IS NOT NULL UNION ALL SELECT g, NULL FROM gs)")
    selects = []
    for i, (where, window_args) in enumerate(windows):
        selects.append(f"SELECT w.g, w.region, {i}, x.n, x.{column.split('.')[1]}, x.vid FROM w JOIN proj x"
                       f" ON x.n IN (SELECT p.n FROM proj p WHERE {' AND '.join(where)}{on_side}"
                       f" AND p.g=w.g AND p.region IS w.region{walk} LIMIT ?)")
        args += [*window_args, per_group]
    return f"WITH RECURSIVE gs(g) AS (VALUES {values}), {places} {' UNION ALL '.join(selects)}", args
