// How messages, errors and the first-run panel look: DOM built with createElement and
// textContent only; the one way HTML gets in is renderMarkdown (sanitized).

import { getImage } from "./api.js";
import { decorateCodeBlocks, renderMarkdown, renderText } from "./markdown.js";

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function button(label, className, onClick, ariaLabel) {
  const node = element("button", className, label);
  node.type = "button";
  if (ariaLabel) node.setAttribute("aria-label", ariaLabel);
  node.addEventListener("click", onClick);
  return node;
}

/** A reply that starts with <think>...</think> (models that write their reasoning inline). */
export function splitThink(content) {
  const start = /^\s*<think>/.exec(content);
  if (!start) return null;
  const rest = content.slice(start[0].length);
  const end = rest.indexOf("</think>");
  if (end < 0) return { reasoning: rest, answer: "", open: true };
  return { reasoning: rest.slice(0, end), answer: rest.slice(end + "</think>".length).replace(/^\s+/, ""),
           open: false };
}

/** What to do about an error, by its OpenAI-style code and status. */
export function advice(error, authHint) {
  const code = error.code || "";
  if (code === "network_error") return "Start it again (`g4f api`), then press Retry.";
  if (code === "invalid_api_key") return "Enter the server's API key (you are asked for it), then press Retry.";
  if (code === "missing_credentials" || error.status === 401) {
    if (authHint && (error.message || "").includes(authHint)) {
      return "Do that on the server's machine, then restart `g4f api` and press Retry.";
    }
    return authHint
      ? `Give the server this provider's credentials: ${authHint}; then restart \`g4f api\` and press Retry.`
      : "Give the server this provider's credentials (see \"Providers\" on a new chat), restart `g4f api`, "
        + "or pick a provider marked \u2713.";
  }
  if (code === "rate_limit_exceeded" || error.status === 429) {
    return error.retryAfter
      ? `Wait ${Math.ceil(error.retryAfter)} s and press Retry, or pick another provider.`
      : "Wait a moment and press Retry, or pick another provider.";
  }
  if (code === "payment_required" || error.status === 402) return "The provider's account has no credit left: top it up or pick another provider.";
  if (code === "model_not_found") return "Pick another model in the list (or Default).";
  if (code === "provider_not_found" || code === "provider_not_working") return "Pick another provider.";
  if (code === "upstream_timeout" || error.status === 504) return "The provider did not answer in time: press Retry.";
  if (code === "incomplete") return "The answer stopped before its end: press Retry.";
  if (error.status === 400 || error.status === 413) return "The server refused the request as it is: change it and send again.";
  if (error.status >= 500 && error.status !== 502) return "The server failed: its log (the terminal running `g4f api`) says why.";
  return "Press Retry, or pick another provider.";
}

function reasoningBlock(message, parts) {
  const text = (message.reasoning || "") + (parts ? parts.reasoning : "");
  if (!text.trim()) return null;
  const details = element("details", "reasoning");
  let label;
  if (message.thinkingSince && !message.thoughtMs) label = "Thinking\u2026";
  else if (message.thoughtMs) label = `Thought for ${(message.thoughtMs / 1000).toFixed(1)} s`;
  else label = "Reasoning";
  const summary = element("summary", null, label);
  const body = element("div", "reasoning-text markdown");
  body.append(renderMarkdown(text));
  details.append(summary, body);
  return details;
}

function errorCard(error, onRetry, authHint) {
  const card = element("div", "error-card");
  card.setAttribute("role", "alert");
  const title = element("p", "error-message");
  const status = error.status ? ` (HTTP ${error.status}${error.code ? `, ${error.code}` : ""})`
    : error.code ? ` (${error.code})` : "";
  title.append(element("strong", null, error.during ? "The answer failed: " : "Error: "),
               document.createTextNode(error.message), element("span", "muted", status));
  const what = element("p", "error-advice", advice(error, authHint));
  card.append(title, what);
  if (onRetry) card.append(button("Retry", "small", onRetry));
  return card;
}

