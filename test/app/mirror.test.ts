/**
 * `mirror push` / `install --mirror` against a real registry: Debian's docker-registry (Docker
 * Distribution 2.8) on a loopback port. Push a lock's artifacts, stop the fixture archive, and
 * install (dry run into a fake root) from the registry alone; push twice (nothing the second time),
 * resume an interrupted push, basic auth from htpasswd, bearer tokens and a blob-corrupting proxy.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { installLocked, type InstallRunOptions } from '../../src/app/install.js';
import { pullMirror, pushMirror, type MirrorRunOptions } from '../../src/app/mirror.js';
import { ReproError } from '../../src/core/errors.js';
import { serializeLockfile } from '../../src/core/lockfile/write.js';
import type { Lockfile } from '../../src/core/lockfile/schema.js';
import { LOCK_ARTIFACT_TYPE, lockTag, sha256Hex } from '../../src/core/oci/manifest.js';
import { FIXTURE_REPO, fixtureLock } from '../support/fixture-lock.js';
import { startMirror, type Mirror } from '../support/mirror.js';
import { REGISTRY_BIN, REGISTRY_PASSWORD, REGISTRY_USER, startRegistry, startRegistryProxy, type Registry } from '../support/registry.js';

const PICKS = ['librgcore1', 'rg-coreutils', 'rg-tool', 'rg-data', 'rg-tool-doc', 'rg-openssl=3.0.16-1~deb12u1', 'rg-webfetch=7.88.1-10+deb12u1', 'rg-tzdata=2025b-0+deb12u1'];
const hasRegistry = existsSync(REGISTRY_BIN);
if (!hasRegistry) console.warn(`skipping the registry tests: ${REGISTRY_BIN} is missing (Debian package docker-registry, see .ci/apt-packages.txt)`);

let archive: Mirror;
let dir: string;
let lockPath: string;
let lock: Lockfile;
let text: string;

beforeAll(async () => {
  archive = await startMirror({ root: FIXTURE_REPO });
});
afterAll(async () => {
  await archive?.close();
});
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'repro-get-mirror-'));
  lock = fixtureLock(archive.url, PICKS);
  lockPath = join(dir, 'repro-get.lock.yaml');
  text = serializeLockfile(lock);
  await writeFile(lockPath, text);
  await mkdir(join(dir, 'root/var/lib/dpkg'), { recursive: true });
  await writeFile(join(dir, 'root/var/lib/dpkg/status'), '');
  archive.clearFaults();
  archive.requests.length = 0;
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const pushOpts = (o: Partial<MirrorRunOptions & { tag?: string }> = {}): MirrorRunOptions & { tag?: string } => ({ cacheDir: join(dir, 'push-cache'), retries: 0, backoffMs: 1, timeoutMs: 5000, env: {}, insecureRegistry: true, ...o });
const installOpts = (o: Partial<InstallRunOptions> = {}): InstallRunOptions => ({
  cacheDir: join(dir, 'install-cache'),
  root: join(dir, 'root'),
  dryRun: true,
  machineArch: 'amd64',
  retries: 0,
  backoffMs: 1,
  timeoutMs: 5000,
  env: {},
  insecureRegistry: true,
  ...o,
});
/** The archive answers 404 for everything: installs must come from the store alone. */
const archiveGone = () => archive.fault(() => true, { kind: 'status', status: 404 });

