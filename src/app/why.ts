/** `why`: every shortest chain from a requested package to a locked one, from the lock's own edges. */
import { ReproError, closeNames } from '../core/errors.js';
import { shortestChains } from '../core/lockfile/graph.js';
import type { Lockfile } from '../core/lockfile/schema.js';

export interface WhyResult {
  target: string;
  requested: boolean;
  /** Only in the base system the lock assumes (not locked itself). */
  baseOnly: boolean;
  chains: string[][];
}

/** Node names as the lock's `depends` lists write them: name, or name:arch when several arches exist. */
function nodeNames(lock: Lockfile): Map<string, string> {
  const count = new Map<string, number>();
  for (const p of lock.packages) count.set(p.name, (count.get(p.name) ?? 0) + 1);
  const m = new Map<string, string>();
  for (const p of lock.packages) m.set(`${p.name}:${p.arch}`, (count.get(p.name) ?? 0) > 1 ? `${p.name}:${p.arch}` : p.name);
  return m;
}

export function why(lock: Lockfile, query: string): WhyResult[] {
  const names = nodeNames(lock);
  const edges = new Map<string, string[]>();
  for (const p of lock.packages) edges.set(names.get(`${p.name}:${p.arch}`)!, p.depends);
  const roots = lock.packages.filter((p) => p.requested).map((p) => names.get(`${p.name}:${p.arch}`)!);
  const [qName, qArch] = query.split(':');
  const targets = lock.packages.filter((p) => p.name === qName && (!qArch || p.arch === qArch));
  if (!targets.length) {
    const base = lock.assumedInstalled.find((s) => s.split('=')[0].split(':')[0] === qName);
    if (base) {
      // Base packages are not locked, but locked packages may still depend on them.
      const chains = shortestChains(roots, edges, qName);
      return [{ target: base, requested: false, baseOnly: true, chains }];
    }
    const near = closeNames(qName, lock.packages.map((p) => p.name));
    throw new ReproError('NOT_FOUND', `${query} is not in the lock.${near.length ? ` Close names: ${near.join(', ')}.` : ''}`);
  }
  return targets.map((t) => {
    const node = names.get(`${t.name}:${t.arch}`)!;
    return { target: `${t.name}:${t.arch}=${t.version}`, requested: t.requested, baseOnly: false, chains: t.requested ? [[node]] : shortestChains(roots, edges, node) };
  });
}
