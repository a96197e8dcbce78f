/**
 * A TEST ONLY OpenPGP key that expires, made on the fly (nothing committed, nothing to leak): for
 * the "wrong signer: expired key" rows of docs/security.md in every family.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as openpgp from 'openpgp';

export interface ExpiringKey {
  /** The key as trusted: it expires `days` after `created`. */
  publicKey: openpgp.PublicKey;
  /**
   * The same key material with a self-signature that never expires: openpgp.js refuses to sign
   * with an expired key, and the tests need signatures dated after the expiry.
   */
  signer: openpgp.PrivateKey;
  /** Upper-case primary fingerprint (the same for both). */
  fingerprint: string;
  expires: Date;
}

export async function expiringKey(created: Date, days: number): Promise<ExpiringKey> {
  const userIDs = [{ name: 'repro-get expiring test key (TEST ONLY)' }];
  const { privateKey } = await openpgp.generateKey({ type: 'ecc', curve: 'ed25519Legacy', userIDs, date: created, format: 'object' });
  const { publicKey } = await openpgp.reformatKey({ privateKey, userIDs, date: created, keyExpirationTime: days * 24 * 3600, format: 'object' });
  return { publicKey, signer: privateKey, fingerprint: privateKey.getFingerprint().toUpperCase(), expires: new Date(created.getTime() + days * 24 * 3600_000) };
}

/** Writes the expiring public key, armored, as `dir/expiring.asc`; returns the path. */
export async function writeKeyring(k: ExpiringKey, dir: string): Promise<string> {
  const file = join(dir, 'expiring.asc');
  await writeFile(file, k.publicKey.armor());
  return file;
}

/** A binary detached signature over `data` dated `date` (SHA-256, as real archives use). */
export async function signBinary(data: Uint8Array, key: openpgp.PrivateKey, date: Date): Promise<Uint8Array> {
  return openpgp.sign({ message: await openpgp.createMessage({ binary: data }), signingKeys: key, detached: true, format: 'binary', date, config: { preferredHashAlgorithm: openpgp.enums.hash.sha256 } });
}
