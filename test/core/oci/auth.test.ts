/** Registry references, credentials (REPRO_GET_REGISTRY_AUTH, Docker config.json) and challenges. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { findCredentials, parseChallenge } from '../../../src/core/oci/auth.js';
import { buildManifest, EMPTY_CONFIG, EMPTY_CONFIG_BYTES, LOCK_ARTIFACT_TYPE, lockLayerOf, lockTag, sha256Hex } from '../../../src/core/oci/manifest.js';
import { parseOciRef } from '../../../src/core/oci/reference.js';
import { candidateUrls, mirrorsFrom, parseMirrorBase } from '../../../src/core/net/download.js';

describe('parseOciRef', () => {
  it('reads host, port, repository and tag; HTTPS unless insecure on loopback', () => {
    expect(parseOciRef('oci://registry.example/team/debian-artifacts')).toEqual({ registry: 'registry.example', repository: 'team/debian-artifacts', tag: undefined, base: 'https://registry.example' });
    expect(parseOciRef('oci://127.0.0.1:5000/a/b:lock-0123', { insecure: true })).toEqual({ registry: '127.0.0.1:5000', repository: 'a/b', tag: 'lock-0123', base: 'http://127.0.0.1:5000' });
    expect(parseOciRef('oci://localhost:5000/x', { insecure: true }).base).toBe('http://localhost:5000');
  });

  it('refuses bad names and plain HTTP off loopback', () => {
    for (const bad of ['oci://host', 'oci://host/Upper', 'oci:///repo', 'https://host/repo', 'oci://host/repo:bad/tag']) expect(() => parseOciRef(bad), bad).toThrow(/expected oci:\/\/HOST/);
    expect(() => parseOciRef('oci://registry.example/x', { insecure: true })).toThrow(/only allowed for a loopback registry/);
  });
});

describe('findCredentials', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'repro-get-oci-auth-'));
  });
  afterEach(async () => rm(dir, { recursive: true, force: true }));

  it('takes REPRO_GET_REGISTRY_AUTH first: bare user:password, or HOST[:PORT]= entries', async () => {
    expect(await findCredentials('r.example', { REPRO_GET_REGISTRY_AUTH: 'u:p=a:ss' })).toMatchObject({ username: 'u', password: 'p=a:ss' });
    const env = { REPRO_GET_REGISTRY_AUTH: 'other.example=a:b 127.0.0.1:5000=ci:s3=cret' };
    expect(await findCredentials('127.0.0.1:5000', env)).toMatchObject({ username: 'ci', password: 's3=cret', from: 'REPRO_GET_REGISTRY_AUTH' });
    expect(await findCredentials('nowhere.example', { ...env, DOCKER_CONFIG: dir })).toBeUndefined();
    await expect(findCredentials('r.example', { REPRO_GET_REGISTRY_AUTH: 'justatoken' })).rejects.toThrow(/user:password/);
  });

  it('reads the Docker config.json auths (auth or username/password; any key spelling)', async () => {
    const auth = Buffer.from('alice:pw:with:colons').toString('base64');
    await writeFile(
      join(dir, 'config.json'),
      JSON.stringify({ auths: { 'https://index.docker.io/v1/': { auth: 'eA==' }, 'https://r.example': { auth }, 'q.example:5000': { username: 'bob', password: 'x' } }, credsStore: 'desktop' }),
    );
    expect(await findCredentials('r.example', { DOCKER_CONFIG: dir })).toEqual({ username: 'alice', password: 'pw:with:colons', from: join(dir, 'config.json') });
    expect(await findCredentials('q.example:5000', { DOCKER_CONFIG: dir })).toMatchObject({ username: 'bob', password: 'x' });
    expect(await findCredentials('z.example', { DOCKER_CONFIG: dir })).toBeUndefined();
    expect(await findCredentials('r.example', { HOME: dir })).toBeUndefined(); // ~/.docker/config.json absent
  });

  it('says which file is not JSON', async () => {
    await writeFile(join(dir, 'config.json'), '{');
    await expect(findCredentials('r.example', { DOCKER_CONFIG: dir })).rejects.toThrow(`${join(dir, 'config.json')}: not valid JSON`);
  });
});

describe('parseChallenge', () => {
  it('reads Bearer and Basic challenges, quoted values with commas', () => {
    expect(parseChallenge('Bearer realm="https://auth.example/token",service="registry.example",scope="repository:a/b:pull,push"')).toEqual({
      scheme: 'bearer',
      params: { realm: 'https://auth.example/token', service: 'registry.example', scope: 'repository:a/b:pull,push' },
    });
    expect(parseChallenge('Basic realm="Registry Realm"')).toEqual({ scheme: 'basic', params: { realm: 'Registry Realm' } });
  });
});

describe('manifest', () => {
  it('is canonical, typed as a repro-get lock, with the empty config and the lock first', () => {
    const lock = { mediaType: LOCK_ARTIFACT_TYPE, digest: `sha256:${sha256Hex('x')}`, size: 1 };
    const art = { mediaType: 'application/vnd.debian.binary-package', digest: `sha256:${'a'.repeat(64)}`, size: 9, annotations: { 'org.opencontainers.image.title': 'a.deb' } };
    const m = buildManifest(lock, [art]);
    expect(buildManifest(lock, [art]).equals(m)).toBe(true);
    expect(JSON.parse(m.toString())).toMatchObject({ schemaVersion: 2, artifactType: LOCK_ARTIFACT_TYPE, config: EMPTY_CONFIG, layers: [lock, art] });
    expect(EMPTY_CONFIG.digest).toBe(`sha256:${sha256Hex(EMPTY_CONFIG_BYTES)}`);
    expect(lockLayerOf(m)).toEqual(lock);
    expect(lockLayerOf(Buffer.from('{"layers":[]}'))).toBeUndefined();
    expect(lockTag('x')).toBe(`lock-${sha256Hex('x').slice(0, 32)}`);
  });
});

describe('store mirrors in the download pool', () => {
  const a = { label: 'x 1 amd64', sha256: 'b'.repeat(64), size: 1, filename: 'pool/x.deb', urls: ['http://127.0.0.1:1/debian/pool/x.deb'] };

  it('tries stores first, the lock URLs next, pool mirrors last', () => {
    const ms = mirrorsFrom(['http://127.0.0.1:2/pool', 'oci://127.0.0.1:3/team/art', 'dir:/srv/repro', 'store+http://127.0.0.1:4/cdn'], {}, { insecure: true });
    expect(candidateUrls(a, ms)).toEqual([
      `http://127.0.0.1:3/v2/team/art/blobs/sha256:${a.sha256}`,
      `file:///srv/repro/sha256/${a.sha256}`,
      `http://127.0.0.1:4/cdn/sha256/${a.sha256}`,
      a.urls[0],
      `http://127.0.0.1:2/pool/${a.filename}`,
    ]);
  });

  it('takes an http(s) base ending in /sha256/ as a static store', () => {
    expect(candidateUrls(a, mirrorsFrom(['https://cdn.example/repro/sha256/'], {}))).toEqual([`https://cdn.example/repro/sha256/${a.sha256}`, a.urls[0]]);
  });

  it('refuses what it cannot read', () => {
    expect(() => parseMirrorBase('dir:')).toThrow(/needs a folder/);
    expect(() => parseMirrorBase('oci://127.0.0.1:3/x:lock-1', { insecure: true })).toThrow(/without a tag/);
    expect(() => parseMirrorBase('oci://r.example/x')).not.toThrow();
    expect(() => parseMirrorBase('store+ftp://x/')).toThrow(/store\+https/);
  });
});
