// The web chat: conversations, pickers, streaming, stop, regenerate and edit.

import { ServerError, apiKey, getJSON, setApiKey, streamChat } from "./api.js";
import { deleteConversation, isConversationKey, loadConversations, loadSettings, newConversation,
         saveConversation, saveSettings } from "./store.js";
import { copyText } from "./markdown.js";
import { fillAssistant, fillSetup, fillSetupError, messageElement, splitThink } from "./view.js";

const $ = (id) => document.getElementById(id);
const ui = {
  sidebar: $("sidebar"), scrim: $("scrim"), list: $("conversations"), empty: $("no-conversations"),
  newChat: $("new-chat"), openSidebar: $("open-sidebar"), closeSidebar: $("close-sidebar"),
  theme: $("theme"), forgetKey: $("forget-key"), title: $("chat-title"),
  provider: $("provider"), model: $("model"), messages: $("messages"), welcome: $("welcome"),
  setup: $("setup"), thread: $("thread"), composer: $("composer"), prompt: $("prompt"),
  send: $("send"), stop: $("stop"),
  keyDialog: $("key-dialog"), keyForm: $("key-form"), keyReason: $("key-reason"), keyInput: $("key-input"),
  keyCancel: $("key-cancel"),
};

const state = {
  conversations: loadConversations(),
  current: null,
  providers: [],
  models: [],
  streaming: null,  // {conversation, message, controller, article}
  // The pickers' choice for the next new chat (a conversation keeps its own).
  draft: { provider: loadSettings().provider || "", model: loadSettings().model || "" },
};

/** The provider and model chosen for the conversation on screen (or the next new one). */
function chosen() {
  return state.current || state.draft;
}

// -- helpers ------------------------------------------------------------------------------------

function titleFrom(text) {
  const line = text.trim().split("\n")[0];
  return line.length > 48 ? `${line.slice(0, 47)}\u2026` : line;
}

function provider(id) {
  return state.providers.find((row) => row.id === id) || null;
}

function authHint(message) {
  const row = provider((message && message.provider) || (message && message.requested && message.requested.provider)
                       || ui.provider.value);
  return row && !row.credentials ? row.auth_hint || "" : "";
}

function nearBottom() {
  const box = ui.messages;
  return box.scrollHeight - box.scrollTop - box.clientHeight < 80;
}

function scrollToBottom() {
  ui.messages.scrollTop = ui.messages.scrollHeight;
}

function save(conversation) {
  if (conversation.deleted) return;
  conversation.updated = Date.now();
  if (!saveConversation(conversation)) {
    ui.title.title = "This browser's storage is full: the conversation is not saved";
  }
}

// -- API key -------------------------------------------------------------------------------------

let keyRequest = null;

/** Ask for the server's API key (once, however many requests were refused); true if one was given. */
function requestKey(refusedKey) {
  if (keyRequest) return keyRequest;
  keyRequest = new Promise((resolve) => {
    ui.keyReason.firstChild.textContent = refusedKey
      ? "The server refused the saved API key. Enter the one "
      : "This server needs an API key: the one ";
    ui.keyInput.value = "";
    const finish = (key) => {
      ui.keyForm.removeEventListener("submit", onSubmit);
      ui.keyCancel.removeEventListener("click", onCancel);
      ui.keyDialog.removeEventListener("cancel", onCancel);
      ui.keyDialog.close();
      keyRequest = null;
      if (key) setApiKey(key);
      ui.forgetKey.hidden = !apiKey();
      resolve(Boolean(key));
    };
    const onSubmit = (event) => {
      event.preventDefault();
      finish(ui.keyInput.value.trim());
    };
    const onCancel = (event) => {
      event.preventDefault();
      finish("");
    };
    ui.keyForm.addEventListener("submit", onSubmit);
    ui.keyCancel.addEventListener("click", onCancel);
    ui.keyDialog.addEventListener("cancel", onCancel);
    ui.keyDialog.showModal();
    ui.keyInput.focus();
  });
  return keyRequest;
}

// -- providers and models ------------------------------------------------------------------------

function option(value, label, disabled = false) {
  const node = document.createElement("option");
  node.value = value;
  node.textContent = label;
  node.disabled = disabled;
  return node;
}

