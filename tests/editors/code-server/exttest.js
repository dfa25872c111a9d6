// Runs the extension's mocha suite (vscode-extension/out/test/e2e/suite) inside code-server's real
// extension host, loading the extension from source (extensionDevelopmentPath). code-server 4.100
// honours that URL payload only with the smoke-test driver on, which we patch into the served page.
// Env: HR_URL, HR_FOLDER or HR_WORKSPACE (a .code-workspace file), HR_TEST_RESULT (written by the
// suite; must also be set on code-server).
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { EXT_DIR, RUN_DIR, launch, stopwatch } = require('./common');

const URL = new globalThis.URL(process.env.HR_URL || 'http://127.0.0.1:18080');
const FOLDER = process.env.HR_FOLDER;
const WORKSPACE = process.env.HR_WORKSPACE;
const RESULT = process.env.HR_TEST_RESULT;
const SHOTS = process.env.HR_SHOTS || '/tmp/hr-shots';
const TIMEOUT_MS = Number(process.env.HR_EXTTEST_TIMEOUT_MS || 240000);

(async () => {
  if (!(FOLDER || WORKSPACE) || !RESULT) throw new Error('HR_FOLDER or HR_WORKSPACE, and HR_TEST_RESULT must be set');
  fs.rmSync(RESULT, { force: true });
  const lap = stopwatch();
  // A page fulfilled by page.route has no IP address space; without this flag Chromium blocks its
  // WebSocket to 127.0.0.1 (ERR_BLOCKED_BY_LOCAL_NETWORK_ACCESS_CHECKS).
  const { page, close } = await launch(['--disable-features=LocalNetworkAccessChecks']);
  const consoleLog = fs.createWriteStream(path.join(RUN_DIR, 'exthost-console.log'));
  page.on('console', (m) => {
    const t = m.text().replace(/^%c\s*\w+\s+color:\s*#\w+\s*/, '');
    consoleLog.write(`${m.type()} ${t}\n`);
    if (/HR-MOCHA-DONE|passing|failing|pending|✔|✓|^\s*\d+\) |Error:/.test(t)) console.log('[exthost]', t.slice(0, 400));
  });
  await page.route((u) => u.origin === URL.origin && u.pathname === '/', async (route) => {
    const resp = await route.fetch();
    const body = (await resp.text()).replace('&quot;developmentOptions&quot;:{',
      '&quot;developmentOptions&quot;:{&quot;enableSmokeTestDriver&quot;:true,');
    await route.fulfill({ response: resp, body });
  });
  const remote = (p) => `vscode-remote://${URL.host}${p}`;
  const payload = [['extensionDevelopmentPath', remote(EXT_DIR)],
    ['extensionTestsPath', remote(path.join(EXT_DIR, 'out/test/e2e/suite/index.js'))]];
  const target = WORKSPACE ? `workspace=${encodeURIComponent(WORKSPACE)}` : `folder=${encodeURIComponent(FOLDER)}`;
  await page.goto(`${URL.origin}/?${target}&payload=${encodeURIComponent(JSON.stringify(payload))}`,
    { waitUntil: 'domcontentloaded' });
  const t0 = Date.now();
  while (!fs.existsSync(RESULT) && Date.now() - t0 < TIMEOUT_MS) await new Promise((r) => setTimeout(r, 250));
  await new Promise((r) => setTimeout(r, 500));
  lap('extension-host suite finished');
  fs.mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: `${SHOTS}/exthost-tests${WORKSPACE ? '-multiroot' : ''}.png` }).catch(() => {});
  await close();
  consoleLog.end();
  const res = fs.existsSync(RESULT) ? JSON.parse(fs.readFileSync(RESULT, 'utf8')) : { ok: false, tests: [], error: 'no result file: the suite never ran (see exthost-console.log)' };
  fs.copyFileSync(RESULT, path.join(RUN_DIR, `exthost-result${WORKSPACE ? '-multiroot' : ''}.log`));
  for (const t of res.tests || []) console.log(`${t.state === 'passed' ? 'ok  ' : 'FAIL'} ${t.title}${t.error ? `\n     ${t.error.split('\n').slice(0, 4).join('\n     ')}` : ''}`);
  if (res.error) console.log(res.error);
  const passed = (res.tests || []).filter((t) => t.state === 'passed').length;
  console.log(`extension-host tests: ${passed} passed, ${(res.tests || []).length - passed} failed`);
  process.exit(res.ok ? 0 : 1);
})().catch((e) => { console.error(e); process.exit(1); });
