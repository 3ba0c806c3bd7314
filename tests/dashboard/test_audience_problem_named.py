"""A refused form's error summary names the audience picker's problem by the picker's own words: "Who
may read this: Tick at least one group..." (its legend), in the page's language. It said "Who may
read them", the legend of a support request's private details, a part this form does not have: a
screen reader user heard a link to a field no label on the page bears (WCAG 2.5.3, 3.3.1)."""
from __future__ import annotations

import html as html_lib
import re

from page_text import refused_form


def _summary_link_to(page: str, target: str) -> str:
    summary = page.split('id="error-summary"', 1)[1].split("</div>", 1)[0]
    [said] = re.findall(rf'<a href="#{re.escape(target)}">([^<]*)</a>', summary)
    return html_lib.unescape(said)


def _legend_around(page: str, field_id: str) -> str:
    """The legend of the outermost fieldset that holds the input `field_id` (the picker's)."""
    before = page.split(f'id="{field_id}"', 1)[0]
    opened = before.rsplit('<fieldset class="audience', 1)[1]
    return html_lib.unescape(re.search(r"<legend>([^<]*)</legend>", opened).group(1))


async def test_the_summary_names_the_audience_picker_as_it_is_labelled(sample, start_node) -> None:
    node = await start_node(sample.nodes[0])
    await node.log_in()
    for lang, legend in (("en", "Who may read this"), ("fr", "Qui peut lire ceci")):
        page = await refused_form(node, "need", {"category": "tents", "quantity": "5", "region": "calais",
                                                  "audience": "chosen"}, lang)
        assert _legend_around(page, "f-to-0") == legend, lang
        said = _summary_link_to(page, "f-to-0")
        assert said.startswith(legend), (lang, said)  # the words of the part of the form it leads to
