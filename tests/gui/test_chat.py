"""Chatting in the web chat, in Chromium, against ``g4f api`` and the Groq and grok.com replicas."""

from __future__ import annotations

import re
from itertools import pairwise
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect

from g4f.testing.openai_replica import Fault, Reply

from ..client.conftest import closed_port
from .harness import WAIT_MS
from .pages import answers, choose, get_json, open_chat, record_states, send, thread, wait_answered

pytestmark = pytest.mark.browser

GROQ_MODEL = "llama-3.3-70b-versatile"


def test_a_streamed_answer_appears_token_by_token(page, chat):
    server = chat()
    words = ["Streaming ", "answers ", "arrive ", "one ", "word ", "at ", "a ", "time."]
    server.groq.replies.append(Reply(pieces=words, delay=0.2))
    open_chat(page, server)
    choose(page, "Groq", GROQ_MODEL)
    record_states(page)
    send(page, "Tell me how answers arrive")
    wait_answered(page)

    full = "".join(words)
    texts = [state["text"] for state in page.evaluate("window.__states")]
    growing = list(dict.fromkeys(text for text in texts if text))
    assert growing[-1] == full
    # Several partial answers were on screen, each the one before plus what had arrived.
    partial = growing[:-1]
    assert len(partial) >= 4, growing
    assert all(later.startswith(earlier) for earlier, later in pairwise(growing))
    streaming = [s for s in page.evaluate("window.__states") if s["text"] in partial]
    assert all(s["streaming"] and s["stop"] for s in streaming), "Stop is offered while the answer streams"
    assert page.locator("#stop").is_hidden() and page.locator("#send").is_visible()

    [user, answer] = thread(page)
    assert user == {"role": "user", "text": "Tell me how answers arrive", "error": "", "meta": ""}
    assert answer["meta"] == f"Groq \u00b7 {GROQ_MODEL}"  # who answered, under the answer
    body = server.groq.chat_requests[-1].body
    assert body["messages"] == [{"role": "user", "content": "Tell me how answers arrive"}]
    assert body["model"] == GROQ_MODEL and body["stream"] is True


def test_markdown_and_a_code_block_with_a_copy_button(page, chat):
    server = chat()
    server.groq.replies.append(Reply(content="Use **this**:\n\n```python\nprint('hi')\n```\n\n- one\n- two"))
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    open_chat(page, server)
    choose(page, "Groq", GROQ_MODEL)
    send(page, "Code please")
    wait_answered(page)
    answer = page.locator("#thread article.assistant .content")
    assert answer.locator("strong").inner_text() == "this"
    assert answer.locator("li").all_inner_texts() == ["one", "two"]
    block = answer.locator(".code-block")
    assert block.locator(".code-head span").inner_text() == "python"
    block.locator("button.copy-code").click()
    # The label changes once the clipboard write resolves (a moment after the click; read at
    # once, it was still "Copy" in a loaded full run), and back to "Copy" 1.5 s later.
    expect(block.locator("button.copy-code")).to_have_text("Copied", timeout=1000)
    assert page.evaluate("navigator.clipboard.readText()") == "print('hi')\n"


def test_stop_aborts_the_request_and_the_server_closes_the_upstream(page, chat):
    server = chat()
    server.groq.replies.append(Reply(pieces=[f"w{i} " for i in range(100)], delay=0.1))
    open_chat(page, server)
    choose(page, "Groq", GROQ_MODEL)
    send(page, "Count slowly")
    page.locator("#thread article.assistant .content").filter(has_text="w3 ").wait_for()
    page.click("#stop")
    page.locator("#thread article.streaming").wait_for(state="detached")

    # The replica saw its client (g4f's Groq provider) leave: the stop reached the upstream.
    assert server.run(server.groq.wait_for_disconnects(1, timeout=10)), "the upstream was not closed"
    kept = answers(page)[0]
    assert kept.startswith("w0 w1 w2 w3 ") and "w99" not in kept
    page.wait_for_timeout(500)
    assert answers(page)[0] == kept, "nothing arrives after Stop"
    assert page.locator("#thread article.assistant .badge").inner_text() == "stopped"
    assert page.locator("#send").is_visible() and page.locator("#stop").is_hidden()
    assert len(server.groq.chat_requests) == 1

    page.reload()
    page.wait_for_selector("html[data-ready='true']", state="attached")
    assert answers(page) == [kept]  # what had arrived is kept, marked as stopped
    assert page.locator("#thread article.assistant .badge").inner_text() == "stopped"


