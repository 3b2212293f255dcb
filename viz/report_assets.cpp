// SPDX-License-Identifier: Apache-2.0
// File: viz/report_assets.cpp (layer: viz)
// Inline CSS and JS of the HTML report. Plain ES2017, no library, no network.
#include "viz/report_assets.hpp"

namespace mqcheck::viz {

char const* report_css() {
  return R"(body{font:14px/1.45 system-ui,sans-serif;margin:0 auto;max-width:1400px;padding:16px;
color:#24292f}
h1{font-size:22px}h2{font-size:18px;border-bottom:1px solid #d0d7de;padding-bottom:4px}
table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #d0d7de;padding:3px 8px;
text-align:left;vertical-align:top}th{background:#f6f8fa}
.v-valid{color:#1a7f37;font-weight:bold}.v-invalid{color:#cf222e;font-weight:bold}
.v-unknown{color:#9a6700;font-weight:bold}.mismatch{background:#ffebe9}
pre{background:#f6f8fa;padding:8px;overflow:auto;max-height:400px}
.diagram{overflow:auto;max-height:720px;border:1px solid #d0d7de}
.note{color:#57606a}
#mq-stepper{position:sticky;top:0;background:#fff;border:2px solid #0969da;padding:8px;z-index:2}
#mq-stepper button{font-size:14px;margin-right:4px}
#mq-says{font-weight:bold}#mq-why{color:#24292f}#mq-witness{color:#cf222e;font-weight:bold}
#mq-nodes-view{display:flex;flex-wrap:wrap;gap:8px;margin-top:8px;max-height:320px;overflow:auto}
.node{border:1px solid #d0d7de;min-width:200px;padding:4px;font:12px monospace}
.node h3{margin:0 0 4px 0;font-size:13px}.node .role{color:#57606a;font-weight:normal}
.node .chg{background:#fff8c5}.node td{border:none;padding:0 6px 0 0}
.legend span{margin-right:14px}
)";
}

char const* report_js() {
  return R"JS((function () {
  'use strict';
  if (window.performance && performance.mark) performance.mark('mq-script-start');
  var data = JSON.parse(document.getElementById('mq-steps').textContent);
  var nodes = JSON.parse(document.getElementById('mq-nodes').textContent);
  var steps = data.steps;
  var state = new Map();
  var rowsMax = 200;
  nodes.forEach(function (n) { state.set(n[0], new Map()); });
  Object.keys(data.initial).forEach(function (node) {
    if (!state.has(node)) state.set(node, new Map());
    var rows = data.initial[node];
    Object.keys(rows).forEach(function (k) { state.get(node).set(k, rows[k]); });
  });
  var byOp = new Map();
  steps.forEach(function (s, i) { byOp.set(s.op, i); });
  var cur = -1;
  var collator = new Intl.Collator('en', {numeric: true});
  function el(id) { return document.getElementById(id); }
  function apply(changes, which) {
    changes.forEach(function (c) {
      if (!state.has(c[0])) state.set(c[0], new Map());
      if (c[which] === '') state.get(c[0]).delete(c[1]); else state.get(c[0]).set(c[1], c[which]);
    });
  }
  function go(target) {
    target = Math.max(-1, Math.min(steps.length - 1, target));
    while (cur < target) { cur += 1; apply(steps[cur].ch, 3); }
    while (cur > target) { apply(steps[cur].ch, 2); cur -= 1; }
    render();
  }
  function roleOf(node) {
    for (var i = 0; i < nodes.length; i++) if (nodes[i][0] === node) return nodes[i][1];
    return 'node';
  }
  function renderNodes(changed) {
    var view = el('mq-nodes-view');
    view.textContent = '';
    var names = nodes.map(function (n) { return n[0]; });
    state.forEach(function (_, node) { if (names.indexOf(node) < 0) names.push(node); });
    names.forEach(function (node) {
      var box = document.createElement('div');
      box.className = 'node';
      box.setAttribute('data-node', node);
      var h = document.createElement('h3');
      h.textContent = node + ' ';
      var role = document.createElement('span');
      role.className = 'role';
      role.textContent = roleOf(node);
      h.appendChild(role);
      box.appendChild(h);
      var rows = state.get(node) || new Map();
      var keys = Array.from(rows.keys()).sort(collator.compare);
      var table = document.createElement('table');
      keys.slice(0, rowsMax).forEach(function (k) {
        var tr = document.createElement('tr');
        if (changed.has(node + '\u0000' + k)) tr.className = 'chg';
        var a = document.createElement('td'); a.textContent = k;
        var b = document.createElement('td'); b.textContent = rows.get(k);
        tr.appendChild(a); tr.appendChild(b); table.appendChild(tr);
      });
      if (keys.length === 0) {
        var tr = document.createElement('tr'); var td = document.createElement('td');
        td.textContent = '(empty)'; tr.appendChild(td); table.appendChild(tr);
      }
      box.appendChild(table);
      if (keys.length > rowsMax) {
        var more = document.createElement('div');
        more.textContent = '\u2026 ' + (keys.length - rowsMax) + ' more rows';
        box.appendChild(more);
      }
      view.appendChild(box);
    });
  }
  var marked = null;
  function render() {
    var s = cur >= 0 ? steps[cur] : null;
    el('mq-counter').textContent = 'step ' + (cur + 1) + ' / ' + steps.length +
        (s ? ' \u00b7 op #' + s.op : '');
    el('mq-says').textContent = s ? s.says : 'Before the first step. Press \u2192 or Next.';
    el('mq-why').textContent = s ? s.why : '';
    el('mq-witness').textContent = s && s.witness ? s.witness : '';
    var changed = new Set();
    if (s) s.ch.forEach(function (c) { changed.add(c[0] + '\u0000' + c[1]); });
    renderNodes(changed);
    if (marked) marked.classList.remove('cur');
    marked = s ? document.getElementById('op-' + s.op) : null;
    if (marked) {
      marked.classList.add('cur');
      if (marked.scrollIntoView) marked.scrollIntoView({block: 'nearest', inline: 'nearest'});
    }
  }
  el('mq-first').addEventListener('click', function () { go(-1); });
  el('mq-prev').addEventListener('click', function () { go(cur - 1); });
  el('mq-next').addEventListener('click', function () { go(cur + 1); });
  el('mq-last').addEventListener('click', function () { go(steps.length - 1); });
  document.addEventListener('keydown', function (e) {
    if (e.key === 'ArrowRight') { go(cur + 1); e.preventDefault(); }
    else if (e.key === 'ArrowLeft') { go(cur - 1); e.preventDefault(); }
    else if (e.key === 'Home') { go(-1); e.preventDefault(); }
    else if (e.key === 'End') { go(steps.length - 1); e.preventDefault(); }
  });
  document.querySelectorAll('.st .mark').forEach(function (m) {
    m.addEventListener('click', function () {
      var op = Number(m.id.slice(3));
      if (byOp.has(op)) go(byOp.get(op));
    });
  });
  document.querySelectorAll('a.wit').forEach(function (a) {
    a.addEventListener('click', function () {
      var op = Number(a.getAttribute('data-op'));
      if (byOp.has(op)) go(byOp.get(op));
    });
  });
  render();
  if (window.performance && performance.mark) performance.mark('mq-script-end');
  document.body.setAttribute('data-ready', '1');
})();
)JS";
}

}  // namespace mqcheck::viz
