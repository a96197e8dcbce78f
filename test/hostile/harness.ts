/**
 * Shared harness of the hostile-mirror suite. A scenario serves a (possibly doctored) copy of the
 * fixture apt archive on 127.0.0.1, runs `lock`, `fetch` or `install` through the app functions or
 * the built CLI, and checks the invariants every failure must keep: a typed error naming the file,
 * the URL and the cause; nothing installed; no unverified or partial file in the cache; the
 * lockfile on disk byte-for-byte unchanged.
 */
import { createHash } from 'node:crypto';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as openpgp from 'openpgp';
import { expect } from 'vitest';
import { runCli } from '../support/cli.js';
import { startMirror, type FaultOptions, type Mirror } from '../support/mirror.js';
import { ReproError } from '../../src/core/errors.js';
import { parsePackageRequest, type Spec } from '../../src/core/spec.js';
import { FIXTURE_REPO } from '../support/fixture-lock.js';

export const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));
export const PROJECT = here('../../');
export const FIXTURE_KEY = here('../../fixtures/keys/fixture-archive.pub.asc');
export const FIXTURE_SECRET = here('../../fixtures/keys/fixture-archive.secret.asc');
export const UNTRUSTED_SECRET = here('../../fixtures/keys/untrusted.secret.asc');
/** Snapshot every hostile lock asks for; the fixture bookworm Release is dated 2025-05-17. */
export const SNAPSHOT = '2025-05-20T00:00:00Z';
export const NOW = new Date('2026-01-01T00:00:00Z');

export async function scratch(prefix = 'rg-hostile-'): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

/** A writable copy of the fixture archive, so a scenario can doctor its metadata. */
export async function copyFixtureRepo(): Promise<string> {
  const dir = join(await scratch('rg-hostile-repo-'), 'repo');
  await cp(FIXTURE_REPO, dir, { recursive: true });
  return dir;
}

/**
 * Transport scenarios lock "live" (no --snapshot) at a time the fixture Release is still valid:
 * then the mirror is the only URL, and a failing mirror never falls back to the public snapshot
 * service, which a hermetic test must not contact.
 */
export const LIVE_NOW = new Date('2025-05-20T00:00:00Z');

/** A lock spec for debian/bookworm only (one suite keeps each scenario to a few requests). */
export function aptSpec(mirrorUrl: string, pkgs: string[], o: Partial<Spec> = {}): Spec {
  return {
    dir: '/tmp',
    distro: 'debian:bookworm',
    snapshot: SNAPSHOT,
    architectures: ['amd64'],
    suites: ['bookworm'],
    mirrors: [{ url: `${mirrorUrl}/debian/` }],
    keyrings: [FIXTURE_KEY],
    repos: [],
    packages: pkgs.map((p) => parsePackageRequest(p) as never),
    ...o,
  };
}

// --- signing -------------------------------------------------------------------------------

export async function readSecret(file = FIXTURE_SECRET): Promise<openpgp.PrivateKey> {
  return openpgp.readPrivateKey({ armoredKey: await readFile(file, 'utf8') });
}

/** The RFC 2822 form dak writes ("Sat, 17 May 2025 09:12:00 UTC"). */
export function rfc2822(d: Date): string {
  return d.toUTCString().replace('GMT', 'UTC');
}

const sha256 = (b: Uint8Array | string) => createHash('sha256').update(b).digest('hex');

export interface ReleaseOpts {
  suite?: string;
  codename?: string;
  date: Date;
  validUntil?: Date;
  /** path under dists/<suite>/ → exact bytes; or a forged {sha256,size} entry (e.g. a bomb's claimed size). */
  files: Record<string, Uint8Array | { sha256: string; size: number }>;
}

/** A Release with only the fields the lock reads and the SHA256 list of `files` (no by-hash). */
export function releaseText(o: ReleaseOpts): string {
  const lines = [
    'Origin: Debian',
    'Label: Debian',
    `Suite: ${o.suite ?? 'stable'}`,
    `Codename: ${o.codename ?? 'bookworm'}`,
    `Date: ${rfc2822(o.date)}`,
    ...(o.validUntil ? [`Valid-Until: ${rfc2822(o.validUntil)}`] : []),
    'Architectures: amd64 arm64',
    'Components: main',
    'SHA256:',
  ];
  for (const [p, v] of Object.entries(o.files)) {
    const d = v instanceof Uint8Array ? { sha256: sha256(v), size: v.length } : v;
    lines.push(` ${d.sha256} ${String(d.size).padStart(8)} ${p}`);
  }
  return lines.join('\n') + '\n';
}

/**
 * Writes Release, InRelease and Release.gpg for `dist` (a dists/<suite> folder), signed by `key`
 * at `signedAt` (default: the Release date), and every byte file `files` names beside it.
 */
