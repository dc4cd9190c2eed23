// Draws the overview charts from /admin/api/overview with the locally served Chart.js.
(function () {
  'use strict';
  var section = document.getElementById('charts');
  if (!section || !window.Chart) return;
  var Chart = window.Chart;
  var COLOURS = {
    web: '#ef6c00',
    zalo: '#0068ff',
    messenger: '#a033ff',
    telegram: '#26a5e4',
    cli: '#6d6d6d',
  };
  var NAMES = { web: 'Web', zalo: 'Zalo', messenger: 'Messenger', telegram: 'Telegram', cli: 'Terminal' };
  // A fresh object per chart: Chart.js writes resolved scales back into the options it gets.
  // Tooltips follow the pointer along the line (every series of the day under it).
  function options(extra) {
    return Object.assign(
      {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        interaction: { mode: 'index', intersect: false },
      },
      extra || {},
    );
  }
  function noData(canvas) {
    var p = document.createElement('p');
    p.className = 'empty';
    p.textContent = 'Chưa có dữ liệu trong kỳ này.';
    canvas.replaceWith(p);
  }

  fetch('/admin/api/overview?' + section.dataset.query, { credentials: 'same-origin' })
    .then(function (res) {
      if (!res.ok) throw new Error('HTTP ' + res.status);
      return res.json();
    })
    .then(function (data) {
      var daily = data.daily;
      var empty = data.report.messagesIn === 0 || daily.days.length === 0;
      if (empty) {
        ['chart-citizens', 'chart-topics', 'chart-fallback'].forEach(function (id) {
          noData(document.getElementById(id));
        });
        section.dataset.rendered = 'true';
        return;
      }
      new Chart(document.getElementById('chart-citizens'), {
        type: 'line',
        data: {
          labels: daily.days,
          datasets: Object.keys(daily.citizens).map(function (ch) {
            return {
              label: NAMES[ch] || ch,
              data: daily.citizens[ch],
              borderColor: COLOURS[ch] || '#333',
              backgroundColor: COLOURS[ch] || '#333',
              pointRadius: 0,
              borderWidth: 2,
            };
          }),
        },
        options: options(),
      });
      // The most asked answers by their titles (procedures by name, not ids).
      var topics = data.report.intents.slice(0, 10);
      new Chart(document.getElementById('chart-topics'), {
        type: 'bar',
        data: {
          labels: topics.map(function (t) {
            return data.titles[t.key] || t.key;
          }),
          datasets: [
            {
              label: 'Số câu hỏi',
              data: topics.map(function (t) {
                return t.n;
              }),
              backgroundColor: '#2e7d32',
            },
          ],
        },
        options: options({ indexAxis: 'y' }),
      });
      new Chart(document.getElementById('chart-fallback'), {
        type: 'line',
        data: {
          labels: daily.days,
          datasets: [
            {
              label: 'Tỷ lệ chưa trả lời được (%)',
              data: daily.fallbackRate.map(function (r) {
                return r === null ? null : Math.round(r * 1000) / 10;
              }),
              borderColor: '#c62828',
              backgroundColor: '#c62828',
              pointRadius: 0,
              spanGaps: true,
              borderWidth: 2,
            },
          ],
        },
        options: options({ scales: { y: { min: 0 } } }),
      });
      section.dataset.rendered = 'true';
    })
    .catch(function (err) {
      var p = document.createElement('p');
      p.className = 'error';
      p.textContent = 'Không tải được biểu đồ: ' + err.message;
      section.appendChild(p);
    });
})();
