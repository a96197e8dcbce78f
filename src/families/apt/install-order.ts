/**
 * Install order for dpkg: packages grouped into batches, each installed by one `dpkg -i` call.
 *
 * Within one call dpkg unpacks everything and then configures in dependency order, so Depends
 * (including cycles) are satisfied inside a batch. Pre-Depends are not: the pre-dependency must be
 * configured before the dependent is even unpacked, so it goes in an earlier batch. Hence:
 *   batch(A) >  batch(B)  when A Pre-Depends on B
 *   batch(A) >= batch(B)  when A Depends on B   (a later batch would leave A unconfigured)
 * Each strongly connected component (a dependency cycle) shares one batch; a Pre-Depends edge inside
 * a cycle cannot be honoured strictly and is treated as Depends (dpkg configures the cycle together).
 * Everything is deterministic: the same nodes in any order give the same batches in the same order.
 */

export interface OrderNode {
  key: string;
  /** Keys this node pre-depends on; keys not among the nodes (already installed) are ignored. */
  preDepends: string[];
  depends: string[];
}

export interface InstallOrder {
  /** Batches in install order; within a batch dependencies come first, then by key. */
  batches: string[][];
  /** Dependency cycles (size > 1), each sorted, for the log. */
  cycles: string[][];
  /** Pre-Depends edges inside a cycle, which could not be made strict. */
  brokenPreDepends: [string, string][];
}

export function installOrder(nodes: OrderNode[]): InstallOrder {
  const keys = [...new Set(nodes.map((n) => n.key))].sort(cmp);
  const known = new Set(keys);
  const pre = new Map<string, Set<string>>();
  const all = new Map<string, string[]>();
  for (const k of keys) (pre.set(k, new Set()), all.set(k, []));
  for (const n of nodes) {
    for (const d of n.preDepends) if (known.has(d) && d !== n.key) pre.get(n.key)!.add(d);
    const out = new Set([...all.get(n.key)!, ...pre.get(n.key)!]);
    for (const d of n.depends) if (known.has(d) && d !== n.key) out.add(d);
    all.set(n.key, [...out].sort(cmp));
  }

  const sccs = stronglyConnected(keys, all); // dependencies before dependents
  const comp = new Map<string, number>();
  sccs.forEach((c, i) => c.forEach((k) => comp.set(k, i)));

  const level: number[] = [];
  const brokenPreDepends: [string, string][] = [];
  sccs.forEach((members, i) => {
    let l = 0;
    for (const a of members) {
      for (const b of all.get(a)!) {
        const j = comp.get(b)!;
        if (j === i) {
          if (pre.get(a)!.has(b)) brokenPreDepends.push([a, b]);
          continue;
        }
        l = Math.max(l, level[j] + (pre.get(a)!.has(b) ? 1 : 0));
      }
    }
    level[i] = l;
  });

  const batches: string[][] = [];
  sccs.forEach((members, i) => (batches[level[i]] ??= []).push(...members));
  return {
    batches: batches.filter((b) => b?.length),
    cycles: sccs.filter((c) => c.length > 1),
    brokenPreDepends: brokenPreDepends.sort((x, y) => cmp(x[0], y[0]) || cmp(x[1], y[1])),
  };
}

/**
 * Tarjan's algorithm, iterative (a lock of thousands of packages must not overflow the stack).
 * Components come out dependencies-first (reverse topological order of the condensation); nodes
 * inside a component are sorted. Start nodes and edges are visited in sorted order.
 */
function stronglyConnected(keys: string[], edges: Map<string, string[]>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const out: string[][] = [];
  let next = 0;
  for (const root of keys) {
    if (index.has(root)) continue;
    const work: { node: string; edge: number }[] = [{ node: root, edge: 0 }];
    index.set(root, next), low.set(root, next++), stack.push(root), onStack.add(root);
    while (work.length) {
      const top = work[work.length - 1];
      const succ = edges.get(top.node)!;
      if (top.edge < succ.length) {
        const w = succ[top.edge++];
        if (!index.has(w)) {
          index.set(w, next), low.set(w, next++), stack.push(w), onStack.add(w);
          work.push({ node: w, edge: 0 });
        } else if (onStack.has(w)) low.set(top.node, Math.min(low.get(top.node)!, index.get(w)!));
        continue;
      }
      work.pop();
      if (work.length) {
        const parent = work[work.length - 1].node;
        low.set(parent, Math.min(low.get(parent)!, low.get(top.node)!));
      }
      if (low.get(top.node) === index.get(top.node)) {
        const c: string[] = [];
        let w: string;
        do {
          w = stack.pop()!;
          onStack.delete(w);
          c.push(w);
        } while (w !== top.node);
        out.push(c.sort(cmp));
      }
    }
  }
  return out;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
