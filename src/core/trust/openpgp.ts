/**
 * OpenPGP verification (openpgp.js 6) for clearsigned files (InRelease) and detached signatures
 * (Release.gpg, repomd.xml.asc, pacman .sig). Keys come only from files we ship under distros/ or
 * that the user names; nothing is fetched from key servers.
 *
 * Snapshot metadata is old by design, so a signature is checked at its own creation time (as Arch's
 * reproducible-build tooling does): a key that has expired *since* still verifies what it signed
 * while valid, a key that was already expired or revoked when it signed does not, and a signature
 * claiming to come from the future is refused.
 */
import { readFile } from 'node:fs/promises';
import * as openpgp from 'openpgp';
import { ReproError } from '../errors.js';

export interface Verified {
  /** Upper-case fingerprints of the primary keys whose signatures verified. */
  signers: string[];
  /** Creation time of the newest verified signature. */
  created: Date;
}

export class Keyring {
  private constructor(readonly keys: openpgp.PublicKey[], readonly sources: string[]) {}

  static async fromFiles(paths: string[]): Promise<Keyring> {
    const keys: openpgp.PublicKey[] = [];
    for (const p of paths) keys.push(...(await readKeyFile(p)));
    return new Keyring(keys, paths);
  }

  static async fromBytes(data: Uint8Array | string, label = '<keys>'): Promise<Keyring> {
    return new Keyring(await parseKeys(data, label), [label]);
  }

  merge(other: Keyring): Keyring {
    return new Keyring([...this.keys, ...other.keys], [...this.sources, ...other.sources]);
  }

  fingerprints(): string[] {
    return this.keys.map((k) => k.getFingerprint().toUpperCase());
  }

  /** The primary key owning a (sub)key ID, if any. */
  owner(keyID: openpgp.KeyID): openpgp.PublicKey | undefined {
    return this.keys.find((k) => k.getKeyIDs().some((id) => id.equals(keyID)));
  }
}

async function readKeyFile(path: string): Promise<openpgp.PublicKey[]> {
  let data: Buffer;
  try {
    data = await readFile(path);
  } catch (e) {
    throw new ReproError('SIGNATURE', `cannot read keyring ${path}: ${(e as Error).message}`);
  }
  return parseKeys(data, path);
}

async function parseKeys(data: Uint8Array | string, label: string): Promise<openpgp.PublicKey[]> {
  try {
    const text = typeof data === 'string' ? data : Buffer.from(data).toString('latin1');
    if (text.includes('-----BEGIN PGP PUBLIC KEY BLOCK-----')) {
      // A file may hold several armored blocks (cat of key files).
      const blocks = text.match(/-----BEGIN PGP PUBLIC KEY BLOCK-----[\s\S]*?-----END PGP PUBLIC KEY BLOCK-----/g) ?? [];
      const out: openpgp.PublicKey[] = [];
      for (const b of blocks) out.push(...(await openpgp.readKeys({ armoredKeys: b })));
      return out;
    }
    return await openpgp.readKeys({ binaryKeys: typeof data === 'string' ? Buffer.from(data, 'latin1') : data });
  } catch (e) {
    throw new ReproError('SIGNATURE', `cannot parse keyring ${label}: ${(e as Error).message}`);
  }
}

const CONFIG = {
  ...openpgp.config,
  // Archive keys from 2012 (Ubuntu) use SHA-1 self-signatures on their user IDs; the data
  // signatures we accept are still SHA-256/512 (checked below), so allow SHA-1 only for keys.
  rejectHashAlgorithms: new Set([openpgp.enums.hash.md5, openpgp.enums.hash.ripemd]),
  minRSABits: 2048,
};
const WEAK_DATA_HASHES = new Set([openpgp.enums.hash.md5, openpgp.enums.hash.ripemd, openpgp.enums.hash.sha1]);

