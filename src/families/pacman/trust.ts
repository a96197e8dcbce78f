/**
 * Trust in package signatures (%PGPSIG%): Arch signs every package file, not its databases.
 *
 * The trusted keys are every key in the shipped keyring copies (keys are only ever added) plus the
 * user's --keyring files. A key is revoked for a snapshot if a keyring copy dated on or before the
 * snapshot lists it in `archlinux-revoked`: pacman on that day would have refused it, while a key
 * revoked later still vouches for what it signed while valid, the same reasoning as checking each
 * signature at its own creation time (core's verifyDetached does that part).
 *
 * Lock time: each locked package's signature must come from a trusted, unrevoked key, with a
 * creation time not after the snapshot (cheap, from packet headers). Install time: each package
 * file is verified against its signature with openpgp.js.
 */
import { readFile } from 'node:fs/promises';
import { ReproError } from '../../core/errors.js';
import { distroPath } from '../../core/distros.js';
import { sha256Hex } from '../../core/hash.js';
import type { ContentCache } from '../../core/net/cache.js';
// openpgp.js (~100 ms to load) only verifies at install time: imported there, not by every lock.
import type { Keyring } from '../../core/trust/openpgp.js';
import type { PacmanKeyringCopy } from './distro.js';
import { keyOwners, signatureInfo } from './packets.js';

/** OpenPGP hash algorithm ids too weak for data signatures: MD5, SHA-1, RIPEMD-160. */
const WEAK_HASHES = new Set([1, 2, 3]);
const DAY = 24 * 3600_000;

export class PacmanTrust {
  private constructor(
    /** Key files, newest copy first (so its fresher self-signatures are used), then the user's. */
    readonly keyFiles: string[],
    private readonly owners: Map<string, string>,
    /** Primary fingerprint → dates (YYYY-MM-DD) of the copies that list it as revoked. */
    private readonly revoked: Map<string, string[]>,
  ) {}

  /** `cache`: keeps each keyring's key owners as derived data under the keyring's digest. */
  static async load(copies: PacmanKeyringCopy[], extra: string[], cache?: ContentCache): Promise<PacmanTrust> {
    const sorted = [...copies].sort((a, b) => (a.date < b.date ? 1 : a.date > b.date ? -1 : 0));
    const files = [...sorted.map((c) => distroPath(c.keys)), ...extra];
    const owners = new Map<string, string>();
    for (const f of files) {
      const data = await readFile(f).catch((e: Error) => {
        throw new ReproError('SIGNATURE', `cannot read keyring ${f}: ${e.message}`);
      });
      for (const [k, v] of await cachedKeyOwners(data, f, cache)) {
        owners.set(k, v);
        owners.set(k.slice(-16), v); // key IDs, for signatures without an issuer fingerprint
      }
    }
    const revoked = new Map<string, string[]>();
    for (const c of sorted) {
      const text = await readFile(distroPath(c.revoked), 'utf8').catch((e: Error) => {
        throw new ReproError('SIGNATURE', `cannot read revoked-key list ${c.revoked}: ${e.message}`);
      });
      for (const line of text.split('\n')) {
        const fpr = line.trim().toUpperCase();
        if (/^[0-9A-F]{40}$/.test(fpr)) (revoked.get(fpr) ?? revoked.set(fpr, []).get(fpr)!).push(c.date);
      }
    }
    return new PacmanTrust(files, owners, revoked);
  }

  /** The date of the first keyring copy, on or before `day`, that revokes the key; else undefined. */
  revokedOn(primary: string, day: string): string | undefined {
    return (this.revoked.get(primary) ?? []).filter((d) => d <= day).sort()[0];
  }

