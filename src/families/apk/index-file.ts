/**
 * APKINDEX.tar.gz: gzip member 1 holds the signature tar segment, member 2 the index tar
 * (DESCRIPTION, APKINDEX). The signature covers member 2's compressed bytes exactly, so the split
 * must be exact (see gzip.ts). An unsigned index is one member only.
 */
import { ReproError } from '../../core/errors.js';
import { sha256Hex } from '../../core/hash.js';
import { gzipMembers } from './gzip.js';
import type { ApkKeyring } from './keys.js';
import { checkSignatures, isSignatureEntry, requireSignature, type SignatureCheck } from './signature.js';
import { readTar } from '../../core/tar.js';

export interface ApkIndexFile {
  /** The APKINDEX text. */
  text: string;
  description?: string;
  /** mtime of the APKINDEX entry: when the index was built (inside the signed bytes). */
  date?: Date;
  signature: SignatureCheck;
  sha256: string;
  size: number;
}

/** Largest inflated index accepted; the biggest real one (community, x86_64) is ~8 MiB. */
const MAX_INDEX = 256 * 1024 * 1024;

/**
 * Splits, verifies and unpacks. With `requireSigned` (every repository not marked untrusted), an
 * index without a valid signature from `keys` is refused before anything in it is read.
 */
export function readApkIndexFile(buf: Buffer, what: string, keys: ApkKeyring, requireSigned: boolean): ApkIndexFile {
  const sha256 = sha256Hex(buf);
  const members = gzipMembers(buf, what, { maxOutput: MAX_INDEX });
  let signature: SignatureCheck = { signedBy: [], keyNames: [], problems: [] };
  let body = members[0];
  if (members.length > 1) {
    const sigs = readTar(members[0].data, `${what} (signature)`);
    if (!sigs.length || !sigs.every(isSignatureEntry)) {
      throw new ReproError('FORMAT', `${what}: the first gzip member holds ${sigs.map((e) => e.path).join(', ') || 'nothing'}, not .SIGN.* signatures.`);
    }
    if (members.length > 2) throw new ReproError('FORMAT', `${what}: ${members.length} gzip members; an index has a signature and a body only.`);
    body = members[1];
    signature = checkSignatures(sigs, buf.subarray(body.start, body.end), keys);
  }
  if (requireSigned) requireSignature(signature, what, sha256);
  const entries = readTar(body.data, what);
  const index = entries.find((e) => e.path === 'APKINDEX');
  if (!index) throw new ReproError('FORMAT', `${what}: no APKINDEX entry in the index tar (it has: ${entries.map((e) => e.path).join(', ') || 'nothing'}).`);
  const desc = entries.find((e) => e.path === 'DESCRIPTION');
  return {
    text: index.data.toString('utf8'),
    description: desc?.data.toString('utf8').trim(),
    date: index.mtime ? new Date(index.mtime * 1000) : undefined,
    signature,
    sha256,
    size: buf.length,
  };
}
