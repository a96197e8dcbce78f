/**
 * apk's v2 signatures: a leading tar segment of `.SIGN.<ALGO>.<key file name>` entries, each a
 * PKCS#1 v1.5 RSA signature over the exact compressed bytes that follow (the index member, or a
 * package's control member). RSA is over SHA-1, RSA256 over SHA-256, RSA512 over SHA-512. One
 * valid signature from a trusted key is enough, as in apk.
 */
import { verify } from 'node:crypto';
import { ReproError } from '../../core/errors.js';
import type { ApkKeyring } from './keys.js';
import type { TarEntry } from '../../core/tar.js';

const DIGESTS: Record<string, string> = { RSA: 'sha1', RSA256: 'sha256', RSA512: 'sha512' };

export interface SignatureCheck {
  /** Ids of the keys whose signature verified (empty: none did). */
  signedBy: string[];
  /** Key file names that verified. */
  keyNames: string[];
  /** Why each other signature did not count, for the error message. */
  problems: string[];
}

export function isSignatureEntry(e: TarEntry): boolean {
  return e.path.startsWith('.SIGN.');
}

export function checkSignatures(entries: TarEntry[], signed: Buffer, keys: ApkKeyring): SignatureCheck {
  const out: SignatureCheck = { signedBy: [], keyNames: [], problems: [] };
  for (const e of entries) {
    const m = /^\.SIGN\.([A-Z0-9]+)\.(.+)$/.exec(e.path);
    if (!m) {
      out.problems.push(`${e.path}: not a signature entry`);
      continue;
    }
    const [, algo, keyName] = m;
    const digest = DIGESTS[algo];
    const key = keys.get(keyName);
    if (!digest) out.problems.push(`${e.path}: unsupported signature type ${algo}`);
    else if (!key) out.problems.push(`${e.path}: key ${keyName} is not trusted (not among: ${[...keys.keys()].join(', ') || 'no keys'})`);
    else if (!verify(digest, signed, key.key, e.data)) out.problems.push(`${e.path}: signature does not verify with ${keyName}`);
    else if (!out.signedBy.includes(key.id)) {
      out.signedBy.push(key.id);
      out.keyNames.push(keyName);
    }
  }
  return out;
}

/** Throws SIGNATURE unless at least one signature verified; `what` names the file. */
export function requireSignature(check: SignatureCheck, what: string, sha256: string): void {
  if (check.signedBy.length) return;
  const why = check.problems.length ? check.problems.join('; ') : 'it carries no .SIGN.* entry';
  throw new ReproError('SIGNATURE', `${what}: no valid signature from a trusted key (${why}). sha256 of the file: ${sha256}.`, {
    hint: 'Check the mirror, or add the signing key with --keyring FILE.rsa.pub. A repository you build yourself and do not sign can be marked `untrusted: true` under `repos:`.',
    detail: { what, problems: check.problems, sha256 },
  });
}
