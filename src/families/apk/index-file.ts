/**
 * APKINDEX.tar.gz: gzip member 1 holds the signature tar segment, member 2 the index tar
 * (DESCRIPTION, APKINDEX). The signature covers member 2's compressed bytes exactly, so the split
 * must be exact (see gzip.ts). An unsigned index is one member only.
 */
import { ReproError } from '../../core/errors.js';
import { sha256Hex } from '../../core/hash.js';
import { gzipMembers, type GzipMember } from './gzip.js';
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

/** A signature member holds a few hundred bytes of .SIGN.* entries; more is not one. */
const MAX_SIGNATURE_MEMBER = 1024 * 1024;

/**
 * Splits, verifies and unpacks. With `requireSigned` (every repository not marked untrusted), an
 * index without a valid signature from `keys` is refused before anything in it is read.
 *
 * The signature covers the body's compressed bytes, which are everything after the signature member
 * (a third member is refused below), so it is checked before the body is inflated: an unsigned or
 * wrongly signed bomb costs a signature check, not up to MAX_INDEX bytes of memory and a second of CPU.
 */
export function readApkIndexFile(buf: Buffer, what: string, keys: ApkKeyring, requireSigned: boolean): ApkIndexFile {
  const sha256 = sha256Hex(buf);
  let signature: SignatureCheck = { signedBy: [], keyNames: [], problems: [] };
  const first = signatureMember(buf, what);
  let members: GzipMember[];
  if (first && first.end < buf.length) {
    const sigs = readTar(first.data, `${what} (signature)`);
    if (!sigs.length || !sigs.every(isSignatureEntry)) {
      throw new ReproError('FORMAT', `${what}: the first gzip member holds ${sigs.map((e) => e.path).join(', ') || 'nothing'}, not .SIGN.* signatures.`);
    }
    signature = checkSignatures(sigs, buf.subarray(first.end), keys);
    if (requireSigned) requireSignature(signature, what, sha256);
    members = [first, ...gzipMembers(buf, what, { from: first.end, maxOutput: MAX_INDEX })];
    if (members.length > 2) throw new ReproError('FORMAT', `${what}: ${members.length} gzip members; an index has a signature and a body only.`);
  } else {
    // A first member too large for signatures is a body: without a signature member, refuse before inflating it.
    if (!first && requireSigned) requireSignature(signature, what, sha256);
    members = first ? [first] : gzipMembers(buf, what, { maxOutput: MAX_INDEX });
    // A lone member is the body; more than one means the first was no signature segment.
    if (members.length > 1) {
      const sigs = readTar(members[0].data, `${what} (signature)`);
      throw new ReproError('FORMAT', `${what}: the first gzip member holds ${sigs.map((e) => e.path).join(', ') || 'nothing'}, not .SIGN.* signatures.`);
    }
  }
  const body = members[members.length - 1];
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

/** The first gzip member if it inflates within a signature member's bound, else undefined (then it is a body). */
function signatureMember(buf: Buffer, what: string): GzipMember | undefined {
  try {
    return gzipMembers(buf, what, { maxMembers: 1, maxOutput: MAX_SIGNATURE_MEMBER })[0];
  } catch (e) {
    if (e instanceof ReproError && e.code === 'LIMIT') return undefined;
    throw e;
  }
}
