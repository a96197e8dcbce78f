/**
 * The apt installer's planning, without installing anything: dpkg batch order (Pre-Depends strictly
 * before, Depends and cycles together, deterministic), control fields read from the fixture .debs,
 * and `install --dry-run` against a fake root whose dpkg database is the fixture base system.
 */
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { formatInstallPlan, installLocked, type InstallRunOptions } from '../../../src/app/install.js';
import { ReproError } from '../../../src/core/errors.js';
import { serializeLockfile } from '../../../src/core/lockfile/write.js';
import { readDebControl } from '../../../src/families/apt/deb-control.js';
import { installOrder, type OrderNode } from '../../../src/families/apt/install-order.js';
import { field } from '../../../src/families/apt/deb822.js';
import { startMirror, type Mirror } from '../../support/mirror.js';
import { FIXTURE_REPO, fixtureIndex, fixtureLock } from '../../support/fixture-lock.js';

const node = (key: string, depends: string[] = [], preDepends: string[] = []): OrderNode => ({ key, depends, preDepends });

describe('installOrder', () => {
  it('puts a pre-dependency in an earlier dpkg call', () => {
    expect(installOrder([node('a', [], ['b']), node('b')]).batches).toEqual([['b'], ['a']]);
  });

  it('keeps plain Depends in one call, dependencies first', () => {
    expect(installOrder([node('a', ['b']), node('b', ['c']), node('c')]).batches).toEqual([['c', 'b', 'a']]);
  });

  it('does not leave a package in an earlier call than something it Depends on', () => {
    // c pre-depends on b, so c waits for call 2; a depends on c, so a must wait too.
    expect(installOrder([node('a', ['c']), node('b'), node('c', [], ['b'])]).batches).toEqual([['b'], ['c', 'a']]);
  });

  it('layers chains of Pre-Depends', () => {
    expect(installOrder([node('d', [], ['c']), node('c', [], ['b']), node('b', [], ['a']), node('a'), node('x')]).batches).toEqual([['a', 'x'], ['b'], ['c'], ['d']]);
  });

  it('installs a dependency cycle in one call and reports it', () => {
    const r = installOrder([node('b', ['a']), node('a', ['b']), node('z', ['a'])]);
    expect(r.batches).toEqual([['a', 'b', 'z']]);
    expect(r.cycles).toEqual([['a', 'b']]);
  });

  it('breaks a Pre-Depends cycle deterministically, after the cycle\'s own pre-dependencies', () => {
    const r = installOrder([node('a', [], ['b']), node('b', [], ['a', 'p']), node('p')]);
    expect(r.batches).toEqual([['p'], ['a', 'b']]);
    expect(r.brokenPreDepends).toEqual([['a', 'b'], ['b', 'a']]);
  });

  it('ignores edges to packages outside the set (already installed) and to itself', () => {
    expect(installOrder([node('a', ['libc6', 'a'], ['dpkg'])]).batches).toEqual([['a']]);
  });

  it('gives the same batches whatever the input order', () => {
    const keys = 'abcdefghij'.split('');
    const graph = fc.array(fc.tuple(fc.constantFrom(...keys), fc.constantFrom(...keys), fc.boolean()), { maxLength: 25 });
    fc.assert(
      fc.property(graph, fc.infiniteStream(fc.nat()), (edges, rnd) => {
        const build = (order: string[]) =>
          order.map((k) => node(k, edges.filter(([f, , pre]) => f === k && !pre).map(([, t]) => t).reverse(), edges.filter(([f, , pre]) => f === k && pre).map(([, t]) => t)));
        const it = rnd[Symbol.iterator]();
        const shuffled = [...keys].sort(() => (it.next().value as number) % 3 - 1);
        const x = installOrder(build(keys));
        const y = installOrder(build(shuffled));
        expect(y).toEqual(x);
        // and every Pre-Depends outside a cycle is strictly earlier, every Depends not later
        const at = new Map(x.batches.flatMap((b, i) => b.map((k) => [k, i] as const)));
        const cyc = new Map(x.cycles.flatMap((c, i) => c.map((k) => [k, i] as const)));
        for (const [f, t, pre] of edges) {
          if (f === t) continue;
          const sameCycle = cyc.has(f) && cyc.get(f) === cyc.get(t);
          if (pre && !sameCycle) expect(at.get(f)!).toBeGreaterThan(at.get(t)!);
          else expect(at.get(f)!).toBeGreaterThanOrEqual(at.get(t)!);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('handles a long chain without deep recursion', () => {
    const n = 20000;
    const nodes = Array.from({ length: n }, (_, i) => node(`p${String(i).padStart(5, '0')}`, i ? [`p${String(i - 1).padStart(5, '0')}`] : []));
    const r = installOrder(nodes);
    expect(r.batches).toHaveLength(1);
    expect(r.batches[0][0]).toBe('p00000');
    expect(r.batches[0][n - 1]).toBe(`p${n - 1}`);
  });
});

describe('readDebControl', () => {
  it('reads the control stanza of every fixture .deb', async () => {
    for (const e of fixtureIndex('amd64')) {
      const c = await readDebControl(join(FIXTURE_REPO, e.archive, e.filename));
      expect([field(c, 'Package'), field(c, 'Version'), field(c, 'Architecture')]).toEqual([e.name, e.version, e.arch]);
    }
    const core = await readDebControl(join(FIXTURE_REPO, 'debian', fixtureIndex().find((e) => e.name === 'rg-coreutils')!.filename));
    expect(field(core, 'Pre-Depends')).toBe('librgcore1 (>= 1.2)');
  });

  it('refuses a file that is not a .deb', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'repro-get-deb-'));
    await writeFile(join(dir, 'x.deb'), 'hello');
    await expect(readDebControl(join(dir, 'x.deb'))).rejects.toThrow(/not a Debian package/);
    await rm(dir, { recursive: true });
  });
});

describe('install --dry-run', () => {
  const PICKS = ['librgcore1', 'rg-coreutils', 'rg-codegen', 'rg-tool', 'rg-data', 'rg-tool-doc', 'rg-tinyhttpd', 'rg-webapp'];
  let mirror: Mirror;
  let dir: string;
  let root: string;
  let lockPath: string;
  beforeAll(async () => {
    mirror = await startMirror({ root: FIXTURE_REPO });
  });
  afterAll(async () => {
    await mirror.close();
  });
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'repro-get-dry-'));
    root = join(dir, 'root');
    await mkdir(join(root, 'var/lib/dpkg'), { recursive: true });
    await writeFile(join(root, 'var/lib/dpkg/status'), '');
    lockPath = join(dir, 'repro-get.lock.yaml');
    await writeFile(lockPath, serializeLockfile(fixtureLock(mirror.url, PICKS)));
    mirror.clearFaults();
    mirror.requests.length = 0;
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  const opts = (o: Partial<InstallRunOptions> = {}): InstallRunOptions => ({ cacheDir: join(dir, 'cache'), root, dryRun: true, machineArch: 'amd64', env: {}, retries: 0, backoffMs: 1, ...o });

  it('prints the dpkg calls, the pre-dependency first, and changes nothing', async () => {
    const r = await installLocked(lockPath, opts());
    expect(formatInstallPlan(r, 'amd64')).toBe(
      [
        `would install 8 package(s) into ${root} in 2 step(s)`,
        'step 1: librgcore1=1.4.2-3 rg-codegen=0.9-2 rg-data=1:2.1-1 rg-tinyhttpd=1.4-1 rg-tool-doc=1:2.1-1 rg-tool=1:2.1-1 rg-webapp=3.0-1',
        'step 2: rg-coreutils=9.1-1',
        '',
      ].join('\n'),
    );
    expect(await readFile(join(root, 'var/lib/dpkg/status'), 'utf8')).toBe('');
    expect(await readdir(root, { recursive: true })).toEqual(['var', 'var/lib', 'var/lib/dpkg', 'var/lib/dpkg/status']);
  });

  it('skips packages already installed at the locked version', async () => {
    await cp(join(FIXTURE_REPO, '../status-base'), join(root, 'var/lib/dpkg/status'));
    const r = await installLocked(lockPath, opts());
    expect(formatInstallPlan(r, 'amd64')).toBe(
      [
        `would install 6 package(s) into ${root} in 1 step(s); 2 already at the locked version`,
        'step 1: rg-codegen=0.9-2 rg-data=1:2.1-1 rg-tinyhttpd=1.4-1 rg-tool-doc=1:2.1-1 rg-tool=1:2.1-1 rg-webapp=3.0-1',
        'already installed: librgcore1=1.4.2-3 rg-coreutils=9.1-1',
        '',
      ].join('\n'),
    );
  });

  it('verifies every artifact before planning: a tampered one stops everything', async () => {
    const victim = fixtureIndex().find((e) => e.name === 'rg-webapp')!;
    mirror.fault(`/debian/${victim.filename}`, { kind: 'flip', offset: -1 });
    const e = await installLocked(lockPath, opts()).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ReproError);
    expect((e as ReproError).code).toBe('HASH');
    expect((e as ReproError).message).toContain('rg-webapp 3.0-1 all');
  });

  it('refuses a lock for another architecture before any download', async () => {
    const e = await installLocked(lockPath, opts({ machineArch: 'arm64' })).catch((x: unknown) => x);
    expect((e as ReproError).code).toBe('ARCH');
    expect(mirror.requests).toEqual([]);
  });
});
