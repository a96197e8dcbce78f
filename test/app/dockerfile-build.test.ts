/**
 * `repro-get dockerfile` proven with real BuildKit builds: a private dockerd, base images imported
 * from the debootstrap root (nothing pulled), the fixture archive served on 127.0.0.1 and reached
 * with --network host, a real `repro-get lock` against the root's own dpkg status. Each mode that
 * can run offline is built twice from scratch and the two images' whole file trees (content, mode,
 * owner, mtime) must be identical; a tampered artifact must stop the build at `sha256sum -c`.
 *
 * Skipped, with the reason, when no builder can run here (not root, no docker.io, no root fs).
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, type TestContext } from 'vitest';
import { parseLockfile } from '../../src/core/lockfile/read.js';
import type { Lockfile } from '../../src/core/lockfile/schema.js';
import { serializeLockfile } from '../../src/core/lockfile/write.js';
import { bookwormRoot, TEST_ROOTS } from '../support/debootstrap.js';
import { fixtureLock, FIXTURE_REPO } from '../support/fixture-lock.js';
import { startMirror, type Mirror } from '../support/mirror.js';
import {
  buildNodeImage, diffTrees, docker, exportTree, importRoot, run, RUNTIME_PATHS, startDocker, stopDocker,
  type Docker, type ImageTree,
} from '../support/container.js';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const BIN = join(REPO, 'bin/repro-get');
const BASE = 'repro-get-test/bookworm:minbase';
const NODE = 'repro-get-test/node:local';
const OUT = 'repro-get-test/out';
const REQUESTS = ['rg-coreutils', 'rg-webfetch', 'rg-json-cli', 'rg-tool'];

let skipReason: string | undefined;
let d: Docker;
let mirror: Mirror | undefined;
let work: string;
let lock: Lockfile;
let baseTree: ImageTree;
let fetchTree: ImageTree | undefined;
const built: string[] = [];

beforeAll(async () => {
  const docker_ = await startDocker();
  if ('skip' in docker_) return void (skipReason = docker_.skip);
  d = docker_;
  const root = bookwormRoot();
  if ('skip' in root) return void (skipReason = root.skip);
  if (!existsSync(join(REPO, 'dist/cli.mjs'))) {
    const b = await run(process.execPath, ['scripts/build.mjs'], { cwd: REPO });
    if (b.code !== 0) throw new Error(`npm run build failed: ${b.stderr}`);
  }
  work = await mkdtemp(join(TEST_ROOTS, 'dockerfile-build-'));
  await importRoot(d, root.root, BASE);
  await buildNodeImage(d, BASE, NODE, REPO, work);
  baseTree = await exportTree(d, BASE, DPKG_DB);
  mirror = await startMirror({ root: FIXTURE_REPO });
  lock = await makeLock(root.root, mirror.url);
}, 15 * 60_000);

afterAll(async () => {
  await mirror?.close();
  if (!d) return;
  for (const t of built) await docker(d, ['rmi', '-f', t]);
  await docker(d, ['builder', 'prune', '-af']);
  if (work) await rm(work, { recursive: true, force: true });
  await stopDocker(d);
}, 120_000);

/** The real lock against the root's dpkg status; the hand-made fixture lock if `lock` fails. */
async function makeLock(root: string, url: string): Promise<Lockfile> {
  const out = join(work, 'repro-get.lock.yaml');
  const r = await run(process.execPath, [
    BIN, 'lock', '--spec', 'examples/debian-fixture/repro-get.yaml', '--installed', join(root, 'var/lib/dpkg/status'),
    '--mirror', `${url}/debian`, '--mirror', `debian-security=${url}/debian-security`, '--cache', join(work, 'cache'), '-o', out, '-q', ...REQUESTS,
  ], { cwd: REPO });
  if (r.code === 0) return parseLockfile(await readFile(out, 'utf8'), out);
  console.warn(`dockerfile-build: \`repro-get lock\` failed, using a hand-made fixture lock instead:\n${r.stderr}`);
  return fixtureLock(url, ['librgcore1', 'rg-coreutils', 'rg-data', 'rg-tool', 'rg-openssl=3.0.16-1~deb12u1', 'rg-webfetch=7.88.1-10+deb12u1', 'rg-jsonlib', 'rg-json-cli']);
}

function need(ctx: TestContext): void {
  if (skipReason) {
    console.warn(`dockerfile-build: skipped: ${skipReason}`);
    ctx.skip(skipReason);
  }
}

