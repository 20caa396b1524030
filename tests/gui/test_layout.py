"""The web chat's themes and its phone layout, in Chromium."""

from __future__ import annotations

import pytest

from g4f.testing.openai_replica import Reply

from .pages import answers, choose, open_chat, send, wait_answered

pytestmark = pytest.mark.browser

GROQ_MODEL = "llama-3.3-70b-versatile"
BACKGROUND = "() => getComputedStyle(document.body).backgroundColor"
LIGHT, DARK = "rgb(255, 255, 255)", "rgb(15, 17, 21)"


@pytest.mark.parametrize("scheme, colour", [("light", LIGHT), ("dark", DARK)])
def test_the_theme_follows_the_system(browser, chat, scheme, colour):
    server = chat()
    context = browser.new_context(color_scheme=scheme)
    try:
        page = context.new_page()
        open_chat(page, server)
        assert page.evaluate(BACKGROUND) == colour
        assert page.locator("#theme").inner_text() == "Theme: auto"
    finally:
        context.close()


@pytest.fixture
def context_options():
    return {"viewport": {"width": 1200, "height": 800}, "color_scheme": "dark"}


def test_the_toggle_overrides_the_system_and_is_remembered(page, chat):
    server = chat()
    open_chat(page, server)
    assert page.evaluate(BACKGROUND) == DARK
    page.click("#theme")
    assert page.locator("#theme").inner_text() == "Theme: light"
    assert page.evaluate(BACKGROUND) == LIGHT
    page.reload()
    page.wait_for_selector("html[data-ready='true']", state="attached")
    assert page.evaluate(BACKGROUND) == LIGHT  # applied before the page is drawn (gui/js/theme.js)
    page.click("#theme")
    assert page.evaluate(BACKGROUND) == DARK and page.locator("#theme").inner_text() == "Theme: dark"
    page.click("#theme")
    assert page.locator("#theme").inner_text() == "Theme: auto"
    assert page.evaluate("localStorage.getItem('g4f.theme')") is None


class TestPhone:
    @pytest.fixture
    def context_options(self):
        return {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True,
                "has_touch": True}

    def test_a_chat_at_phone_width(self, page, chat):
        server = chat()
        long_line = "x = '" + "a" * 300 + "'"
        server.groq.replies.append(Reply(content=f"A wide table and code:\n\n```python\n{long_line}\n```\n"))
        open_chat(page, server)
        # The conversation list is tucked away behind the menu button; the pickers and the
        # composer fit the screen.
        assert not page.locator("#sidebar").evaluate("el => el.getBoundingClientRect().right > 0")
        assert page.locator("#open-sidebar").is_visible()
        for selector in ("#provider", "#model", "#prompt", "#send"):
            box = page.locator(selector).bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= 390, selector
        choose(page, "Groq", GROQ_MODEL)
        page.tap("#prompt")
        page.fill("#prompt", "Show me")
        page.tap("#send")
        wait_answered(page)
        assert answers(page)[0].startswith("A wide table and code:")
        # Nothing is wider than the screen: the long code line scrolls inside its block.
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        assert page.locator(".code-block pre").evaluate("pre => pre.scrollWidth > pre.clientWidth")

        page.tap("#open-sidebar")
        page.locator("#sidebar").evaluate("el => new Promise(r => setTimeout(r, 300))")
        assert page.locator("#sidebar").evaluate("el => el.getBoundingClientRect().left") == 0
        assert page.locator("#conversations li .open").all_inner_texts() == ["Show me"]
        page.tap("#new-chat")  # choosing closes the list
        page.locator("#sidebar").evaluate("el => new Promise(r => setTimeout(r, 300))")
        assert not page.locator("#sidebar").evaluate("el => el.getBoundingClientRect().right > 0")
        assert page.locator("#welcome").is_visible()
        send(page, "Again")
        wait_answered(page)
        assert answers(page) == ["You said: Again"]
