/** The real September 2022 Arch databases in ../shared/real-metadata/arch, parsed once per test file. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseDb } from '../../../../src/families/pacman/db.js';
import { makeRepo, type Repo } from '../../../../src/families/pacman/universe.js';

export const REAL_ARCH = fileURLToPath(new URL('../../../../../shared/real-metadata/arch/', import.meta.url));
export const REAL_REPOS = ['core', 'extra', 'multilib'] as const;

export const realDb = (id: string): string => `${REAL_ARCH}${id}.db.tar.gz`;

let cached: Promise<Repo[]> | undefined;
export function realRepos(): Promise<Repo[]> {
  cached ??= Promise.all(REAL_REPOS.map(async (id) => makeRepo(id, await parseDb(readFileSync(realDb(id)), id, `${id}.db`))));
  return cached;
}

/** A small deterministic generator (LCG), so random cases are the same on every run. */
export function rng(seed: number): (n: number) => number {
  let s = seed >>> 0;
  return (n) => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return Math.floor(((s >>> 8) / 2 ** 24) * n);
  };
}