/** A build context holding the lock and the Dockerfile `repro-get dockerfile` prints for it. */
async function context(name: string, args: string[]): Promise<{ dir: string; dockerfile: string; warnings: string }> {
  const dir = await mkdtemp(join(work, `${name}-`));
  await writeFile(join(dir, 'repro-get.lock.yaml'), serializeLockfile(lock));
  const version = (JSON.parse(await readFile(join(REPO, 'package.json'), 'utf8')) as { version: string }).version;
  const r = await run(process.execPath, [BIN, 'dockerfile', '--repro-get-version', version, ...args], { cwd: dir });
  if (r.code !== 0) throw new Error(`repro-get dockerfile failed: ${r.stderr}`);
  await writeFile(join(dir, 'Dockerfile'), r.stdout);
  return { dir, dockerfile: r.stdout, warnings: r.stderr };
}

/** A build; `fresh`: from scratch (no layer cache, no cache mounts left by an earlier build). */
async function build(dir: string, tag: string, fresh = true) {
  if (fresh) await docker(d, ['builder', 'prune', '-af']);
  const r = await docker(d, ['build', ...(fresh ? ['--no-cache'] : []), '--network', 'host', '--progress', 'plain', '-t', tag, dir]);
  if (r.code === 0) built.push(tag);
  return { ok: r.code === 0, output: r.stdout + r.stderr };
}

/** The image's dpkg database: status and the per-package file lists. */
const DPKG_DB = (p: string): boolean => p === 'var/lib/dpkg/status' || /^var\/lib\/dpkg\/info\/[^/]+\.list$/.test(p);

/**
 * What dpkg says about the locked packages (the host's real dpkg-query, run on the image's own
 * database) and the sha256 of every regular file those packages installed.
 */
