// Model answers are untrusted. Two layers stand between an answer and the page:
//
// 1. marked turns Markdown into HTML, and HTML the answer wrote itself is shown as text, except
//    for bare formatting tags without attributes (<br>, <sup>, <details>, ...): nothing the
//    answer typed can carry an attribute, so no handler, URL or style.
// 2. DOMPurify cuts what marked made down to an allow-list of tags and attributes (links and
//    images from Markdown, code, tables), dropping javascript: and other unsafe URLs.
//
// Either layer alone stops scripts, event handlers, javascript: links, frames, forms and styles;
// the Content-Security-Policy would block what both missed.
//
// Images: an answer may write any image address into its text, and loading it would tell that
// address's owner what the conversation contains. So only the images the provider sent as
// images (delta.images) and data: images are shown; any other <img> becomes a plain link. A
// provider's image is not loaded from its address either: its <img> keeps the address in
// data-image (no src) and the view asks the server for it (api.js getImage).

import { Marked } from "../vendor/marked.esm.js";
import DOMPurify from "../vendor/purify.es.mjs";

const ALLOWED_TAGS = [
  "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "details", "div", "dl", "dt", "em",
  "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "ins", "kbd", "li", "mark", "ol", "p",
  "pre", "q", "s", "samp", "small", "span", "strong", "sub", "summary", "sup", "table", "tbody",
  "td", "tfoot", "th", "thead", "tr", "u", "ul",
];
const ALLOWED_ATTR = ["href", "title", "alt", "src", "width", "height", "colspan", "rowspan", "align",
                      "start", "open", "class", "lang"];