function fillProviders() {
  const wanted = chosen().provider || "";
  const options = [option("", "Auto (any provider with credentials)")];
  for (const row of state.providers) {
    let label = row.label || row.id;
    if (!row.working) label += " (not working)";
    else if (row.credentials) label += " \u2713";
    else label += " (needs credentials)";
    options.push(option(row.id, label, !row.working));
  }
  ui.provider.replaceChildren(...options);
  if (wanted && !state.providers.some((row) => row.id === wanted)) {
    ui.provider.append(option(wanted, state.providers.length ? `${wanted} (unknown)` : wanted));
  }
  ui.provider.value = wanted;
  fillModels();
}

function modelsFor(providerId) {
  if (!providerId) return state.models.map((row) => row.id);
  const row = provider(providerId);
  if (row && row.models && row.models.length) return row.models;
  return state.models.filter((m) => (m.providers || []).includes(providerId)).map((m) => m.id);
}

function fillModels() {
  const wanted = chosen().model || "";
  const ids = modelsFor(ui.provider.value);
  const options = [option("", "Default"), ...ids.map((id) => option(id, id))];
  if (wanted && !ids.includes(wanted)) options.push(option(wanted, wanted));
  ui.model.replaceChildren(...options);
  ui.model.value = wanted;
}

async function loadCatalog() {
  try {
    // The model list only fills the picker for "Auto": without it the page still works.
    const models = getJSON("v1/models").catch((error) => (error.needsKey ? Promise.reject(error) : { data: [] }));
    const [providers, listed] = await Promise.all([getJSON("v1/providers"), models]);
    state.providers = providers.data || [];
    state.models = listed.data || [];
    fillProviders();
    fillSetup(ui.setup, state.providers);
  } catch (error) {
    if (error instanceof ServerError && error.needsKey && await requestKey(Boolean(apiKey()))) {
      return loadCatalog();
    }
    fillSetupError(ui.setup, error instanceof ServerError ? error.toJSON()
      : { message: String(error), code: "network_error" }, () => loadCatalog());
  }
  return undefined;
}

// -- the conversation list ----------------------------------------------------------------------

function renderList() {
  const items = state.conversations.map((conversation) => {
    const item = document.createElement("li");
    item.className = "conversation";
    item.dataset.id = conversation.id;
    if (state.current && conversation.id === state.current.id) item.setAttribute("aria-current", "true");
    const open = document.createElement("button");
    open.type = "button";
    open.className = "open";
    open.textContent = conversation.title || "New chat";
    open.addEventListener("click", () => select(conversation.id));
    const rename = document.createElement("button");
    rename.type = "button";
    rename.className = "icon rename";
    rename.textContent = "\u270e";
    rename.setAttribute("aria-label", `Rename "${conversation.title || "New chat"}"`);
    rename.addEventListener("click", () => startRename(item, conversation));
    const remove = document.createElement("button");
    remove.type = "button";
    remove.className = "icon delete";
    remove.textContent = "\u00d7";
    remove.setAttribute("aria-label", `Delete "${conversation.title || "New chat"}"`);
    remove.addEventListener("click", () => removeConversation(conversation));
    item.append(open, rename, remove);
    return item;
  });
  ui.list.replaceChildren(...items);
  ui.empty.hidden = items.length > 0;
}

function startRename(item, conversation) {
  const input = document.createElement("input");
  input.type = "text";
  input.className = "rename-input";
  input.value = conversation.title;
  input.setAttribute("aria-label", "New title");
  let done = false;
  const finish = (keep) => {
    if (done) return;
    done = true;
    const title = input.value.trim();
    if (keep && title) {
      conversation.title = title;
      conversation.titleByUser = true;
      save(conversation);
    }
    renderList();
    renderTitle();
  };
  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter") finish(true);
    else if (event.key === "Escape") finish(false);
  });
  input.addEventListener("blur", () => finish(true));
  item.replaceChildren(input);
  input.focus();
  input.select();
}

function removeConversation(conversation) {
  if (!window.confirm(`Delete "${conversation.title || "New chat"}"?`)) return;
  conversation.deleted = true;
  if (state.streaming && state.streaming.conversation.id === conversation.id) stop();
  deleteConversation(conversation.id);
  state.conversations = state.conversations.filter((c) => c.id !== conversation.id);
  if (state.current && state.current.id === conversation.id) state.current = null;
  renderList();
  renderConversation();
}

