// SPDX-License-Identifier: Apache-2.0
// File: tests/browser/cdp.js (tests, browser)
// A minimal Chrome DevTools Protocol client over --remote-debugging-pipe: Chromium reads
// NUL-terminated JSON commands on fd 3 and writes replies and events on fd 4. No npm package
// and no network port are needed; Node.js and Debian's chromium are all (scripts/setup).
'use strict';
const {spawn} = require('child_process');

const flags = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic',
  '--remote-debugging-pipe'];

/// Starts Chromium with a fresh profile directory; returns {send, waitEvent, on, close}.
function launch(executable, profileDir) {
  const child = spawn(executable, flags.concat(['--user-data-dir=' + profileDir, 'about:blank']),
    {stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe']});
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; });
  const pending = new Map();
  const waiters = [];
  const listeners = [];
  let nextId = 1;
  let buffer = '';
  child.stdio[4].on('data', (chunk) => {
    buffer += chunk.toString('utf8');
    let end;
    while ((end = buffer.indexOf('\0')) >= 0) {
      const message = JSON.parse(buffer.slice(0, end));
      buffer = buffer.slice(end + 1);
      if (message.id && pending.has(message.id)) {
        const {resolve, reject} = pending.get(message.id);
        pending.delete(message.id);
        if (message.error) reject(new Error(JSON.stringify(message.error)));
        else resolve(message.result);
      } else if (message.method) {
        listeners.forEach((l) => { if (l.method === message.method) l.fn(message.params); });
        for (let i = 0; i < waiters.length; i++) {
          if (waiters[i].method === message.method) {
            waiters.splice(i, 1)[0].resolve(message.params);
            break;
          }
        }
      }
    }
  });
  function send(method, params, sessionId) {
    const id = nextId++;
    const message = {id, method, params: params || {}};
    if (sessionId) message.sessionId = sessionId;
    child.stdio[3].write(JSON.stringify(message) + '\0');
    return new Promise((resolve, reject) => pending.set(id, {resolve, reject}));
  }
  function waitEvent(method) {
    return new Promise((resolve) => waiters.push({method, resolve}));
  }
  function on(method, fn) { listeners.push({method, fn}); }
  function close() {
    try { child.kill('SIGTERM'); } catch (e) { /* already gone */ }
  }
  child.on('exit', (code) => {
    for (const {reject} of pending.values()) {
      reject(new Error('chromium exited ' + code + '\n' + stderr));
    }
  });
  return {send, waitEvent, on, close};
}

/// Opens a page target and returns a session-bound {call, waitEvent, evaluate}.
async function openPage(browser, width, height) {
  const {targetId} = await browser.send('Target.createTarget', {url: 'about:blank'});
  const {sessionId} = await browser.send('Target.attachToTarget', {targetId, flatten: true});
  const call = (method, params) => browser.send(method, params, sessionId);
  await call('Page.enable');
  await call('Runtime.enable');
  await call('Emulation.setDeviceMetricsOverride',
    {width, height, deviceScaleFactor: 1, mobile: false});
  async function evaluate(expression) {
    const r = await call('Runtime.evaluate', {expression, returnByValue: true});
    if (r.exceptionDetails) throw new Error('page error: ' + JSON.stringify(r.exceptionDetails));
    return r.result.value;
  }
  async function press(key, code, keyCode) {
    for (const type of ['keyDown', 'keyUp']) {
      await call('Input.dispatchKeyEvent', {type, key, code, windowsVirtualKeyCode: keyCode});
    }
  }
  return {call, evaluate, press, waitEvent: browser.waitEvent};
}

module.exports = {launch, openPage};