  /**
   * Lock-time check of a package's %PGPSIG%: who signed it and when, without the package file.
   * Returns the signer's primary-key fingerprint.
   */
  checkSignatureHeader(sigBase64: string | undefined, what: string, snapshotIso: string): string {
    if (!sigBase64) {
      throw new ReproError('SIGNATURE', `${what} has no %PGPSIG% in its database entry, so its file could not be verified at install.`, {
        hint: 'pacman requires signed packages by default. Sign them (makepkg --sign) before repo-add, which records the signature in the database.',
      });
    }
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(sigBase64)) throw new ReproError('FORMAT', `${what}: %PGPSIG% is not base64.`);
    const info = signatureInfo(Buffer.from(sigBase64, 'base64'), `${what}: %PGPSIG%`);
    const signer = (info.fingerprint && this.owners.get(info.fingerprint)) ?? (info.keyId && this.owners.get(info.keyId));
    const id = info.fingerprint ?? info.keyId ?? 'unknown';
    if (!signer) {
      throw new ReproError('SIGNATURE', `${what} is signed by key ${id}, which is in no trusted keyring (${this.keyFiles.join(', ')}).`, {
        hint: 'If the repository is genuine, add its packager key with --keyring FILE; never skip the check.',
        detail: { key: id },
      });
    }
    const day = snapshotIso.slice(0, 10);
    const rev = this.revokedOn(signer, day);
    if (rev) {
      throw new ReproError('SIGNATURE', `${what} is signed by key ${signer}, revoked in the Arch keyring of ${rev} (on or before the snapshot ${day}).`, {
        hint: 'pacman on that day would refuse this package too. Lock at another snapshot.',
        detail: { key: signer, revoked: rev },
      });
    }
    if (WEAK_HASHES.has(info.hashAlgorithm)) throw new ReproError('SIGNATURE', `${what}: the signature uses a weak hash algorithm (${info.hashAlgorithm}).`);
    if (info.created && info.created.getTime() > Date.parse(snapshotIso) + DAY) {
      throw new ReproError('SIGNATURE', `${what}: the signature was made at ${info.created.toISOString()}, after the snapshot ${snapshotIso}: the repository does not match its date.`);
    }
    return signer;
  }
}

const OWNERS_FORMAT = 'repro-get pacman key owners v1';
const FPR = /^[0-9A-F]{40}$/;

/**
 * keyOwners of a keyring file, kept as derived cache data under the file's digest: hashing the
 * 3.2 MB of both shipped copies costs a tenth of dearmoring them and hashing every key packet.
 * Entries read back must be (fingerprint, fingerprint) pairs; anything else is recomputed.
 */
async function cachedKeyOwners(data: Buffer, what: string, cache: ContentCache | undefined): Promise<Map<string, string>> {
  if (!cache) return keyOwners(data, what);
  const key = sha256Hex(`${OWNERS_FORMAT}\0${sha256Hex(data)}`);
  const text = await cache.readDerived(key);
  if (text !== undefined) {
    try {
      const pairs = JSON.parse(text) as unknown;
      if (Array.isArray(pairs) && pairs.every((x) => Array.isArray(x) && x.length === 2 && FPR.test(x[0]) && FPR.test(x[1]))) return new Map(pairs as [string, string][]);
    } catch {
      /* recomputed below */
    }
  }
  const owners = keyOwners(data, what);
  await cache.writeDerived(key, JSON.stringify([...owners])).catch(() => {}); // a cache is an optimisation
  return owners;
}

/**
 * Install-time check of a package file against its signature: openpgp.js verifies it at the
 * signature's creation time; then the signer must not be revoked as of the lock's snapshot.
 */
export async function verifyPackageFile(data: Uint8Array, sigBase64: string, keyring: Keyring, trust: PacmanTrust, snapshotIso: string, what: string, now = new Date()): Promise<string[]> {
  const { verifyDetached } = await import('../../core/trust/openpgp.js');
  const v = await verifyDetached(data, Buffer.from(sigBase64, 'base64'), keyring, what, now);
  const day = snapshotIso.slice(0, 10);
  for (const s of v.signers) {
    const rev = trust.revokedOn(s, day);
    if (rev) throw new ReproError('SIGNATURE', `${what}: signed by key ${s}, revoked in the Arch keyring of ${rev} (on or before the snapshot ${day}).`);
  }
  return v.signers;
}

export async function loadKeyring(trust: PacmanTrust): Promise<Keyring> {
  const { Keyring } = await import('../../core/trust/openpgp.js');
  return Keyring.fromFiles(trust.keyFiles);
}