function select(id) {
  const found = state.conversations.find((c) => c.id === id);
  if (!found) return;
  state.current = found;
  saveSettings({ current: id });
  closeSidebar();
  renderList();
  fillProviders();
  renderConversation();
  ui.prompt.focus();
}

function startNewChat() {
  state.draft = { provider: ui.provider.value, model: ui.model.value };
  state.current = null;
  saveSettings({ current: null });
  closeSidebar();
  renderList();
  fillProviders();
  renderConversation();
  ui.prompt.focus();
}

// -- the thread --------------------------------------------------------------------------------

const actions = {
  onEdit: (index, text) => edit(index, text),
  onRegenerate: (index) => regenerate(index),
  onRerender: () => renderConversation(),
  onCopy: async (text, target) => {
    try {
      await copyText(text);
      target.textContent = "Copied";
    } catch {
      target.textContent = "Copy failed";
    }
    setTimeout(() => { target.textContent = "Copy"; }, 1500);
  },
  authHint,
};

function renderTitle() {
  const title = state.current && state.current.title ? state.current.title : "New chat";
  ui.title.textContent = title;
  document.title = `${title} \u2013 g4f chat`;
}

function renderConversation() {
  renderTitle();
  const messages = state.current ? state.current.messages : [];
  ui.welcome.hidden = messages.length > 0;
  ui.thread.replaceChildren(...messages.map((message, index) => {
    const article = messageElement(message, index, actions);
    if (state.streaming && state.streaming.message === message) {
      article.classList.add("streaming");
      state.streaming.article = article;
    }
    return article;
  }));
  scrollToBottom();
}

let renderPending = false;
let lastRender = 0;

/** Re-render the answer being streamed, at most once per frame (and every 30 ms at most). */
function scheduleRender() {
  if (renderPending) return;
  renderPending = true;
  const wait = Math.max(0, 30 - (performance.now() - lastRender));
  setTimeout(() => requestAnimationFrame(() => {
    renderPending = false;
    lastRender = performance.now();
    renderStreaming();
  }), wait);
}

function renderStreaming() {
  const streaming = state.streaming;
  if (!streaming || !streaming.article || !streaming.article.isConnected) return;
  const follow = nearBottom();
  const body = streaming.article.querySelector(".bubble");
  fillAssistant(body, streaming.message, { authHint: authHint(streaming.message) });
  const meta = streaming.article.querySelector(".answered-by");
  const who = [streaming.message.provider, streaming.message.model].filter(Boolean).join(" \u00b7 ");
  if (meta) meta.textContent = who;
  else if (who) {
    const span = document.createElement("span");
    span.className = "answered-by";
    span.textContent = who;
    streaming.article.querySelector(".meta").prepend(span);
  }
  if (follow) scrollToBottom();
}

// -- asking -------------------------------------------------------------------------------------

/** The messages the server is sent: what was said, without failed or empty answers. */
function history(messages) {
  const sent = [];
  for (const message of messages) {
    if (message.role === "user") sent.push({ role: "user", content: message.content });
    else if (message.role === "assistant" && message.content && !message.error) {
      sent.push({ role: "assistant", content: message.content });
    }
  }
  return sent;
}

/** The provider's conversation to continue (Grok's lives on grok.com): the one the last answer
 *  returned, when exactly one new message of the user follows it. After a failed or stopped
 *  answer the provider's copy may hold more or less than the page: a new conversation starts. */
function continuation(conversation, chosenProvider) {
  const messages = conversation.messages;
  const last = messages.length - 1;
  if (last < 1 || messages[last].role !== "user") return null;
  const answer = messages[last - 1];
  if (answer.role !== "assistant" || answer.error || answer.stopped) return null;
  const saved = answer.conversation;
  if (!saved || typeof saved !== "object") return null;
  if (chosenProvider && saved.provider && saved.provider !== chosenProvider) return null;
  return saved;
}

/** After an edit or a regeneration the provider's own conversation has moved past what is kept. */
function forgetContinuations(messages) {
  for (const message of messages) delete message.conversation;
}