describe('dir: static store', () => {
  it('lays out sha256/<hex> plus the lock, and installs from it with the archive gone', async () => {
    const store = join(dir, 'store');
    const r = await pushMirror(lockPath, `dir:${store}`, pushOpts());
    expect(r).toMatchObject({ tag: lockTag(text), blobs: PICKS.length + 1, uploaded: PICKS.length, present: 0 });
    const files = (await readdir(join(store, 'sha256'))).sort();
    expect(files).toEqual([...lock.packages.map((p) => p.sha256), sha256Hex(text)].sort());
    expect(await readFile(join(store, 'locks', `${lockTag(text)}.yaml`), 'utf8')).toBe(text);

    archiveGone();
    archive.requests.length = 0;
    // Again, even with a cold cache: nothing to download, nothing to copy.
    expect(await pushMirror(lockPath, `dir:${store}`, pushOpts({ cacheDir: join(dir, 'cold') }))).toMatchObject({ uploaded: 0, present: PICKS.length });
    const i = await installLocked(lockPath, installOpts({ mirrors: [`dir:${store}`] }));
    expect(i.downloaded).toBe(PICKS.length);
    expect(archive.requests).toEqual([]); // the store is tried first, and had everything

    const pulled = await pullMirror(`dir:${store}`, join(dir, 'pulled.yaml'), pushOpts({ tag: lockTag(text), cacheDir: join(dir, 'pull-cache') }));
    expect(pulled).toMatchObject({ packages: PICKS.length, downloaded: PICKS.length });
    expect(await readFile(join(dir, 'pulled.yaml'), 'utf8')).toBe(text);
  });

  it('serves the same folder over HTTP as store+http://…/ (sha256/<hex>)', async () => {
    const store = join(dir, 'store');
    await pushMirror(lockPath, `dir:${store}`, pushOpts());
    const cdn = await startMirror({ root: store });
    try {
      archiveGone();
      const i = await installLocked(lockPath, installOpts({ mirrors: [`store+${cdn.url}/`] }));
      expect(i.downloaded).toBe(PICKS.length);
      expect(cdn.requests.map((q) => q.path).sort()).toEqual(lock.packages.map((p) => `/sha256/${p.sha256}`).sort());
    } finally {
      await cdn.close();
    }
  });

  it('a corrupted store file fails with the hash error when nothing else has the artifact', async () => {
    const store = join(dir, 'store');
    await pushMirror(lockPath, `dir:${store}`, pushOpts());
    const p = lock.packages[0];
    const f = join(store, 'sha256', p.sha256);
    const b = await readFile(f);
    b[10] ^= 0xff;
    await writeFile(f, b);
    archiveGone();
    const e = (await installLocked(lockPath, installOpts({ mirrors: [`dir:${store}`] })).catch((x: unknown) => x)) as ReproError;
    expect(e).toBeInstanceOf(ReproError);
    expect(e.code).toBe('HASH');
    expect(e.message).toContain(`${p.name} ${p.version}`);
    expect(e.message).toContain(`expected sha256 ${p.sha256}`);
    expect(e.message).toContain(`sha256/${p.sha256}: wrong content`);
  });
});

