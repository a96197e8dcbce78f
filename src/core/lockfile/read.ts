/** Lockfile reader: YAML (or JSON, which is YAML) → validated Lockfile, or a file:line error. */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { ReproError } from '../errors.js';
import { parseYaml, validateYaml, lineOf, toData } from '../yaml-input.js';
import { parseCanonicalYaml } from './canonical-yaml.js';
import { LOCKFILE_VERSION, lockfileSchema, lockfileSchemaStripping, type Lockfile } from './schema.js';

export async function readLockfile(path: string): Promise<Lockfile> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new ReproError('LOCKFILE', `cannot read lockfile ${path}: ${(e as Error).message}`, { hint: 'Run `repro-get lock` first, or name the lockfile with -f.' });
  }
  return parseLockfile(text, path);
}

export function parseLockfile(text: string, file: string): Lockfile {
  // The writer's own output takes the fast path; anything else, and every error (which needs the
  // line numbers only the full parse keeps), goes through the yaml library.
  return parseCanonical(text) ?? parseAnyYaml(text, file);
}

/**
 * The same checks as parseAnyYaml on parseCanonicalYaml's data; undefined for "ask the slow path".
 * The version is compared without semver (the schema allows only MAJOR.MINOR.PATCH anyway), so
 * neither yaml nor semver is loaded for a well-formed lock.
 */
function parseCanonical(text: string): Lockfile | undefined {
  const raw = parseCanonicalYaml(text) as Record<string, unknown> | undefined;
  const v = typeof raw?.lockfileVersion === 'string' ? /^(0|[1-9]\d{0,8})\.(0|[1-9]\d{0,8})\.(0|[1-9]\d{0,8})$/.exec(raw.lockfileVersion) : null;
  if (!v) return undefined;
  const [major, minor, patch] = LOCKFILE_VERSION.split('.').map(Number);
  const [vMajor, vMinor, vPatch] = v.slice(1).map(Number);
  if (vMajor > major) return undefined;
  const newer = vMajor === major && (vMinor > minor || (vMinor === minor && vPatch > patch));
  const res = (newer ? lockfileSchemaStripping : lockfileSchema).safeParse(raw);
  return res.success ? res.data : undefined;
}

function parseAnyYaml(text: string, file: string): Lockfile {
  const semver = createRequire(import.meta.url)('semver') as typeof import('semver');
  const src = parseYaml(text, file, 'LOCKFILE');
  const raw = toData(src, 'LOCKFILE') as Record<string, unknown> | null;
  if (!raw || typeof raw !== 'object' || !('lockfileVersion' in raw)) {
    throw new ReproError('LOCKFILE', `${file}:1: not a repro-get lockfile (no lockfileVersion field).`);
  }
  const v = String(raw.lockfileVersion);
  if (!semver.valid(v)) throw new ReproError('LOCKFILE', `${file}:${lineOf(src, ['lockfileVersion'])}: lockfileVersion ${JSON.stringify(v)} is not a version like ${LOCKFILE_VERSION}.`);
  if (semver.major(v) > semver.major(LOCKFILE_VERSION)) {
    throw new ReproError('LOCKFILE', `${file}: lockfile format ${v} is newer than this repro-get understands (${LOCKFILE_VERSION}).`, { hint: 'Upgrade repro-get to read this lockfile.' });
  }
  if (semver.gt(v, LOCKFILE_VERSION)) {
    // A newer minor only adds optional fields: drop what we do not know instead of refusing.
    return validateYaml(src, lockfileSchemaStripping, 'LOCKFILE', 'repro-get lockfile');
  }
  return validateYaml(src, lockfileSchema, 'LOCKFILE', 'repro-get lockfile');
}
