// The web chat page (also inside widget.js's frame). Posts each message to /api/chat and
// renders the reply blocks. Rules this file keeps:
// - opening the page logs nothing: the greeting comes from GET /api/chat/welcome, and a
//   citizen is counted only once they type or tap;
// - each new answer is scrolled to its FIRST line, and its buttons sit inside the
//   conversation after it, so they never cover it;
// - messages typed while a reply is on its way wait in a queue and go out in order;
// - a failure keeps the message, says what happened (in Vietnamese, without blaming the
//   citizen), offers "Gửi lại" and the hotline;
// - text from the citizen, the bot or an officer is inserted as text, never as HTML; only
//   http(s) addresses become links;
// - the conversation is kept in localStorage for TRANSCRIPT_TTL_MS ("Bắt đầu lại" clears it).
(function () {
  'use strict';
  var TRANSCRIPT_KEY = 'trolytthc.chat.v1';
  var OFFICER_AFTER_KEY = 'trolytthc.officerAfter';
  var TRANSCRIPT_TTL_MS = 24 * 3600 * 1000;
  var MAX_ITEMS = 150;
  var REQUEST_TIMEOUT_MS = 30000;
  /** How often the page asks for officers' replies (they answer in minutes, not seconds). */
  var POLL_MS = 5000;

  var log = document.getElementById('log');
  var form = document.getElementById('form');
  var input = document.getElementById('input');
  var restart = document.getElementById('restart');
  var params = new URLSearchParams(location.search);
  var embedded = params.get('embed') === '1';
  if (embedded) document.documentElement.classList.add('embedded');
  if (params.get('title')) document.getElementById('title').textContent = params.get('title').slice(0, 60);

  function storageGet(key) {
    try {
      return localStorage.getItem(key);
    } catch (e) {
      return null; // storage blocked: the conversation lasts as long as the page
    }
  }
  function storageSet(key, value) {
    try {
      if (value === null) localStorage.removeItem(key);
      else localStorage.setItem(key, value);
    } catch (e) {
      /* storage blocked or full: nothing else to do */
    }
  }

  function userId() {
    var key = 'trolytthc.userId';
    var id = storageGet(key);
    if (!id) {
      id =
        'web-' +
        (window.crypto && crypto.randomUUID
          ? crypto.randomUUID()
          : String(Date.now()) + Math.random().toString(16).slice(2));
      storageSet(key, id);
    }
    return id;
  }
  var uid = userId();

  // --- the transcript: what is on screen, kept across reloads -----------------------------
  var state = { savedAt: 0, items: [], quick: [], notice: '', hotline: '', officerAfter: 0 };

  function save() {
    state.savedAt = Date.now();
    state.items = state.items.slice(-MAX_ITEMS);
    storageSet(TRANSCRIPT_KEY, JSON.stringify(state));
  }
  function load() {
    var raw = storageGet(TRANSCRIPT_KEY);
    if (!raw) return null;
    try {
      var saved = JSON.parse(raw);
      if (!saved || !Array.isArray(saved.items) || Date.now() - saved.savedAt > TRANSCRIPT_TTL_MS)
        return null;
      return saved;
    } catch (e) {
      return null;
    }
  }

  // --- rendering ----------------------------------------------------------------------------
  var URL_RE = /https?:\/\/[^\s<>"'()]+/g;

  function safeHref(url) {
    try {
      var u = new URL(url, location.href);
      return u.protocol === 'http:' || u.protocol === 'https:' ? u.href : null;
    } catch (e) {
      return null;
    }
  }
  function linkElement(label, href) {
    var a = document.createElement('a');
    a.href = href;
    a.target = '_blank';
    a.rel = 'noopener noreferrer';
    a.textContent = label;
    return a;
  }
  /** Text with its http(s) addresses as links; everything else stays text. */
  function appendLinkified(parent, text) {
    var last = 0;
    text.replace(URL_RE, function (match, offset) {
      var url = match.replace(/[.,;:!?]+$/, '');
      parent.appendChild(document.createTextNode(text.slice(last, offset)));
      var href = safeHref(url);
      parent.appendChild(href ? linkElement(url, href) : document.createTextNode(url));
      last = offset + url.length;
      return match;
    });
    parent.appendChild(document.createTextNode(text.slice(last)));
  }

  /** Draws one transcript item (before `before`, or at the end); returns its element. */
  function draw(item, before) {
    var li = document.createElement('li');
    li.className = 'msg msg--' + item.kind;
    if (item.kind === 'link') {
      li.className = 'msg msg--bot';
      var href = safeHref(item.url);
      li.appendChild(href ? linkElement(item.label + ' ↗', href) : document.createTextNode(item.label));
    } else if (item.kind === 'user') {
      li.textContent = item.text;
    } else if (item.kind === 'officer') {
      var who = document.createElement('span');
      who.className = 'msg__who';
      who.textContent = 'Cán bộ' + (item.name ? ' ' + item.name : '') + ' trả lời:';
      li.appendChild(who);
      li.appendChild(document.createElement('br'));
      appendLinkified(li, item.text);
    } else {
      appendLinkified(li, item.text);
    }
    log.insertBefore(li, before || null);
    return li;
  }

  /**
   * Adds an item to the transcript. An answer goes right after its question, before any
   * message still waiting in the queue, so each answer sits under the question it answers.
   */
  function add(item) {
    var waiting = queue.length > 0 && queue[0].item !== item ? queue[0] : null;
    if (waiting && item.kind !== 'user') {
      state.items.splice(state.items.indexOf(waiting.item), 0, item);
      return draw(item, waiting.li);
    }
    state.items.push(item);
    return draw(item);
  }

  var quickLi = null;
  function showQuickReplies(items) {
    if (quickLi) quickLi.remove();
    quickLi = null;
    state.quick = items || [];
    if (state.quick.length === 0) return;
    quickLi = document.createElement('li');
    quickLi.className = 'quick';
    quickLi.setAttribute('role', 'group');
    quickLi.setAttribute('aria-label', 'Gợi ý');
    state.quick.forEach(function (q) {
      var b = document.createElement('button');
      b.type = 'button';
      b.textContent = q.label;
      b.addEventListener('click', function () {
        enqueue({ payload: q.payload }, q.label);
      });
      quickLi.appendChild(b);
    });
    log.appendChild(quickLi);
  }

  /** Puts the first line of `el` at the top of the conversation (or as far as it goes). */
  function scrollToStart(el) {
    log.scrollTop = Math.max(0, el.offsetTop - 8);
  }
  function scrollToEnd() {
    log.scrollTop = log.scrollHeight;
  }

  var typing = null;
  function showTyping(on) {
    if (on && !typing) {
      typing = document.createElement('li');
      typing.className = 'msg msg--typing';
      typing.setAttribute('role', 'status');
      typing.textContent = 'Trợ lý đang trả lời…';
      log.appendChild(typing);
      scrollToEnd();
    } else if (!on && typing) {
      typing.remove();
      typing = null;
    }
  }

  /** Bot blocks → transcript items; the notice already shown on the welcome is not repeated. */
  function addReplies(replies) {
    var first = null;
    (replies || []).forEach(function (block) {
      var el;
      if (block.type === 'link') el = add({ kind: 'link', label: block.label, url: block.url });
      else if (block.text === state.notice && state.noticeShown) return;
      else el = add({ kind: 'bot', text: block.text });
      if (!first) first = el;
    });
    return first;
  }

  // --- sending, one at a time, in order ----------------------------------------------------
  var queue = [];
  var busy = false;
  var errorLi = null;

  function enqueue(body, shownText) {
    showQuickReplies([]);
    clearError();
    var item = { kind: 'user', text: shownText };
    state.items.push(item);
    var li = draw(item);
    queue.push({ body: body, li: li, item: item });
    markPending();
    save();
    scrollToEnd();
    pump();
  }

  function post(body) {
    var controller = window.AbortController ? new AbortController() : null;
    var timer = setTimeout(function () {
      if (controller) controller.abort();
    }, REQUEST_TIMEOUT_MS);
    body.userId = uid;
    return fetch('/api/chat', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: controller ? controller.signal : undefined,
    })
      .then(function (res) {
        if (!res.ok) throw { kind: 'server', status: res.status };
        return res.json();
      })
      .finally(function () {
        clearTimeout(timer);
      });
  }

  /** Tests and assistive tech can see whether anything is still on its way. */
  function markPending() {
    document.documentElement.dataset.pending = String(queue.length);
  }

  function pump() {
    markPending();
    if (busy || queue.length === 0) return;
    busy = true;
    var job = queue[0];
    showTyping(true);
    post(job.body).then(
      function (data) {
        queue.shift();
        busy = false;
        showTyping(false);
        job.li.classList.remove('msg--unsent');
        var first = addReplies(data.replies);
        if (queue.length === 0) showQuickReplies(data.quickReplies);
        save();
        if (first) scrollToStart(first);
        pump();
      },
      function (err) {
        busy = false;
        showTyping(false);
        queue.forEach(function (j) {
          j.li.classList.add('msg--unsent');
        });
        showError(err && err.kind === 'server' ? 'server' : 'network');
      },
    );
  }

  function clearError() {
    if (errorLi) errorLi.remove();
    errorLi = null;
  }
  function showError(kind) {
    clearError();
    errorLi = document.createElement('li');
    errorLi.className = 'msg msg--error';
    errorLi.setAttribute('role', 'alert');
    var text =
      kind === 'server'
        ? 'Xin lỗi, Trợ lý đang gặp sự cố nên chưa trả lời được.'
        : 'Xin lỗi, chưa kết nối được tới Trợ lý.';
    text += ' Tin nhắn của bạn vẫn còn đây, bạn bấm "Gửi lại" để thử lần nữa.';
    if (state.hotline) text += ' Cần gấp, bạn gọi đường dây nóng ' + state.hotline + '.';
    errorLi.appendChild(document.createTextNode(text));
    var retry = document.createElement('button');
    retry.type = 'button';
    retry.className = 'retry';
    retry.textContent = 'Gửi lại';
    retry.addEventListener('click', function () {
      clearError();
      pump();
    });
    errorLi.appendChild(document.createElement('br'));
    errorLi.appendChild(retry);
    log.appendChild(errorLi);
    scrollToEnd();
  }

  form.addEventListener('submit', function (e) {
    e.preventDefault();
    var text = input.value.trim();
    if (!text) return;
    input.value = '';
    enqueue({ text: text }, text);
  });

  // --- officer replies: polled while the page is open --------------------------------------
  function poll() {
    if (document.hidden) return;
    fetch('/api/chat/officer?userId=' + encodeURIComponent(uid) + '&after=' + (state.officerAfter || 0))
      .then(function (res) {
        return res.ok ? res.json() : { messages: [] };
      })
      .then(function (data) {
        var first = null;
        (data.messages || []).forEach(function (m) {
          var el = add({ kind: 'officer', text: m.text, name: m.officer });
          state.officerAfter = Math.max(state.officerAfter || 0, m.id);
          // Kept apart from the transcript: "Bắt đầu lại" must not show old replies again.
          storageSet(OFFICER_AFTER_KEY, String(state.officerAfter));
          if (!first) first = el;
        });
        if (first) {
          if (quickLi) log.appendChild(quickLi);
          save();
          scrollToStart(first);
        }
      })
      .catch(function () {
        /* the next poll tries again */
      });
  }

  // --- start: the saved conversation, or the welcome (never logged) ------------------------
  function renderWelcome(data) {
    state = {
      savedAt: 0,
      items: [],
      quick: [],
      notice: data.notice || '',
      noticeShown: true,
      hotline: data.hotline || '',
      officerAfter: Number(storageGet(OFFICER_AFTER_KEY)) || 0,
    };
    var greeting = params.get('greeting');
    if (greeting) add({ kind: 'bot', text: greeting.slice(0, 300) });
    addReplies(data.replies);
    if (state.notice) add({ kind: 'notice', text: state.notice });
    showQuickReplies(data.quickReplies);
    save();
    log.scrollTop = 0;
  }

  function start() {
    log.textContent = '';
    quickLi = null;
    var saved = load();
    if (saved) {
      state = saved;
      var elements = state.items.map(function (item) {
        return draw(item);
      });
      showQuickReplies(state.quick);
      // Back where the citizen was: the start of the last answer (the top before any question).
      var lastUser = state.items
        .map(function (item) {
          return item.kind === 'user';
        })
        .lastIndexOf(true);
      var answerStart = elements[lastUser + 1];
      if (lastUser === -1 || !answerStart) log.scrollTop = 0;
      else scrollToStart(answerStart);
      return Promise.resolve();
    }
    return fetch('/api/chat/welcome')
      .then(function (res) {
        if (!res.ok) throw new Error('welcome ' + res.status);
        return res.json();
      })
      .then(renderWelcome, function () {
        renderWelcome({
          replies: [{ type: 'text', text: 'Xin chào! Bạn cứ gõ câu hỏi về thủ tục hành chính.' }],
        });
      });
  }

  restart.addEventListener('click', function () {
    storageSet(TRANSCRIPT_KEY, null);
    queue = [];
    clearError();
    start().then(function () {
      input.focus();
    });
  });

  // Inside the widget: Esc closes it, and the widget asks for focus when it opens.
  if (embedded) {
    document.addEventListener('keydown', function (e) {
      if (e.key === 'Escape') window.parent.postMessage({ type: 'trolytthc:close' }, '*');
    });
    window.addEventListener('message', function (e) {
      if (e.source === window.parent && e.data && e.data.type === 'trolytthc:focus') input.focus();
    });
  }

  start().then(function () {
    if (embedded) input.focus();
    document.documentElement.dataset.ready = '1';
    poll();
  });
  setInterval(poll, POLL_MS);
})();
