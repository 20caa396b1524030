"""What a person does with the web chat, as playwright steps (shared by the browser tests)."""

from __future__ import annotations

import json
import urllib.request
from typing import Any

from .harness import WAIT_MS, Chat

#: The conversation on screen: every message's role and text, in order (run in the page).
THREAD = """() => [...document.querySelectorAll('#thread article.message')].map(article => ({
    role: article.classList.contains('user') ? 'user' : 'assistant',
    text: (article.querySelector('.content, .plain') || {textContent: ''}).textContent.trim(),
    error: (article.querySelector('.error-card') || {textContent: ''}).textContent.trim(),
    meta: (article.querySelector('.answered-by') || {textContent: ''}).textContent,
}))"""


def open_chat(page: Any, server: Chat, *, providers: bool = True) -> None:
    """Open the page and wait until it has started (and, by default, has the server's providers)."""
    page.goto(server.url)
    page.wait_for_selector("html[data-ready='true']", state="attached")
    if providers:
        page.wait_for_selector("#setup .provider-list")


def choose(page: Any, provider: str, model: str | None = None) -> None:
    page.select_option("#provider", provider)
    if model is not None:
        page.select_option("#model", model)


def send(page: Any, text: str) -> None:
    page.fill("#prompt", text)
    page.press("#prompt", "Enter")


def wait_answered(page: Any, count: int = 1) -> None:
    """Wait until ``count`` answers are on screen and none is still streaming."""
    page.locator("#thread article.assistant").nth(count - 1).wait_for()
    page.locator("#thread article.streaming").wait_for(state="detached", timeout=WAIT_MS)
    page.locator("#send").wait_for(state="visible")


def thread(page: Any) -> list[dict[str, str]]:
    result: list[dict[str, str]] = page.evaluate(THREAD)
    return result


def answers(page: Any) -> list[str]:
    return [message["text"] for message in thread(page) if message["role"] == "assistant"]


def record_states(page: Any) -> None:
    """From now on, note the last answer's text (and whether Stop is shown) at every change of
    the thread: ``page.evaluate("window.__states")``."""
    page.evaluate("""() => {
        window.__states = [];
        const thread = document.getElementById('thread');
        const note = () => {
            const answers = thread.querySelectorAll('article.assistant');
            const last = answers[answers.length - 1];
            const content = last && last.querySelector('.content');
            window.__states.push({
                text: content ? content.textContent.trim() : '',
                streaming: Boolean(last && last.classList.contains('streaming')),
                stop: !document.getElementById('stop').hidden,
            });
        };
        new MutationObserver(note).observe(thread, {childList: true, subtree: true, characterData: true});
    }""")


def get_json(server: Chat, path: str, key: str | None = None) -> Any:
    """What the API itself answers (to compare the page with the server, not with a copy)."""
    request = urllib.request.Request(server.url + path, headers={"Authorization": f"Bearer {key}"} if key else {})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())
