/** The real signed Alpine indexes in ../shared/real-metadata/alpine, verified, parsed and cached per test file. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseApkIndex, type ApkPackageInfo } from '../../../../src/families/apk/apkindex.js';
import { readApkIndexFile } from '../../../../src/families/apk/index-file.js';
import { loadApkKeys, type ApkKeyring } from '../../../../src/families/apk/keys.js';
import { parseDep } from '../../../../src/families/apk/dependency.js';
import { Universe } from '../../../../src/families/apk/resolve/universe.js';
import { resolveApk, type WorldEntry } from '../../../../src/families/apk/resolve/index.js';

export const REAL_DIR = fileURLToPath(new URL('../../../../../shared/real-metadata/alpine/', import.meta.url));
export const REAL_INDEXES = ['v3.0-main-x86', 'v3.14-main-x86_64', 'v3.16-main-x86_64', 'v3.17-main-aarch64'] as const;
export type RealIndex = (typeof REAL_INDEXES)[number];

let keys: ApkKeyring | undefined;
const parsed = new Map<RealIndex, ApkPackageInfo[]>();

export async function realKeys(): Promise<ApkKeyring> {
  return (keys ??= await loadApkKeys([REAL_DIR + 'keys-distribution-gpg-keys']));
}

export async function realPackages(which: RealIndex): Promise<ApkPackageInfo[]> {
  let p = parsed.get(which);
  if (!p) {
    const file = readApkIndexFile(readFileSync(`${REAL_DIR}${which}-APKINDEX.tar.gz`), which, await realKeys(), true);
    p = parseApkIndex(file.text, `${which}/APKINDEX`);
    parsed.set(which, p);
  }
  return p;
}

export function world(...atoms: string[]): WorldEntry[] {
  return atoms.map((raw) => {
    const dep = parseDep(raw);
    if (typeof dep === 'string') throw new Error(dep);
    return { dep, raw };
  });
}

const universes = new Map<string, Universe>();

/**
 * The universe of one real index, with `base` (world entries) resolved and marked installed first.
 * Shared per (index, base): solving keeps its state outside the universe, so reuse is safe.
 */
export async function realUniverse(which: RealIndex, base: string[] = []): Promise<Universe> {
  const key = `${which}|${base.join(' ')}`;
  let u = universes.get(key);
  if (!u) {
    u = new Universe();
    for (const info of await realPackages(which)) u.add(info, 0, `alpine/${which}`);
    if (base.length) for (const p of resolveApk(u, world(...base)).packages) p.installed = true;
    universes.set(key, u);
  }
  return u;
}

/** `name-version` of everything apk would install for `atoms` (the base excluded), sorted. */
export async function installs(which: RealIndex, atoms: string[], base: string[] = []): Promise<string[]> {
  const u = await realUniverse(which, base);
  const r = resolveApk(u, [...world(...base).map((w) => ({ ...w, base: true })), ...world(...atoms)]);
  return r.packages.filter((p) => !p.installed).map((p) => `${p.name}-${p.version}`).sort();
}
