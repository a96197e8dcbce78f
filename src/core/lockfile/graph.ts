/**
 * Graph facts derived from dependency edges, shared by every family: which requested packages
 * pull a package in (lock), and the shortest chains to it (why, error messages).
 */

/** For each node, the sorted roots from which it is reachable along `edges` (roots reach themselves). */
export function pulledInBy(roots: string[], edges: Map<string, string[]>): Map<string, string[]> {
  const out = new Map<string, Set<string>>();
  for (const r of roots) {
    const seen = new Set<string>([r]);
    const stack = [r];
    while (stack.length) {
      const n = stack.pop()!;
      if (!out.has(n)) out.set(n, new Set());
      out.get(n)!.add(r);
      for (const m of edges.get(n) ?? []) if (!seen.has(m)) (seen.add(m), stack.push(m));
    }
  }
  return new Map([...out].map(([k, v]) => [k, [...v].sort()]));
}

/** Every shortest path from any root to `target` (BFS layers), each as a list of node names. */
export function shortestChains(roots: string[], edges: Map<string, string[]>, target: string, limit = 20): string[][] {
  const dist = new Map<string, number>();
  const preds = new Map<string, string[]>();
  let frontier = [...new Set(roots)].sort();
  for (const r of frontier) dist.set(r, 0);
  for (let d = 0; frontier.length && !dist.has(target); d++) {
    const next: string[] = [];
    for (const n of frontier) {
      for (const m of edges.get(n) ?? []) {
        if (!dist.has(m)) {
          dist.set(m, d + 1);
          preds.set(m, [n]);
          next.push(m);
        } else if (dist.get(m) === d + 1) preds.get(m)!.push(n);
      }
    }
    frontier = [...new Set(next)].sort();
  }
  if (!dist.has(target)) return [];
  const chains: string[][] = [];
  const walk = (n: string, tail: string[]): void => {
    if (chains.length >= limit) return;
    const ps = preds.get(n);
    if (!ps || dist.get(n) === 0) {
      chains.push([n, ...tail]);
      return;
    }
    for (const p of [...new Set(ps)].sort()) walk(p, [n, ...tail]);
  };
  walk(target, []);
  return chains;
}
