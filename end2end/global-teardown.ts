import * as fs from 'node:fs';

// Removes the run's data directory (created in playwright.config.ts).
export default function globalTeardown(): void {
  const dir = process.env.BOSUN_E2E_DATA_DIR;
  if (dir && !process.env.BOSUN_E2E_KEEP_DATA) {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
