/*
 * The clinic's chat, for any website, in one tag:
 *
 *   <script src="https://chat.clinic.example/widget.js" defer></script>
 *
 * Optional attributes on that tag: data-position="bottom-right" | "bottom-left", data-accent="#0b6e4f",
 * data-title="Ask about microneedling", data-welcome="Hello! ...".
 *
 * Plain JavaScript, no third-party code, no build step. Everything lives in an open Shadow DOM, so the
 * page's CSS and the widget's never meet. Text from the server is only ever set as text (textContent),
 * never parsed as HTML. The conversation is kept in sessionStorage (it follows the visitor from page to
 * page of the site, and is gone when the tab closes); no cookies are set or sent.
 *
 * It calls the API of the server it was loaded from (/api/v1/answers, /api/v1/feedback,
 * /api/v1/starter-questions); that server decides which sites may (CHATBOT_WIDGET_ORIGINS).
 */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || window.__clinicChatWidget) return;
  window.__clinicChatWidget = true;

  var API = new URL(script.src, location.href).href.replace(/\/widget\.js(\?.*)?$/, "");
  var STORE_KEY = "clinic-chat:" + API;
  var MAX_RETRIES = 3;
  var data = script.dataset;
  var options = {
    position: data.position === "bottom-left" ? "left" : "right",
    accent: data.accent && window.CSS && CSS.supports("color", data.accent) ? data.accent : "#0b6e4f",
    title: data.title || "Ask about microneedling",
    welcome: data.welcome || "Hello! Ask me anything about microneedling. I answer from our clinic's articles and show where each answer comes from."
  };
  var TEXT = {
    open: "Open chat", close: "Close chat", ask: "Ask a question", send: "Send", restart: "New conversation",
    placeholder: "Ask a question about microneedling", popular: "Popular questions", sources: "Sources",
    didYouMean: "Did you mean:", more: "More from the articles", helpful: "Helpful", notHelpful: "Not helpful", wasHelpful: "Was this helpful?",
    thanks: "Thank you for your rating.", commentLabel: "Anything to add? (optional)", sendComment: "Send comment",
    commentSaved: "Thank you, your comment was saved.", typing: "Looking in our articles…", you: "You", bot: "Clinic assistant",
    notEnabled: "Sorry, this chat is not available on this website. Please contact the clinic directly.",
    unreachable: "Sorry, the chat cannot reach the clinic's server right now. Please try again in a moment.",
    failed: "Sorry, something went wrong. Please try again in a moment.",
    rateFailed: "Sorry, your rating could not be saved right now.", reviewed: "Reviewed by the clinic on "
  };

  // --- state (sessionStorage) -------------------------------------------------------------------

  var state = load();
  function load() {
    try {
      var saved = JSON.parse(sessionStorage.getItem(STORE_KEY) || "null");
      if (saved && Array.isArray(saved.items)) return saved;
    } catch (e) { /* storage blocked or damaged: start afresh */ }
    return { visitor: randomId(), conversation: null, items: [], open: false, language: null };
  }
  function save() {
    try { sessionStorage.setItem(STORE_KEY, JSON.stringify(state)); } catch (e) { /* full or blocked: keep going in memory */ }
  }
  function randomId() {
    var bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  // --- DOM helpers -------------------------------------------------------------------------------

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) {
      if (key === "text") node.textContent = attrs[key];
      else if (key === "class") node.className = attrs[key];
      else if (key.slice(0, 2) === "on") node.addEventListener(key.slice(2), attrs[key]);
      else node.setAttribute(key, attrs[key]);
    });
    (children || []).forEach(function (child) { if (child) node.appendChild(child); });
    return node;
  }

  var CSS_TEXT = [
    ":host{all:initial}",
    "*{box-sizing:border-box;font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif}",
    ".cw-launcher{position:fixed;bottom:16px;" + options.position + ":16px;z-index:2147483000;width:56px;height:56px;border-radius:50%;border:0;background:var(--accent);color:#fff;cursor:pointer;box-shadow:0 4px 14px rgba(0,0,0,.25);display:flex;align-items:center;justify-content:center}",
    ".cw-launcher svg{width:28px;height:28px;fill:currentColor}",
    "button:focus-visible,input:focus-visible,textarea:focus-visible{outline:3px solid #1a4fd6;outline-offset:2px}",
    ".cw-panel{position:fixed;bottom:84px;" + options.position + ":16px;z-index:2147483000;width:min(400px,calc(100vw - 16px));height:min(640px,calc(100vh - 100px));background:#fff;color:#1b1b1b;border-radius:12px;box-shadow:0 8px 30px rgba(0,0,0,.3);display:flex;flex-direction:column;overflow:hidden;font-size:15px;line-height:1.45}",
    "@media (max-width:480px){.cw-panel{" + options.position + ":8px;bottom:76px;height:calc(100vh - 88px)}}",
    ".cw-panel[hidden]{display:none}",
    ".cw-head{display:flex;align-items:center;gap:8px;padding:10px 12px;background:var(--accent);color:#fff}",
    ".cw-head h2{flex:1;margin:0;font-size:16px;font-weight:600}",
    ".cw-head button{background:transparent;color:#fff;border:1px solid rgba(255,255,255,.7);border-radius:6px;padding:4px 8px;cursor:pointer;font-size:13px}",
    ".cw-log{flex:1;overflow-y:auto;padding:12px;display:flex;flex-direction:column;gap:10px}",
    ".cw-msg{max-width:100%;word-wrap:break-word;overflow-wrap:anywhere}",
    ".cw-user{align-self:flex-end;background:#eef1f6;border-radius:12px 12px 2px 12px;padding:8px 12px;max-width:85%}",
    ".cw-bot p{margin:0 0 8px}",
    ".cw-box{border-radius:8px;padding:8px 10px;margin:0 0 8px}",
    ".cw-urgent{background:#fde8e8;border:2px solid #b3261e;color:#5c0f0b;font-weight:600}",
    ".cw-medical{background:#fff4e0;border:1px solid #b26a00;color:#4a2c00}",
    ".cw-notice{background:#e8f0fe;border:1px solid #3b6fd8;color:#0f2a5c}",
    ".cw-note{color:#444;font-style:italic}",
    ".cw-cite{border:0;background:none;color:var(--accent);font-weight:700;cursor:pointer;padding:0 1px;font-size:inherit;text-decoration:underline}",
    ".cw-sources{margin:6px 0;padding:0;list-style:none;font-size:13px}",
    ".cw-source>button{width:100%;text-align:left;background:#f6f7f9;border:1px solid #d9dce1;border-radius:6px;padding:5px 8px;margin:2px 0;cursor:pointer;color:#1b1b1b;font-size:13px}",
    ".cw-passage{background:#fafafa;border-left:3px solid var(--accent);padding:6px 8px;margin:2px 0 6px;font-size:13px}",
    ".cw-passage mark{background:#fff0a8;color:inherit}",
    ".cw-small{font-size:12px;color:#555}",
    ".cw-chips{display:flex;flex-wrap:wrap;gap:6px;margin:4px 0}",
    ".cw-more{margin:4px 0}.cw-more summary{cursor:pointer;color:var(--accent)}",
    ".cw-chip{border:1px solid var(--accent);color:var(--accent);background:#fff;border-radius:16px;padding:5px 10px;cursor:pointer;font-size:13px;text-align:left}",
    ".cw-rate{display:flex;align-items:center;gap:6px;flex-wrap:wrap;font-size:13px;margin-top:4px}",
    ".cw-rate button{border:1px solid #c4c7cc;background:#fff;border-radius:6px;padding:3px 8px;cursor:pointer;font-size:15px}",
    ".cw-rate button[aria-pressed=true]{background:var(--accent);color:#fff;border-color:var(--accent)}",
    ".cw-rate input{flex:1;min-width:120px;padding:4px 6px;border:1px solid #c4c7cc;border-radius:6px;font-size:13px}",
    ".cw-error{background:#fdf0e6;border:1px solid #c26b00;border-radius:8px;padding:8px 10px;color:#4a2600}",
    ".cw-form{display:flex;gap:6px;padding:10px;border-top:1px solid #e3e5e8}",
    ".cw-form input{flex:1;min-width:0;padding:9px 10px;border:1px solid #b9bdc3;border-radius:8px;font-size:15px}",
    ".cw-form button{background:var(--accent);color:#fff;border:0;border-radius:8px;padding:0 14px;font-size:15px;cursor:pointer}",
    ".cw-sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}"
  ].join("\n");

  // --- the widget --------------------------------------------------------------------------------

  var host = el("div", { id: "clinic-chat-widget" });
  var root = host.attachShadow({ mode: "open" });
  var style = el("style", { text: CSS_TEXT });
  var launcher = el("button", { class: "cw-launcher", type: "button", "aria-label": TEXT.open, "aria-expanded": "false",
    "aria-controls": "cw-panel", onclick: toggle });
  launcher.appendChild(chatIcon());
  var log = el("div", { class: "cw-log", role: "log", "aria-live": "polite", "aria-relevant": "additions", "aria-label": "Conversation" });
  var input = el("input", { type: "text", "aria-label": TEXT.ask, placeholder: TEXT.placeholder, maxlength: "2000", autocomplete: "off" });
  var form = el("form", { class: "cw-form", onsubmit: function (e) { e.preventDefault(); ask(input.value); } },
    [input, el("button", { type: "submit", text: TEXT.send })]);
  var panel = el("div", { class: "cw-panel", id: "cw-panel", role: "dialog", "aria-label": options.title, hidden: "" }, [
    el("div", { class: "cw-head" }, [
      el("h2", { text: options.title }),
      el("button", { type: "button", class: "cw-restart", text: TEXT.restart, onclick: restart }),
      el("button", { type: "button", "aria-label": TEXT.close, text: "✕", onclick: function () { setOpen(false); } })
    ]),
    log, form
  ]);
  root.addEventListener("keydown", function (e) {
    if (e.key === "Escape" && !panel.hidden) { e.stopPropagation(); setOpen(false); }
  });
  root.appendChild(style);
  root.appendChild(launcher);
  root.appendChild(panel);
  host.style.setProperty("--accent", options.accent);
  (document.body || document.documentElement).appendChild(host);

  var busy = false;
  redraw();
  if (state.open) setOpen(true, false);

  function chatIcon() {
    var svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("aria-hidden", "true");
    var path = document.createElementNS("http://www.w3.org/2000/svg", "path");
    path.setAttribute("d", "M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H8l-5 4V5a2 2 0 0 1 1-2z");
    svg.appendChild(path);
    return svg;
  }

  function toggle() { setOpen(panel.hidden); }

  function setOpen(open, focus) {
    panel.hidden = !open;
    launcher.setAttribute("aria-expanded", String(open));
    state.open = open;
    save();
    if (open && focus !== false) input.focus();
    if (!open) launcher.focus();
    if (open && !state.items.length && !log.querySelector(".cw-chips")) loadStarters();
  }

  function restart() {
    state.conversation = null;
    state.items = [];
    save();
    redraw();
    loadStarters();
    input.focus();
  }

  function redraw() {
    log.textContent = "";
    log.appendChild(el("div", { class: "cw-msg cw-bot" }, [el("p", { text: options.welcome })]));
    state.items.forEach(function (item, i) {
      if (item.role === "user") log.appendChild(userBubble(item.text));
      else if (item.answer) log.appendChild(answerBlock(item, i));
      else log.appendChild(errorBlock(item.error));
    });
  }

  function userBubble(text) {
    return el("div", { class: "cw-msg cw-user" }, [el("span", { class: "cw-sr", text: TEXT.you + ": " }), el("span", { text: text })]);
  }

  function errorBlock(text) { return el("div", { class: "cw-msg cw-error", role: "status", text: text }); }

  function loadStarters() {
    fetch(API + "/api/v1/starter-questions", { credentials: "omit" })
      .then(function (r) { return r.ok ? r.json() : { questions: [] }; })
      .then(function (body) {
        if (state.items.length || !body.questions || !body.questions.length) return;
        log.appendChild(el("div", { class: "cw-msg cw-bot cw-starters" }, [
          el("p", { class: "cw-small", text: TEXT.popular }), chips(body.questions, "cw-chip cw-starter")
        ]));
      })
      .catch(function () { /* shown when the visitor asks */ });
  }

  function chips(questions, cls) {
    return el("div", { class: "cw-chips" }, questions.map(function (q) {
      return el("button", { type: "button", class: cls, text: q, onclick: function () { ask(q); } });
    }));
  }

  // --- asking ------------------------------------------------------------------------------------

  function ask(text) {
    var question = (text || "").trim();
    if (!question || busy) return;
    busy = true;
    input.value = "";
    var starters = log.querySelector(".cw-starters");
    if (starters) starters.remove();
    state.items.push({ role: "user", text: question });
    save();
    log.appendChild(userBubble(question));
    var live = el("div", { class: "cw-msg cw-bot cw-streaming", "aria-busy": "true" }, [el("p", { class: "cw-small", text: TEXT.typing })]);
    log.appendChild(live);
    scrollDown();
    send(question, live, 0).then(function (item) {
      state.items.push(item);
      if (item.answer) {
        state.conversation = item.answer.conversation_id;
        state.language = item.answer.language;
      }
      save();
      var block = item.answer ? answerBlock(item, state.items.length - 1) : errorBlock(item.error);
      live.replaceWith(block);
      scrollDown();
    }).finally(function () { busy = false; });
  }

  function send(question, live, attempt) {
    var body = JSON.stringify({ question: question, conversation_id: state.conversation,
      language: state.language || (navigator.language || "en").split("-")[0] });
    return fetch(API + "/api/v1/answers", {
      method: "POST", credentials: "omit",
      headers: { "Content-Type": "application/json", "Accept": "text/event-stream", "X-Visitor-Id": state.visitor },
      body: body
    }).then(function (response) {
      if (response.ok) return readEvents(response, live);
      return response.json().catch(function () { return {}; }).then(function (err) {
        var error = err.error || {};
        if (response.status === 404 && error.code === "conversation_not_found") {
          state.conversation = null;  // expired on the server: carry on in a new one
          return send(question, live, attempt);
        }
        var wait = parseInt(response.headers.get("Retry-After") || "0", 10);
        if (response.status === 503 && attempt < MAX_RETRIES && wait > 0 && wait <= 10) {
          live.firstChild.textContent = error.message || TEXT.typing;
          return new Promise(function (r) { setTimeout(r, wait * 1000); }).then(function () { return send(question, live, attempt + 1); });
        }
        return { role: "bot", error: error.message || TEXT.failed, status: response.status };
      });
    }, function () {
      // Refused by the browser (this site is not on the server's allow-list) or no network: tell which.
      return fetch(API + "/api/v1/health", { mode: "no-cors", credentials: "omit" })
        .then(function () { return { role: "bot", error: TEXT.notEnabled, status: 403 }; },
              function () { return { role: "bot", error: TEXT.unreachable, status: 0 }; });
    });
  }

  function readEvents(response, live) {
    var reader = response.body.getReader();
    var decoder = new TextDecoder();
    var buffer = "", streamed = "", final = null, failure = null;
    var textNode = el("p", { class: "cw-stream-text" });
    function pump() {
      return reader.read().then(function (chunk) {
        if (chunk.done) return;
        buffer += decoder.decode(chunk.value, { stream: true });
        var events = buffer.split("\n\n");
        buffer = events.pop();
        events.forEach(function (raw) {
          var name = "message", payload = "";
          raw.split("\n").forEach(function (line) {
            if (line.indexOf("event: ") === 0) name = line.slice(7);
            else if (line.indexOf("data: ") === 0) payload += line.slice(6);
          });
          var value = JSON.parse(payload || "null");
          if (name === "delta") {
            streamed += value.text;
            textNode.textContent = streamed;
            if (!textNode.parentNode) { live.textContent = ""; live.appendChild(textNode); }
          } else if (name === "answer") final = value;
          else if (name === "error") failure = (value.error || {}).message;
        });
        return pump();
      });
    }
    return pump().then(function () {
      if (final) return { role: "bot", answer: final, rating: null };
      return { role: "bot", error: failure || TEXT.failed };
    }, function () { return { role: "bot", error: TEXT.unreachable }; });
  }

  function scrollDown() { log.scrollTop = log.scrollHeight; }

  // --- an answer ---------------------------------------------------------------------------------

  function answerBlock(item, index) {
    var answer = item.answer, guard = answer.guardrail || {};
    var block = el("div", { class: "cw-msg cw-bot cw-answer" }, [el("span", { class: "cw-sr", text: TEXT.bot + ": " })]);
    var paragraphs = (answer.answer || "").split("\n\n").filter(function (p) { return p && p !== guard.message; });
    if (guard.message && guard.category === "urgent") block.appendChild(el("div", { class: "cw-box cw-urgent", text: guard.message }));
    else if (guard.message && guard.category !== "medical") block.appendChild(el("div", { class: "cw-box cw-notice", text: guard.message }));
    if (answer.reviewed) block.appendChild(el("p", { class: "cw-small cw-reviewed", text: TEXT.reviewed + answer.reviewed.reviewed_at.slice(0, 10) }));
    var more = answer.more_from_the_articles || "";
    var sources = sourceList(answer, more ? paragraphs.concat([more]) : paragraphs);
    paragraphs.forEach(function (text) {
      block.appendChild(/\[\d+\]/.test(text) ? citedParagraph(text, sources) : el("p", { class: "cw-note", text: text }));
    });
    if (more) block.appendChild(el("details", { class: "cw-more" }, [el("summary", { text: TEXT.more }), citedParagraph(more, sources)]));
    if (guard.message && guard.category === "medical") block.appendChild(el("div", { class: "cw-box cw-medical", text: guard.message }));
    var offers = (answer.suggestions || []).map(function (s) { return s.question; }).concat(answer.related_questions || []);
    if (offers.length) {
      block.appendChild(el("p", { class: "cw-small", text: TEXT.didYouMean }));
      block.appendChild(chips(offers, "cw-chip cw-related"));
    }
    if (sources.list) block.appendChild(sources.list);
    block.appendChild(el("p", { class: "cw-small cw-disclaimer", text: answer.disclaimer }));
    if (answer.answer_id) block.appendChild(rating(item, index));
    return block;
  }

  function citedParagraph(text, sources) {
    var p = el("p");
    text.split(/(\[\d+\])/).forEach(function (part) {
      var m = /^\[(\d+)\]$/.exec(part);
      if (m && sources.open[m[1]]) {
        p.appendChild(el("button", { type: "button", class: "cw-cite", text: part, "aria-label": "Source " + m[1],
          onclick: function () { sources.open[m[1]](true); } }));
      } else p.appendChild(document.createTextNode(part));
    });
    return p;
  }

  function sourceList(answer, paragraphs) {
    var open = {};
    var citations = answer.citations || [];
    if (!citations.length) return { list: null, open: open };
    var quoted = quotedSentences(paragraphs);
    var list = el("ul", { class: "cw-sources", "aria-label": TEXT.sources });
    citations.forEach(function (c) {
      var passage = el("div", { class: "cw-passage", hidden: "", tabindex: "-1" }, [
        el("strong", { text: c.title + (c.section ? " · " + c.section : "") }), el("br"), highlighted(c.text, quoted[c.n] || [])
      ]);
      var toggle = el("button", { type: "button", "aria-expanded": "false", text: "[" + c.n + "] " + c.title });
      function show(focus) {
        passage.hidden = false;
        toggle.setAttribute("aria-expanded", "true");
        if (focus) { passage.focus(); passage.scrollIntoView({ block: "nearest" }); }
      }
      toggle.addEventListener("click", function () {
        if (passage.hidden) show(false);
        else { passage.hidden = true; toggle.setAttribute("aria-expanded", "false"); }
      });
      open[c.n] = show;
      list.appendChild(el("li", { class: "cw-source" }, [toggle, passage]));
    });
    return { list: list, open: open };
  }

  function quotedSentences(paragraphs) {
    var byCitation = {};
    paragraphs.forEach(function (text) {
      var re = /([^\[\]]+?)\s*((?:\[\d+\])+)/g, m;
      while ((m = re.exec(text))) {
        (m[2].match(/\d+/g) || []).forEach(function (n) { (byCitation[n] = byCitation[n] || []).push(m[1].trim()); });
      }
    });
    return byCitation;
  }

  function highlighted(text, sentences) {
    var span = el("span"), rest = text;
    sentences.filter(Boolean).forEach(function (s) {
      var at = rest.indexOf(s);
      if (at < 0) {  // a lead quoted without its "Additionally, " starts with a capital the passage does not have
        s = s.charAt(0).toLowerCase() + s.slice(1);
        at = rest.indexOf(s);
      }
      if (at < 0) return;
      span.appendChild(document.createTextNode(rest.slice(0, at)));
      span.appendChild(el("mark", { text: s }));
      rest = rest.slice(at + s.length);
    });
    span.appendChild(document.createTextNode(rest));
    return span;
  }

  // --- feedback ----------------------------------------------------------------------------------

  function rating(item, index) {
    var box = el("div", { class: "cw-rate", role: "group", "aria-label": TEXT.wasHelpful });
    var status = el("span", { class: "cw-small", role: "status" });
    var up = el("button", { type: "button", class: "cw-rate-up", "aria-label": TEXT.helpful, "aria-pressed": String(item.rating === "up"), text: "👍" });
    var down = el("button", { type: "button", class: "cw-rate-down", "aria-label": TEXT.notHelpful, "aria-pressed": String(item.rating === "down"), text: "👎" });
    var comment = el("input", { type: "text", "aria-label": TEXT.commentLabel, placeholder: TEXT.commentLabel, maxlength: "2000", hidden: "" });
    var sendComment = el("button", { type: "button", class: "cw-send-comment", text: TEXT.sendComment, hidden: "" });
    function rate(value, text) {
      return postFeedback({ answer_id: item.answer.answer_id, rating: value, comment: text || null }).then(function (ok) {
        if (!ok) { status.textContent = TEXT.rateFailed; return false; }
        item.rating = value;
        state.items[index] = item;
        save();
        up.setAttribute("aria-pressed", String(value === "up"));
        down.setAttribute("aria-pressed", String(value === "down"));
        status.textContent = text ? TEXT.commentSaved : TEXT.thanks;
        comment.hidden = sendComment.hidden = !!text;
        return true;
      });
    }
    up.addEventListener("click", function () { rate("up"); });
    down.addEventListener("click", function () { rate("down"); });
    sendComment.addEventListener("click", function () { if (comment.value.trim()) rate(item.rating, comment.value.trim()); });
    comment.addEventListener("keydown", function (e) { if (e.key === "Enter") { e.preventDefault(); sendComment.click(); } });
    [el("span", { text: TEXT.wasHelpful }), up, down, comment, sendComment, status].forEach(function (n) { box.appendChild(n); });
    return box;
  }

  function postFeedback(body) {
    return fetch(API + "/api/v1/feedback", {
      method: "POST", credentials: "omit", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body)
    }).then(function (r) { return r.ok; }, function () { return false; });
  }
})();