export async function writeSignedSuite(dist: string, o: ReleaseOpts, key: openpgp.PrivateKey, signedAt = o.date): Promise<void> {
  await rm(dist, { recursive: true, force: true });
  await mkdir(dist, { recursive: true });
  for (const [p, v] of Object.entries(o.files)) {
    if (!(v instanceof Uint8Array)) continue;
    await mkdir(dirname(join(dist, p)), { recursive: true });
    await writeFile(join(dist, p), v);
  }
  const text = releaseText(o);
  await writeFile(join(dist, 'Release'), text);
  const clear = await openpgp.sign({ message: await openpgp.createCleartextMessage({ text }), signingKeys: key, date: signedAt, config: { preferredHashAlgorithm: openpgp.enums.hash.sha256 } });
  await writeFile(join(dist, 'InRelease'), clear);
  const detached = await openpgp.sign({ message: await openpgp.createMessage({ binary: Buffer.from(text) }), signingKeys: key, detached: true, date: signedAt, config: { preferredHashAlgorithm: openpgp.enums.hash.sha256 } });
  await writeFile(join(dist, 'Release.gpg'), detached);
}

/** An armored detached signature (repomd.xml.asc, Release.gpg) made by `key` at `date`. */
export async function signDetached(data: Uint8Array, key: openpgp.PrivateKey, date: Date): Promise<string> {
  return openpgp.sign({ message: await openpgp.createMessage({ binary: data }), signingKeys: key, detached: true, date, config: { preferredHashAlgorithm: openpgp.enums.hash.sha256 } });
}

/** The fixture's bookworm amd64 Packages, uncompressed. */
export async function fixturePackages(repo = FIXTURE_REPO): Promise<string> {
  return readFile(join(repo, 'debian/dists/bookworm/main/binary-amd64/Packages'), 'utf8');
}

// --- invariants ------------------------------------------------------------------------------

/** Awaits a promise that must fail with a ReproError; returns it. */
export async function failure(p: Promise<unknown>): Promise<ReproError> {
  let v: unknown;
  try {
    v = await p;
  } catch (e) {
    if (!(e instanceof ReproError)) throw new Error(`expected a ReproError, got ${String((e as Error)?.stack ?? e)}`);
    return e;
  }
  throw new Error(`expected a failure, got success: ${JSON.stringify(v)?.slice(0, 200)}`);
}

/** A clear error: the expected code, and a message that names every given piece (file, URL, cause). */
export function expectClear(e: ReproError, code: string | RegExp, ...mentions: (string | RegExp)[]): void {
  if (typeof code === 'string') expect(e.code).toBe(code);
  else expect(e.code).toMatch(code);
  for (const m of mentions) {
    if (typeof m === 'string') expect(e.message).toContain(m);
    else expect(e.message).toMatch(m);
  }
  // Hermetic: every URL an error lists as tried is on loopback (a fallback to a public snapshot
  // service would be a request to another address).
  expect((e.message.match(/\bhttps?:\/\/[^\s/:]+/g) ?? []).filter((u) => !u.endsWith('//127.0.0.1'))).toEqual([]);
}

/**
 * The cache holds only verified files: every `sha256/<hex>` hashes to its name, no temporary file
 * is left beside them, in `tmp/`, `alias/` or `derived/`.
 */
export async function expectCleanCache(dir: string): Promise<{ entries: number }> {
  const st = await stat(dir).catch(() => undefined);
  if (!st) return { entries: 0 };
  const problems: string[] = [];
  let entries = 0;
  for (const name of await readdir(dir)) {
    if (!['sha256', 'tmp', 'alias', 'derived'].includes(name)) problems.push(`unexpected ${name}`);
  }
  for (const f of await readdir(join(dir, 'sha256')).catch(() => [] as string[])) {
    if (!/^[0-9a-f]{64}$/.test(f)) {
      problems.push(`sha256/${f}: not a digest name (a partial or temporary file)`);
      continue;
    }
    const actual = sha256(await readFile(join(dir, 'sha256', f)));
    if (actual !== f) problems.push(`sha256/${f}: content hashes to ${actual}`);
    entries++;
  }
  for (const f of await readdir(join(dir, 'tmp')).catch(() => [] as string[])) problems.push(`tmp/${f}: left over`);
  for (const f of await readdir(join(dir, 'alias'), { recursive: true }).catch(() => [] as string[])) {
    if (String(f).includes('.tmp-')) problems.push(`alias/${f}: left over`);
  }
  // derived/ holds results computed from verified content, named by a digest of their inputs.
  for (const f of await readdir(join(dir, 'derived')).catch(() => [] as string[])) {
    if (!/^[0-9a-f]{64}$/.test(f)) problems.push(`derived/${f}: not a digest name (a partial or temporary file)`);
  }
  expect(problems).toEqual([]);
  return { entries };
}