const PURIFY = {
  ALLOWED_TAGS,
  ALLOWED_ATTR,
  ALLOW_DATA_ATTR: false,
  ALLOW_ARIA_ATTR: false,
  ALLOW_UNKNOWN_PROTOCOLS: false,
  SANITIZE_NAMED_PROPS: true,
  RETURN_DOM_FRAGMENT: true,
};
const LANGUAGE_CLASS = /^language-[\w+#.-]{1,40}$/;
const SHOWN_DATA_IMAGE = /^data:image\/(png|jpe?g|gif|webp|avif);base64,/i;
const WEB_ADDRESS = /^https?:\/\//i;

// Only a code block's language survives in class (an answer must not borrow the page's own
// classes to dress itself as part of the interface).
DOMPurify.addHook("uponSanitizeAttribute", (node, data) => {
  if (data.attrName === "class") {
    const kept = data.attrValue.split(/\s+/).filter((name) => LANGUAGE_CLASS.test(name));
    if (kept.length) data.attrValue = kept.join(" ");
    else data.keepAttr = false;
  }
});
DOMPurify.addHook("afterSanitizeAttributes", (node) => {
  if (node.tagName === "A") {
    node.setAttribute("target", "_blank");
    node.setAttribute("rel", "noopener noreferrer nofollow");
  }
});

// HTML an answer may write and have rendered: formatting tags, without any attribute.
const BARE_TAG = new RegExp("^</?(?:b|i|em|strong|u|s|del|ins|mark|small|sub|sup|kbd|samp|code|br|hr|p"
  + "|details|summary|blockquote|ul|ol|li|dl|dt|dd|table|thead|tbody|tfoot|tr|th|td|h[1-6])\\s*/?>$", "i");
const ESCAPES = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

function escapeHtml(text) {
  return text.replace(/[&<>"']/g, (char) => ESCAPES[char]);
}

/** An answer's own HTML as text, but for bare formatting tags. */
function onlyBareTags(html) {
  return html.replace(/<[^>]*>?/g, (tag) => (BARE_TAG.test(tag) ? tag : escapeHtml(tag)));
}

const marked = new Marked({ gfm: true, breaks: true, async: false });
marked.use({
  renderer: {
    html({ text }) {
      return onlyBareTags(text);
    },
    // GFM task lists as text: <input> is not on the allow-list.
    checkbox({ checked }) {
      return checked ? "\u2611 " : "\u2610 ";
    },
  },
});

/**
 * `text` (Markdown from a model) as a sanitized DocumentFragment, ready to be inserted.
 * `images` are the image URLs the provider sent with this answer.
 */
export function renderMarkdown(text, { images = [] } = {}) {
  return sanitize(marked.parse(text || ""), { images });
}

/** HTML cut down to the allow-list (layer 2 alone), with the image rule applied. */
export function sanitize(html, { images = [] } = {}) {
  const fragment = DOMPurify.sanitize(html, PURIFY);
  const allowed = new Set(images);
  for (const img of fragment.querySelectorAll("img")) {
    const src = img.getAttribute("src") || "";
    if (allowed.has(src) && !SHOWN_DATA_IMAGE.test(src)) {
      img.removeAttribute("src");
      img.dataset.image = src;
      img.setAttribute("decoding", "async");
      continue;
    }
    if (SHOWN_DATA_IMAGE.test(src)) {
      img.setAttribute("loading", "lazy");
      img.setAttribute("decoding", "async");
      img.setAttribute("referrerpolicy", "no-referrer");
      continue;
    }
    // The fragment belongs to DOMPurify's inert document: nothing in it has been fetched yet.
    const label = `[image: ${img.getAttribute("alt") || src || "no address"}]`;
    let replacement;
    if (WEB_ADDRESS.test(src)) {
      replacement = img.ownerDocument.createElement("a");
      replacement.setAttribute("href", src);
      replacement.setAttribute("target", "_blank");
      replacement.setAttribute("rel", "noopener noreferrer nofollow");
      replacement.setAttribute("title", "Not loaded: the answer wrote this image address itself");
    } else {
      replacement = img.ownerDocument.createElement("span");
    }
    replacement.className = "blocked-image";
    replacement.textContent = label;
    img.replaceWith(replacement);
  }
  return fragment;
}

/** Plain text as nodes (a user's own message is shown as typed, never as HTML). */
export function renderText(text) {
  const paragraph = document.createElement("p");
  paragraph.className = "plain";
  paragraph.textContent = text;
  return paragraph;
}

/** Put `text` on the clipboard (also where the Clipboard API is missing: a page not served
 *  from localhost or HTTPS). */
export async function copyText(text) {
  if (navigator.clipboard && window.isSecureContext) {
    await navigator.clipboard.writeText(text);
    return;
  }
  const area = document.createElement("textarea");
  area.value = text;
  area.setAttribute("readonly", "");
  area.className = "offscreen";
  document.body.append(area);
  area.select();
  try {
    document.execCommand("copy");
  } finally {
    area.remove();
  }
}

/** Give every code block in `root` a header with its language and a Copy button. */
export function decorateCodeBlocks(root) {
  for (const pre of root.querySelectorAll("pre")) {
    if (pre.parentElement && pre.parentElement.classList.contains("code-block")) continue;
    const code = pre.querySelector("code");
    const language = code ? [...code.classList].find((name) => name.startsWith("language-")) : null;
    const wrapper = document.createElement("div");
    wrapper.className = "code-block";
    const head = document.createElement("div");
    head.className = "code-head";
    const name = document.createElement("span");
    name.textContent = language ? language.slice("language-".length) : "code";
    const button = document.createElement("button");
    button.type = "button";
    button.className = "copy-code ghost small";
    button.textContent = "Copy";
    button.setAttribute("aria-label", "Copy the code");
    button.addEventListener("click", async () => {
      try {
        await copyText((code || pre).textContent);
        button.textContent = "Copied";
      } catch {
        button.textContent = "Copy failed";
      }
      setTimeout(() => { button.textContent = "Copy"; }, 1500);
    });
    head.append(name, button);
    pre.replaceWith(wrapper);
    wrapper.append(head, pre);
  }
}
