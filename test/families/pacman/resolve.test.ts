/**
 * The resolver, rule by rule (shared/notes/pacman-resolution.md), on the real September 2022
 * databases where they have an example and on small hand-written repositories elsewhere.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { ReproError } from '../../../src/core/errors.js';
import type { PacmanPackage } from '../../../src/families/pacman/desc.js';
import { resolve } from '../../../src/families/pacman/resolve.js';
import type { Repo } from '../../../src/families/pacman/universe.js';
import { realRepos } from './support/real-arch.js';
import { pkg, repo } from './support/synthetic.js';

const names = (ps: PacmanPackage[]) => ps.map((p) => `${p.name} ${p.version}`).sort();
const fail = (f: () => unknown): ReproError => {
  try {
    f();
  } catch (e) {
    return e as ReproError;
  }
  throw new Error('expected an error');
};

describe('on the real 2022 databases', () => {
  let repos: Repo[];
  beforeAll(async () => {
    repos = await realRepos();
  });
  const run = (targets: string[], installed: PacmanPackage[] = [], checkConflicts = true) => resolve({ repos, installed, targets, checkConflicts });

  it('rule 4: with several providers --noconfirm takes the first in repository-then-name order', () => {
    const got = run(['java-runtime', 'libgl', 'libjpeg']).requested.map((p) => p.name);
    expect(got).toEqual(['jre-openjdk', 'libglvnd', 'libjpeg-turbo']);
  });
  it('rule 9: base-devel expands to its members and gives 113 packages with dependencies', () => {
    const r = run(['base-devel']);
    expect(r.packages).toHaveLength(113);
    expect(r.requested.every((p) => p.groups.includes('base-devel'))).toBe(true);
  });
  it('rule 2: a package beats a group of the same name (kdevelop)', () => {
    // kdevelop cannot install in these databases (the 2022 community repo is missing), but every
    // failure starts at the package, never at the group's other members.
    const chains = fail(() => run(['kdevelop'])).detail!.failures as { chain: string[] }[];
    expect(new Set(chains.map((f) => f.chain[0]))).toEqual(new Set(['kdevelop']));
  });
  it('rule 2: repo/name searches only that repository', () => {
    expect(run(['core/bash']).requested.map((p) => `${p.repo}/${p.name}`)).toEqual(['core/bash']);
    expect(fail(() => run(['extra/bash'])).code).toBe('NOT_FOUND');
  });
  it('rule 10: -Sp lists iptables and iptables-nft; a real -S drops iptables, which iptables-nft provides', () => {
    expect(run(['iptables', 'iptables-nft'], [], false).packages.map((p) => p.name)).toEqual(expect.arrayContaining(['iptables', 'iptables-nft']));
    const r = run(['iptables', 'iptables-nft']);
    expect(r.packages.map((p) => p.name)).not.toContain('iptables');
    expect(r.dropped.map((d) => [d.pkg.name, d.keptFor.name])).toEqual([['iptables', 'iptables-nft']]);
  });
  it('the base closure installed: nothing of it is listed again, an installed target is reinstalled', () => {
    const base = run(['base']).packages;
    expect(base.map((p) => p.name)).toEqual(expect.arrayContaining(['base', 'bash', 'glibc', 'pacman', 'systemd']));
    const r = run(['bash', 'vim'], base);
    expect(names(r.packages)).toEqual(names(r.packages.filter((p) => p.name === 'bash' || !base.some((b) => b.name === p.name))));
    expect(r.packages.map((p) => p.name)).toContain('bash');
  });
  it('errors: unknown names with close names, a pin to a missing version with the versions that exist', () => {
    const e = fail(() => run(['pythn', 'nosuchthing-at-all']));
    expect(e.code).toBe('NOT_FOUND');
    expect(e.message).toMatch(/target not found: pythn \(did you mean python/);
    expect(e.message).toMatch(/target not found: nosuchthing-at-all/);
    const v = fail(() => run(['bash=9.9']));
    expect(v.code).toBe('NO_VERSION');
    expect(v.message).toMatch(/bash: no version 9\.9 \(available: 5\.1\.016-1 \(core\)\)/);
    expect(run(['bash=5.1.016-1']).requested[0].version).toBe('5.1.016-1');
    expect(run(['bash=5.1.016']).requested[0].version).toBe('5.1.016-1'); // pkgrel compared only when both have one
  });
  it('errors: an unsatisfiable dependency carries the chain from the target to the missing package', () => {
    const e = fail(() => run(['qt5-base']));
    expect(e.code).toBe('UNSATISFIABLE');
    expect(e.message).toMatch(/unable to satisfy dependency 'duktape' required by libproxy \(qt5-base → libproxy → duktape\)/);
    expect(e.detail!.chain).toEqual(['qt5-base', 'libproxy', 'duktape']);
  });
});

describe('on small repositories', () => {
  const core = repo('core', {
    'b 1-1': {},
    'sh-impl 1-1': { provides: ['sh'] },
    'curl 7.85-1': { provides: ['libcurl.so=4-64'] },
    'zeta 1-1': { provides: ['virt=1'] },
  });
  const extra = repo('extra', {
    'b 2-1': {},
    'alpha 1-1': { provides: ['virt=2'] },
    'usesb 1-1': { depends: ['b'] },
    'needsb2 1-1': { depends: ['b>=2'] },
    'needsb3 1-1': { depends: ['b>=3'] },
    'needssh 1-1': { depends: ['sh'] },
    'needsshv 1-1': { depends: ['sh>=1'] },
    'needscurl 1-1': { depends: ['libcurl.so=4-64'] },
    'needsvirt 1-1': { depends: ['virt'] },
    'x 1-1': { conflicts: ['y'] },
    'y 1-1': {},
    'ynew 1-1': { provides: ['y'], conflicts: ['y'] },
    'tool 1-1': { groups: ['kit'], depends: ['b'] },
    'util 1-1': { groups: ['kit'] },
  });
  const repos = [core, extra];
  const run = (targets: string[], installed: PacmanPackage[] = []) => resolve({ repos, installed, targets });

  it('rule 1: repository order decides before version', () => {
    expect(names(run(['usesb']).packages)).toEqual(['b 1-1', 'usesb 1-1']);
  });
  it('rule 3: a versioned dependency takes the first repository whose package fits', () => {
    expect(names(run(['needsb2']).packages)).toEqual(['b 2-1', 'needsb2 1-1']);
    const e = fail(() => run(['needsb3']));
    expect(e.code).toBe('UNSATISFIABLE');
    expect(e.detail!.chain).toEqual(['needsb3', 'b>=3']);
  });
  it('rule 3: an unversioned provide never meets a versioned dependency; soname provides do', () => {
    expect(names(run(['needssh']).packages)).toEqual(['needssh 1-1', 'sh-impl 1-1']);
    expect(fail(() => run(['needsshv'])).code).toBe('UNSATISFIABLE');
    expect(names(run(['needscurl']).packages)).toEqual(['curl 7.85-1', 'needscurl 1-1']);
  });
  it('rule 4: providers in repository-then-name order; an installed provider wins at once', () => {
    expect(run(['needsvirt']).packages.map((p) => p.name)).toContain('zeta');
    const installedAlpha = pkg('alpha 0.9-1', { provides: ['virt=2'] });
    expect(run(['needsvirt'], [installedAlpha]).packages.map((p) => p.name)).toEqual(['needsvirt']);
  });
  it('rule 6: an old installed version that fits is enough; one that does not is upgraded', () => {
    expect(names(run(['usesb'], [pkg('b 0.5-1')]).packages)).toEqual(['usesb 1-1']);
    expect(names(run(['needsb2'], [pkg('b 1-1')]).packages)).toEqual(['b 2-1', 'needsb2 1-1']);
  });
  it('rule 7: a command-line target that satisfies a dependency is preferred', () => {
    expect(names(run(['needsvirt', 'alpha']).packages)).toEqual(['alpha 1-1', 'needsvirt 1-1']);
  });
  it('rule 9: a group expands to its members, each resolved like a target; duplicates ignored', () => {
    const r = run(['kit', 'tool']);
    expect(r.requested.map((p) => p.name)).toEqual(['tool', 'util']);
    expect(names(r.packages)).toEqual(['b 1-1', 'tool 1-1', 'util 1-1']);
  });
  it('rule 10: conflicting targets where neither provides the other are refused; a provider replaces', () => {
    const e = fail(() => run(['x', 'y']));
    expect(e.code).toBe('CONFLICT');
    expect(e.message).toMatch(/x 1-1 and y 1-1 are in conflict/);
    const r = run(['y', 'ynew']);
    expect(r.packages.map((p) => p.name)).toEqual(['ynew']);
    expect(r.dropped.map((d) => d.pkg.name)).toEqual(['y']);
  });
  it('rule 10: a conflict with an installed package is refused (--noconfirm does not remove it)', () => {
    const e = fail(() => run(['x'], [pkg('y 1-1')]));
    expect(e.code).toBe('CONFLICT');
    expect(e.message).toMatch(/installed y 1-1/);
  });
  it('refuses an upgrade that breaks an installed package', () => {
    const e = fail(() => run(['extra/b'], [pkg('b 1-1'), pkg('keeper 1-1', { depends: ['b<2'] })]));
    expect(e.code).toBe('UNSATISFIABLE');
    expect(e.message).toMatch(/'b<2' required by keeper \(installed\)/);
  });
  it('refuses an unknown repository in repo/name', () => {
    expect(fail(() => run(['community/b'])).message).toMatch(/database not found: community/);
  });
});
