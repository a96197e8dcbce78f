/**
 * A real Debian bookworm minbase root for the install tests: built once by
 * scripts/debootstrap-root.sh under $REPRO_GET_TEST_ROOTS (default /var/tmp/repro-get-test) and
 * reused while complete; each test installs into its own copy. When the root cannot be built (no
 * network to the mirror, not root, no debootstrap) the caller gets a reason to skip, not a failure.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const TEST_ROOTS = process.env.REPRO_GET_TEST_ROOTS || '/var/tmp/repro-get-test';
const SCRIPT = fileURLToPath(new URL('../../scripts/debootstrap-root.sh', import.meta.url));
const MARKER = '.repro-get-debootstrap-complete';

let memo: { root: string } | { skip: string } | undefined;

/** The cached bookworm minbase root, building it on first use (a few minutes). */
export function bookwormRoot(): { root: string } | { skip: string } {
  if (memo) return memo;
  const root = join(TEST_ROOTS, 'bookworm-minbase');
  if (existsSync(join(root, MARKER))) return (memo = { root });
  if (process.getuid?.() !== 0) return (memo = { skip: 'building a debootstrap root needs root' });
  const r = spawnSync('bash', [SCRIPT, root], { encoding: 'utf8', timeout: 20 * 60_000 });
  if (r.status === 0 && existsSync(join(root, MARKER))) return (memo = { root });
  const why = (r.stderr || r.error?.message || '').trim().split('\n').slice(-3).join(' / ');
  memo = { skip: r.status === 3 ? `the Debian mirror cannot be reached, so no bookworm root can be built (${why})` : `debootstrap-root.sh failed (exit ${r.status}): ${why}` };
  // An unreachable mirror is an environment fact; any other failure is worth shouting about.
  if (r.status !== 3) console.warn(`install-chroot tests skipped: ${memo.skip}`);
  return memo;
}

/** A private copy of `root` (cp -a keeps owners, modes, device nodes); removed by the returned fn. */
export async function copyRoot(root: string, prefix = 'repro-get-root-'): Promise<{ dir: string; remove: () => Promise<void> }> {
  const parent = await mkdtemp(join(TEST_ROOTS, prefix));
  const dir = join(parent, 'root');
  const r = spawnSync('cp', ['-a', '--reflink=auto', root, dir], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`cp -a ${root} failed: ${r.stderr}`);
  return { dir, remove: () => rm(parent, { recursive: true, force: true }) };
}
