import { defineConfig } from '@playwright/test';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ADMIN_PASSWORD, BASE_URL, PORT } from './tests/fixtures';

// The server under test: a debug build with the wasm bundle embedded
// (`CARGO_TARGET_DIR=/var/tmp/bosun-target cargo xtask build`).
const bosunBin = process.env.BOSUN_BIN ?? '/var/tmp/bosun-target/debug/bosun';
const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
// The agent binary the server's /agent/install.sh hands out (built next to bosun).
const agentBin = process.env.BOSUN_AGENT_BIN ?? path.join(path.dirname(bosunBin), 'bosun-agent');

// A fresh SQLite data directory for every run, so the first start creates the admin
// with ADMIN_PASSWORD and no state leaks between runs. The config file is evaluated
// in the runner and again in each worker process (which Playwright marks with
// TEST_WORKER_INDEX); only the runner creates the directory, the workers inherit its
// name. global-teardown.ts removes it.
const dataDir =
  process.env.TEST_WORKER_INDEX !== undefined && process.env.BOSUN_E2E_DATA_DIR
    ? process.env.BOSUN_E2E_DATA_DIR
    : fs.mkdtempSync(path.join(os.tmpdir(), 'bosun-e2e-'));
process.env.BOSUN_E2E_DATA_DIR = dataDir;

// Never let Playwright fetch browsers: we use Debian's Chromium.
process.env.PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD = '1';
// Debian's Node is 20; the pinned SDK only warns about it. Keep the output quiet.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
// SQLite in the data dir: no PostgreSQL URL may leak in from the shell.
delete process.env.DATABASE_URL;

export default defineConfig({
  testDir: './tests',
  // The machine is small and shared; one browser at a time.
  workers: 1,
  fullyParallel: false,
  retries: 0,
  forbidOnly: !!process.env.CI,
  // Debug server build and a ~12 MB dev wasm bundle: pages take a while to hydrate.
  timeout: 60_000,
  expect: { timeout: 15_000 },
  reporter: 'list',
  use: {
    baseURL: BASE_URL,
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    actionTimeout: 15_000,
    navigationTimeout: 30_000,
    launchOptions: {
      executablePath: chromium,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
  },
  globalTeardown: './global-teardown.ts',
  projects: [{ name: 'chromium', use: { browserName: 'chromium' } }],
  webServer: {
    command: `"${bosunBin}" serve --listen 127.0.0.1:${PORT} --data-dir "${dataDir}" --agent-binary "${agentBin}"`,
    url: `${BASE_URL}/healthz`,
    reuseExistingServer: false,
    timeout: 60_000,
    stdout: 'ignore',
    stderr: 'pipe',
    env: {
      BOSUN_ADMIN_PASSWORD: ADMIN_PASSWORD,
      BOSUN_DATA_DIR: dataDir,
      RUST_LOG: process.env.RUST_LOG ?? 'warn',
    },
  },
});
