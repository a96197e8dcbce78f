/**
 * `lock` end to end over the fixture Alpine tree served on 127.0.0.1: signed indexes, real .apk
 * files verified against `C:` and `datahash`, resolution on top of the base, the lockfile.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ReproError } from '../../../src/core/errors.js';
import { lockfileSchema, type Lockfile } from '../../../src/core/lockfile/schema.js';
import { serializeLockfile } from '../../../src/core/lockfile/write.js';
import { ContentCache } from '../../../src/core/net/cache.js';
import { Fetcher } from '../../../src/core/net/fetcher.js';
import { Http } from '../../../src/core/net/http.js';
import { parsePackageRequest, type RepoSpec, type Spec } from '../../../src/core/spec.js';
import { lockApk } from '../../../src/families/apk/lock.js';
import { startMirror, type Mirror } from '../../support/mirror.js';
import { buildFixtureTree, type FixtureTree } from './support/fixture-repo.js';

let tree: FixtureTree;
let mirror: Mirror;
let work: string;

beforeAll(async () => {
  tree = await buildFixtureTree();
  mirror = await startMirror({ root: tree.root });
  work = await mkdtemp(join(tmpdir(), 'rg-apk-lock-'));
});

afterAll(async () => {
  await mirror?.close();
  await rm(tree.root, { recursive: true, force: true });
  await rm(work, { recursive: true, force: true });
});

interface Opts {
  pinnedRoots?: Map<string, string>;
  components?: string[];
  repos?: RepoSpec[];
  installed?: string;
  cache?: string;
  snapshot?: string;
  mirrors?: Spec['mirrors'];
  arch?: string;
}

function spec(packages: string[], o: Opts = {}): Spec {
  return {
    dir: work,
    distro: 'alpine:3.20',
    snapshot: o.snapshot,
    architectures: o.arch ? [o.arch] : ['x86_64'],
    components: o.components,
    mirrors: o.mirrors ?? [],
    keyrings: [],
    repos: o.repos ?? [],
    installed: o.installed,
    packages: packages.map((p) => {
      const r = parsePackageRequest(p);
      if (typeof r === 'string') throw new Error(r);
      return r;
    }),
  };
}

async function lock(packages: string[], o: Opts = {}): Promise<Lockfile> {
  const http = new Http({ retries: 0, backoffMs: 1, timeoutMs: 5000 });
  try {
    return await lockApk({
      spec: spec(packages, o),
      distro: tree.distro(mirror.url),
      release: '3.20',
      fetcher: new Fetcher(http, new ContentCache(o.cache ?? join(work, 'cache'))),
      now: new Date('2025-06-01T00:00:00Z'),
      log: () => {},
      pinnedRoots: o.pinnedRoots,
    });
  } finally {
    await http.close();
  }
}

async function lockError(packages: string[], o: Opts = {}): Promise<ReproError> {
  const e = await lock(packages, o).then(() => undefined, (x: unknown) => x);
  expect(e).toBeInstanceOf(ReproError);
  return e as ReproError;
}

const names = (l: Lockfile): string[] => l.packages.map((p) => `${p.name}-${p.version}`).sort();
const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

describe('apk lock', () => {
  it('locks a request on top of alpine-base, with the sha256 and size of each verified .apk', async () => {
    const l = lockfileSchema.parse(await lock(['bash', 'curl']));
    expect(names(l)).toEqual(['bash-5.2.26-r0', 'curl-8.9.1-r0', 'libcurl-8.9.1-r0', 'readline-8.2.10-r0', 'zlib-1.3.1-r1']);
    expect(l.family).toBe('apk');
    expect(l.options).toEqual({ installRecommends: false, base: 'default' });
    expect(l.assumedInstalled.sort()).toEqual(['alpine-base=3.20.3-r0', 'alpine-baselayout=3.6.5-r0', 'busybox=1.36.1-r29', 'musl-utils=1.2.5-r0', 'musl=1.2.5-r0', 'openrc=0.54-r1']);
    for (const p of l.packages) {
      const built = [...tree.main, ...tree.community].find((b) => b.filename === p.filename)!;
      expect(p.sha256).toBe(sha256(built.file));
      expect(p.size).toBe(built.file.length);
      expect(p.url).toBe(`${mirror.url}/alpine/v3.20/main/x86_64/${p.filename}`);
      expect(p.source).toBe('alpine/v3.20/main');
    }
    const bash = l.packages.find((p) => p.name === 'bash')!;
    expect(bash).toMatchObject({ requested: true, pulledInBy: [], depends: ['busybox', 'musl', 'readline'] });
    expect(l.packages.find((p) => p.name === 'zlib')).toMatchObject({ requested: false, pulledInBy: ['curl'], depends: ['musl'] });
    expect(l.sources.map((s) => s.id)).toEqual(['alpine/v3.20/main', 'alpine/v3.20/community']);
    const idx = await readFile(join(tree.root, 'alpine/v3.20/main/x86_64/APKINDEX.tar.gz'));
    expect(l.sources[0]).toMatchObject({
      url: `${mirror.url}/alpine/v3.20/main/x86_64/`,
      metadata: { path: 'APKINDEX.tar.gz', sha256: sha256(idx), date: '2023-11-14T22:13:20Z', retention: 'latest build only: keep the locked artifacts in your own store' },
      indexes: [{ path: 'APKINDEX.tar.gz', sha256: sha256(idx), size: idx.length }],
    });
    expect(l.sources[0].metadata.signedBy).toHaveLength(1);
    expect(l.sources[0].metadata.signedBy).toEqual(l.sources[1].metadata.signedBy);
    expect(l.snapshot).toBe('2023-11-14T22:13:20Z');
  });

  it('is deterministic and downloads each .apk only once (a warm cache fetches only the signed indexes)', async () => {
    const cache = join(work, 'cache-warm');
    const first = serializeLockfile(await lock(['curl', 'jq'], { cache }));
    const before = mirror.requests.length;
    const second = serializeLockfile(await lock(['jq', 'curl'].reverse(), { cache }));
    expect(second).toBe(first);
    const paths = mirror.requests.slice(before).map((r) => r.path);
    expect(paths.every((p) => p.endsWith('/APKINDEX.tar.gz'))).toBe(true);
    expect(paths).toHaveLength(2);
  });

  it('re-resolves offline from the cache for lock --check (pinned index digests, .apk files by C:)', async () => {
    const cache = join(work, 'cache-check');
    const first = await lock(['curl', 'htop'], { cache });
    mirror.fault(() => true, { kind: 'status', status: 503 });
    try {
      const pinnedRoots = new Map(first.sources.map((s) => [s.id, s.metadata.sha256]));
      expect(serializeLockfile(await lock(['curl', 'htop'], { cache, pinnedRoots }))).toBe(serializeLockfile(first));
      expect((await lockError(['curl'], { cache })).code).toBe('NETWORK'); // without pins the index is fetched fresh
    } finally {
      mirror.clearFaults();
    }
  });

  it('takes the highest version across repositories, and virtual names as apk does', async () => {
    const l = await lock(['tool', 'cmd:bash', 'icu-data', 'htop']);
    expect(names(l)).toEqual(['bash-5.2.26-r0', 'htop-3.3.0-r0', 'icu-data-en-74.2-r0', 'ncurses-libs-6.4_p20240420-r0', 'readline-8.2.10-r0', 'tool-1.1-r0']);
    expect(l.packages.find((p) => p.name === 'tool')).toMatchObject({ source: 'alpine/v3.20/community', url: `${mirror.url}/alpine/v3.20/community/x86_64/tool-1.1-r0.apk` });
    expect(l.packages.find((p) => p.name === 'bash')!.requested).toBe(true);
  });

  it('adds install_if packages, and records what pulled them in', async () => {
    const l = await lock(['dbus', 'docs', 'bash']);
    expect(names(l)).toContain('dbus-openrc-1.14.10-r1');
    expect(names(l)).toContain('bash-doc-5.2.26-r0');
    expect(l.packages.find((p) => p.name === 'dbus-openrc')).toMatchObject({ requested: false, pulledInBy: ['dbus'], depends: ['openrc'] });
    expect(names(await lock(['bash']))).not.toContain('bash-doc-5.2.26-r0');
  });

  it('honours an explicit pin, and lists the versions that exist for a pin that does not', async () => {
    expect(names(await lock(['tool=1.0-r0']))).toEqual(['tool-1.0-r0']);
    const e = await lockError(['jq=1.6-r0']);
    expect(e.code).toBe('NO_VERSION');
    expect(e.message).toContain('1.7.1-r0');
    expect(e.detail?.available).toEqual(['1.7.1-r0']);
  });

  it('names close packages for an unknown one', async () => {
    const e = await lockError(['bashh']);
    expect(e.code).toBe('NOT_FOUND');
    expect(e.message).toMatch(/Did you mean bash\b/);
    expect(e.detail?.suggestions).toContain('bash');
    expect(e.message).toContain('bashh (no such package): required by: world[bashh]');
  });

  it('reports an unmeetable dependency with the chain from the request', async () => {
    const e = await lockError(['jq', 'broken-app']);
    expect(e.code).toBe('UNSATISFIABLE');
    expect(e.detail?.chain).toEqual(['broken-app', 'so:libmissing.so.1']);
    expect(e.message).toContain('so:libmissing.so.1 (no such package)');
    expect(e.message).toContain('required by: broken-app-1.0-r0[so:libmissing.so.1]');
    expect(e.message).toContain('chain: broken-app → so:libmissing.so.1');
  });

  it('refuses conflicting requests', async () => {
    const a = await lockError(['dropbear-scp', 'openssh-client']);
    expect(a.code).toBe('CONFLICT');
    expect(a.message).toContain('dropbear-scp-2024.85-r0');
    const b = await lockError(['doas-sudo-shim', 'sudo']);
    expect(b.code).toBe('CONFLICT');
    expect(b.message).toContain('conflicts: doas-sudo-shim-0.1.1-r0[!sudo]');
  });

  it('keeps colon names whole (cmd:, so:) and refuses another architecture', async () => {
    expect(names(await lock(['cmd:curl']))).toContain('curl-8.9.1-r0');
    const e = await lockError(['bash:aarch64']);
    expect(e.code).toBe('ARCH');
  });

  it('refuses an index signed by an untrusted key, and a tampered one', async () => {
    const bad = await lockError(['evil'], { components: ['main', 'badsig'] });
    expect(bad.code).toBe('SIGNATURE');
    expect(bad.message).toContain('/alpine/v3.20/badsig/x86_64/APKINDEX.tar.gz');
    expect(bad.message).toContain('repro-get-untrusted-0badc0de.rsa.pub is not trusted');
    const tampered = await lockError(['jq'], { components: ['tampered'] });
    expect(tampered.code).toBe('SIGNATURE');
    expect(tampered.message).toContain('signature does not verify with repro-get-fixture-5f3a1c2e.rsa.pub');
  });

  it('refuses an unsigned index unless the spec marks the repository untrusted', async () => {
    const e = await lockError(['homemade'], { components: ['main', 'unsigned'] });
    expect(e.code).toBe('SIGNATURE');
    expect(e.message).toContain('carries no .SIGN.* entry');
    const l = await lock(['homemade'], { repos: [{ id: 'custom', url: `${mirror.url}/custom`, untrusted: true, keyrings: [] }] });
    expect(l.packages).toMatchObject([{ name: 'homemade', version: '0.2-r0', source: 'custom', url: `${mirror.url}/custom/x86_64/homemade-0.2-r0.apk` }]);
    expect(l.sources[2]).toMatchObject({ id: 'custom', metadata: { signedBy: [] } });
    expect(l.sources[2].metadata.retention).toBeUndefined(); // the user's own repository
  });

  it('verifies a package without datahash by its signature over control and data', async () => {
    expect(names(await lock(['legacy']))).toEqual(['legacy-2.0-r0']);
  });

  it('refuses a package file that does not match the signed index, naming the file, expected and actual', async () => {
    const path = '/alpine/v3.20/main/x86_64/jq-1.7.1-r0.apk';
    const good = tree.main.find((b) => b.pkg.name === 'jq')!;
    // Same size, last byte changed: the data section no longer matches datahash.
    mirror.fault(path, { kind: 'flip', offset: -1, times: 1 });
    const e = await lockError(['jq'], { cache: join(work, 'cache-flip') });
    expect(e.code).toBe('HASH');
    expect(e.message).toContain(path);
    expect(e.message).toMatch(/sha256 of the data section does not match .PKGINFO's datahash: expected [0-9a-f]{64}, got [0-9a-f]{64}/);
    // Another build's file in its place: the control checksum (C:) differs.
    const other = tree.main.find((b) => b.pkg.name === 'zlib')!;
    const padded = Buffer.concat([other.file, Buffer.alloc(Math.max(0, good.file.length - other.file.length))]).subarray(0, good.file.length);
    mirror.fault(path, { kind: 'replace', body: padded, times: 1 });
    const c = await lockError(['jq'], { cache: join(work, 'cache-flip') });
    expect(c.code).toBe('HASH');
    expect(c.message).toContain(`expected C:${good.checksum}, got C:${other.checksum}`);
    mirror.clearFaults();
  });

  it('tries the mirror first and falls back to the permanent URL when the mirror serves a bad file', async () => {
    const l = await lock(['jq'], { mirrors: [{ url: `${mirror.url}/mirror-that-is-broken/` }], cache: join(work, 'cache-mirror') }).catch((e: ReproError) => e);
    // The index comes from the permanent URL (the mirror has nothing), the package too.
    expect(l).not.toBeInstanceOf(Error);
    const lock1 = l as Lockfile;
    expect(lock1.packages[0].mirror).toBe(`${mirror.url}/mirror-that-is-broken/v3.20/main/x86_64/jq-1.7.1-r0.apk`);
    expect(lock1.packages[0].url).toBe(`${mirror.url}/alpine/v3.20/main/x86_64/jq-1.7.1-r0.apk`);
    expect(lock1.sources[0].mirror).toBe(`${mirror.url}/mirror-that-is-broken/v3.20/main/x86_64/`);
  });

  it('resolves on top of an installed database given with --installed', async () => {
    const db = [
      'C:Q1AAAAAAAAAAAAAAAAAAAAAAAAAAA=', 'P:musl', 'V:1.2.5-r0', 'A:x86_64', 'p:so:libc.musl-x86_64.so.1=1', 'F:lib', 'R:ld-musl-x86_64.so.1', 'a:0:0:755', 'Z:Q1BBBBBBBBBBBBBBBBBBBBBBBBBBB=', '',
      'P:busybox', 'V:1.36.1-r29', 'A:x86_64', 'D:so:libc.musl-x86_64.so.1', 'p:/bin/sh cmd:busybox=1.36.1-r29', 'F:bin', 'R:busybox', '',
    ].join('\n');
    const file = join(work, 'installed');
    await writeFile(file, db);
    const l = await lock(['bash'], { installed: file });
    expect(names(l)).toEqual(['bash-5.2.26-r0', 'readline-8.2.10-r0']);
    expect(l.assumedInstalled.sort()).toEqual(['busybox=1.36.1-r29', 'musl=1.2.5-r0']);
    expect(l.options.base).toBe(`installed:sha256:${sha256(Buffer.from(db))}`);
  });

  it('says how to go on when the default base cannot be resolved', async () => {
    const e = await lockError(['homemade'], { components: ['unsigned'], repos: [{ id: 'unsigned', url: `${mirror.url}/alpine/v3.20/unsigned`, untrusted: true, keyrings: [] }] });
    expect(e.code).toBe('NOT_FOUND');
    expect(e.message).toMatch(/^the default base system \(alpine-base\) cannot be resolved from these repositories: unknown package "alpine-base"/);
    expect(e.hint).toContain('--installed');
  });

  it('refuses a snapshot time older than the index (Alpine mirrors serve only their current state)', async () => {
    const e = await lockError(['jq'], { snapshot: '2020-01-01T00:00:00Z' });
    expect(e.code).toBe('SIGNATURE');
    expect(e.message).toContain('after the snapshot time 2020-01-01T00:00:00Z');
    expect((await lock(['jq'], { snapshot: '2025-01-01T00:00:00Z' })).snapshot).toBe('2025-01-01T00:00:00Z');
  });
});
