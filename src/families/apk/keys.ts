/**
 * apk trust: RSA public keys in PEM files named like `alpine-devel@lists.alpinelinux.org-6165ee59.rsa.pub`.
 * apk finds the key for a signature by that file name (`.SIGN.RSA.<file name>`), exactly as
 * /etc/apk/keys works, so we key them by base name too. A key's id in the lock is the sha256 of its
 * DER SubjectPublicKeyInfo (upper-case hex), which does not depend on the file name.
 */
import { createHash, createPublicKey, type KeyObject } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { ReproError } from '../../core/errors.js';

export class ApkKey {
  private digest?: string;

  constructor(
    /** File name, as signatures name it. */
    readonly name: string,
    readonly key: KeyObject,
  ) {}

  /** sha256 of the DER public key, upper-case hex (recorded in the lock's signedBy); computed when first asked. */
  get id(): string {
    return (this.digest ??= createHash('sha256').update(this.key.export({ type: 'spki', format: 'der' })).digest('hex').toUpperCase());
  }
}

export type ApkKeyring = Map<string, ApkKey>;

const MAX_KEY_FILE = 64 * 1024;

export function parseApkKey(pem: Buffer | string, name: string): ApkKey {
  let key: KeyObject;
  try {
    key = createPublicKey(pem);
  } catch (e) {
    throw new ReproError('SIGNATURE', `${name}: not a PEM public key: ${(e as Error).message}`);
  }
  if (key.asymmetricKeyType !== 'rsa') throw new ReproError('SIGNATURE', `${name}: apk keys are RSA; this is ${key.asymmetricKeyType}.`);
  return new ApkKey(name, key);
}

/** Keys from files and folders (a folder contributes its `*.pub` files, like /etc/apk/keys). */
export async function loadApkKeys(paths: string[]): Promise<ApkKeyring> {
  const ring: ApkKeyring = new Map();
  for (const p of paths) {
    const st = await stat(p).catch((e: Error) => {
      throw new ReproError('SIGNATURE', `cannot read apk key ${p}: ${e.message}`);
    });
    const files = st.isDirectory() ? (await readdir(p)).filter((f) => f.endsWith('.pub')).sort().map((f) => join(p, f)) : [p];
    for (const f of files) {
      const data = await readFile(f);
      if (data.length > MAX_KEY_FILE) throw new ReproError('LIMIT', `${f}: larger than ${MAX_KEY_FILE} bytes; not an apk key.`);
      const k = parseApkKey(data, basename(f));
      ring.set(k.name, k);
    }
  }
  return ring;
}