def test_escape_stops_too(page, chat):
    server = chat()
    server.groq.replies.append(Reply(pieces=[f"w{i} " for i in range(100)], delay=0.1))
    open_chat(page, server)
    choose(page, "Groq", GROQ_MODEL)
    send(page, "Count slowly")
    page.locator("#thread article.assistant .content").filter(has_text="w2 ").wait_for()
    page.keyboard.press("Escape")
    page.locator("#thread article.streaming").wait_for(state="detached")
    assert server.run(server.groq.wait_for_disconnects(1, timeout=10))


def test_reload_finds_the_conversation(page, chat):
    server = chat()
    open_chat(page, server)
    choose(page, "Groq", GROQ_MODEL)
    send(page, "First question")
    wait_answered(page)
    send(page, "Second question")
    wait_answered(page, 2)
    # The whole history went to the provider with the second question.
    assert [m["content"] for m in server.groq.chat_requests[-1].body["messages"]] == [
        "First question", "You said: First question", "Second question"]
    before = thread(page)

    page.reload()
    page.wait_for_selector("html[data-ready='true']", state="attached")
    assert page.locator("#conversations li").all_inner_texts()[0].startswith("First question")
    assert page.locator("#chat-title").inner_text() == "First question"
    assert thread(page) == before
    assert page.locator("#provider").input_value() == "Groq"
    assert page.locator("#model").input_value() == GROQ_MODEL


def test_a_grok_conversation_continues_on_its_second_turn(page, chat):
    server = chat()
    open_chat(page, server)
    choose(page, "Grok", "grok-3")
    send(page, "Hello Grok")
    wait_answered(page)
    assert answers(page) == ["You said: Hello Grok."]
    page.reload()  # the conversation's state is kept in the browser with the answer
    page.wait_for_selector("#setup .provider-list", state="attached")

    send(page, "And now?")
    wait_answered(page, 2)
    # grok.com answers from its own copy of the conversation: only the new message was sent.
    assert answers(page)[1] == "You said: And now?. Turn 2; before that you said: Hello Grok."
    new, continued = server.grok.requests
    assert new.path.endswith("/conversations/new")
    conversation_id = next(iter(server.grok.conversations))
    assert continued.path.endswith(f"/conversations/{conversation_id}/responses")
    assert continued.payload["message"] == "And now?"
    assert thread(page)[-1]["meta"] == "Grok \u00b7 grok-3"

    # Regenerating the second answer cannot continue that conversation (grok.com already holds
    # the answer being replaced): a new one starts, with the history as its prompt.
    page.locator("#thread article.assistant").nth(1).locator("button.regenerate").click()
    wait_answered(page, 2)
    assert server.grok.requests[-1].path.endswith("/conversations/new")
    assert "Hello Grok" in server.grok.requests[-1].payload["message"]
    assert len(answers(page)) == 2


def test_regenerate_and_edit_and_resend(page, chat):
    server = chat()
    open_chat(page, server)
    choose(page, "Groq", GROQ_MODEL)
    send(page, "one")
    wait_answered(page)
    assert answers(page) == ["You said: one"]

    server.groq.replies.append(Reply(content="Another take"))
    page.locator("#thread article.assistant button.regenerate").click()
    wait_answered(page)
    assert answers(page) == ["Another take"]
    assert server.groq.chat_requests[-1].body["messages"] == [{"role": "user", "content": "one"}]

    page.locator("#thread article.user button.edit").click()
    page.locator("#thread textarea.edit-area").fill("two")
    page.locator("#thread textarea.edit-area").press("Enter")
    wait_answered(page)
    assert [(m["role"], m["text"]) for m in thread(page)] == [("user", "two"), ("assistant", "You said: two")]
    assert server.groq.chat_requests[-1].body["messages"] == [{"role": "user", "content": "two"}]