async function check(message: openpgp.Message<Uint8Array> | openpgp.CleartextMessage, signature: openpgp.Signature, keyring: Keyring, what: string, now: Date): Promise<Verified> {
  const signers: string[] = [];
  let created = new Date(0);
  const problems: string[] = [];
  const packets = signature.packets.filter((p): p is openpgp.SignaturePacket => p instanceof openpgp.SignaturePacket);
  if (packets.length === 0) throw new ReproError('SIGNATURE', `${what}: no signature found.`);
  for (const sig of packets) {
    const id = sig.issuerKeyID;
    const key = keyring.owner(id);
    const when = sig.created ?? new Date(0);
    if (!key) {
      problems.push(`signature by key ${id.toHex().toUpperCase()}, which is not in the trusted keyring`);
      continue;
    }
    if (when.getTime() > now.getTime() + 24 * 3600_000) {
      problems.push(`signature by ${key.getFingerprint().toUpperCase()} claims a creation time in the future (${when.toISOString()})`);
      continue;
    }
    if (sig.hashAlgorithm === null || WEAK_DATA_HASHES.has(sig.hashAlgorithm)) {
      problems.push(`signature by ${key.getFingerprint().toUpperCase()} uses a weak or unknown hash algorithm (${sig.hashAlgorithm})`);
      continue;
    }
    try {
      // Verify one signature at a time, at its own creation time (see the file comment).
      const single = new openpgp.Signature(new openpgp.PacketList<openpgp.SignaturePacket>());
      single.packets.push(sig);
      const res = await openpgp.verify({
        ...(message instanceof openpgp.CleartextMessage
          ? { message: new (openpgp.CleartextMessage as unknown as new (text: string, sig: openpgp.Signature) => openpgp.CleartextMessage)(message.getText(), single) }
          : { message, signature: single }),
        verificationKeys: [key],
        date: when,
        config: CONFIG,
        expectSigned: true,
      } as Parameters<typeof openpgp.verify>[0]);
      await res.signatures[0].verified;
      signers.push(key.getFingerprint().toUpperCase());
      if (when > created) created = when;
    } catch (e) {
      problems.push(`signature by ${key.getFingerprint().toUpperCase()} does not verify: ${(e as Error).message}`);
    }
  }
  if (signers.length === 0) {
    throw new ReproError('SIGNATURE', `${what}: no valid signature from a trusted key (${problems.join('; ')}).`, {
      hint: `Trusted keys: ${keyring.fingerprints().join(', ') || 'none'} (from ${keyring.sources.join(', ')}). If the data is genuine, add its signing key to the keyring; never skip the check.`,
      detail: { problems },
    });
  }
  return { signers: [...new Set(signers)].sort(), created };
}

/** Verifies a clearsigned document (InRelease) and returns the signed text. */
export async function verifyClearsigned(text: string, keyring: Keyring, what: string, now = new Date()): Promise<Verified & { text: string }> {
  let msg: openpgp.CleartextMessage;
  try {
    msg = await openpgp.readCleartextMessage({ cleartextMessage: text });
  } catch (e) {
    throw new ReproError('SIGNATURE', `${what}: not a valid clearsigned OpenPGP message: ${(e as Error).message}`);
  }
  const v = await check(msg, (msg as unknown as { signature: openpgp.Signature }).signature, keyring, what, now);
  return { ...v, text: msg.getText() };
}

/** Verifies a detached signature (armored or binary) over `data`. */
export async function verifyDetached(data: Uint8Array, sig: Uint8Array, keyring: Keyring, what: string, now = new Date()): Promise<Verified> {
  let signature: openpgp.Signature;
  try {
    const s = Buffer.from(sig).toString('latin1');
    signature = s.includes('-----BEGIN PGP SIGNATURE-----')
      ? await openpgp.readSignature({ armoredSignature: s })
      : await openpgp.readSignature({ binarySignature: sig });
  } catch (e) {
    throw new ReproError('SIGNATURE', `${what}: not a valid OpenPGP signature: ${(e as Error).message}`);
  }
  const message = await openpgp.createMessage({ binary: data });
  return check(message, signature, keyring, what, now);
}
