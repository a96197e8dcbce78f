/**
 * Distro data files (distros/<name>.yaml). Core only loads and hands them out by the name before
 * the ':' of `distro:` (debian:bookworm → debian.yaml); what the fields mean is the family's business.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import YAML from 'yaml';
import { ReproError, closeNames } from './errors.js';
import { packageRoot } from './paths.js';

export interface DistroData {
  family: 'apt' | 'dnf' | 'apk' | 'pacman';
  name: string;
  /** Everything else is family-specific. */
  [key: string]: unknown;
}

export function distrosDir(): string {
  return process.env.REPRO_GET_DISTROS ?? join(packageRoot(), 'distros');
}

export async function loadDistro(distro: string): Promise<{ data: DistroData; release?: string }> {
  const [name, release] = distro.split(':', 2);
  const dir = distrosDir();
  let text: string;
  try {
    text = await readFile(join(dir, `${name}.yaml`), 'utf8');
  } catch {
    throw unknownDistro(name, await readdir(dir).catch(() => []));
  }
  return { data: YAML.parse(text) as DistroData, release: release || undefined };
}

/** loadDistro for synchronous callers (a Dockerfile hook renders its lines synchronously). */
export function loadDistroSync(distro: string): { data: DistroData; release?: string } {
  const [name, release] = distro.split(':', 2);
  const dir = distrosDir();
  let text: string;
  try {
    text = readFileSync(join(dir, `${name}.yaml`), 'utf8');
  } catch {
    let files: string[] = [];
    try {
      files = readdirSync(dir);
    } catch {
      /* no distros folder: no names to suggest */
    }
    throw unknownDistro(name, files);
  }
  return { data: YAML.parse(text) as DistroData, release: release || undefined };
}

function unknownDistro(name: string, files: string[]): ReproError {
  const known = files.filter((f) => f.endsWith('.yaml')).map((f) => f.slice(0, -5));
  const near = closeNames(name, known);
  return new ReproError('SPEC', `unknown distro "${name}" (known: ${known.sort().join(', ')}).${near.length ? ` Did you mean ${near[0]}?` : ''}`);
}

/** Resolves a path written in a distro file (keys/…) against the distros folder. */
export function distroPath(p: string): string {
  return resolve(distrosDir(), p);
}
