"""HTML to PDF with WeasyPrint: our fonts, no network, nothing outside the project."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.template.loader import render_to_string

# Adobe's full Source Sans 3 (every Latin script), installed from npm.
FONT_DIR = Path(settings.BASE_DIR) / "node_modules" / "source-sans" / "TTF"
FONT_FILES = {
    400: "SourceSans3-Regular.ttf",
    600: "SourceSans3-Semibold.ttf",
    700: "SourceSans3-Bold.ttf",
}
STATIC_DIR = Path(settings.BASE_DIR) / "static"


def _allowed_roots() -> list[Path]:
    return [FONT_DIR.resolve(), STATIC_DIR.resolve()]


def _local_fetcher_class() -> Any:
    # WeasyPrint is imported where a PDF is made, never at start-up: it loads Pango and
    # Cairo (native libraries) and takes a while, which only the report builder needs.
    from weasyprint.urls import URLFetcher, URLFetcherResponse  # noqa: PLC0415

    class LocalOnlyFetcher(URLFetcher):  # type: ignore[misc]
        """Serve only data: URIs and files under our font and static folders.

        A report must never fetch from the network (or read arbitrary files)
        because of something a user typed into an RFP or a proposal.
        """

        def fetch(self, url: str, headers: Any = None) -> Any:
            if url.startswith("data:"):
                return super().fetch(url, headers)
            if url.startswith("file:"):
                path = Path(unquote(urlsplit(url).path)).resolve()
                if any(path.is_relative_to(root) for root in _allowed_roots()) and path.is_file():
                    return URLFetcherResponse(url, path.read_bytes())
            raise ValueError(f"Reports may not load {url!r}")

    return LocalOnlyFetcher


def font_stylesheets(fetcher: Any, font_config: Any) -> list[Any]:
    """@font-face rules for the report font, embedded in every PDF."""
    from weasyprint import CSS  # noqa: PLC0415 (WeasyPrint: see _local_fetcher_class)

    rules = "".join(
        "@font-face { font-family: 'Source Sans 3'; font-style: normal; "
        f"font-weight: {weight}; src: url('{(FONT_DIR / name).as_uri()}'); }}"
        for weight, name in FONT_FILES.items()
        if (FONT_DIR / name).exists()
    )
    return [CSS(string=rules, url_fetcher=fetcher, font_config=font_config)]


def render_pdf(template: str, context: dict[str, Any]) -> bytes:
    """Render a Django template to HTML, then to PDF bytes."""
    from weasyprint import HTML  # noqa: PLC0415 (WeasyPrint: see _local_fetcher_class)
    from weasyprint.text.fonts import FontConfiguration  # noqa: PLC0415 (as above)

    html = render_to_string(template, context)
    fetcher = _local_fetcher_class()(allowed_protocols=("file", "data"))
    document = HTML(string=html, base_url=str(STATIC_DIR), url_fetcher=fetcher)
    font_config = FontConfiguration()
    return document.write_pdf(  # type: ignore[no-any-return]
        stylesheets=font_stylesheets(fetcher, font_config), font_config=font_config
    )