describe.runIf(hasRegistry)('oci:// against docker-registry (Distribution 2.8)', () => {
  let reg: Registry;
  beforeAll(async () => {
    reg = await startRegistry();
  });
  afterAll(async () => {
    await reg?.stop();
  });

  it('pushes every artifact and the lock under lock-<digest>; installs from the registry alone', async () => {
    const repo = `oci://${reg.host}/team/debian-artifacts`;
    const r = await pushMirror(lockPath, repo, pushOpts());
    expect(r).toMatchObject({ tag: lockTag(text), uploaded: PICKS.length + 2, present: 0 });
    expect(r.manifestDigest).toMatch(/^sha256:[0-9a-f]{64}$/);

    // The manifest as the registry keeps it: artifactType, empty config, lock first, then artifacts.
    const res = await fetch(`http://${reg.host}/v2/team/debian-artifacts/manifests/${r.tag}`, { headers: { accept: 'application/vnd.oci.image.manifest.v1+json' } });
    const m = (await res.json()) as { artifactType: string; config: { mediaType: string }; layers: { mediaType: string; digest: string; annotations: Record<string, string> }[] };
    expect(m.artifactType).toBe(LOCK_ARTIFACT_TYPE);
    expect(m.config.mediaType).toBe('application/vnd.oci.empty.v1+json');
    expect(m.layers[0].mediaType).toBe(LOCK_ARTIFACT_TYPE);
    expect(m.layers.slice(1).map((l) => l.digest).sort()).toEqual(lock.packages.map((p) => `sha256:${p.sha256}`).sort());
    expect(m.layers[1].annotations['org.opencontainers.image.title']).toMatch(/\.deb$/);

    archiveGone();
    archive.requests.length = 0;
    const i = await installLocked(lockPath, installOpts({ mirrors: [repo] }));
    expect(i.downloaded).toBe(PICKS.length);
    expect(i.steps.flat().length).toBe(PICKS.length);
    expect(archive.requests).toEqual([]);

    // mirror pull: the lock back from the tag (digest-checked) and every artifact into the cache.
    const pulled = await pullMirror(`${repo}:${r.tag}`, join(dir, 'pulled.lock.yaml'), pushOpts({ cacheDir: join(dir, 'pull-cache') }));
    expect(pulled).toMatchObject({ packages: PICKS.length, downloaded: PICKS.length });
    expect(await readFile(join(dir, 'pulled.lock.yaml'), 'utf8')).toBe(text);
  });

  it('pushing the same lock twice uploads nothing the second time', async () => {
    const proxy = await startRegistryProxy(reg.host);
    try {
      const repo = `oci://${proxy.host}/twice`;
      await pushMirror(lockPath, repo, pushOpts());
      proxy.requests.length = 0;
      archive.requests.length = 0;
      const r = await pushMirror(lockPath, repo, pushOpts({ cacheDir: join(dir, 'cold') }));
      expect(r).toMatchObject({ uploaded: 0, bytesUploaded: 0 });
      expect(proxy.requests.filter((q) => !q.startsWith('GET') && !q.startsWith('HEAD'))).toEqual([]);
      expect(archive.requests).toEqual([]); // nothing downloaded either
    } finally {
      await proxy.close();
    }
  });

  it('a push interrupted half-way completes when re-run, uploading only the rest', async () => {
    const repo = `oci://${reg.host}/interrupted`;
    let n = 0;
    const stop = new Error('interrupted');
    await expect(
      pushMirror(lockPath, repo, pushOpts({ jobs: 1, onUpload: () => { if (++n === 3) throw stop; } })),
    ).rejects.toBe(stop);
    const r = await pushMirror(lockPath, repo, pushOpts());
    expect(r.uploaded).toBe(PICKS.length - 3 + 2); // the rest, the config and the lock
    archiveGone();
    expect((await installLocked(lockPath, installOpts({ mirrors: [repo] }))).downloaded).toBe(PICKS.length);
  });

  it('uploads big blobs in chunks (PATCH with Content-Range)', async () => {
    const proxy = await startRegistryProxy(reg.host);
    try {
      const repo = `oci://${proxy.host}/chunked`;
      await pushMirror(lockPath, repo, pushOpts({ chunkSize: 1000 }));
      const biggest = Math.max(...lock.packages.map((p) => p.size));
      expect(proxy.requests.filter((q) => q.startsWith('PATCH')).length).toBeGreaterThanOrEqual(Math.ceil(biggest / 1000));
      archiveGone();
      expect((await installLocked(lockPath, installOpts({ mirrors: [`oci://${proxy.host}/chunked`] }))).downloaded).toBe(PICKS.length);
    } finally {
      await proxy.close();
    }
  });

  it('a registry that corrupts a blob makes the install fail with the hash error', async () => {
    const repo = `oci://${reg.host}/corrupt`;
    await pushMirror(lockPath, repo, pushOpts());
    const proxy = await startRegistryProxy(reg.host);
    try {
      const p = lock.packages[1];
      proxy.corrupt.add(p.sha256);
      archiveGone();
      const e = (await installLocked(lockPath, installOpts({ mirrors: [`oci://${proxy.host}/corrupt`] })).catch((x: unknown) => x)) as ReproError;
      expect(e).toBeInstanceOf(ReproError);
      expect(e.code).toBe('HASH');
      expect(e.message).toContain(`/v2/corrupt/blobs/sha256:${p.sha256}: wrong content`);
      expect(e.message).toMatch(/^1 of 8 artifact/);
      expect(existsSync(join(dir, 'install-cache', p.sha256))).toBe(false);
    } finally {
      await proxy.close();
    }
  });

  it('speaks bearer tokens (token service with basic credentials from REPRO_GET_REGISTRY_AUTH)', async () => {
    const proxy = await startRegistryProxy(reg.host, { bearer: { user: 'ci', password: 'tok-pass' } });
    try {
      const repo = `oci://${proxy.host}/bearer`;
      const env = { REPRO_GET_REGISTRY_AUTH: `${proxy.host}=ci:tok-pass` };
      await pushMirror(lockPath, repo, pushOpts({ env }));
      expect(proxy.tokens[0]).toMatch(/^tok-0 repository:bearer:pull,push$/);
      archiveGone();
      expect((await installLocked(lockPath, installOpts({ env, mirrors: [repo] }))).downloaded).toBe(PICKS.length);
      expect(proxy.tokens.at(-1)).toMatch(/ repository:bearer:pull$/);

      // Tokens that expire after a few requests: push and install renew them and carry on (the
      // archive still answers 404, so the install has only the registry).
      proxy.tokenUses = 3;
      const issued = proxy.tokens.length;
      await pushMirror(lockPath, `oci://${proxy.host}/bearer-renew`, pushOpts({ env }));
      expect((await installLocked(lockPath, installOpts({ env, mirrors: [`oci://${proxy.host}/bearer-renew`], cacheDir: join(dir, 'renew'), jobs: 1 }))).downloaded).toBe(PICKS.length);
      expect(proxy.tokens.length - issued).toBeGreaterThan(4);

      const denied = (await pushMirror(lockPath, repo, pushOpts({ env: {} })).catch((x: unknown) => x)) as ReproError;
      expect(denied.code).toBe('NETWORK');
      expect(denied.message).toContain('access denied');
      expect(denied.hint).toContain('REPRO_GET_REGISTRY_AUTH');
    } finally {
      await proxy.close();
    }
  });
});

