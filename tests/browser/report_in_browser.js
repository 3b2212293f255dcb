// SPDX-License-Identifier: Apache-2.0
// File: tests/browser/report_in_browser.js (tests, browser)
// Loads generated HTML reports in headless Chromium and checks what a person would see: the
// verdict table and the space-time diagram render, the stepper moves with the arrow keys and
// the buttons and shows node state, and no script error occurs. Saves a screenshot, and
// prints how long the large report took to open (a figure, not a pass/fail threshold).
// Usage: node report_in_browser.js CHROMIUM PROFILE_DIR REPORT.html SHOT.png
//          [KAFKA.html KAFKA.png [BIG.html [BIG2.html]]]
'use strict';
const fs = require('fs');
const path = require('path');
const {launch, openPage} = require('./cdp.js');

let failures = 0;
function check(ok, what) {
  console.log((ok ? 'ok   ' : 'FAIL ') + what);
  if (!ok) failures += 1;
}

async function load(page, file) {
  const loaded = page.waitEvent('Page.loadEventFired');
  const started = process.hrtime.bigint();
  await page.call('Page.navigate', {url: 'file://' + path.resolve(file)});
  await loaded;
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  return ms;
}

async function checkReport(page, file, shot) {
  await load(page, file);
  const ready = await page.evaluate("document.body.getAttribute('data-ready')");
  check(ready === '1', 'the report script ran to the end (data-ready)');
  const verdicts = await page.evaluate(
    "document.getElementById('verdicts').nextElementSibling.innerText");
  check(/at-least-once\s+invalid/.test(verdicts), 'the verdict table shows at-least-once invalid');
  const marks = await page.evaluate("document.querySelectorAll('svg.st g.mark').length");
  check(marks > 0, 'the diagram has ' + marks + ' marks');
  const height = await page.evaluate(
    "document.querySelector('svg.st').getBoundingClientRect().height");
  check(height > 100, 'the diagram is laid out (' + Math.round(height) + 'px tall)');
  const lost = await page.evaluate("document.querySelectorAll('svg.st .mark.hl-lost').length");
  check(lost > 0, 'the lost messages are highlighted (' + lost + ' marks)');
  const counter = () => page.evaluate("document.getElementById('mq-counter').textContent");
  check(/^step 0 \//.test(await counter()), 'the stepper starts before the first step');
  await page.press('ArrowRight', 'ArrowRight', 39);
  await page.press('ArrowRight', 'ArrowRight', 39);
  await page.press('ArrowRight', 'ArrowRight', 39);
  const third = await counter();
  check(/^step 3 \//.test(third), 'three ArrowRight presses move to step 3: ' + third);
  await page.press('ArrowLeft', 'ArrowLeft', 37);
  check(/^step 2 \//.test(await counter()), 'ArrowLeft moves back to step 2');
  await page.evaluate("document.getElementById('mq-next').click()");
  check(/^step 3 \//.test(await counter()), 'the Next button moves to step 3');
  const says = await page.evaluate("document.getElementById('mq-says').textContent");
  check(says.length > 10 && !/^Before/.test(says), 'the step says what happened: ' + says);
  const rows = await page.evaluate("document.querySelectorAll('#mq-nodes-view .node tr').length");
  check(rows > 3, 'node state panels show ' + rows + ' rows');
  const broker = await page.evaluate(
    "Array.from(document.querySelectorAll('#mq-nodes-view .node'))" +
    ".map(n => n.textContent).join(' ')");
  check(/unsynced|durable/.test(broker), 'broker state shows whether stored messages are durable');
  const current = await page.evaluate("document.querySelectorAll('svg.st .mark.cur').length");
  check(current === 1, 'the current op is marked in the diagram');
  await page.evaluate("document.getElementById('mq-last').click()");
  const last = await counter();
  const m = /^step (\d+) \/ (\d+)/.exec(last);
  check(m && m[1] === m[2], 'Last jumps to the final step: ' + last);
  await page.press('Home', 'Home', 36);
  await page.press('ArrowRight', 'ArrowRight', 39);
  const png = await page.call('Page.captureScreenshot', {format: 'png'});
  fs.writeFileSync(shot, Buffer.from(png.data, 'base64'));
  console.log('screenshot: ' + shot);
}

// The tutorial's Kafka report (acks=1, leader crash): the narrowed diagram keeps the election
// and the truncation, and the stepper shows each replica's log end and high watermark.
async function checkKafka(page, file, shot) {
  await load(page, file);
  const ready = await page.evaluate("document.body.getAttribute('data-ready')");
  check(ready === '1', 'kafka: the report script ran to the end');
  const text = await page.evaluate(
    // Each mark's full text (its <title>): a label may be cut short to fit its lane.
    "Array.from(document.querySelectorAll('svg.st g.mark title')).map(t => t.textContent)" +
    ".join('\\n')");
  check(/leader orders-0 1 epoch 1/.test(text), 'kafka: the diagram shows the election');
  check(/truncate orders-0/.test(text), 'kafka: the diagram shows the truncation');
  const truncation = await page.evaluate(
    "(() => { const g = Array.from(document.querySelectorAll('svg.st g.mark'))" +
    ".find(m => /truncate orders-0/.test(m.textContent));" +
    " g.dispatchEvent(new MouseEvent('click', {bubbles: true})); return g.id; })()");
  const broker0 = await page.evaluate(
    "document.querySelector('#mq-nodes-view .node[data-node=\"broker-0\"]').textContent");
  check(/orders-0\.leo\s*142/.test(broker0),
    'kafka: after the truncation (' + truncation + ') broker-0 shows orders-0.leo 142');
  check(!/orders-0 @142/.test(broker0) && /orders-0 @141/.test(broker0),
    'kafka: the truncation removed broker-0\'s rows from offset 142 on');
  const says = await page.evaluate("document.getElementById('mq-says').textContent");
  check(/truncates its log of orders-0 to offset 142, dropping m143/.test(says),
    'kafka: the step says what the truncation dropped: ' + says.slice(0, 100));
  const png = await page.call('Page.captureScreenshot', {format: 'png'});
  fs.writeFileSync(shot, Buffer.from(png.data, 'base64'));
  console.log('screenshot: ' + shot);
}

async function timeBig(page, file, what) {
  const ms = await load(page, file);
  const ready = await page.evaluate("document.body.getAttribute('data-ready')");
  check(ready === '1', 'the large report\'s script ran to the end');
  const nav = await page.evaluate(
    "JSON.stringify(performance.getEntriesByType('navigation')[0].toJSON())");
  const entry = JSON.parse(nav);
  const marks = JSON.parse(await page.evaluate(
    "JSON.stringify(performance.getEntriesByType('mark').map(m => [m.name, m.startTime]))"));
  const at = (name) => { const m = marks.find((x) => x[0] === name); return m ? m[1] : NaN; };
  const bytes = fs.statSync(file).size;
  console.log('figure: parsed by ' + Math.round(entry.domInteractive) +
    ' ms; the report script ran ' +
    Math.round(at('mq-script-end') - at('mq-script-start')) + ' ms');
  console.log('figure: a 10,000-message report, ' + what + ' (' + (bytes / 1e6).toFixed(2) +
    ' MB), opened in ' +
    Math.round(entry.loadEventEnd) + ' ms (load event, page clock; ' + Math.round(ms) +
    ' ms measured from the navigate command)');
}

async function main() {
  const [chromium, profile, report, shot, kafka, kafkaShot, big, big2000] =
    process.argv.slice(2);
  const browser = launch(chromium, profile);
  const timer = setTimeout(() => {
    console.log('FAIL timed out');
    browser.close();
    process.exit(1);
  }, 90000);
  try {
    const errors = [];
    browser.on('Runtime.exceptionThrown', (e) => errors.push(JSON.stringify(e.exceptionDetails)));
    const page = await openPage(browser, 1400, 1600);
    await checkReport(page, report, shot);
    if (kafka) await checkKafka(page, kafka, kafkaShot);
    if (big) await timeBig(page, big, 'as mqcheck narrows it by default');
    if (big2000) await timeBig(page, big2000, 'its first 2,000 ops drawn');
    check(errors.length === 0, 'no script errors ' + errors.join('\n'));
  } finally {
    clearTimeout(timer);
    browser.close();
  }
  console.log(failures === 0 ? 'browser test passed' : failures + ' checks failed');
  process.exit(failures === 0 ? 0 : 1);
}

main().catch((e) => { console.log('FAIL ' + e.stack); process.exit(1); });
