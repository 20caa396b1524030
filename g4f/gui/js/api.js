// The page's only door to the server: same-origin, relative URLs, OpenAI's wire shapes.
//
// Errors come in OpenAI's shape, {"error": {"message", "type", "code", "param"}}: as the body of
// an HTTP error when the request fails before its first chunk, as an SSE event (followed by
// [DONE]) when it fails after. Both become a ServerError here.

const KEY_STORAGE = "g4f.apiKey";

export class ServerError extends Error {
  constructor({ message, type = null, code = null, param = null, status = 0, retryAfter = null,
                during = false }) {
    super(message || "the server gave no reason");
    this.name = "ServerError";
    this.type = type;
    this.code = code;
    this.param = param;
    this.status = status;          // 0: not an HTTP status (an error event, a network failure)
    this.retryAfter = retryAfter;  // seconds, from Retry-After
    this.during = during;          // true: the answer had started
  }

  /** The server wants (another) API key: 401 invalid_api_key. */
  get needsKey() {
    return this.status === 401 && this.code === "invalid_api_key";
  }

  toJSON() {
    const { message, type, code, param, status, retryAfter, during } = this;
    return { message, type, code, param, status, retryAfter, during };
  }
}

export function apiKey() {
  try {
    return localStorage.getItem(KEY_STORAGE) || "";
  } catch {
    return "";
  }
}

export function setApiKey(key) {
  if (key) localStorage.setItem(KEY_STORAGE, key);
  else localStorage.removeItem(KEY_STORAGE);
}

function headers(extra = {}) {
  const key = apiKey();
  return key ? { ...extra, Authorization: `Bearer ${key}` } : extra;
}

async function failure(response) {
  let body = null;
  try {
    body = await response.json();
  } catch {
    // not JSON (a proxy's page): the status says enough
  }
  const error = body && typeof body.error === "object" && body.error ? body.error : {};
  const retry = Number.parseFloat(response.headers.get("Retry-After") || "");
  return new ServerError({
    message: typeof error.message === "string" ? error.message : `HTTP ${response.status} ${response.statusText}`,
    type: error.type ?? null,
    code: error.code ?? null,
    param: error.param ?? null,
    status: response.status,
    retryAfter: Number.isFinite(retry) ? retry : null,
  });
}

function unreachable(cause) {
  const error = new ServerError({
    message: "cannot reach the g4f server (is `g4f api` still running?)",
    code: "network_error",
  });
  error.cause = cause;
  return error;
}

/** GET a JSON document of the API (v1/models, v1/providers). */
export async function getJSON(path, { signal } = {}) {
  let response;
  try {
    response = await fetch(path, { headers: headers({ Accept: "application/json" }), signal });
  } catch (cause) {
    if (cause.name === "AbortError") throw cause;
    throw unreachable(cause);
  }
  if (!response.ok) throw await failure(response);
  return response.json();
}

/**
 * An image a provider made (grok.com's live on its own host and want the login's cookies): the
 * server fetches it (GET v1/gui/image) and the page shows it from memory (a blob: URL), so the
 * page still talks to its own origin only.
 */
export async function getImage(url, provider, { signal } = {}) {
  const query = new URLSearchParams({ provider: provider || "", url });
  let response;
  try {
    response = await fetch(`v1/gui/image?${query}`, { headers: headers({ Accept: "image/*" }), signal });
  } catch (cause) {
    if (cause.name === "AbortError") throw cause;
    throw unreachable(cause);
  }
  if (!response.ok) throw await failure(response);
  return URL.createObjectURL(await response.blob());
}

function parseEvent(block) {
  const data = [];
  for (const line of block.split("\n")) {
    if (line.startsWith("data:")) data.push(line.slice(line.startsWith("data: ") ? 6 : 5));
  }
  return data.length ? data.join("\n") : null;
}

/**
 * POST v1/chat/completions with stream: true; yields each chunk (a parsed
 * chat.completion.chunk) as it arrives. Ends at [DONE]; a stream that closes before it is a
 * ServerError ("incomplete"), never a shorter answer. Aborting `signal` stops it (AbortError).
 */
export async function* streamChat(body, signal) {
  let response;
  try {
    response = await fetch("v1/chat/completions", {
      method: "POST",
      headers: headers({ "Content-Type": "application/json", Accept: "text/event-stream" }),
      body: JSON.stringify({ ...body, stream: true }),
      signal,
    });
  } catch (cause) {
    if (cause.name === "AbortError") throw cause;
    throw unreachable(cause);
  }
  if (!response.ok) throw await failure(response);
  if (!(response.headers.get("Content-Type") || "").startsWith("text/event-stream")) {
    throw new ServerError({ message: "the server did not answer with a stream", code: "not_a_stream" });
  }
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  try {
    for (;;) {
      let read;
      try {
        read = await reader.read();
      } catch (cause) {
        if (cause.name === "AbortError") throw cause;
        throw new ServerError({ message: "the connection to the server broke during the answer",
                                code: "incomplete", during: true });
      }
      if (read.done) break;
      buffer += read.value.replaceAll("\r\n", "\n");
      let end;
      while ((end = buffer.indexOf("\n\n")) >= 0) {
        const data = parseEvent(buffer.slice(0, end));
        buffer = buffer.slice(end + 2);
        if (data === null) continue;  // a comment or keep-alive
        if (data === "[DONE]") return;
        const chunk = JSON.parse(data);
        if (chunk && chunk.error) throw new ServerError({ ...chunk.error, during: true });
        yield chunk;
      }
    }
  } finally {
    reader.cancel().catch(() => {});
  }
  throw new ServerError({ message: "the answer was cut short: the stream ended before [DONE]",
                          code: "incomplete", during: true });
}
