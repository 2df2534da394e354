import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import integrationSetup from '../../../test/setup/global-setup';

const WEB = join(__dirname, '..', '..');

/** The newest modification time under `dir`. */
function newest(dir: string): number {
  let t = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    t = Math.max(t, entry.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

/**
 * The browser specs need what the integration specs need (a migrated template database), plus a build
 * of the app that matches its sources: `npm run build` makes one, and a run after an edit rebuilds.
 */
export default async function globalSetup(): Promise<void> {
  // The integration project's set-up may have made the template already (one jest run, several projects).
  if (!process.env.JUMPGATE_TEST_TEMPLATE) await integrationSetup();
  const index = join(WEB, 'dist', 'index.html');
  const stale =
    !existsSync(index) ||
    Math.max(newest(join(WEB, 'src')), statSync(join(WEB, 'index.html')).mtimeMs) > statSync(index).mtimeMs;
  if (stale) {
    execFileSync(process.execPath, [join(WEB, '..', 'node_modules', 'vite', 'bin', 'vite.js'), 'build'], {
      cwd: WEB,
      stdio: ['ignore', 'ignore', 'inherit'],
    });
  }
}