/** The inner part of an assistant message, rebuilt as it streams. */
export function fillAssistant(body, message, { onRetry, authHint } = {}) {
  const parts = splitThink(message.content || "");
  const answer = parts ? parts.answer : message.content || "";
  const nodes = [];
  const reasoning = reasoningBlock(message, parts);
  if (reasoning) {
    const old = body.querySelector("details.reasoning");
    if (old && old.open) reasoning.open = true;  // keep it open if the reader opened it
    nodes.push(reasoning);
  }
  const images = (message.images || []).map((image) => image.url);
  // Previews stand for the images being drawn until the final ones arrive (which replace them).
  const previews = images.length ? [] : message.previews || [];
  if (answer) {
    const content = element("div", "content markdown");
    content.append(renderMarkdown(answer, { images }));
    for (const img of content.querySelectorAll("img[data-image]")) showImage(img, img.dataset.image, message.provider);
    const shown = new Set([...content.querySelectorAll("img")].map((img) => img.dataset.image
                                                                    || img.getAttribute("src")));
    const missing = (message.images || []).filter((image) => !shown.has(image.url));
    if (missing.length) content.append(gallery(missing, message.provider));
    if (previews.length) content.append(gallery(previews, message.provider, true));
    nodes.push(content);
  } else if (images.length || previews.length) {
    nodes.push(gallery(images.length ? message.images : previews, message.provider, !images.length));
  } else if (!message.error && !message.stopped && !message.finished && !reasoning) {
    nodes.push(element("p", "waiting muted", "Waiting for the answer\u2026"));
  } else if (!message.error && !reasoning && message.finished) {
    nodes.push(element("p", "muted", message.stopped ? "(stopped before any text)" : "(the answer was empty)"));
  }
  if (message.error) nodes.push(errorCard(message.error, onRetry, authHint));
  body.replaceChildren(...nodes);
  decorateCodeBlocks(body);
}

// A provider's image, once fetched through the server, by its address (and a preview's
// progress: grok.com redraws a preview at the same address). Kept for the page's life: every
// render of a streaming answer builds new <img> elements and they all show the same bytes.
const fetchedImages = new Map();

/** Show `url` (an image `provider` sent) in `img`: data: and blob: as they are, any other
 *  address through the server (api.js getImage); one that fails says why in its place. */
