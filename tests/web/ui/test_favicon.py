"""The site's icon: a small SVG every page links to, and /favicon.ico, which browsers ask
for on their own, leading to it without signing in."""

import xml.etree.ElementTree as ET

from tests.web.ui.pages import parse

SVG = "{http://www.w3.org/2000/svg}"


def icon_link(html: str) -> str:
    (link,) = [node for node in parse(html).find_all("link") if node.attrs.get("rel") == "icon"]
    assert link.attrs["type"] == "image/svg+xml"
    return link.attrs["href"]


def test_every_page_links_the_icon(client, browser_as):
    assert icon_link(client.get("/login").get_data(as_text=True)) == "/static/favicon.svg"
    assert icon_link(browser_as("carla").get("/").get_data(as_text=True)) == "/static/favicon.svg"
    assert icon_link(client.get("/no-such-page").get_data(as_text=True)) == "/static/favicon.svg"


def test_the_icon_is_a_small_svg_image(client, world):
    response = client.get("/static/favicon.svg")
    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"
    icon = ET.fromstring(response.get_data())
    assert icon.tag == f"{SVG}svg" and icon.get("viewBox") == "0 0 32 32"
    assert icon.find(f"{SVG}title").text == "Accord"


def test_favicon_ico_leads_to_the_icon_without_signing_in(client, world):
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response.headers["Location"] == "/static/favicon.svg"