describe.runIf(hasRegistry)('oci:// with htpasswd basic auth', () => {
  let reg: Registry;
  beforeAll(async () => {
    reg = await startRegistry({ basicAuth: true });
  });
  afterAll(async () => {
    await reg?.stop();
  });

  it('pushes and installs with credentials from the Docker config.json; refuses without', async () => {
    const docker = join(dir, 'docker');
    await mkdir(docker);
    const auth = Buffer.from(`${REGISTRY_USER}:${REGISTRY_PASSWORD}`).toString('base64');
    await writeFile(join(docker, 'config.json'), JSON.stringify({ auths: { [`http://${reg.host}`]: { auth } } }));
    const env = { DOCKER_CONFIG: docker };
    const repo = `oci://${reg.host}/private`;

    const e = (await pushMirror(lockPath, repo, pushOpts()).catch((x: unknown) => x)) as ReproError;
    expect(e.code).toBe('NETWORK');
    expect(e.message).toMatch(/private: access denied \(asks for a user name and password\)/);

    const r = await pushMirror(lockPath, repo, pushOpts({ env }));
    expect(r.uploaded).toBe(PICKS.length + 2);

    // Without credentials the registry is skipped (asked once, not per artifact) for the archive.
    const proxy = await startRegistryProxy(reg.host);
    try {
      const fallback = await installLocked(lockPath, installOpts({ mirrors: [`oci://${proxy.host}/private`], cacheDir: join(dir, 'no-creds') }));
      expect(fallback.downloaded).toBe(PICKS.length);
      expect(proxy.requests).toEqual(['GET /v2/']);
    } finally {
      await proxy.close();
    }

    archiveGone();
    expect((await installLocked(lockPath, installOpts({ env, mirrors: [repo] }))).downloaded).toBe(PICKS.length);
  });
});