export function showImage(img, url, provider, version = "") {
  if (/^(data|blob):/i.test(url)) {
    img.src = url;
    return;
  }
  const key = `${provider || ""}\n${url}\n${version}`;
  let entry = fetchedImages.get(key);
  if (!entry) {
    entry = { src: null, error: null, promise: null };
    entry.promise = getImage(url, provider).then((src) => { entry.src = src; },
                                                 (error) => { entry.error = error; });
    fetchedImages.set(key, entry);
  }
  const apply = () => {
    if (entry.src) {
      img.src = entry.src;
      const link = img.closest("a.image-link");
      if (link) link.href = entry.src;
    } else if (entry.error) {
      img.alt = `[image not loaded: ${entry.error.message}]`;
      img.title = url;
      img.classList.add("failed");
      const link = img.closest("a.image-link");
      if (link && /^https?:\/\//i.test(url)) link.href = url;  // the reader may still open it
    }
  };
  if (entry.src || entry.error) apply();
  else entry.promise.then(apply);
}

function gallery(images, provider, previews = false) {
  const box = element("div", previews ? "gallery previews" : "gallery");
  for (const image of images) {
    const figure = element("figure");
    const link = element("a", "image-link");
    link.target = "_blank";
    link.rel = "noopener noreferrer";
    const img = element("img");
    img.alt = image.alt || (previews ? "image being drawn" : "generated image");
    img.decoding = "async";
    showImage(img, image.url, provider, previews ? `preview ${image.progress ?? ""}` : "");
    link.append(img);
    figure.append(link);
    if (previews) {
      const progress = Number.isFinite(image.progress) ? ` ${Math.round(image.progress)}%` : "";
      figure.append(element("figcaption", "muted small", `Drawing\u2026${progress}`));
    }
    box.append(figure);
  }
  return box;
}

function meta(message) {
  const line = element("div", "meta muted small");
  const who = [message.provider, message.model].filter(Boolean).join(" \u00b7 ");
  if (who) line.append(element("span", "answered-by", who));
  if (message.stopped) line.append(element("span", "badge", "stopped"));
  return line;
}

/**
 * One message as an <article>. `actions` holds the callbacks: onEdit(index, text),
 * onRegenerate(index), onCopy(text); `authHint(provider)` gives a provider's credential hint.
 */
export function messageElement(message, index, actions) {
  const article = element("article", `message ${message.role}`);
  article.dataset.index = String(index);
  const body = element("div", "bubble");
  article.append(body);
  const foot = element("div", "message-foot");
  if (message.role === "user") {
    body.append(renderText(message.content));
    foot.append(button("Edit", "ghost small edit", () => startEdit(article, message, index, actions),
                       "Edit this message and send it again"));
  } else {
    article.classList.toggle("failed", Boolean(message.error));
    const retry = () => actions.onRegenerate(index);
    fillAssistant(body, message, { onRetry: retry, authHint: actions.authHint(message) });
    foot.append(meta(message));
    const tools = element("div", "tools");
    if (message.content) tools.append(button("Copy", "ghost small copy", (event) => actions.onCopy(message.content, event.target), "Copy the answer"));
    if (!message.error) tools.append(button("Regenerate", "ghost small regenerate", retry, "Ask for this answer again"));
    foot.append(tools);
  }
  article.append(foot);
  return article;
}

function startEdit(article, message, index, actions) {
  const body = article.querySelector(".bubble");
  const area = element("textarea", "edit-area");
  area.value = message.content;
  area.setAttribute("aria-label", "Edit the message");
  area.rows = Math.min(12, Math.max(2, message.content.split("\n").length));
  const send = button("Send", "primary small", () => {
    if (area.value.trim()) actions.onEdit(index, area.value);
  });
  const cancel = button("Cancel", "ghost small", () => actions.onRerender());
  area.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      send.click();
    } else if (event.key === "Escape") {
      cancel.click();
    }
  });
  const row = element("div", "edit-buttons");
  row.append(cancel, send);
  body.replaceChildren(area, row);
  article.querySelector(".message-foot").hidden = true;
  area.focus();
}

/** The first-run panel: which providers can answer, and how to enable the others (from the server). */
export function fillSetup(container, providers) {
  const ready = providers.filter((p) => p.working && p.credentials);
  const locked = providers.filter((p) => p.working && !p.credentials);
  const nodes = [];
  const head = element("h3", null, "Providers");
  nodes.push(head);
  if (!ready.some((p) => p.needs_auth)) {
    nodes.push(element("p", "notice", "No provider has credentials yet. Set one of these on the server's "
      + "machine, then restart `g4f api`:"));
  }
  const list = element("ul", "provider-list");
  for (const provider of [...ready, ...locked]) {
    const item = element("li", provider.credentials ? "ready" : "locked");
    item.dataset.provider = provider.id;
    item.append(element("span", "provider-name", provider.label || provider.id));
    if (provider.credentials) {
      const note = provider.needs_auth ? "\u2713 ready" : "\u2713 no credentials needed";
      item.append(element("span", "provider-state", note));
    } else {
      item.append(element("span", "provider-state", "to enable: "),
                  element("code", "auth-hint", provider.auth_hint || "credentials needed"));
    }
    list.append(item);
  }
  nodes.push(list);
  container.replaceChildren(...nodes);
}

export function fillSetupError(container, error, onRetry) {
  const card = errorCard(error, onRetry, null);
  container.replaceChildren(element("h3", null, "Providers"), card);
}
