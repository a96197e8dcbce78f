/**
 * Live: the resolver against real apt on the real bookworm main amd64 index, over apt's own default
 * base (note: every Essential / Priority: required package and its closure), on a fixed list of
 * package sets plus seeded random ones. Run with
 *   npx vitest run --config vitest.live.config.ts test/families/apt/oracle.live.test.ts
 * The mirror comes from this machine's /etc/apt/sources.list.d/debian.sources at run time; the
 * index is cached under the OS temp folder by the sha256 its InRelease gives, so reruns are quick.
 */
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, type ExpectStatic } from 'vitest';
import { isReproError } from '../../../src/core/errors.js';
import { field, parseStanzas } from '../../../src/families/apt/deb822.js';
import { parsePackages, parseStatus, type AptPackage } from '../../../src/families/apt/packages.js';
import { defaultBase, resolveApt } from '../../../src/families/apt/resolve/index.js';
import { AptState, aptAvailable } from '../../support/apt-oracle.js';

const SOURCES_FILE = '/etc/apt/sources.list.d/debian.sources';
const INDEX = 'main/binary-amd64/Packages.xz';

/** Sets named in the brief, or-group / virtual / conflict-heavy ones, and init-system and MTA mixes. */
const FIXED: string[][] = [
  ['curl'],
  ['jq'],
  ['ca-certificates'],
  ['git'],
  ['python3'],
  ['build-essential'],
  ['openssh-server'],
  ['nginx'],
  ['postgresql'],
  ['vim'],
  ['curl', 'jq', 'ca-certificates', 'git', 'python3', 'build-essential', 'openssh-server', 'nginx', 'postgresql', 'vim'],
  ['sysvinit-core', 'font-viewer'],
  ['libadwaita-1-0', 'runit-init'],
  ['default-mta'],
  ['mail-transport-agent'],
  ['exim4'],
  ['postfix', 'mutt'],
  ['mutt'],
  ['console-setup-freebsd'],
  ['runit-init', 'systemd'],
  ['sysvinit-core', 'network-manager'],
  ['openrc', 'dbus'],
  ['systemd-sysv', 'sysvinit-core'],
  ['www-browser'],
  ['lynx', 'w3m'],
  ['default-jre-headless'],
  ['apache2', 'libapache2-mod-php'],
  ['emacs'],
  ['xfce4'],
  ['gnome-core'],
  ['texlive-base'],
  ['docker.io'],
  ['libreoffice-writer'],
  ['dnsmasq', 'bind9'],
  ['ntp', 'chrony'],
  ['rsyslog', 'syslog-ng'],
  ['python3', 'python-is-python3', 'pipx'],
  ['nosuchpackage-xyz'],
  ['curl=0.0-not-there'],
];

/** mulberry32: a small seeded generator, so the random sets are the same on every run. */
function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Random sets as positions in the sorted name list (the names are only known once the index is in). */
function randomPicks(count: number, seed: number): number[][] {
  const r = rng(seed);
  return Array.from({ length: count }, () => Array.from({ length: 1 + Math.floor(r() * 5) }, () => r()));
}

/**
 * Sets where apt and the resolver may legitimately differ (see resolve/README.md), with the reason.
 * Empty: every set below must match.
 */
const KNOWN_DIFFERENCES = new Map<string, string>();

function mirrorUrl(): string | undefined {
  if (!existsSync(SOURCES_FILE)) return undefined;
  for (const s of parseStanzas(readFileSync(SOURCES_FILE, 'utf8'), SOURCES_FILE)) {
    const suites = (field(s, 'Suites') ?? '').split(/\s+/);
    const uri = (field(s, 'URIs') ?? '').split(/\s+/)[0];
    if (suites.includes('bookworm') && uri) return uri.replace(/\/+$/, '');
  }
  return undefined;
}

async function get(url: string): Promise<Buffer> {
  const res = await fetch(url, { signal: AbortSignal.timeout(120_000) });
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  return Buffer.from(await res.arrayBuffer());
}

/** The decompressed index, from the cache when the InRelease names a sha256 we already have. */
async function loadIndex(base: string): Promise<string> {
  const inRelease = (await get(`${base}/dists/bookworm/InRelease`)).toString('utf8');
  const m = new RegExp(`^ ([0-9a-f]{64})\\s+\\d+\\s+${INDEX.replace(/\./g, '\\.')}$`, 'm').exec(inRelease.slice(inRelease.indexOf('SHA256:')));
  if (!m) throw new Error(`InRelease lists no SHA256 for ${INDEX}`);
  const dir = join(tmpdir(), 'repro-get-apt-live');
  mkdirSync(dir, { recursive: true });
  const cached = join(dir, `${m[1]}.Packages`);
  if (existsSync(cached)) return readFileSync(cached, 'utf8');
  const xz = await get(`${base}/dists/bookworm/${INDEX}`);
  const digest = createHash('sha256').update(xz).digest('hex');
  if (digest !== m[1]) throw new Error(`${INDEX}: sha256 ${digest}, InRelease says ${m[1]}`);
  const out = spawnSync('xz', ['-dc'], { input: xz, maxBuffer: 512 << 20 });
  if (out.status !== 0) throw new Error(`xz -dc failed: ${out.stderr}`);
  writeFileSync(cached, out.stdout);
  return out.stdout.toString('utf8');
}