/** Every file (relative path) under a folder, sorted: "nothing installed" is "the same list". */
export async function tree(dir: string): Promise<string[]> {
  return ((await readdir(dir, { recursive: true })) as string[]).sort();
}

/** A scratch root like a minimal image: an empty dpkg status, nothing else. */
export async function scratchRoot(): Promise<string> {
  const root = join(await scratch('rg-hostile-root-'), 'root');
  await mkdir(join(root, 'var/lib/dpkg'), { recursive: true });
  await writeFile(join(root, 'var/lib/dpkg/status'), '');
  return root;
}

// --- the built CLI ---------------------------------------------------------------------------

export type { CliRun } from '../support/cli.js';

/** Runs ./bin/repro-get asynchronously (the mirror answers from this process). */
export const cli = (args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) => runCli(args, opts);

/** True when `npm run build` has produced the CLI bundle the CLI scenarios run. */
export async function cliBuilt(): Promise<boolean> {
  return !!(await stat(join(PROJECT, 'dist/cli.mjs')).catch(() => undefined));
}

// --- servers the loopback mirror cannot imitate ----------------------------------------------

export interface TinyServer {
  url: string;
  hits: string[];
  close(): Promise<void>;
}

/** A loopback server with a hand-written handler (trickling bodies, giant lines). */
export async function tinyServer(handler: Parameters<typeof createServer>[1]): Promise<TinyServer> {
  const hits: string[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((req, res) => {
    hits.push(req.url ?? '');
    handler!(req, res);
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('error', () => {});
    s.once('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    hits,
    close() {
      for (const s of sockets) s.destroy();
      return new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/**
 * Transport faults for the pacman and apk suites: name, fault, the cause the error must name, and
 * whether one occurrence is transient (a retry of the same URL cures it).
 */
export type TransportFault = [string, FaultOptions, RegExp, boolean];

export const TRANSPORT_FAULTS: TransportFault[] = [
  ['404', { kind: 'status', status: 404 }, /HTTP 404/, false],
  ['500', { kind: 'status', status: 500 }, /HTTP 500/, true],
  ['503', { kind: 'status', status: 503 }, /HTTP 503/, true],
  ['truncated body', { kind: 'truncate', bytes: 100 }, /closed|terminated|premature|bytes|other side/i, true],
  ['stall past the timeout', { kind: 'stall', ms: Infinity, headers: true }, /timeout|stalled/i, true],
  ['reset mid-body', { kind: 'reset', after: 100 }, /reset|ECONNRESET|closed|terminated|other side/i, true],
  ['redirect loop', { kind: 'redirect', location: '/loop' }, /redirect/, false],
];

/** The same plus the faults only a file with a known digest and size can reveal (package files). */
export const ARTIFACT_FAULTS: TransportFault[] = [
  ...TRANSPORT_FAULTS,
  ['flipped byte', { kind: 'flip', offset: -1 }, /wrong content: got sha256 [0-9a-f]{64}/, false],
  ['endless body', { kind: 'endless' }, /more than the expected \d+ bytes/, false],
];

/** Injects `f` for `path` on `m`; a redirect fault becomes a two-step loop through /loop. */
export function injectFault(m: Mirror, path: string, f: FaultOptions): void {
  m.fault(path, f);
  if (f.kind === 'redirect') m.fault('/loop', { kind: 'redirect', location: path, times: f.times });
}

/** A faulty mirror and a good one, with REPRO_GET_DISTROS pointed at a distros folder naming the good one. */
export interface MirrorPair {
  /** The spec's --mirror: where faults are injected. */
  bad: Mirror;
  /** The distro's own (permanent) URL: the next URL everything has. */
  good: Mirror;
  /** Closes both mirrors and restores REPRO_GET_DISTROS. */
  close(): Promise<void>;
}

/**
 * Starts both mirrors, then lets `distrosFor` write the distros folder for `good` (its URL is known
 * only now) and points REPRO_GET_DISTROS at it, so "cured by the next mirror" runs through the app.
 */
export async function mirrorPair(badRoot: string, goodRoot: string, distrosFor: (good: Mirror) => Promise<string>): Promise<MirrorPair> {
  const bad = await startMirror({ root: badRoot });
  const good = await startMirror({ root: goodRoot });
  const distros = await distrosFor(good);
  const saved = process.env.REPRO_GET_DISTROS;
  process.env.REPRO_GET_DISTROS = distros;
  return {
    bad,
    good,
    async close() {
      process.env.REPRO_GET_DISTROS = saved;
      await bad.close();
      await good.close();
    },
  };
}
