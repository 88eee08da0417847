"""/api/docs renders with DEBUG off: WhiteNoise serves the Swagger UI's scripts and styles."""

from __future__ import annotations

import re


def test_the_docs_page_and_every_asset_it_loads_answer_200_with_debug_off(client, settings):
    assert settings.DEBUG is False

    page = client.get("/api/docs")
    assert page.status_code == 200
    assets = re.findall(r'(?:src|href)="(/static/[^"]+)"', page.content.decode())

    assert "/static/ninja/swagger-ui-bundle.js" in assets
    for asset in assets:
        answer = client.get(asset)
        assert answer.status_code == 200, asset
        assert b"".join(answer.streaming_content), asset


def test_an_unknown_static_file_is_a_404():
    from django.test import Client

    assert Client().get("/static/ninja/absent.js").status_code == 404