/** A dpkg status for the base: the packages' own stanzas (so apt merges them with the lists' ones). */
function statusFor(base: AptPackage[], text: string): string {
  const raw = new Map<string, string>();
  for (const s of text.split('\n\n')) {
    const n = /^Package: (.*)$/m.exec(s)?.[1];
    const v = /^Version: (.*)$/m.exec(s)?.[1];
    if (n && v) raw.set(`${n} ${v}`, s.trim());
  }
  return base.map((p) => raw.get(`${p.name} ${p.version}`)!.replace('\n', '\nStatus: install ok installed\n') + '\n').join('\n');
}

function outcome(r: { install: { name: string; version: string }[]; remove: { name: string }[] }): string {
  return [...r.install.map((p) => `+${p.name}=${p.version}`), ...r.remove.map((p) => `-${p.name}`)].sort().join(' ');
}

interface World {
  text: string;
  available: AptPackage[];
  installed: AptPackage[];
  names: string[];
  apt: AptState;
}

let world: World | undefined;
let skipReason = '';
const results: { set: string; same: boolean; known: boolean }[] = [];

function resolveWithRepro(w: World, set: string[]): string {
  try {
    return outcome(resolveApt({ available: w.available, installed: w.installed, requests: set.map(parseArg), nativeArch: 'amd64' }));
  } catch (e) {
    if (!isReproError(e)) throw e;
    return `refused (${e.code})`;
  }
}

/** Concurrent tests must assert through their own context's expect. */
async function compare(w: World, set: string[], expect: ExpectStatic): Promise<void> {
  const mine = resolveWithRepro(w, set);
  const o = await w.apt.runAsync(set);
  const theirs = o.exitCode === 0 ? outcome(o) : 'refused';
  const same = mine === theirs || (mine.startsWith('refused') && theirs === 'refused');
  const known = KNOWN_DIFFERENCES.has(set.join(' '));
  results.push({ set: set.join(' '), same, known });
  if (!known) expect(same, `${set.join(' ')}\n  repro: ${mine}\n  apt:   ${theirs}`).toBe(true);
}

const RANDOM = randomPicks(40, 20240521);

beforeAll(async () => {
  const base = mirrorUrl();
  if (!aptAvailable()) skipReason = 'apt-get is not available on this machine';
  else if (!base) skipReason = `no bookworm entry in ${SOURCES_FILE}`;
  else if (spawnSync('xz', ['--version']).status !== 0) skipReason = 'the xz command is not available';
  else {
    try {
      const text = await loadIndex(base);
      let t = performance.now();
      const available = parsePackages(text, 'bookworm');
      console.log(`parsed ${available.length} stanzas (${(text.length / 1e6).toFixed(1)} MB) in ${(performance.now() - t).toFixed(0)} ms`);
      t = performance.now();
      const installed = defaultBase(available, 'amd64');
      console.log(`default base: ${installed.length} packages in ${(performance.now() - t).toFixed(0)} ms`);
      const status = statusFor(installed, text);
      const apt = new AptState({ sources: [{ suite: 'bookworm', packages: text }], status, nativeArch: 'amd64' }, join(tmpdir(), 'repro-get-apt-live', 'state'));
      apt.run(['apt']); // builds apt's binary caches once, before the concurrent runs
      world = { text, available, installed: parseStatus(status), names: [...new Set(available.map((p) => p.name))].sort(), apt };
    } catch (e) {
      skipReason = `the mirror is unreachable: ${(e as Error).message}`;
    }
  }
  if (skipReason) console.warn(`SKIPPED live apt oracle test: ${skipReason}`);
});

afterAll(() => {
  if (!results.length) return;
  const same = results.filter((r) => r.same).length;
  const known = results.filter((r) => !r.same && r.known).map((r) => r.set);
  console.log(`apt oracle: ${same}/${results.length} package sets match apt-get exactly${known.length ? `; documented differences: ${known.join('; ')}` : ''}`);
});

describe.concurrent('apt resolver vs apt-get on the real bookworm index', () => {
  for (const set of FIXED) {
    it(set.join(' '), async (ctx) => {
      if (!world) return ctx.skip();
      await compare(world, set, ctx.expect);
    });
  }

  RANDOM.forEach((picks, k) => {
    it(`random set #${k + 1}`, async (ctx) => {
      if (!world) return ctx.skip();
      const w = world;
      await compare(w, picks.map((x) => w.names[Math.floor(x * w.names.length)]), ctx.expect);
    });
  });

  it('covers at least 40 sets', () => expect(FIXED.length + RANDOM.length).toBeGreaterThanOrEqual(40));
});

// After the comparisons (describes run in order), so apt-get processes do not share the CPU.
describe('apt resolver timing on the real index', () => {
  it('resolves 20 packages quickly', (ctx) => {
    if (!world) return ctx.skip();
    const w = world;
    const req = ['curl', 'jq', 'ca-certificates', 'git', 'python3', 'build-essential', 'openssh-server', 'nginx', 'postgresql', 'vim', 'emacs', 'texlive-base', 'default-jre-headless', 'apache2', 'libreoffice-writer', 'xfce4', 'gnome-core', 'docker.io', 'golang', 'rustc'];
    const times: number[] = [];
    let n = 0;
    for (let i = 0; i < 3; i++) {
      const t = performance.now();
      n = resolveApt({ available: w.available, installed: w.installed, requests: req.map((name) => ({ name })), nativeArch: 'amd64' }).install.length;
      times.push(performance.now() - t);
    }
    console.log(`resolve 20 packages -> ${n} to install: ${times.map((x) => x.toFixed(0)).join(', ')} ms`);
    expect(n).toBeGreaterThan(100);
  });
});

function parseArg(arg: string): { name: string; arch?: string; version?: string } {
  const [spec, version] = arg.split('=');
  const [name, arch] = spec.split(':');
  return { name, arch, version };
}
