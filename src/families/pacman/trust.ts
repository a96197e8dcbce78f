/**
 * Trust in package signatures (%PGPSIG%): Arch signs every package file, not its databases.
 *
 * The trusted keys are every key in the shipped keyring copies (keys are only ever added) plus the
 * user's --keyring files. A key is revoked for a snapshot if a keyring copy dated on or before the
 * snapshot lists it in `archlinux-revoked`: pacman on that day would have refused it, while a key
 * revoked later still vouches for what it signed while valid, the same reasoning as checking each
 * signature at its own creation time (core's verifyDetached does that part).
 *
 * Lock time: each locked package's signature must come from a trusted, unrevoked key that had not
 * expired when it signed, with a creation time not after the snapshot (cheap, from packet headers). Install time: each package
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
import { keyInfo, signatureInfo, type KeyInfo } from './packets.js';

/** OpenPGP hash algorithm ids too weak for data signatures: MD5, SHA-1, RIPEMD-160. */
const WEAK_HASHES = new Set([1, 2, 3]);
const DAY = 24 * 3600_000;

export class PacmanTrust {
  private constructor(
    /** Key files, newest copy first (so its fresher self-signatures are used), then the user's. */
    readonly keyFiles: string[],
    /** (Sub)key fingerprint and key ID → owner and expiry (the newest self-signature across files). */
    private readonly keys: Map<string, KeyInfo>,
    /** Primary fingerprint → dates (YYYY-MM-DD) of the copies that list it as revoked. */
    private readonly revoked: Map<string, string[]>,
  ) {}

  /** `cache`: keeps each keyring's key owners as derived data under the keyring's digest. */
  static async load(copies: PacmanKeyringCopy[], extra: string[], cache?: ContentCache): Promise<PacmanTrust> {
    const sorted = [...copies].sort((a, b) => (a.date < b.date ? 1 : a.date > b.date ? -1 : 0));
    const files = [...sorted.map((c) => distroPath(c.keys)), ...extra];
    const keys = new Map<string, KeyInfo>();
    for (const f of files) {
      const data = await readFile(f).catch((e: Error) => {
        throw new ReproError('SIGNATURE', `cannot read keyring ${f}: ${e.message}`);
      });
      for (const [k, v] of await cachedKeyInfo(data, f, cache)) {
        // A later copy may extend a key's expiry: its newer self-signature wins, as in openpgp.js.
        if ((keys.get(k)?.selfSigned ?? -1) > v.selfSigned) continue;
        keys.set(k, v);
        keys.set(k.slice(-16), v); // key IDs, for signatures without an issuer fingerprint
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
    return new PacmanTrust(files, keys, revoked);
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
    const key = (info.fingerprint && this.keys.get(info.fingerprint)) || (info.keyId && this.keys.get(info.keyId)) || undefined;
    const signer = key?.owner;
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
    // Checked at the signature's creation time, as install's openpgp.js check does: an expired
    // (sub)key or primary key vouches only for what it signed before it expired.
    const expires = Math.min(key!.expires ?? Infinity, this.keys.get(signer)?.expires ?? Infinity) * 1000;
    if (info.created && info.created.getTime() > expires) {
      throw new ReproError('SIGNATURE', `${what} is signed by key ${id} at ${info.created.toISOString()}, after the key expired (${new Date(expires).toISOString()}).`, {
        hint: 'A key that had expired when it signed vouches for nothing; install would refuse this package too.',
        detail: { key: signer, expired: new Date(expires).toISOString() },
      });
    }
    if (info.created && info.created.getTime() > Date.parse(snapshotIso) + DAY) {
      throw new ReproError('SIGNATURE', `${what}: the signature was made at ${info.created.toISOString()}, after the snapshot ${snapshotIso}: the repository does not match its date.`);
    }
    return signer;
  }
}

const KEYS_FORMAT = 'repro-get pacman key info v2';
const FPR = /^[0-9A-F]{40}$/;
const SECONDS = (x: unknown) => Number.isSafeInteger(x) && (x as number) >= 0;

/**
 * keyInfo of a keyring file, kept as derived cache data under the file's digest: hashing the
 * 3.2 MB of both shipped copies costs a tenth of dearmoring them and hashing every key packet.
 * Entries read back must be [fingerprint, owner fingerprint, expiry or null, self-signed]; anything
 * else is recomputed.
 */
async function cachedKeyInfo(data: Buffer, what: string, cache: ContentCache | undefined): Promise<Map<string, KeyInfo>> {
  if (!cache) return keyInfo(data, what);
  const key = sha256Hex(`${KEYS_FORMAT}\0${sha256Hex(data)}`);
  const text = await cache.readDerived(key);
  if (text !== undefined) {
    try {
      const rows = JSON.parse(text) as unknown;
      if (Array.isArray(rows) && rows.every((x) => Array.isArray(x) && x.length === 4 && FPR.test(x[0]) && FPR.test(x[1]) && (x[2] === null || SECONDS(x[2])) && SECONDS(x[3]))) {
        return new Map((rows as [string, string, number | null, number][]).map(([k, owner, expires, selfSigned]) => [k, { owner, selfSigned, ...(expires === null ? {} : { expires }) }]));
      }
    } catch {
      /* recomputed below */
    }
  }
  const info = keyInfo(data, what);
  await cache.writeDerived(key, JSON.stringify([...info].map(([k, v]) => [k, v.owner, v.expires ?? null, v.selfSigned]))).catch(() => {}); // a cache is an optimisation
  return info;
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