function applyChunk(message, chunk) {
  if (chunk.provider) message.provider = chunk.provider;
  if (chunk.model) message.model = chunk.model;
  const choice = (chunk.choices && chunk.choices[0]) || {};
  const delta = choice.delta || {};
  const now = performance.now();
  if (delta.reasoning_content) {
    if (!message.thinkingSince) message.thinkingSince = now;
    message.reasoning = (message.reasoning || "") + delta.reasoning_content;
  }
  if (delta.content) {
    message.content += delta.content;
    const parts = splitThink(message.content);
    if (parts && !message.thinkingSince) message.thinkingSince = now;
    const answering = parts ? !parts.open : true;
    if (answering && message.thinkingSince && !message.thoughtMs) {
      message.thoughtMs = Math.max(1, now - message.thinkingSince);
    }
  }
  for (const image of delta.images || []) {
    const url = image && image.image_url && image.image_url.url;
    if (!url) continue;
    if (image.preview) {  // an image being drawn (ImagePreview), with its progress in percent
      const progress = Number.isFinite(image.progress) ? image.progress : null;
      message.previews = message.previews || [];
      const known = message.previews.find((preview) => preview.url === url);
      if (known) known.progress = progress;
      else message.previews.push({ url, alt: image.alt || "", progress });
    } else {
      message.previews = [];  // the final images replace the previews
      if (!message.images.some((known) => known.url === url)) message.images.push({ url, alt: image.alt || "" });
    }
  }
  if (chunk.conversation) message.conversation = chunk.conversation;
  if (chunk.usage) message.usage = chunk.usage;
  if (choice.finish_reason) message.finish = choice.finish_reason;
  if (chunk.title && state.streaming && !state.streaming.conversation.titleByUser) {
    state.streaming.conversation.title = chunk.title;
    renderTitle();
    renderList();
  }
}

function setStreaming(on) {
  ui.send.hidden = on;
  ui.stop.hidden = !on;
  ui.messages.setAttribute("aria-busy", on ? "true" : "false");
  if (on) ui.stop.focus({ preventScroll: true });
}

async function ask(conversation) {
  const chosenProvider = conversation.provider || "";
  const chosenModel = conversation.model || "";
  const body = { messages: history(conversation.messages) };
  if (chosenModel) body.model = chosenModel;
  if (chosenProvider) body.provider = chosenProvider;
  const continued = continuation(conversation, chosenProvider);
  if (continued) body.conversation = continued;

  const message = { role: "assistant", content: "", reasoning: "", images: [], previews: [], provider: null,
                    model: null, requested: { provider: chosenProvider, model: chosenModel }, started: Date.now() };
  conversation.messages.push(message);
  const controller = new AbortController();
  state.streaming = { conversation, message, controller, article: null };
  save(conversation);
  if (state.current === conversation) renderConversation();
  setStreaming(true);
  let needsKey = false;
  let lastSave = Date.now();
  try {
    for await (const chunk of streamChat(body, controller.signal)) {
      applyChunk(message, chunk);
      scheduleRender();
      if (Date.now() - lastSave > 1000) {
        save(conversation);
        lastSave = Date.now();
      }
    }
  } catch (error) {
    if (error.name === "AbortError") message.stopped = true;
    else if (error instanceof ServerError && error.needsKey) needsKey = true;
    else if (error instanceof ServerError) message.error = error.toJSON();
    else message.error = { message: String(error && error.message ? error.message : error), code: "page_error" };
  } finally {
    if (message.thinkingSince && !message.thoughtMs) message.thoughtMs = performance.now() - message.thinkingSince;
    delete message.thinkingSince;
    message.finished = Date.now();
    state.streaming = null;
    setStreaming(false);
  }
  if (needsKey) {
    conversation.messages.pop();
    if (await requestKey(Boolean(apiKey()))) return ask(conversation);
    message.error = { message: "this server needs an API key", status: 401, code: "invalid_api_key" };
    conversation.messages.push(message);
  }
  save(conversation);
  if (state.current === conversation) renderConversation();
  if (state.current === conversation) ui.prompt.focus({ preventScroll: true });
  return undefined;
}

function ensureConversation() {
  if (state.current) return state.current;
  const conversation = newConversation({ provider: ui.provider.value, model: ui.model.value });
  state.conversations.unshift(conversation);
  state.current = conversation;
  saveSettings({ current: conversation.id });
  return conversation;
}

function send() {
  const text = ui.prompt.value;
  if (!text.trim() || state.streaming) return;
  const conversation = ensureConversation();
  conversation.provider = ui.provider.value;
  conversation.model = ui.model.value;
  conversation.messages.push({ role: "user", content: text, time: Date.now() });
  if (!conversation.title) conversation.title = titleFrom(text);
  ui.prompt.value = "";
  autosize();
  renderList();
  ask(conversation);
}

