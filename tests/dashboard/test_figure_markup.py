"""A dashboard figure is built as one f-string for speed: every text in it must still be escaped."""

from __future__ import annotations

from casework.dashboard.views import figure


def test_a_figure_links_its_count_and_names_it_for_screen_readers() -> None:
    assert str(figure(12, "/cases?risk=high&team_id=3", "high-risk cases")) == (
        '<a class="govuk-link casework-figure" href="/cases?risk=high&amp;team_id=3">12'
        '<span class="govuk-visually-hidden"> high-risk cases</span></a>'
    )


def test_a_figure_escapes_its_address_and_its_words() -> None:
    html = str(figure(1, '/cases?x="><script>', "<b>Smith & Jones</b>"))
    assert "<script>" not in html and "<b>" not in html
    assert "&#34;&gt;&lt;script&gt;" in html and "&lt;b&gt;Smith &amp; Jones&lt;/b&gt;" in html
