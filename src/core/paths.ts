/** Locates the package root (where distros/ and schema/ live) from built or source code alike. */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let root: string | undefined;

export function packageRoot(): string {
  if (root) return root;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'distros'))) return (root = dir);
    dir = dirname(dir);
  }
  throw new Error('repro-get: cannot find its package root (distros/ missing)');
}
