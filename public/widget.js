// Embeddable web chat. A commune website pastes ONE tag:
//
//   <script src="https://YOUR-BOT-ADDRESS/widget.js" defer
//           data-position="right"            (right | left; default right)
//           data-color="#b42318"             (button and title bar colour, #rgb or #rrggbb)
//           data-title="Hỏi Trợ lý TTHC"     (button text and title bar)
//           data-greeting="Chào bạn!"></script>  (optional first line of the chat, ≤ 300 chars)
//
// The button and panel live in a shadow root with `all: initial`, so the host page's
// CSS (`button { width: 100% }`, `* { font: … }`) cannot reach them. The chat frame is
// created only when the citizen first opens the panel: a page view loads nothing else, and
// the chat logs nothing until the citizen types or taps. Esc or "Đóng" closes the panel and
// returns focus to the button; opening moves focus into the chat's input.
(function () {
  'use strict';
  var script = document.currentScript;
  if (!script || window.__trolytthcWidget) return;
  window.__trolytthcWidget = true;
  var origin = new URL(script.src).origin;
  var data = script.dataset;
  var left = data.position === 'left';
  var colour = /^#[0-9a-f]{3}([0-9a-f]{3})?$/i.test(data.color || '') ? data.color : '#b42318';
  var title = (data.title || 'Hỏi Trợ lý TTHC').slice(0, 40);
  var greeting = (data.greeting || '').slice(0, 300);
  var side = left ? 'left' : 'right';

  var host = document.createElement('div');
  // Inline !important beats any host rule that matches the host element itself.
  host.style.setProperty('all', 'initial', 'important');
  host.style.setProperty('position', 'fixed', 'important');
  host.style.setProperty('z-index', '2147483646', 'important');
  host.style.setProperty(side, '0', 'important');
  host.style.setProperty('bottom', '0', 'important');
  var root = host.attachShadow({ mode: 'open' });
  var style = document.createElement('style');
  style.textContent =
    ':host{all:initial}' +
    '*{box-sizing:border-box}' +
    '.launcher{all:initial;position:fixed;' +
    side +
    ':16px;bottom:16px;display:inline-block;width:auto;' +
    'padding:14px 18px;border-radius:28px;background:' +
    colour +
    ';color:#fff;' +
    'font:600 16px/1.2 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;' +
    'box-shadow:0 4px 12px rgba(0,0,0,.25);cursor:pointer;z-index:2}' +
    '.launcher:focus-visible,.close:focus-visible{outline:3px solid #1570ef;outline-offset:2px}' +
    '.panel{position:fixed;' +
    side +
    ':16px;bottom:84px;width:min(400px,calc(100vw - 32px));' +
    'height:min(640px,calc(100vh - 110px));display:none;flex-direction:column;background:#fff;' +
    'border-radius:12px;overflow:hidden;box-shadow:0 8px 24px rgba(0,0,0,.3);z-index:1}' +
    '.panel.open{display:flex}' +
    '.bar{all:initial;display:flex;align-items:center;gap:8px;padding:6px 6px 6px 14px;background:' +
    colour +
    ';' +
    'color:#fff;font:600 16px/1.3 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}' +
    '.bar span{flex:1}' +
    '.close{all:initial;cursor:pointer;color:#fff;font:600 15px system-ui,sans-serif;padding:10px 12px;' +
    'border-radius:8px;border:1px solid rgba(255,255,255,.7)}' +
    'iframe{flex:1;width:100%;border:0;display:block}' +
    // A phone: the panel takes the whole screen so the answer has room.
    '@media (max-width:480px){.panel{left:0;right:0;top:0;bottom:0;width:100vw;height:100%;border-radius:0}' +
    '.panel.open~.launcher{display:none}}';
  var panel = document.createElement('div');
  panel.className = 'panel';
  panel.setAttribute('role', 'dialog');
  panel.setAttribute('aria-label', title);
  var bar = document.createElement('div');
  bar.className = 'bar';
  var barTitle = document.createElement('span');
  barTitle.textContent = title;
  var close = document.createElement('button');
  close.type = 'button';
  close.className = 'close';
  close.textContent = 'Đóng ✕';
  close.setAttribute('aria-label', 'Đóng cửa sổ trò chuyện');
  bar.appendChild(barTitle);
  bar.appendChild(close);
  panel.appendChild(bar);
  var launcher = document.createElement('button');
  launcher.type = 'button';
  launcher.className = 'launcher';
  launcher.textContent = title;
  launcher.setAttribute('aria-expanded', 'false');
  root.appendChild(style);
  root.appendChild(panel);
  root.appendChild(launcher);

  var frame = null;
  var isOpen = false;

  function createFrame() {
    frame = document.createElement('iframe');
    var query = new URLSearchParams({ embed: '1', title: title });
    if (greeting) query.set('greeting', greeting);
    frame.src = origin + '/?' + query.toString();
    frame.title = title;
    frame.addEventListener('load', focusChat);
    panel.appendChild(frame);
  }
  function focusChat() {
    if (!frame || !isOpen) return;
    frame.focus();
    frame.contentWindow.postMessage({ type: 'trolytthc:focus' }, origin);
  }
  function setOpen(open) {
    isOpen = open;
    if (open && !frame) createFrame();
    panel.classList.toggle('open', open);
    launcher.setAttribute('aria-expanded', String(open));
    if (open) focusChat();
    else launcher.focus();
  }

  launcher.addEventListener('click', function () {
    setOpen(!isOpen);
  });
  close.addEventListener('click', function () {
    setOpen(false);
  });
  root.addEventListener('keydown', function (e) {
    if (e.key === 'Escape' && isOpen) setOpen(false);
  });
  // Esc pressed inside the chat frame arrives as a message from that frame only.
  window.addEventListener('message', function (e) {
    if (
      frame &&
      e.source === frame.contentWindow &&
      e.origin === origin &&
      e.data &&
      e.data.type === 'trolytthc:close'
    )
      setOpen(false);
  });

  function mount() {
    document.body.appendChild(host);
  }
  if (document.body) mount();
  else document.addEventListener('DOMContentLoaded', mount);
})();