def test_reasoning_is_shown_collapsed_with_its_duration(page, chat):
    server = chat()
    open_chat(page, server)
    choose(page, "Grok", "grok-3-thinking")
    send(page, "Think first")
    wait_answered(page)
    answer = page.locator("#thread article.assistant")
    reasoning = answer.locator("details.reasoning")
    assert not reasoning.evaluate("details => details.open")
    assert re.fullmatch(r"Thought for \d+\.\d s", reasoning.locator("summary").inner_text())
    assert reasoning.locator(".reasoning-text").text_content().strip() == "Let me think about this carefully."
    assert answers(page) == ["You said: Think first."]  # the thinking is not part of the answer
    reasoning.locator("summary").click()
    assert reasoning.locator(".reasoning-text").is_visible()


def test_reasoning_written_inline_in_think_tags(page, chat):
    server = chat()
    # A reasoning model on Groq without reasoning_format writes its thinking into the content.
    server.groq.replies.append(Reply(content="Paris", reasoning="The capital is Paris.", delay=0.15))
    open_chat(page, server)
    choose(page, "Groq", "deepseek-r1-distill-llama-70b")
    send(page, "Capital of France?")
    wait_answered(page)
    reasoning = page.locator("#thread article.assistant details.reasoning")
    seconds = float(re.fullmatch(r"Thought for (\d+\.\d) s", reasoning.locator("summary").inner_text()).group(1))
    assert 0.5 <= seconds < 5  # "<think>", four words and "</think>", 0.15 s apart
    assert reasoning.locator(".reasoning-text").text_content().strip() == "The capital is Paris."
    assert answers(page) == ["Paris"]


#: The provider's images on screen that have loaded (decoded, with a size), and their sources.
LOADED_IMAGES = """selector => [...document.querySelectorAll(selector)]
    .filter(img => img.complete && img.naturalWidth > 0).map(img => img.getAttribute('src'))"""


def foreign(urls, origin):
    return [url for url in urls if urlsplit(url).scheme not in ("data", "blob")
            and f"{urlsplit(url).scheme}://{urlsplit(url).netloc}" != origin]


def test_generated_images_are_shown_inline_through_the_server(page, chat, watched):
    server = chat()
    open_chat(page, server)
    choose(page, "Grok", "grok-3")
    send(page, "Please draw a cat")
    wait_answered(page)
    shown = "#thread article.assistant .content img"
    page.wait_for_function(f"() => ({LOADED_IMAGES})({shown!r}).length === 2", timeout=WAIT_MS)
    sources = page.evaluate(LOADED_IMAGES, shown)
    # Shown from memory: the server fetched them from grok.com's image host with the login's
    # cookies (the replica saw them), and the page itself asked nothing of another origin.
    assert all(src.startswith("blob:") for src in sources), sources
    assert page.locator("#thread .gallery.previews").count() == 0  # the final images replaced the previews
    fetched = [url for url in watched.requests if urlsplit(url).path == "/v1/gui/image"]
    assert len(fetched) >= 2
    assert all(parse_qs(urlsplit(url).query)["url"][0].startswith(server.grok_assets) for url in fetched)
    assert server.grok.asset_cookies and all(cookies.get("sso") == server.grok.sso
                                             for cookies in server.grok.asset_cookies)
    assert foreign(watched.requests, server.origin) == []
    page.reload()  # kept with the conversation, fetched again
    page.wait_for_function(f"() => ({LOADED_IMAGES})({shown!r}).length === 2", timeout=WAIT_MS)


def test_an_image_being_drawn_is_previewed_with_its_progress(page, chat, watched):
    server = chat()
    server.grok.fault, server.grok.slow_delay = "slow", 0.3  # one line of the answer every 0.3 s
    open_chat(page, server)
    choose(page, "Grok", "grok-3")
    send(page, "Please draw a cat")
    preview = page.locator("#thread article.streaming .gallery.previews figure").first
    preview.locator("figcaption").filter(has_text="%").wait_for()
    assert re.fullmatch(r"Drawing\u2026 (50|100)%", preview.locator("figcaption").inner_text())
    page.wait_for_function(f"() => ({LOADED_IMAGES})('#thread article.streaming .gallery.previews img').length > 0",
                           timeout=WAIT_MS)
    wait_answered(page)
    assert page.locator("#thread .gallery.previews").count() == 0
    page.wait_for_function(f"() => ({LOADED_IMAGES})('#thread article.assistant .content img').length === 2",
                           timeout=WAIT_MS)
    assert foreign(watched.requests, server.origin) == []