function regenerate(index) {
  const conversation = state.current;
  if (!conversation || state.streaming) return;
  conversation.messages = conversation.messages.slice(0, index);
  forgetContinuations(conversation.messages);
  conversation.provider = ui.provider.value;
  conversation.model = ui.model.value;
  ask(conversation);
}

function edit(index, text) {
  const conversation = state.current;
  if (!conversation || state.streaming) return;
  conversation.messages = conversation.messages.slice(0, index);
  forgetContinuations(conversation.messages);
  conversation.messages.push({ role: "user", content: text, time: Date.now() });
  conversation.provider = ui.provider.value;
  conversation.model = ui.model.value;
  ask(conversation);
}

function stop() {
  if (state.streaming) state.streaming.controller.abort();
}

// -- layout, theme, keyboard ------------------------------------------------------------------

function openSidebar() {
  ui.sidebar.classList.add("open");
  ui.scrim.hidden = false;
}

function closeSidebar() {
  ui.sidebar.classList.remove("open");
  ui.scrim.hidden = true;
}

const THEMES = ["auto", "light", "dark"];

function applyTheme(theme) {
  if (theme === "light" || theme === "dark") document.documentElement.dataset.theme = theme;
  else delete document.documentElement.dataset.theme;
  ui.theme.textContent = `Theme: ${theme}`;
}

function currentTheme() {
  return document.documentElement.dataset.theme || "auto";
}

// The keyboard hint fits in the box on a wide screen only.
const NARROW = window.matchMedia("(max-width: 760px)");

function placeholder() {
  ui.prompt.placeholder = NARROW.matches ? "Message" : "Message (Enter to send, Shift+Enter for a new line)";
}

function autosize() {
  ui.prompt.style.height = "auto";
  ui.prompt.style.height = `${Math.min(ui.prompt.scrollHeight, 240)}px`;
}

ui.composer.addEventListener("submit", (event) => {
  event.preventDefault();
  send();
});
ui.prompt.addEventListener("keydown", (event) => {
  if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
    event.preventDefault();
    send();
  }
});
ui.prompt.addEventListener("input", autosize);
NARROW.addEventListener("change", placeholder);
document.addEventListener("keydown", (event) => {
  if (event.key === "Escape" && state.streaming && !ui.keyDialog.open) stop();
});
ui.stop.addEventListener("click", stop);
ui.newChat.addEventListener("click", startNewChat);
ui.openSidebar.addEventListener("click", openSidebar);
ui.closeSidebar.addEventListener("click", closeSidebar);
ui.scrim.addEventListener("click", closeSidebar);
ui.provider.addEventListener("change", () => {
  const target = chosen();
  target.provider = ui.provider.value;
  target.model = "";
  fillModels();
  saveSettings({ provider: target.provider, model: "" });
  if (state.current) save(state.current);
});
ui.model.addEventListener("change", () => {
  chosen().model = ui.model.value;
  saveSettings({ model: ui.model.value });
  if (state.current) save(state.current);
});
ui.theme.addEventListener("click", () => {
  const next = THEMES[(THEMES.indexOf(currentTheme()) + 1) % THEMES.length];
  if (next === "auto") localStorage.removeItem("g4f.theme");
  else localStorage.setItem("g4f.theme", next);
  applyTheme(next);
});
ui.forgetKey.addEventListener("click", () => {
  setApiKey("");
  ui.forgetKey.hidden = true;
});
window.addEventListener("storage", (event) => {
  // Another tab changed the conversations: show them (the one streaming here stays as it is).
  if (!isConversationKey(event.key) || state.streaming) return;
  const currentId = state.current && state.current.id;
  state.conversations = loadConversations();
  state.current = state.conversations.find((c) => c.id === currentId) || null;
  renderList();
  renderConversation();
});

// -- start ------------------------------------------------------------------------------------

function start() {
  applyTheme(currentTheme());
  placeholder();
  ui.forgetKey.hidden = !apiKey();
  const settings = loadSettings();
  state.current = state.conversations.find((c) => c.id === settings.current) || null;
  fillProviders();  // the saved choice, until the server's lists arrive
  renderList();
  renderConversation();
  document.documentElement.dataset.ready = "true";
  loadCatalog();
  if (!NARROW.matches) ui.prompt.focus();  // on a phone, no keyboard popping up unasked
}

start();
