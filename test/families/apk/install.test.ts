/**
 * Installing an apk lock: the plan and its checks, the `apk add` command, the check of the installed
 * database afterwards, and the Dockerfile lines (whose shell check is run here with /bin/sh). There is
 * no apk-tools on this Debian machine, so a real `apk add` is not run by these tests.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderDockerfile } from '../../../src/app/dockerfile.js';
import { ReproError } from '../../../src/core/errors.js';
import type { LockedPackage, Lockfile } from '../../../src/core/lockfile/schema.js';
import { ContentCache } from '../../../src/core/net/cache.js';
import { Fetcher } from '../../../src/core/net/fetcher.js';
import { Http } from '../../../src/core/net/http.js';
import { parsePackageRequest } from '../../../src/core/spec.js';
import { apkDockerfile } from '../../../src/families/apk/dockerfile.js';
import { apkAddCommand, installApk, mismatches, readInstalledVersions } from '../../../src/families/apk/install.js';
import { lockApk } from '../../../src/families/apk/lock.js';
import { getFamily } from '../../../src/families/index.js';
import { startMirror, type Mirror } from '../../support/mirror.js';
import { buildFixtureTree, type FixtureTree } from './support/fixture-repo.js';

let tree: FixtureTree;
let mirror: Mirror;
let work: string;
let lock: Lockfile;
let files: Map<LockedPackage, string>;

beforeAll(async () => {
  tree = await buildFixtureTree();
  mirror = await startMirror({ root: tree.root });
  work = await mkdtemp(join(tmpdir(), 'rg-apk-install-'));
  const http = new Http({ retries: 0 });
  lock = await lockApk({
    spec: { dir: work, distro: 'alpine:3.20', architectures: ['x86_64'], mirrors: [], keyrings: [], repos: [], packages: ['bash', 'curl'].map((p) => parsePackageRequest(p) as never) },
    distro: tree.distro(mirror.url),
    release: '3.20',
    fetcher: new Fetcher(http, new ContentCache(join(work, 'cache'))),
    now: new Date(),
    log: () => {},
  });
  await http.close();
  // The verified files: the same bytes the fixture repository serves.
  files = new Map(lock.packages.map((p) => [p, join(tree.root, 'alpine/v3.20', p.source.split('/').pop()!, 'x86_64', p.filename)]));
});

afterAll(async () => {
  await mirror?.close();
  await rm(tree.root, { recursive: true, force: true });
  await rm(work, { recursive: true, force: true });
});

async function rootWith(db: string): Promise<string> {
  const root = await mkdtemp(join(work, 'root-'));
  await mkdir(join(root, 'lib/apk/db'), { recursive: true });
  await writeFile(join(root, 'lib/apk/db/installed'), db);
  return root;
}

describe('apk install', () => {
  it('is the family\'s install member', async () => {
    expect((await getFamily('apk')).install).toBeTypeOf('function');
    expect((await getFamily('apk')).dockerfile).toBe(apkDockerfile);
  });

  it('plans one apk transaction for what is not installed at its locked version', async () => {
    const root = await rootWith('P:readline\nV:8.2.10-r0\nA:x86_64\n\nP:bash\nV:5.1.0-r0\nA:x86_64\n');
    const r = await installApk({ lock, files, root, dryRun: true, log: () => {} });
    expect(r.alreadyInstalled).toEqual([{ name: 'readline', version: '8.2.10-r0', arch: 'x86_64' }]);
    expect(r.steps).toHaveLength(1);
    expect(r.steps[0].map((p) => p.name).sort()).toEqual(['bash', 'curl', 'libcurl', 'zlib']);
  });

  it('refuses a lock whose entry does not describe its file', async () => {
    const root = await rootWith('');
    const edited = { ...lock, packages: lock.packages.map((p) => (p.name === 'zlib' ? { ...p, version: '9.9-r0' } : p)) };
    const f = new Map(edited.packages.map((p, i) => [p, files.get(lock.packages[i])!]));
    const e = await installApk({ lock: edited, files: f, root, dryRun: true, log: () => {} }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ReproError);
    expect((e as ReproError).message).toBe('zlib-1.3.1-r1.apk is zlib 1.3.1-r1, but the lock says zlib 9.9-r0.');
  });

  it('runs apk add --no-network on the files, reading no repository and keeping no cache', () => {
    expect(apkAddCommand('/', ['/tmp/a.apk'])).toEqual(['apk', '--repositories-file', '/dev/null', '--no-cache', 'add', '--no-network', '/tmp/a.apk']);
    expect(apkAddCommand('/srv/root', ['/tmp/a.apk']).slice(0, 3)).toEqual(['apk', '--root', '/srv/root']);
  });

  it.skipIf(process.getuid?.() !== 0 || spawnSync('sh', ['-c', 'command -v apk']).status === 0)('says so when there is no apk to run (no apk-tools on this machine)', async () => {
    const root = await rootWith('');
    const e = await installApk({ lock, files, root, dryRun: false, log: () => {} }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ReproError);
    expect((e as ReproError).code).toBe('INSTALL');
    expect((e as ReproError).message).toMatch(/cannot run apk/);
  });

  it('checks the installed database against the lock afterwards', async () => {
    const db = lock.packages.map((p) => `C:Q1AAAAAAAAAAAAAAAAAAAAAAAAAAA=\nP:${p.name}\nV:${p.name === 'curl' ? '8.0.0-r0' : p.version}\nA:x86_64\nF:usr\nR:x\n`).join('\n');
    const installed = await readInstalledVersions(await rootWith(db));
    expect(mismatches(lock, installed)).toEqual(['curl: locked 8.9.1-r0, installed 8.0.0-r0']);
    expect(mismatches(lock, new Map())).toHaveLength(5);
  });
});

describe('apk Dockerfile lines', () => {
  const render = (mode: 'fetch-stage' | 'add-checksum') =>
    renderDockerfile(lock, { mode, base: 'alpine:3.20@sha256:' + 'a'.repeat(64), reproGetVersion: '0.1.0', lockInContext: 'repro-get.lock.yaml', lockFile: 'repro-get.lock.yaml', hook: apkDockerfile }).text;

  it('installs with the image\'s own apk after busybox sha256sum has checked every file', () => {
    const text = render('fetch-stage').replace(/ \\\n +/g, ' ');
    expect(text).toContain('| sha256sum -c -');
    expect(text).toContain('apk --repositories-file /dev/null --no-cache add --no-network /mnt/bash-5.2.26-r0.apk /mnt/curl-8.9.1-r0.apk');
    expect(text).not.toContain('--allow-untrusted');
    expect(text).toContain('rm -rf /var/cache/apk/*');
    const add = render('add-checksum');
    for (const p of lock.packages) expect(add).toContain(`ADD --checksum=sha256:${p.sha256} ${p.url} /tmp/repro-get/${p.filename}`);
  });

  it('its installed-database check accepts exactly the locked versions (run with /bin/sh)', async () => {
    const loop = apkDockerfile.installFromDir('/mnt', lock)[1];
    const db = join(work, 'installed-db');
    const script = loop.replace('/lib/apk/db/installed', db).replace(/\\\n/g, '');
    const runWith = async (text: string) => {
      await writeFile(db, text);
      return spawnSync('sh', ['-c', script], { encoding: 'utf8' });
    };
    const good = lock.packages.map((p) => `C:Q1AAAAAAAAAAAAAAAAAAAAAAAAAAA=\nP:${p.name}\nV:${p.version}\nA:x86_64\n`).join('\n');
    expect((await runWith(good)).status).toBe(0);
    const r = await runWith(good.replace('V:1.3.1-r1', 'V:1.3.1-r2'));
    expect(r.status).toBe(1);
    expect(r.stderr).toBe('repro-get: zlib is not installed at version 1.3.1-r1\n');
    // A package whose name is a prefix of another's must not match it.
    expect((await runWith(good.replace('P:curl\n', 'P:curly\n'))).status).toBe(1);
    expect(execFileSync('sh', ['-n', '-c', apkDockerfile.cleanup.join(' && ')]).toString()).toBe('');
  });
});
