// Embeddable web chat: a commune website pastes
//   <script src="https://YOUR-BOT-ADDRESS/widget.js" defer></script>
// and gets a chat button in the bottom-right corner that opens the chat in a frame.
(function () {
  'use strict';
  var script = document.currentScript;
  var origin = script ? new URL(script.src).origin : '';
  var open = false;
  var frame = document.createElement('iframe');
  frame.src = origin + '/';
  frame.title = 'Trợ lý TTHC';
  frame.style.cssText =
    'position:fixed;right:16px;bottom:84px;width:min(380px,calc(100vw - 32px));height:min(600px,calc(100vh - 110px));border:0;border-radius:12px;box-shadow:0 8px 24px rgba(0,0,0,.25);display:none;z-index:2147483646;background:#fff';
  var button = document.createElement('button');
  button.type = 'button';
  button.textContent = 'Hỏi Trợ lý TTHC';
  button.setAttribute('aria-expanded', 'false');
  button.style.cssText =
    'position:fixed;right:16px;bottom:16px;padding:14px 18px;border:0;border-radius:28px;background:#b42318;color:#fff;font:600 16px system-ui,sans-serif;box-shadow:0 4px 12px rgba(0,0,0,.25);cursor:pointer;z-index:2147483647';
  button.addEventListener('click', function () {
    open = !open;
    frame.style.display = open ? 'block' : 'none';
    button.textContent = open ? 'Đóng' : 'Hỏi Trợ lý TTHC';
    button.setAttribute('aria-expanded', String(open));
  });
  document.body.appendChild(frame);
  document.body.appendChild(button);
})();
