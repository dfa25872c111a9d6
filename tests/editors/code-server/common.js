// Shared by the code-server scripts: headless Debian Chromium through playwright-core (from the
// extension's node_modules), with a throw-away profile. Env: HR_EXT_DIR, HR_RUN_DIR, CHROMIUM.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { createRequire } = require('node:module');

const EXT_DIR = process.env.HR_EXT_DIR || path.resolve(__dirname, '../../../vscode-extension');
const RUN_DIR = process.env.HR_RUN_DIR || fs.mkdtempSync('/tmp/hr-e2e-');
const { chromium } = createRequire(path.join(EXT_DIR, 'package.json'))('playwright-core');

async function launch(extraArgs = []) {
  const profile = fs.mkdtempSync(path.join(RUN_DIR, 'chromium-profile-'));
  const ctx = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    viewport: { width: 1280, height: 800 },
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-dev-shm-usage',
      '--disable-background-networking', '--disable-component-update', '--disable-sync', ...extraArgs],
  });
  const close = async () => {
    await ctx.close().catch(() => {});
    fs.rmSync(profile, { recursive: true, force: true });
  };
  return { ctx, page: ctx.pages()[0] || (await ctx.newPage()), close };
}

function stopwatch() {
  const t0 = Date.now();
  return (msg) => console.log(`[${((Date.now() - t0) / 1000).toFixed(1)}s] ${msg}`);
}

module.exports = { EXT_DIR, RUN_DIR, launch, stopwatch };