def test_an_image_the_server_cannot_fetch_says_so_in_its_place(page, chat, monkeypatch):
    from g4f.Provider.needs_auth.Grok import Grok

    server = chat()
    open_chat(page, server)
    choose(page, "Grok", "grok-3")
    # Grok's image host is down (nothing listens there): the answer is still shown, with the
    # reason where each image would be.
    monkeypatch.setattr(Grok, "assets_url", f"http://127.0.0.1:{closed_port()}/assets")
    send(page, "Please draw a cat")
    wait_answered(page)
    failed = page.locator("#thread article.assistant .content img.failed")
    failed.first.wait_for()
    assert failed.count() == 2
    assert "image not loaded" in failed.first.get_attribute("alt")
    assert answers(page)[0].startswith("You said: Please draw a cat")


def test_an_upstream_error_before_the_answer_is_shown_with_what_to_do(page, chat):
    server = chat()
    server.groq.faults.append(Fault.rate_limit(retry_after=7))
    open_chat(page, server)
    choose(page, "Groq", GROQ_MODEL)
    send(page, "Hello")
    wait_answered(page)
    card = page.locator("#thread article.assistant .error-card")
    text = card.inner_text()
    assert "Rate limit reached for model" in text and "HTTP 429" in text  # the server's message
    assert "Wait 7 s and press Retry" in text  # from Retry-After

    card.locator("button", has_text="Retry").click()
    wait_answered(page)
    assert answers(page) == ["You said: Hello"] and page.locator(".error-card").count() == 0


def test_an_upstream_error_during_the_answer_keeps_what_arrived(page, chat):
    server = chat()
    server.groq.replies.append(Reply(pieces=["one ", "two ", "three ", "four"]))
    server.groq.faults.append(Fault.cut(after=3))
    open_chat(page, server)
    choose(page, "Groq", GROQ_MODEL)
    send(page, "Count")
    wait_answered(page)
    assert answers(page) == ["one two"]
    card = page.locator("#thread article.assistant .error-card").inner_text()
    assert card.startswith("The answer failed:") and "Groq" in card
    # A failed answer is not sent back as history.
    send(page, "Again")
    wait_answered(page, 2)
    assert [m["content"] for m in server.groq.chat_requests[-1].body["messages"]] == ["Count", "Again"]


def test_missing_credentials_name_what_to_set(page, chat):
    server = chat(groq=False)
    hint = next(row["auth_hint"] for row in get_json(server, "v1/providers")["data"] if row["id"] == "Groq")
    open_chat(page, server)
    choose(page, "Groq", GROQ_MODEL)
    send(page, "Hello")
    wait_answered(page)
    card = page.locator("#thread article.assistant .error-card").inner_text()
    assert "GROQ_API_KEY" in card and "HTTP 401" in card
    assert hint in card  # the server's own hint for the provider, not a copy in the page
    assert "restart `g4f api` and press Retry" in card


def test_first_run_says_how_to_enable_each_provider(page, chat):
    server = chat(groq=False, grok=False)
    rows = get_json(server, "v1/providers")["data"]
    open_chat(page, server)
    assert "No provider has credentials yet" in page.locator("#setup").inner_text()
    hinted = [row for row in rows if row.get("auth_hint")]
    assert {row["id"] for row in hinted} >= {"Groq", "Grok"}
    for row in hinted:
        item = page.locator(f"#setup li[data-provider='{row['id']}']")
        assert item.locator(".auth-hint").inner_text() == row["auth_hint"]
    grok = page.locator("#setup li[data-provider='Grok'] .auth-hint").inner_text()
    assert "g4f login grok" in grok
    # The picker says the same: no credentials for Groq or Grok.
    labels = page.locator("#provider option").all_inner_texts()
    assert "Groq (needs credentials)" in labels and "Grok AI (needs credentials)" in labels


def test_with_credentials_the_providers_are_marked_ready(page, chat):
    server = chat()
    open_chat(page, server)
    assert page.locator("#setup li[data-provider='Groq']").inner_text().endswith("\u2713 ready")
    assert "Groq \u2713" in page.locator("#provider option").all_inner_texts()
    # A provider's models fill the model picker.
    choose(page, "Grok")
    grok = next(row for row in get_json(server, "v1/providers")["data"] if row["id"] == "Grok")
    assert page.locator("#model option").all_inner_texts() == ["Default", *grok["models"]]


