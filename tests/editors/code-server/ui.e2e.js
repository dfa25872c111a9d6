// End-to-end test of the installed .vsix in code-server, driven like a user in headless Chromium:
// the extension activates, the status bar shows the step count, hover shows the config class, the
// suggest widget lists step names inside add_node(", the typo gets a squiggle with "Did you mean".
// Screenshots go to $HR_SHOTS. Env: HR_URL (code-server), HR_FOLDER (the examples copy).
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { launch, stopwatch } = require('./common');

const URL = process.env.HR_URL || 'http://127.0.0.1:18080';
const FOLDER = process.env.HR_FOLDER;
const SHOTS = process.env.HR_SHOTS || '/tmp/hr-shots';
// Optional: an interpreter that cannot import the server.
const BARE_PYTHON = process.env.HR_BARE_PYTHON;

const checks = [];
function check(name, ok, detail = '') {
  checks.push({ name, ok: Boolean(ok), detail: String(detail).slice(0, 400) });
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}${detail ? ` — ${String(detail).replace(/\s+/g, ' ').slice(0, 200)}` : ''}`);
}

async function quickOpen(page, name) {
  await page.keyboard.press('Control+p');
  await page.waitForSelector('.quick-input-widget input', { state: 'visible', timeout: 10000 });
  await page.keyboard.type(name);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: name }).first().waitFor({ timeout: 15000 });
  await page.keyboard.press('Enter');
  await page.locator('.tabs-container .tab.active', { hasText: name }).waitFor({ timeout: 15000 });
  await page.waitForSelector('.editor-instance .view-lines .view-line', { timeout: 30000 });
}

/** The token span of a visible line whose text contains `text` (Monaco renders one span per token). */
function token(page, text) {
  return page.locator('.editor-instance .view-line span span', { hasText: text }).first();
}

async function runCommand(page, title) {
  await page.keyboard.press('F1');
  await page.waitForSelector('.quick-input-widget input', { state: 'visible', timeout: 10000 });
  await page.keyboard.type(title);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first().waitFor({ timeout: 15000 });
  await page.keyboard.press('Enter');
}

(async () => {
  if (!FOLDER) throw new Error('HR_FOLDER is not set');
  fs.mkdirSync(SHOTS, { recursive: true });
  const lap = stopwatch();
  const { page, close } = await launch();
  let failed = false;
  try {
    await page.goto(`${URL}/?folder=${encodeURIComponent(FOLDER)}`, { waitUntil: 'domcontentloaded' });
    await page.waitForSelector('.explorer-folders-view .monaco-list-row', { timeout: 90000 });
    lap('workbench ready');
    await page.locator('.monaco-workbench').click({ position: { x: 640, y: 400 } });

    await quickOpen(page, 'xgboost_pipeline.py');
    lap('xgboost_pipeline.py open');

    // 1. activation + server + registry loaded: the status bar item shows "<n> steps"
    const status = page.locator('.statusbar-item', { hasText: /\d+ steps?/ }).first();
    try {
      await status.waitFor({ timeout: 90000 });
      const text = (await status.innerText()).replace(/\s+/g, ' ').trim();
      const n = Number(/(\d+) steps?/.exec(text)[1]);
      check('status bar shows the step count', n >= 22, text);
    } catch (e) {
      const items = await page.locator('.statusbar-item').allInnerTexts();
      check('status bar shows the step count', false, `${e.message.split('\n')[0]}; items: ${items.join(' | ')}`);
    }
    lap('status item');
    await page.screenshot({ path: `${SHOTS}/status-bar.png` });

    // 2. hover on a step name shows its config class
    await page.keyboard.press('Escape');
    const stepToken = token(page, 'TabularPreprocessing_training');
    await stepToken.waitFor({ timeout: 15000 });
    const hover = page.locator('.monaco-hover:not(.hidden)', { hasText: 'TabularPreprocessingConfig' }).first();
    let hoverText = '';
    for (let attempt = 0; attempt < 10 && !hoverText; attempt++) {
      await page.mouse.move(0, 0);
      await stepToken.hover();
      try {
        await hover.waitFor({ timeout: 3000 });
        await page.waitForTimeout(300);
        hoverText = (await hover.innerText()).replace(/\s+/g, ' ').trim();
      } catch { /* the server may still be loading: hover again */ }
    }
    check('hover on a step name shows its config class', hoverText.includes('TabularPreprocessingConfig'), hoverText);
    await page.screenshot({ path: `${SHOTS}/hover.png` });
    lap('hover');

    // 3. completion inside add_node(" on a new line after dag.add_node("Package")
    await page.mouse.move(0, 0);
    await page.keyboard.press('Escape');
    await token(page, 'Package').click();
    await page.keyboard.press('End');
    await page.keyboard.press('Enter');
    await page.keyboard.type('dag.add_node("', { delay: 30 });
    const rows = page.locator('.suggest-widget.visible .monaco-list-row');
    try {
      try { await rows.first().waitFor({ timeout: 5000 }); } catch { await page.keyboard.press('Control+Space'); await rows.first().waitFor({ timeout: 15000 }); }
      await page.waitForTimeout(500);
      const all = await rows.allInnerTexts();
      await page.screenshot({ path: `${SHOTS}/completion.png` });
      // The list is virtualised: narrow it to find a given step.
      await page.keyboard.type('XGBoostTr', { delay: 30 });
      await page.locator('.suggest-widget.visible .monaco-list-row', { hasText: 'XGBoostTraining' }).first().waitFor({ timeout: 10000 });
      const narrowed = await rows.allInnerTexts();
      check('suggest widget lists step names inside add_node("',
        all.length >= 5 && narrowed.some((r) => r.includes('XGBoostTraining')), `${all.slice(0, 4).join(' | ')} … ${narrowed.join(' | ')}`);
    } catch (e) {
      check('suggest widget lists step names inside add_node("', false, e.message.split('\n')[0]);
      await page.screenshot({ path: `${SHOTS}/completion.png` });
    }
    await page.keyboard.press('Escape');
    lap('completion');
    // leave the buffer as it was (never saved)
    for (let i = 0; i < 8; i++) await page.keyboard.press('Control+z');

    // 4. the typo in pytorch_pipeline.py: an error squiggle whose hover says "Did you mean"
    // Monaco renders only visible lines: go to the typo's line.
    const typoFile = path.join(FOLDER, 'pipelines', 'pytorch_pipeline.py');
    const typoLine = fs.readFileSync(typoFile, 'utf8').split('\n').findIndex((l) => l.includes('XGBoostTrainng')) + 1;
    await quickOpen(page, 'pytorch_pipeline.py');
    await page.keyboard.press('Control+g');
    await page.waitForSelector('.quick-input-widget input', { state: 'visible', timeout: 10000 });
    await page.keyboard.type(String(typoLine));
    await page.keyboard.press('Enter');
    try {
      const typo = token(page, 'XGBoostTrainng_training');
      await typo.waitFor({ timeout: 15000 });
      await page.waitForSelector('.squiggly-error', { timeout: 60000 });
      const diagHover = page.locator('.monaco-hover:not(.hidden)', { hasText: /Did you mean/i }).first();
      let text = '';
      for (let attempt = 0; attempt < 5 && !text; attempt++) {
        await page.mouse.move(0, 0);
        await typo.hover();
        try { await diagHover.waitFor({ timeout: 4000 }); await page.waitForTimeout(300); text = (await diagHover.innerText()).replace(/\s+/g, ' ').trim(); } catch { /* again */ }
      }
      check('the typo has an error squiggle with "Did you mean"', /Did you mean/i.test(text) && text.includes('XGBoostTraining'), text);
    } catch (e) {
      check('the typo has an error squiggle with "Did you mean"', false, e.message.split('\n')[0]);
    }
    await page.screenshot({ path: `${SHOTS}/diagnostics.png` });
    lap('diagnostics');

    // 5. the status view (for the README)
    await page.mouse.move(0, 0);
    await page.keyboard.press('Escape');
    try {
      await runCommand(page, 'Hybrid Registry: Show Registry Status');
      const preview = page.frameLocator('iframe.webview.ready').frameLocator('iframe').locator('h1', { hasText: 'Hybrid Registry status' });
      await preview.waitFor({ timeout: 20000 });
      check('Show Registry Status opens the status view', true);
    } catch (e) {
      check('Show Registry Status opens the status view', false, e.message.split('\n')[0]);
    }
    await page.waitForTimeout(500);
    await page.screenshot({ path: `${SHOTS}/status-view.png` });
    lap('status view');

    const notes = await page.locator('.notifications-toasts .notification-list-item-message').allInnerTexts().catch(() => []);
    const bad = notes.filter((n) => /Hybrid Registry/.test(n) && /not installed|not found|failed/i.test(n));
    check('no error notification from the extension', bad.length === 0, bad.join(' | '));

    // 6. an interpreter without the server: one clear notification with the pip command
    if (BARE_PYTHON) {
      // (the focus is in the preview's webview, which keeps keyboard shortcuts: click the tab)
      await page.locator('.tabs-container .tab', { hasText: 'xgboost_pipeline.py' }).first().click();
      await page.locator('.tabs-container .tab.active', { hasText: 'xgboost_pipeline.py' }).waitFor({ timeout: 15000 });
      // Folder settings: VS Code watches them (like a user editing .vscode/settings.json).
      const folderSettings = path.join(FOLDER, '.vscode', 'settings.json');
      fs.mkdirSync(path.dirname(folderSettings), { recursive: true });
      fs.writeFileSync(folderSettings, JSON.stringify({ 'hybridRegistry.interpreter': BARE_PYTHON }, null, 2));
      try {
        const toast = page.locator('.notifications-toasts .notification-list-item', { hasText: 'pip install hybrid-registry-lsp' }).first();
        await toast.waitFor({ timeout: 60000 });
        await page.waitForTimeout(300);
        const text = (await toast.innerText()).replace(/\s+/g, ' ').trim();
        const buttons = await toast.locator('.monaco-button').allInnerTexts();
        check('a missing server gets one notification naming the interpreter and the pip command',
          text.includes(BARE_PYTHON) && text.includes(`${BARE_PYTHON} -m pip install hybrid-registry-lsp`) && buttons.includes('Open Setting'),
          `${text} [${buttons.join(', ')}]`);
        await page.screenshot({ path: `${SHOTS}/not-installed.png` });
        const statusText = (await page.locator('.statusbar-item', { hasText: 'not installed' }).first().innerText()).trim();
        check('the status item says the server is not installed', /not installed/.test(statusText), statusText);
      } catch (e) {
        check('a missing server gets one notification naming the interpreter and the pip command', false, e.message.split('\n')[0]);
        await page.screenshot({ path: `${SHOTS}/not-installed.png` });
      } finally {
        fs.rmSync(folderSettings);
      }
      // back to the working interpreter: the server restarts by itself
      try {
        await page.locator('.statusbar-item', { hasText: /\d+ steps?/ }).first().waitFor({ timeout: 60000 });
        check('restoring the interpreter setting restarts the server', true);
      } catch (e) {
        check('restoring the interpreter setting restarts the server', false, e.message.split('\n')[0]);
      }
      lap('interpreter without the server');
    }
  } catch (e) {
    failed = true;
    console.error(e);
    await page.screenshot({ path: `${SHOTS}/failure.png` }).catch(() => {});
  } finally {
    await close();
  }
  const passed = checks.filter((c) => c.ok).length;
  const nFailed = checks.length - passed + (failed ? 1 : 0);
  fs.writeFileSync(`${SHOTS}/ui-e2e-result.json`, JSON.stringify({ checks, failed }, null, 2));
  console.log(`ui e2e: ${passed} passed, ${nFailed} failed`);
  process.exit(nFailed === 0 && checks.length >= 6 ? 0 : 1);
})().catch((e) => { console.error(e); process.exit(1); });
