"""Reading the dispute pages in tests as a person reads them: by element id, form, label
and text, with the standard library's HTML parser."""

import re
from dataclasses import dataclass
from dataclasses import field
from html.parser import HTMLParser

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


@dataclass
class Element:
    tag: str
    attrs: dict
    children: list = field(default_factory=list)

    @property
    def text(self) -> str:
        """The text inside, with white space collapsed."""
        parts = []

        def walk(node):
            for child in node.children:
                if isinstance(child, str):
                    parts.append(child)
                else:
                    walk(child)

        walk(self)
        return re.sub(r"\s+", " ", "".join(parts)).strip()

    def iter(self):
        for child in self.children:
            if isinstance(child, Element):
                yield child
                yield from child.iter()

    def find_all(self, tag: str | None = None, **attrs) -> list["Element"]:
        wanted = {name.rstrip("_"): value for name, value in attrs.items()}
        return [
            node for node in self.iter()
            if (tag is None or node.tag == tag)
            and all(value in node.attrs.get(name, "").split() if name == "class" else node.attrs.get(name) == value
                    for name, value in wanted.items())
        ]

    def find(self, tag: str | None = None, **attrs) -> "Element | None":
        found = self.find_all(tag, **attrs)
        return found[0] if found else None

    def by_id(self, element_id: str) -> "Element | None":
        return self.find(id=element_id)


class _Builder(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = Element("document", {})
        self.stack = [self.root]

    def handle_starttag(self, tag, attrs):
        node = Element(tag, {name: value or "" for name, value in attrs})
        self.stack[-1].children.append(node)
        if tag not in VOID:
            self.stack.append(node)

    def handle_startendtag(self, tag, attrs):
        self.stack[-1].children.append(Element(tag, {name: value or "" for name, value in attrs}))

    def handle_endtag(self, tag):
        for depth in range(len(self.stack) - 1, 0, -1):
            if self.stack[depth].tag == tag:
                del self.stack[depth:]
                return

    def handle_data(self, data):
        self.stack[-1].children.append(data)


def parse(html: str) -> Element:
    builder = _Builder()
    builder.feed(html)
    return builder.root


def main(response) -> Element:
    """The page's <main>, parsed."""
    return parse(response.get_data(as_text=True)).find("main")


def post_forms(page: Element, action: str | None = None) -> list[Element]:
    """The page's POST forms (sign-out aside), optionally those sent to `action`."""
    return [form for form in page.find_all("form", method="post")
            if action is None or form.attrs.get("action") == action]


def form_values(form: Element) -> list[tuple[str, str]]:
    """What a browser sends for `form` as it stands: each named field's value, check boxes
    only when checked, each select's chosen option (else its first), in document order."""
    values = []
    for node in form.iter():
        name = node.attrs.get("name")
        if not name:
            continue
        if node.tag == "input":
            if node.attrs.get("type") in ("checkbox", "radio") and "checked" not in node.attrs:
                continue
            values.append((name, node.attrs.get("value", "on")))
        elif node.tag == "select":
            options = node.find_all("option")
            chosen = [option for option in options if "selected" in option.attrs] or options[:1]
            values.append((name, chosen[0].attrs.get("value", chosen[0].text) if chosen else ""))
        elif node.tag == "textarea":
            values.append((name, "".join(child for child in node.children if isinstance(child, str))))
    return values


def buttons(page: Element) -> list[str]:
    return [button.text for button in page.find_all("button")]


def label_texts(node: Element) -> list[str]:
    return [label.text for label in node.find_all("label")] + [legend.text for legend in node.find_all("legend")]


def hidden(form: Element, name: str) -> str:
    return form.find("input", type="hidden", name=name).attrs["value"]


def field_error(node: Element, control_id: str) -> str:
    """The error shown next to a control: the paragraph its aria-describedby points to."""
    control = node.by_id(control_id)
    assert control is not None, f"no control #{control_id}"
    assert control.attrs.get("aria-invalid") == "true", f"#{control_id} is not marked invalid"
    error = node.by_id(f"{control_id}-error")
    assert error is not None and f"{control_id}-error" in control.attrs.get("aria-describedby", "")
    return error.text


def dispute_page(browser, dispute_id: int) -> Element:
    response = browser.get(f"/disputes/{dispute_id}")
    assert response.status_code == 200, response.get_data(as_text=True)
    return main(response)


def send(browser, dispute_id: int, form_id: str, **fields):
    """Fill in the form `form_id` of the dispute page as it is now and send it: its hidden
    fields (version, trigger) as the page rendered them, plus `fields`."""
    form = dispute_page(browser, dispute_id).by_id(form_id)
    if form.tag != "form":
        form = form.find("form")
    assert form is not None, f"no form {form_id}"
    data = {box.attrs["name"]: box.attrs["value"] for box in form.find_all("input", type="hidden")
            if box.attrs["name"] != "csrf_token"}
    return browser.post(form.attrs["action"], data={**data, **fields})


def act(browser, dispute_id: int, trigger: str, **fields):
    """Press the button of `trigger` on the dispute page, with the fields its form asks for."""
    return send(browser, dispute_id, f"transition-{trigger}", **fields)


def option_row(page: Element, summary: str) -> Element:
    """The row of the options table about the option `summary`."""
    [row] = [tr for tr in page.by_id("options").find("tbody").find_all("tr") if tr.find("td").text.startswith(summary)]
    return row


def press(browser, container: Element, **fields):
    """Send the first form inside `container` as its button would: its hidden fields, plus `fields`."""
    form = container.find("form")
    data = {box.attrs["name"]: box.attrs["value"] for box in form.find_all("input", type="hidden")
            if box.attrs["name"] != "csrf_token"}
    return browser.post(form.attrs["action"], data={**data, **fields})
