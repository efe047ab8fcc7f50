import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

// Removes the run's data directory (created by playwright.config.ts), and nothing else:
// only a `bosun-e2e-*` folder directly in the temp dir. BOSUN_E2E_KEEP_DATA=1 keeps it
// for a look at the database after a failure.
export default function globalTeardown(): void {
  const dir = process.env.BOSUN_E2E_DATA_DIR;
  if (!dir) return;
  if (process.env.BOSUN_E2E_KEEP_DATA) {
    console.log(`bosun-e2e: kept the server's data directory ${dir}`);
    return;
  }
  if (path.dirname(dir) === os.tmpdir() && path.basename(dir).startsWith('bosun-e2e-')) {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
