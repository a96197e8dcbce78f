/**
 * Checks a downloaded .apk against its signed index entry, so the lock can record a sha256 the
 * index itself does not carry. An .apk is gzip members forming one tar: [signatures,] control
 * (.PKGINFO, scripts), data. The index's `C:` is the SHA-1 of the control member's compressed
 * bytes, and .PKGINFO's `datahash` the sha256 of everything after it; together they bind every
 * byte of the file to the signed index. A package without `datahash` must instead carry a valid
 * signature over control and data.
 */
import { createHash } from 'node:crypto';
import { ReproError } from '../../core/errors.js';
import { sha256Hex } from '../../core/hash.js';
import type { ApkChecksum } from './apkindex.js';
import { gzipMembers } from './gzip.js';
import type { ApkKeyring } from './keys.js';
import { checkSignatures, isSignatureEntry, type SignatureCheck } from './signature.js';
import { readTar } from '../../core/tar.js';

export interface ApkIndexEntry {
  name: string;
  version: string;
  checksum?: ApkChecksum;
}

export interface PkgInfo {
  /** Every `key = value` of .PKGINFO; repeated keys (depend, provides) keep every value. */
  fields: Map<string, string[]>;
  get(key: string): string | undefined;
}

const MAX_CONTROL = 16 * 1024 * 1024;
const MAX_PKGINFO_LINE = 64 * 1024;

export function parsePkgInfo(text: string, what: string): PkgInfo {
  const fields = new Map<string, string[]>();
  text.split('\n').forEach((line, i) => {
    if (line.length > MAX_PKGINFO_LINE) throw new ReproError('LIMIT', `${what}:${i + 1}: line longer than ${MAX_PKGINFO_LINE} characters`);
    if (!line.trim() || line.startsWith('#')) return;
    const m = /^([A-Za-z0-9_]+) = (.*)$/.exec(line);
    if (!m) throw new ReproError('FORMAT', `${what}:${i + 1}: expected "key = value", got "${line.slice(0, 60)}"`);
    (fields.get(m[1]) ?? fields.set(m[1], []).get(m[1])!).push(m[2]);
  });
  return { fields, get: (k) => fields.get(k)?.[0] };
}

/** The identity apk computes for a package: the checksum of its control member, as `C:` writes it. */
export function controlChecksum(control: Buffer, algo: ApkChecksum['algo']): Buffer {
  return createHash(algo).update(control).digest();
}

export function formatChecksum(algo: ApkChecksum['algo'], digest: Buffer): string {
  return algo === 'md5' ? digest.toString('hex') : `Q${algo === 'sha1' ? 1 : 2}${digest.toString('base64')}`;
}

export interface ApkFileFacts {
  pkginfo: PkgInfo;
  signature: SignatureCheck;
  /** Where the data member starts. */
  dataOffset: number;
}

/** Throws HASH/SIGNATURE/FORMAT naming `what` unless `buf` is the package `entry` describes. */
export function verifyApkFile(buf: Buffer, entry: ApkIndexEntry, what: string, keys: ApkKeyring): ApkFileFacts {
  if (!entry.checksum) throw new ReproError('FORMAT', `${what}: the index gives no C: checksum for ${entry.name}, so the file cannot be verified.`);
  const first = gzipMembers(buf, what, { maxMembers: 1, maxOutput: MAX_CONTROL })[0];
  if (!first) throw new ReproError('FORMAT', `${what}: empty file.`);
  const firstEntries = readTar(first.data, what);
  const signed = firstEntries.length > 0 && firstEntries.every(isSignatureEntry);
  const control = signed ? gzipMembers(buf, what, { from: first.end, maxMembers: 1, maxOutput: MAX_CONTROL })[0] : first;
  if (!control) throw new ReproError('FORMAT', `${what}: signatures but no control section.`);

  const actual = controlChecksum(buf.subarray(control.start, control.end), entry.checksum.algo);
  if (!actual.equals(entry.checksum.digest)) {
    const got = formatChecksum(entry.checksum.algo, actual);
    throw new ReproError('HASH', `${what}: checksum of the control section does not match the signed index: expected C:${entry.checksum.raw}, got C:${got}.`, {
      hint: 'The mirror served a different build than the index describes (a rebuilt package, a stale mirror, or tampering). The file was not used.',
      detail: { what, expected: entry.checksum.raw, actual: got },
    });
  }
  const controlEntries = signed ? readTar(control.data, what) : firstEntries;
  const info = controlEntries.find((e) => e.path === '.PKGINFO');
  if (!info) throw new ReproError('FORMAT', `${what}: the control section has no .PKGINFO.`);
  const pkginfo = parsePkgInfo(info.data.toString('utf8'), `${what}: .PKGINFO`);
  if (pkginfo.get('pkgname') !== entry.name || pkginfo.get('pkgver') !== entry.version) {
    throw new ReproError('FORMAT', `${what}: .PKGINFO says ${pkginfo.get('pkgname')} ${pkginfo.get('pkgver')}, the index ${entry.name} ${entry.version}.`);
  }

  const sigEntries = signed ? firstEntries : [];
  const datahash = pkginfo.get('datahash');
  let signature: SignatureCheck;
  if (datahash !== undefined) {
    const got = sha256Hex(buf.subarray(control.end));
    if (got !== datahash) {
      throw new ReproError('HASH', `${what}: sha256 of the data section does not match .PKGINFO's datahash: expected ${datahash}, got ${got}.`, {
        hint: 'The package data was altered after it was built; the file was not used.',
        detail: { what, expected: datahash, actual: got },
      });
    }
    signature = checkSignatures(sigEntries, buf.subarray(control.start, control.end), keys);
  } else {
    // No datahash: only a signature over control and data together vouches for the data.
    signature = checkSignatures(sigEntries, buf.subarray(control.start), keys);
    if (!signature.signedBy.length) {
      throw new ReproError('SIGNATURE', `${what}: the package has no datahash and no valid signature over its data (${signature.problems.join('; ') || 'no .SIGN.* entry'}), so its data cannot be verified.`);
    }
  }
  return { pkginfo, signature, dataOffset: control.end };
}
