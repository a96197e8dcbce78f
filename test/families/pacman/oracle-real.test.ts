/**
 * repro-get's resolver against real pacman on the real September 2022 core, extra and multilib
 * databases: the same (name, version) set, or the same refusal (targets not found, unsatisfied
 * dependencies), for random target sets and sets aimed at groups, names with several providers,
 * packages depending on them and conflicting pairs; once with an empty system and once with the
 * `base` closure installed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isReproError } from '../../../src/core/errors.js';
import type { PacmanPackage } from '../../../src/families/pacman/desc.js';
import { resolve } from '../../../src/families/pacman/resolve.js';
import type { Repo } from '../../../src/families/pacman/universe.js';
import { pacmanMissing, pacmanOracle, type OracleResult, type PacmanOracle } from './support/pacman-oracle.js';
import { REAL_REPOS, realDb, realRepos, rng } from './support/real-arch.js';

function ours(repos: Repo[], installed: PacmanPackage[], targets: string[]): OracleResult {
  try {
    const r = resolve({ repos, installed, targets, checkConflicts: false });
    return { ok: true, pkgs: r.packages.map((p) => `${p.name} ${p.version}`).sort() };
  } catch (e) {
    if (!isReproError(e)) throw e;
    const d = e.detail ?? {};
    const missing = (d.missing as { target: string }[] | undefined) ?? [];
    const failures = (d.failures as { dep: string; requiredBy: string }[] | undefined) ?? [];
    return {
      ok: false,
      output: e.message,
      notFound: missing.map((m) => m.target.replace(/^[^/]+\//, '')).sort(), // pacman prints the name without its repo/
      unsatisfied: [...new Set(failures.map((f) => `${f.dep} <- ${f.requiredBy}`))].sort(),
    };
  }
}

/**
 * `scale` 1 keeps CI lean (pacman needs seconds to fail on the KDE groups, so those are left
 * out); REPRO_GET_ORACLE_SCALE=5 runs five times as many random cases and every group.
 */
/** Groups that pacman does not spend seconds failing on (it repeats failing subtrees: rule 8). */
function quick(repos: Repo[], group: string): boolean {
  const r = ours(repos, [], [group]);
  return r.ok || r.unsatisfied.length <= 10;
}

function cases(repos: Repo[], seed: number, scale: number): string[][] {
  const pick = rng(seed);
  const all = repos.flatMap((r) => r.packages);
  const out: string[][] = [];
  const n = (k: number) => Math.round(k * scale);
  for (let i = 0; i < n(14); i++) out.push(Array.from({ length: 1 + pick(4) }, () => all[pick(all.length)].name));
  // Pairs (random sets of 3+ mostly fail: the 2022 community repo is missing).
  for (let i = 0; i < n(8); i++) out.push([all[pick(all.length)].name, all[pick(all.length)].name]);
  const groups = [...new Set(repos.flatMap((r) => [...r.groups.keys()]))].sort().filter((g) => scale > 1 || quick(repos, g));
  for (let i = 0; i < n(5); i++) out.push([groups[pick(groups.length)]]);
  const provided = new Map<string, number>();
  for (const r of repos) for (const [name, ps] of r.providers) provided.set(name, (provided.get(name) ?? 0) + ps.filter((p) => p.name !== name).length);
  const multi = [...provided].filter(([, k]) => k > 1).map(([name]) => name).sort();
  for (let i = 0; i < n(5); i++) out.push([multi[pick(multi.length)]]);
  const dependents = all.filter((p) => p.depends.some((d) => provided.has(d.name) && provided.get(d.name)! > 1));
  for (let i = 0; i < n(5); i++) out.push([dependents[pick(dependents.length)].name]);
  const conflicting = all.flatMap((p) => p.conflicts.flatMap((c) => all.filter((q) => q !== p && (q.name === c.name || q.provides.some((pr) => pr.name === c.name))).map((q) => [p.name, q.name])));
  for (let i = 0; i < n(3); i++) out.push(conflicting[pick(conflicting.length)]);
  out.push(['java-runtime', 'libgl', 'libjpeg'], ['base-devel'], ['iptables', 'iptables-nft'], ['core/bash', 'extra/bash'], ['no-such-package', 'pythn'], ['sh', 'awk']);
  return out;
}

const missing = pacmanMissing();
describe.skipIf(!!missing)('pacman -Sp on the real 2022 databases (oracle)', () => {
  let repos: Repo[];
  let base: PacmanPackage[];
  const oracles: PacmanOracle[] = [];
  beforeAll(async () => {
    repos = await realRepos();
    base = resolve({ repos, installed: [], targets: ['base'] }).packages;
  });
  afterAll(() => oracles.forEach((o) => o.close()));

  for (const [label, withBase, seed] of [['an empty system', false, 1], ['base installed', true, 2]] as const) {
    it(`matches pacman on every case with ${label}`, { timeout: 900_000 * Math.max(1, Number(process.env.REPRO_GET_ORACLE_SCALE ?? 1)) ** 2 }, () => {
      const installed = withBase ? base : [];
      const oracle = pacmanOracle({ repos: REAL_REPOS.map((id) => ({ id, db: realDb(id) })), installed: installed.map((p) => `${p.name}-${p.version}`) });
      oracles.push(oracle);
      const all = cases(repos, seed, Number(process.env.REPRO_GET_ORACLE_SCALE ?? 1));
      const mismatches: string[] = [];
      let installable = 0;
      for (const targets of all) {
        const t0 = Date.now();
        const want = oracle.run(targets);
        if (Date.now() - t0 > 2000) console.log(`slow pacman case (${Date.now() - t0} ms): ${targets.join(' ')}`);
        const got = ours(repos, installed, targets);
        if (want.ok) installable++;
        const same = want.ok && got.ok ? JSON.stringify(want.pkgs) === JSON.stringify(got.pkgs)
          : !want.ok && !got.ok ? JSON.stringify([want.notFound, want.unsatisfied]) === JSON.stringify([got.notFound, got.unsatisfied]) : false;
        if (!same) mismatches.push(`${targets.join(' ')}\n  pacman: ${JSON.stringify(want).slice(0, 400)}\n  ours:   ${JSON.stringify(got).slice(0, 400)}`);
      }
      console.log(`pacman oracle (${label}): ${all.length - mismatches.length}/${all.length} cases agree (${installable} installable)`);
      expect(mismatches).toEqual([]);
      expect(installable).toBeGreaterThan(all.length / 4); // not only refusals
    });
  }
});

if (missing) it.skip(missing, () => {});
