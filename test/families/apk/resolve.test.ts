/**
 * The solver against shared/notes/apk-resolution.md, rule by rule, on the real signed indexes:
 * every example the note names, plus properties (world order does not matter, results are
 * closed under dependencies).
 */
import { describe, expect, it } from 'vitest';
import { ReproError } from '../../../src/core/errors.js';
import { depMatches } from '../../../src/families/apk/dependency.js';
import { resolveApk } from '../../../src/families/apk/resolve/index.js';
import { installs, realPackages, realUniverse, world, type RealIndex } from './support/real.js';

const V316: RealIndex = 'v3.16-main-x86_64';
const V317: RealIndex = 'v3.17-main-aarch64';
const BASE = ['alpine-base'];

async function refusal(which: RealIndex, atoms: string[], base: string[] = []): Promise<ReproError> {
  const e = await installs(which, atoms, base).then(() => undefined, (x: unknown) => x);
  expect(e, `${atoms.join(' ')} should be refused`).toBeInstanceOf(ReproError);
  return e as ReproError;
}

describe('rule 1: who satisfies a name', () => {
  it('the package of that name and every package providing it, versioned or not', async () => {
    expect(await installs(V316, ['cmd:bash'], BASE)).toContain('bash-5.1.16-r2');
    expect(await installs(V316, ['so:libcurl.so.4'], BASE)).toContain('libcurl-7.83.1-r4');
    expect(await installs(V316, ['pc:zlib'], BASE)).toEqual(['pkgconf-1.8.0-r1', 'zlib-dev-1.2.12-r3']);
    expect(await installs(V316, ['pc:zlib>=1.2.12'], BASE)).toContain('zlib-dev-1.2.12-r3');
  });

  it('checks a constraint against the provided version; an unversioned provide meets none', async () => {
    // v3.16 provides cmd:sh=1.35.0-r17 (versioned); v3.14 only `cmd:sh`.
    expect(await installs(V316, ['cmd:sh>=1.35'], BASE)).toEqual([]);
    const e = await refusal('v3.14-main-x86_64', ['cmd:sh>=1.0']);
    expect(e.message).toContain('cmd:sh');
  });
});

describe('rule 2: ~ is fuzzy by whole version components', () => {
  it('busybox~1.35 accepts 1.35.0-r17, busybox~1.3 does not', async () => {
    expect(await installs(V316, ['busybox~1.35'])).toEqual(['busybox-1.35.0-r17', 'musl-1.2.3-r2']);
    const e = await refusal(V316, ['busybox~1.3']);
    expect(e.code).toBe('UNSATISFIABLE');
    expect(e.message).toContain('busybox-1.35.0-r17:\n    breaks: world[busybox~1.3]');
  });
});

describe('rule 3: an unversioned provide is not chosen automatically', () => {
  it('cmd:bash on an empty v3.16 root fails with apk\'s note', async () => {
    const e = await refusal(V316, ['cmd:bash']);
    expect(e.code).toBe('UNSATISFIABLE');
    expect(e.message).toContain("/bin/sh (virtual):\n    note: please select one of the 'provided by' packages explicitly\n    provided by: busybox\n    required by: bash-5.1.16-r2[/bin/sh]");
    expect(e.detail?.chain).toEqual(['cmd:bash', 'bash', '/bin/sh']);
    expect(e.hint).toMatch(/provided by/);
  });

  it('with alpine-base (which requires busybox) it succeeds', async () => {
    expect(await installs(V316, ['cmd:bash'], BASE)).toEqual(['bash-5.1.16-r2', 'ncurses-libs-6.3_p20220521-r0', 'ncurses-terminfo-base-6.3_p20220521-r0', 'readline-8.1.2-r0']);
  });

  it('in v3.17 busybox-binsh has k:100, so it succeeds on an empty root too', async () => {
    expect(await installs(V317, ['cmd:bash'])).toEqual([
      'bash-5.2.15-r0', 'busybox-1.35.0-r29', 'busybox-binsh-1.35.0-r29', 'musl-1.2.3-r5',
      'ncurses-libs-6.3_p20221119-r1', 'ncurses-terminfo-base-6.3_p20221119-r1', 'readline-8.2.0-r0',
    ]);
  });
});

describe('rule 4: choosing among providers', () => {
  it('4.4: the higher provided version of the requested name (cmd:scp → dropbear-scp)', async () => {
    expect(await installs(V316, ['cmd:scp'], BASE)).toEqual(['dropbear-scp-2022.82-r1']);
  });

  it.each([
    ['icu-data', 'icu-data-en-71.1-r2', 'icu-data-full-71.1-r2'],
    ['dhcp-server', 'dhcp-server-vanilla-4.4.3_p1-r0', 'dhcp-server-ldap-4.4.3_p1-r0'],
    ['postgresql-jit', 'postgresql14-14.5-r0', 'postgresql13-13.8-r0'],
  ])('4.7: the higher k: (%s → %s)', async (req, winner, loser) => {
    const got = await installs(V316, [req], BASE);
    expect(got).toContain(winner);
    expect(got).not.toContain(loser);
  });

  it('4.9: on a full tie, the first provider in index order (cmd:ex → gvim over vim)', async () => {
    const got = await installs(V316, ['cmd:ex'], BASE);
    expect(got).toContain('gvim-8.2.5000-r0');
    expect(got).not.toContain('vim-8.2.5000-r0');
  });

  it('4.3: with add, the installed package is kept over a better candidate', async () => {
    // icu-data-full installed first: asking for icu-data keeps it rather than adding icu-data-en.
    expect(await installs(V316, ['icu-data'], [...BASE, 'icu-data-full'])).toEqual([]);
  });
});

