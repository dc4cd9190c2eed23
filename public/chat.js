// The web chat page: posts each message to /api/chat and renders the reply blocks.
// Citizen and bot text is always inserted as text, never as HTML.
(function () {
  'use strict';
  var log = document.getElementById('log');
  var quick = document.getElementById('quick');
  var form = document.getElementById('form');
  var input = document.getElementById('input');

  function userId() {
    var key = 'trolytthc.userId';
    var id = null;
    try {
      id = localStorage.getItem(key);
    } catch (e) {
      /* storage blocked: a new id each visit */
    }
    if (!id) {
      id =
        'web-' +
        (crypto.randomUUID ? crypto.randomUUID() : String(Date.now()) + Math.random().toString(16).slice(2));
      try {
        localStorage.setItem(key, id);
      } catch (e) {
        /* ignore */
      }
    }
    return id;
  }
  var uid = userId();

  function add(kind, text) {
    var li = document.createElement('li');
    li.className = 'msg msg--' + kind;
    li.textContent = text;
    log.appendChild(li);
    log.scrollTop = log.scrollHeight;
    return li;
  }

  function addLink(label, url) {
    var li = add('bot', '');
    var a = document.createElement('a');
    a.href = url;
    a.target = '_blank';
    a.rel = 'noopener';
    a.textContent = label + ' ↗';
    li.appendChild(a);
  }

  function showQuickReplies(items) {
    quick.textContent = '';
    (items || []).forEach(function (item) {
      var b = document.createElement('button');
      b.type = 'button';
      b.textContent = item.label;
      b.addEventListener('click', function () {
        send({ payload: item.payload }, item.label);
      });
      quick.appendChild(b);
    });
  }

  function send(body, shownText) {
    add('user', shownText);
    showQuickReplies([]);
    body.userId = uid;
    return fetch('/api/chat', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    })
      .then(function (res) {
        return res.json().then(function (data) {
          return { ok: res.ok, data: data };
        });
      })
      .then(function (r) {
        if (!r.ok) {
          add('error', 'Xin lỗi, tin nhắn chưa gửi được: ' + (r.data.error || 'lỗi'));
          return;
        }
        r.data.replies.forEach(function (block) {
          if (block.type === 'link') addLink(block.label, block.url);
          else add('bot', block.text);
        });
        showQuickReplies(r.data.quickReplies);
      })
      .catch(function () {
        add('error', 'Không kết nối được. Bạn kiểm tra mạng rồi thử lại nhé.');
      });
  }

  form.addEventListener('submit', function (e) {
    e.preventDefault();
    var text = input.value.trim();
    if (!text) return;
    input.value = '';
    send({ text: text }, text);
  });

  send({ text: 'xin chào' }, 'Xin chào');
})();
