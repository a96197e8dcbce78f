/**
 * The apk family through the built CLI (`./bin/repro-get`, after `npm run build`), with the real
 * distros/alpine.yaml and the fixture tree on 127.0.0.1 as the mirror: lock, fetch (busybox-style
 * SHA256SUMS), install --dry-run, dockerfile. Skipped with a message when dist/ is not built.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../support/cli.js';
import { startMirror, type Mirror } from '../../support/mirror.js';
import { FIXTURE_KEYS, TRUSTED_KEY } from './support/build.js';
import { buildFixtureTree, type FixtureTree } from './support/fixture-repo.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const BIN = join(root, 'bin/repro-get');
const built = existsSync(join(root, 'dist/cli.mjs'));

const run = (args: string[], cwd: string) => runCli(args, { cwd });

let tree: FixtureTree;
let mirror: Mirror;
let dir: string;
beforeAll(async () => {
  tree = await buildFixtureTree();
  mirror = await startMirror({ root: tree.root });
  dir = await mkdtemp(join(tmpdir(), 'rg-apk-cli-'));
});
afterAll(async () => {
  await mirror?.close();
  await rm(tree.root, { recursive: true, force: true });
  await rm(dir, { recursive: true, force: true });
});

describe.skipIf(!built)('repro-get with an Alpine lock', () => {
  it('locks, fetches, plans the install and writes a Dockerfile', async () => {
    const cache = join(dir, 'cache');
    const lock = await run(['lock', '--distro', 'alpine:3.20', '--arch', 'x86_64', '--mirror', `${mirror.url}/alpine/`,
      '--keyring', join(FIXTURE_KEYS, TRUSTED_KEY), '--cache', cache, '-o', 'repro-get.lock.yaml', 'curl', 'cmd:bash'], dir);
    expect(lock.stderr).toContain('wrote repro-get.lock.yaml: 5 package(s), 2 requested');
    expect(lock.code).toBe(0);
    const text = await readFile(join(dir, 'repro-get.lock.yaml'), 'utf8');
    expect(text).toContain('family: apk');
    expect(text).toContain('url: https://dl-cdn.alpinelinux.org/alpine/v3.20/main/x86_64/curl-8.9.1-r0.apk');
    expect(text).toContain(`mirror: ${mirror.url}/alpine/v3.20/main/x86_64/curl-8.9.1-r0.apk`);
    expect(text).toMatch(/retention: ["']?latest build only: Alpine mirrors delete a package file/);

    const fetch = await run(['fetch', '--out', 'artifacts', '--cache', cache, '-q'], dir);
    expect(fetch.code, fetch.stderr).toBe(0);
    const sums = await readFile(join(dir, 'artifacts', 'SHA256SUMS'), 'utf8');
    expect(sums.split('\n').filter(Boolean)).toHaveLength(5);

    const target = join(dir, 'root');
    await mkdir(target);
    const plan = await run(['install', '--dry-run', '--root', target, '--cache', cache], dir);
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stdout + plan.stderr).toMatch(/would install 5 package\(s\) into .* in 1 step\(s\)/);

    const df = await run(['dockerfile', '--base', 'alpine:3.20'], dir);
    expect(df.code, df.stderr).toBe(0);
    expect(df.stdout).toContain('apk --repositories-file /dev/null --no-cache add --no-network');
    expect(df.stdout).toContain('sha256sum -c -');
  });

  it('refuses an Alpine index the keys do not trust, with a one-paragraph error', async () => {
    const r = await run(['lock', '--distro', 'alpine:3.20', '--mirror', `${mirror.url}/alpine/`, '--cache', join(dir, 'cache2'), '-o', 'x.yaml', 'curl'], dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('no valid signature from a trusted key');
    expect(r.stderr).toContain('key repro-get-fixture-5f3a1c2e.rsa.pub is not trusted');
  });
});
