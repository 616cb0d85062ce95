"""The PDF machinery: our font embedded, charts drawn, nothing fetched from outside."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from pypdf import PdfReader

from bpo_portal.charts import RadarSeries, StackedBar, radar_chart, stacked_bar_chart
from reports.pdf import _local_fetcher_class, render_pdf

TEMPLATES = Path(__file__).parent / "templates"


@pytest.fixture
def report_template(settings, tmp_path):
    (tmp_path / "sample.html").write_text(
        '{% extends "reports/base.html" %}{% block body %}'
        '<section class="cover"><h1>Cover</h1></section>'
        '<nav class="toc"><ol><li><a href="#one">Part one</a></li></ol></nav>'
        '<h1 id="one">Part one</h1><p>Kraków, Wrocław, Lucía, Zürich</p>'
        "<div class='chart'>{{ chart|safe }}</div>"
        "<table><thead><tr><th>Repeated-Header</th></tr></thead><tbody>"
        "{% for i in rows %}<tr><td>Row {{ i }}</td></tr>{% endfor %}</tbody></table>"
        "{% endblock %}"
    )
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [*settings.TEMPLATES[0]["DIRS"], str(tmp_path)]}
    ]
    return "sample.html"


def test_pdf_embeds_our_font_and_keeps_accents(report_template):
    chart = stacked_bar_chart(
        [StackedBar("Vendor A", [40, 30])], ["Cost", "Quality"], title="Scores"
    )
    pdf = render_pdf(report_template, {"draft": True, "chart": chart, "rows": range(120)})
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) >= 4  # cover, contents and a table that breaks across pages
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "Wrocław" in text and "Zürich" in text
    assert "Page 2 of" in text and "DRAFT" in text
    fonts = {
        str(font["/BaseFont"])
        for page in reader.pages
        for font in page["/Resources"]["/Font"].values()
    }
    assert any("Source-Sans-3" in name for name in fonts), fonts
    # the header row repeats on every page the table spans
    table_pages = [page for page in reader.pages if "Row " in page.extract_text()]
    assert len(table_pages) >= 2
    assert all("Repeated-Header" in page.extract_text() for page in table_pages)


def test_reports_never_fetch_from_the_network():
    fetcher = _local_fetcher_class()(allowed_protocols=("file", "data"))
    for url in (
        "http://169.254.169.254/latest/meta-data",
        "https://example.com/x.png",
        "file:///etc/passwd",
    ):
        with pytest.raises(ValueError, match="may not load"):
            fetcher.fetch(url)


def test_charts_escape_labels_and_describe_themselves():
    svg = stacked_bar_chart(
        [StackedBar("<script>alert(1)</script>", [10, 20])],
        ["Cost & price", "Quality"],
        title="T & C",
    )
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    assert 'role="img"' in svg and 'aria-label="T &amp; C"' in svg
    radar = radar_chart(["A", "B", "C"], [RadarSeries("V1", [0.2, 1.5, -1])], title="Radar")
    assert radar.count("<polygon") == 4 + 1  # 4 grid rings + 1 series
