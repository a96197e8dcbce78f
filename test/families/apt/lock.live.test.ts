/**
 * LIVE: the whole `repro-get lock` pipeline against the real Debian bookworm archive on this
 * machine's mirror (URL read from /etc/apt/sources.list.d/debian.sources at run time), compared with
 * real `apt-get install -s --no-install-recommends` over the same mirror and this machine's dpkg
 * status. Skips with a message when the mirror cannot be reached.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { lock } from '../../../src/app/lock.js';
import { parsePackageRequest, type Spec } from '../../../src/core/spec.js';
import { debianMirror, reachable } from '../../../bench/support/debian-mirror.js';

const SETS = [
  ['curl'],
  ['jq', 'ca-certificates'],
  ['git'],
  ['python3'],
  ['openssh-server'],
  ['nginx'],
  ['vim', 'less'],
  ['build-essential'],
  ['postgresql-client'],
  ['gnupg', 'dirmngr'],
];

const mirror = debianMirror();
let online = false;
let work = '';
const cache = mkdtempSync(join(tmpdir(), 'rg-live-cache-'));

function aptInst(pkgs: string[]): string[] {
  const o = ['-o', `Dir::State::Lists=${work}/lists`, '-o', `Dir::Cache=${work}/cache`, '-o', 'Debug::NoLocking=1', '-o', 'APT::Architecture=amd64', '-o', 'APT::Architectures=amd64'];
  const out = execFileSync('apt-get', [...o, 'install', '-s', '--no-install-recommends', ...pkgs], { encoding: 'utf8', maxBuffer: 64 << 20 });
  return out.split('\n').filter((l) => l.startsWith('Inst ')).map((l) => {
    const m = /^Inst (\S+) (?:\[\S+\] )?\((\S+)/.exec(l)!;
    return `${m[1].replace(/:amd64$/, '')}=${m[2]}`;
  }).sort();
}

beforeAll(async () => {
  online = !!mirror && (await reachable(`${mirror.debian}dists/bookworm/InRelease`));
  if (!online) {
    console.warn('SKIP live apt lock tests: the Debian mirror named in /etc/apt/sources.list.d/debian.sources is not reachable.');
    return;
  }
  work = mkdtempSync(join(tmpdir(), 'rg-live-apt-'));
  mkdirSync(join(work, 'lists/partial'), { recursive: true });
  mkdirSync(join(work, 'cache/archives/partial'), { recursive: true });
  execFileSync('apt-get', ['-o', `Dir::State::Lists=${work}/lists`, '-o', `Dir::Cache=${work}/cache`, '-o', 'Debug::NoLocking=1', '-qq', 'update'], { stdio: 'ignore' });
}, 600_000);

describe('LIVE apt lock against the real bookworm archive', () => {
  it.each(SETS)('%s: lock closure equals apt-get install -s', async (...pkgs) => {
    if (!online) return;
    const spec: Spec = {
      dir: work,
      distro: 'debian:bookworm',
      architectures: ['amd64'],
      mirrors: [{ url: mirror!.debian }, ...(mirror!.security ? [{ archive: 'debian-security', url: mirror!.security }] : [])],
      keyrings: [],
      repos: [],
      installed: '/var/lib/dpkg/status',
      packages: pkgs.map((p) => parsePackageRequest(p) as never),
    };
    const l = await lock(spec, { cacheDir: cache });
    expect(l.sources.every((s) => s.metadata.signedBy.length > 0)).toBe(true);
    expect(l.packages.map((p) => `${p.name}=${p.version}`).sort()).toEqual(aptInst(pkgs));
  });
});
