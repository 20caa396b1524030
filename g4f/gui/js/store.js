// Conversations live in the browser's localStorage, one key per conversation
// ("g4f.chat.<id>"), so saving the one being written never rewrites the others. Nothing is sent
// to the server but the messages of the request being made.

const PREFIX = "g4f.chat.";
const SETTINGS = "g4f.settings";

export function newId() {
  return crypto.randomUUID ? crypto.randomUUID()
    : `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
}

export function newConversation({ provider = "", model = "" } = {}) {
  const now = Date.now();
  return { id: newId(), title: "", titleByUser: false, created: now, updated: now, provider, model,
           messages: [] };
}

function valid(conversation) {
  return conversation && typeof conversation.id === "string" && Array.isArray(conversation.messages);
}

/** Every stored conversation, the most recently updated first. */
export function loadConversations() {
  const found = [];
  for (let index = 0; index < localStorage.length; index++) {
    const key = localStorage.key(index);
    if (!key || !key.startsWith(PREFIX)) continue;
    try {
      const conversation = JSON.parse(localStorage.getItem(key));
      if (valid(conversation)) found.push(conversation);
    } catch {
      // a damaged entry is skipped, not fatal
    }
  }
  return found.sort((a, b) => b.updated - a.updated);
}

/** Save one conversation; false when the browser's storage is full. */
export function saveConversation(conversation) {
  try {
    localStorage.setItem(PREFIX + conversation.id, JSON.stringify(conversation));
    return true;
  } catch (error) {
    console.warn("g4f: the conversation could not be saved:", error);
    return false;
  }
}

export function deleteConversation(id) {
  localStorage.removeItem(PREFIX + id);
}

export function isConversationKey(key) {
  return key === null || key.startsWith(PREFIX);
}

export function loadSettings() {
  try {
    return JSON.parse(localStorage.getItem(SETTINGS)) || {};
  } catch {
    return {};
  }
}

export function saveSettings(settings) {
  try {
    localStorage.setItem(SETTINGS, JSON.stringify({ ...loadSettings(), ...settings }));
  } catch {
    // storage full or disabled: the choice is not remembered
  }
}