def test_auto_leaves_the_choice_to_the_server(page, chat):
    server = chat()
    open_chat(page, server)
    choose(page, "", GROQ_MODEL)
    send(page, "Anyone there?")
    wait_answered(page)
    assert answers(page) == ["You said: Anyone there?"]
    assert thread(page)[-1]["meta"] == f"Groq \u00b7 {GROQ_MODEL}"


def test_the_server_asks_for_an_api_key_once(page, chat):
    key = "g4f-gui-test-key-0123456789"
    server = chat(api_key=key)
    page.goto(server.url)  # the page itself loads without the key
    dialog = page.locator("#key-dialog")
    dialog.wait_for(state="visible")
    page.fill("#key-input", "not-the-key")
    page.press("#key-input", "Enter")
    page.locator("#key-reason", has_text="refused").wait_for()  # asked again, saying why
    page.fill("#key-input", key)
    page.click("#key-save")
    page.wait_for_selector("#setup .provider-list")
    choose(page, "Groq", GROQ_MODEL)
    send(page, "Hello")
    wait_answered(page)
    assert answers(page) == ["You said: Hello"]

    page.reload()
    page.wait_for_selector("#setup .provider-list", state="attached")
    assert dialog.is_hidden(), "the key is kept in the browser"
    assert page.evaluate("localStorage.getItem('g4f.apiKey')") == key


def test_conversations_new_rename_delete(page, chat):
    server = chat()
    open_chat(page, server)
    choose(page, "Groq", GROQ_MODEL)
    send(page, "About cats")
    wait_answered(page)
    page.click("#new-chat")
    assert page.locator("#thread article").count() == 0 and page.locator("#welcome").is_visible()
    send(page, "About dogs")
    wait_answered(page)
    titles = page.locator("#conversations li .open")
    assert titles.all_inner_texts() == ["About dogs", "About cats"]

    page.locator("#conversations li", has_text="About cats").locator("button.rename").click()
    page.fill("#conversations .rename-input", "Cats, renamed")
    page.press("#conversations .rename-input", "Enter")
    assert titles.all_inner_texts() == ["About dogs", "Cats, renamed"]

    page.locator("#conversations li", has_text="Cats, renamed").locator("button.open").click()
    assert answers(page) == ["You said: About cats"]
    assert page.locator("#chat-title").inner_text() == "Cats, renamed"

    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("#conversations li", has_text="About dogs").locator("button.delete").click()
    assert titles.all_inner_texts() == ["Cats, renamed"]
    page.reload()
    page.wait_for_selector("html[data-ready='true']", state="attached")
    assert page.locator("#conversations li .open").all_inner_texts() == ["Cats, renamed"]


def test_enter_sends_and_shift_enter_starts_a_new_line(page, chat):
    server = chat()
    open_chat(page, server)
    choose(page, "Groq", GROQ_MODEL)
    page.click("#prompt")
    page.keyboard.type("line one")
    page.keyboard.press("Shift+Enter")
    page.keyboard.type("line two")
    assert page.input_value("#prompt") == "line one\nline two"
    assert not server.groq.chat_requests
    page.keyboard.press("Enter")
    wait_answered(page)
    assert thread(page)[0]["text"] == "line one\nline two"
    assert page.input_value("#prompt") == ""
    assert server.groq.chat_requests[-1].body["messages"][0]["content"] == "line one\nline two"


def test_after_a_failed_grok_answer_a_new_conversation_starts(page, chat):
    server = chat()
    open_chat(page, server)
    choose(page, "Grok", "grok-3")
    send(page, "Hello Grok")
    wait_answered(page)
    server.grok.fault = "server_error"  # the next request alone
    send(page, "Fail now")
    wait_answered(page, 2)
    assert "HTTP 502" in thread(page)[-1]["error"]
    # grok.com's copy and the page's may differ now (did it keep the failed turn?): start anew,
    # with the page's history (the failed answer left out) as the prompt.
    send(page, "Still there?")
    wait_answered(page, 3)
    assert server.grok.requests[-1].path.endswith("/conversations/new")
    prompt = server.grok.requests[-1].payload["message"]
    assert "Hello Grok" in prompt and "Fail now" in prompt and "Still there?" in prompt
    assert answers(page)[-1].startswith("You said:")