describe('rule 5: order', () => {
  it('does not depend on the order of the request', async () => {
    const atoms = ['curl', 'openssh-client', 'python3', 'git', 'cmd:scp', 'icu-data'];
    const a = await installs(V316, atoms.filter((x) => x !== 'cmd:scp'), BASE);
    expect(await installs(V316, [...atoms.filter((x) => x !== 'cmd:scp')].reverse(), BASE)).toEqual(a);
  });

  it('gives a closed, consistent set: every dependency met, no name claimed twice', async () => {
    const u = await realUniverse(V316, BASE);
    const r = resolveApk(u, world(...BASE, 'git', 'curl', 'python3', 'openssh', 'nginx', 'icu-data', 'docs'));
    const byName = new Map<string, { version: string | null; checksum?: string }>();
    for (const p of r.packages) {
      for (const [n, v] of [[p.name, p.version] as const, ...p.provides.map((d) => [d.name, d.version ?? null] as const)]) {
        if (byName.has(n)) expect(v === null && byName.get(n)!.version === null, `${n} claimed twice`).toBe(true);
        byName.set(n, { version: v, checksum: p.checksum?.raw });
      }
    }
    for (const p of r.packages) {
      for (const d of p.depends) {
        const c = byName.get(d.name);
        expect(depMatches(d, c ? c.version : undefined, c?.checksum), `${p.name}: ${d.name}`).toBe(true);
      }
    }
  });
});

describe('rule 6: install_if', () => {
  it('openrc dbus → adds dbus-openrc', async () => {
    expect(await installs(V316, ['openrc', 'dbus'], BASE)).toContain('dbus-openrc-1.14.4-r0');
  });

  it('docs bash → adds bash-doc; bash alone → no -doc packages', async () => {
    expect(await installs(V316, ['docs', 'bash'], BASE)).toContain('bash-doc-5.1.16-r2');
    expect((await installs(V316, ['bash'], BASE)).filter((p) => /-doc-/.test(p))).toEqual([]);
  });

  it('honours versioned conditions (i:dhcp=4.4.3_p1-r0)', async () => {
    expect(await installs(V316, ['dhcp'], BASE)).toContain('dhcp-openrc-4.4.3_p1-r0');
  });
});

describe('rule 7: conflicts', () => {
  it('dropbear-scp openssh-client is refused (both provide cmd:scp at different versions)', async () => {
    const e = await refusal(V316, ['dropbear-scp', 'openssh-client'], BASE);
    expect(e.code).toBe('CONFLICT');
    expect(e.message).toContain('openssh-client-common-9.0_p1-r2:\n    conflicts: dropbear-scp-2022.82-r1[cmd:scp]');
  });

  it('busybox !musl is refused; a conflict does not count as a requirement', async () => {
    const e = await refusal(V316, ['busybox', '!musl']);
    expect(e.code).toBe('CONFLICT');
    expect(e.message).toContain('musl-1.2.3-r2:\n    conflicts: world[!musl]');
    expect(await installs(V316, ['!nosuchthing', 'musl'])).toEqual(['musl-1.2.3-r2']);
  });

  it('doas-sudo-shim sudo is refused (sudo left main in 3.16; the shim conflicts with it anyway)', async () => {
    await refusal(V316, ['doas-sudo-shim', 'sudo'], BASE);
    await refusal(V317, ['doas-sudo-shim', 'sudo'], BASE);
  });
});

describe('rule 8: errors', () => {
  it('an unknown name', async () => {
    const e = await refusal(V316, ['nosuchpkg']);
    expect(e.code).toBe('NOT_FOUND');
    expect(e.message).toContain('nosuchpkg (no such package): required by: world[nosuchpkg]');
  });

  it('an unmeetable version', async () => {
    const e = await refusal(V316, ['busybox>99']);
    expect(e.code).toBe('UNSATISFIABLE');
    expect(e.message).toContain('busybox-1.35.0-r17:\n    breaks: world[busybox>99]');
    expect(e.detail?.chain).toEqual(['busybox>99', 'busybox']);
  });
});

describe('rule 9: a base changes choices', () => {
  it('more random sets succeed with alpine-base than without', async () => {
    const names = (await realPackages(V316)).map((p) => p.name).filter((n) => !/-(doc|dev|dbg|openrc|lang)$/.test(n));
    // A fixed pseudo-random sequence, so the figures are stable.
    let seed = 20240601;
    const rand = (n: number): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
    let withBase = 0;
    let without = 0;
    const sets = 40;
    for (let i = 0; i < sets; i++) {
      const set = [0, 1, 2].map(() => names[rand(names.length)]);
      if (await installs(V316, set, BASE).then(() => true, () => false)) withBase++;
      if (await installs(V316, set).then(() => true, () => false)) without++;
    }
    expect(withBase).toBeGreaterThan(without);
    expect(withBase).toBeGreaterThanOrEqual(sets - 2);
    console.log(`rule 9, v3.16: ${withBase}/${sets} random 3-package sets resolve with alpine-base, ${without}/${sets} without`);
  });
});