async function installedState(t: ImageTree): Promise<{ dpkg: string[]; files: string[] }> {
  const admin = await mkdtemp(join(work, 'admindir-'));
  await mkdir(join(admin, 'info'));
  await writeFile(join(admin, 'status'), t.files.get('var/lib/dpkg/status') ?? '');
  const q = await run('dpkg-query', ['--admindir', admin, '-W', '-f', '${Package}:${Architecture} ${Version} ${db:Status-Abbrev}\n', ...lock.packages.map((p) => `${p.name}:${p.arch}`)]);
  await rm(admin, { recursive: true, force: true });
  const files = new Set<string>();
  for (const p of lock.packages) {
    const list = t.files.get(`var/lib/dpkg/info/${p.name}:${p.arch}.list`) ?? t.files.get(`var/lib/dpkg/info/${p.name}.list`);
    for (const f of list?.toString('utf8').split('\n') ?? []) {
      const e = t.entries.get(f.replace(/^\//, ''));
      if (e?.sha256) files.add(`${e.sha256}  ${f}`);
    }
  }
  return { dpkg: q.stdout.split('\n').filter(Boolean).sort(), files: [...files].sort() };
}

/** Built twice from scratch: identical trees, the locked versions installed, nothing extra left. */
async function checkTwice(name: string, dir: string, base: ImageTree): Promise<ImageTree> {
  const a = await build(dir, `${OUT}:${name}-a`);
  expect(a.ok, a.output.slice(-6000)).toBe(true);
  const b = await build(dir, `${OUT}:${name}-b`);
  expect(b.ok, b.output.slice(-6000)).toBe(true);

  const ta = await exportTree(d, `${OUT}:${name}-a`, DPKG_DB);
  const tb = await exportTree(d, `${OUT}:${name}-b`, DPKG_DB);
  expect(diffTrees(ta.entries, tb.entries, RUNTIME_PATHS)).toEqual([]);
  const [sa, sb] = [await installedState(ta), await installedState(tb)];
  expect(sa).toEqual(sb);
  expect(sa.dpkg).toEqual(lock.packages.map((p) => `${p.name}:${p.arch} ${p.version} ii `).sort());
  expect(sa.files.length).toBeGreaterThanOrEqual(lock.packages.length);
  const changed = diffTrees(base.entries, ta.entries, RUNTIME_PATHS);
  console.log(
    `dockerfile-build ${name}: built twice from scratch; ${ta.entries.size} paths each, identical in content, mode, owner and mtime; ` +
      `dpkg-query agrees on ${sa.dpkg.length} locked packages, ${sa.files.length} installed files hash the same; ${changed.length} paths differ from the base image`,
  );

  // Nothing of the build machinery and no package-manager residue in the image (the base's too).
  const residue = [...ta.entries.keys()].filter((p) =>
    /^(artifacts|mnt\/.*|tmp\/.*|root\/\.npm|var\/cache\/repro-get|var\/cache\/apt\/.*\.bin|var\/cache\/apt\/archives\/.*\.deb|var\/log\/(dpkg|alternatives)\.log|var\/log\/apt\/.*|var\/lib\/dpkg\/.*-old|var\/cache\/debconf\/.*-old|var\/cache\/ldconfig\/aux-cache)$/.test(p)
    || (/^var\/lib\/apt\/lists\/./.test(p) && !/^var\/lib\/apt\/lists\/(partial|lock)$/.test(p)),
  );
  expect(residue).toEqual([]);
  return ta;
}

describe.sequential('repro-get dockerfile, built for real', () => {
  it('fetch-stage: identical double build; no Node.js or repro-get in the image', async (ctx) => {
    need(ctx);
    const c = await context('fetch', ['--mode', 'fetch-stage', '--base', BASE, '--node-image', NODE]);
    expect(c.warnings).toMatch(/not pinned by digest/);
    const tree = await checkTwice('fetch', c.dir, baseTree);
    fetchTree = tree;
    expect([...tree.entries.keys()].filter((p) => /(^|\/)(node|node_modules|repro-get)(\/|$)/.test(p) && !baseTree.entries.has(p))).toEqual([]);
    expect(mirror!.requests.some((r) => r.path.endsWith('.deb') && r.status === 200)).toBe(true);
  }, 10 * 60_000);

  it('fetch-stage: an artifact altered after the fetch stage fails the build at sha256sum -c', async (ctx) => {
    need(ctx);
    const c = await context('tamper', ['--mode', 'fetch-stage', '--base', BASE, '--node-image', NODE]);
    const victim = lock.packages.find((p) => p.name === 'rg-tool')!.filename.split('/').pop()!;
    // A compromised or stale fetch stage: one byte more, and a SHA256SUMS rewritten to match it.
    const evil = `RUN printf x >> /artifacts/${victim} && cd /artifacts && sha256sum *.deb > SHA256SUMS\n`;
    const df = c.dockerfile.replace(/(\n {4}npx --yes repro-get@\S+ fetch [^\n]*\n)/, `$1${evil}`);
    expect(df).toContain(evil);
    await writeFile(join(c.dir, 'Dockerfile'), df);
    const r = await build(c.dir, `${OUT}:tamper`, false); // the fetch stage may come from the cache
    expect(r.ok).toBe(false);
    expect(r.output).toContain(`${victim}: FAILED`);
    expect(r.output).toMatch(/computed checksum did NOT match/);
    expect(r.output).not.toMatch(/Unpacking /); // dpkg never ran
  }, 10 * 60_000);

  it('install: `repro-get install` in an image with Node.js; identical double build', async (ctx) => {
    need(ctx);
    const c = await context('install', ['--mode', 'install', '--base', NODE]);
    await checkTwice('install', c.dir, await exportTree(d, NODE));
  }, 10 * 60_000);

  it('add-checksum: its install stage, fed by COPY, gives the same tree as fetch-stage', async (ctx) => {
    need(ctx);
    // ADD --checksum needs the Dockerfile 1.6 frontend: pulled from a registry by the syntax line
    // (none is reachable here), and too new for docker.io 20.10's built-in frontend and buildah
    // 1.28. So the ADD lines are golden-tested (dockerfile.test.ts) and this build puts the same
    // files in the same stage with COPY, after the real `repro-get fetch`.
    const c = await context('add-checksum', ['--mode', 'add-checksum', '--base', BASE]);
    const f = await run(process.execPath, [BIN, 'fetch', '-f', join(c.dir, 'repro-get.lock.yaml'), '--out', join(c.dir, 'art'), '--cache', join(work, 'cache'), '-q'], { cwd: REPO });
    expect(f.code, f.stderr).toBe(0);
    const adds = c.dockerfile.match(/^ADD --checksum=sha256:[0-9a-f]{64} \S+ \/tmp\/repro-get\/\S+$/gm) ?? [];
    expect(adds).toHaveLength(new Set(lock.packages.map((p) => p.filename.split('/').pop())).size);
    const df = c.dockerfile
      .replace(/^# syntax=.*\n/, '')
      .replace(/^ADD --checksum=sha256:[0-9a-f]{64} \S+ \/tmp\/repro-get\/(\S+)$/gm, 'COPY art/$1 /tmp/repro-get/$1');
    await writeFile(join(c.dir, 'Dockerfile'), df);
    const r = await build(c.dir, `${OUT}:add-checksum`);
    expect(r.ok, r.output.slice(-6000)).toBe(true);
    const tree = await exportTree(d, `${OUT}:add-checksum`);
    if (fetchTree) expect(diffTrees(fetchTree.entries, tree.entries, RUNTIME_PATHS)).toEqual([]);
  }, 10 * 60_000);
});
