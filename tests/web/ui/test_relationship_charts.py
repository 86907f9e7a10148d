"""The heat map of contacts per person and week: one cell a week, a week over the ceiling
told apart by more than colour, every cell named for a screen reader's user."""

from protocols.air_traffic import Week
from web.ui.relationship_charts import heat_map

ROWS = [("Carla", [Week("2026-W10", 0, False), Week("2026-W11", 3, False), Week("2026-W12", 6, True)]),
        ("Dev", [Week("2026-W10", 1, False), Week("2026-W11", 0, False), Week("2026-W12", 0, False)])]


def draw(rows=ROWS, ceiling=5):
    return str(heat_map("heat", "Contacts per person and week", "Each row a person.", rows, ceiling))


def test_each_week_of_each_person_is_a_cell_named_with_its_count():
    chart = draw()
    assert chart.count("<rect x=") - 4 == 6  # the legend's four swatches, then the cells
    assert "<title>Carla, 2026-W12: 6 contacts, over the ceiling</title>" in chart
    assert "<title>Dev, 2026-W10: 1 contact</title>" in chart
    assert 'role="img"' in chart and 'aria-labelledby="heat-title heat-desc"' in chart


def test_a_week_over_the_ceiling_is_hatched_and_outlined_not_only_coloured():
    over = [cell for cell in draw().split("<rect ") if "over the ceiling</title>" in cell]
    assert len(over) == 1 and 'fill="url(#heat-over)"' in over[0] and 'stroke-width="1.5"' in over[0]


def test_the_same_figures_draw_the_same_chart_and_names_are_escaped():
    assert draw() == draw()
    assert "&lt;b&gt;" in draw([("<b>", ROWS[0][1])])
