/**
 * The base system from `--installed`: an apk installed database (`/lib/apk/db/installed` of the
 * base image), which is the index stanza format plus file records (F: folders, R: files, …). Only
 * the package info matters to the solver; file records are read for well-formedness and skipped.
 */
import { readFile } from 'node:fs/promises';
import { ReproError } from '../../core/errors.js';
import { sha256Hex } from '../../core/hash.js';
import { parseApkIndex, type ApkPackageInfo } from './apkindex.js';

export interface InstalledDb {
  packages: ApkPackageInfo[];
  sha256: string;
}

const MAX_DB = 256 * 1024 * 1024;

export async function readInstalledDb(path: string): Promise<InstalledDb> {
  const data = await readFile(path).catch((e: Error) => {
    throw new ReproError('SPEC', `cannot read --installed ${path}: ${e.message}`, {
      hint: 'Give the base image\'s /lib/apk/db/installed (e.g. docker run --rm IMAGE cat /lib/apk/db/installed > installed).',
    });
  });
  if (data.length > MAX_DB) throw new ReproError('LIMIT', `${path}: larger than ${MAX_DB} bytes; not an apk installed database.`);
  const packages = parseApkIndex(data.toString('utf8'), path, { installed: true });
  const seen = new Set<string>();
  for (const p of packages) {
    if (seen.has(p.name)) throw new ReproError('FORMAT', `${path}:${p.line}: ${p.name} is installed twice.`);
    seen.add(p.name);
  }
  return { packages, sha256: sha256Hex(data) };
}
