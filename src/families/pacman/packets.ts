/**
 * Just enough OpenPGP packet reading (RFC 4880) for the lock-time signature check: which
 * (sub)keys a keyring holds, whose primary key each belongs to and when it expires, and who made a detached
 * signature and when. Parsing Arch's 1.7 MB keyring fully takes seconds; this takes milliseconds.
 * Nothing here verifies anything: install verifies every package file with core's openpgp.js.
 */
import { createHash } from 'node:crypto';
import { ReproError } from '../../core/errors.js';

interface Packet {
  tag: number;
  body: Buffer;
}

function* packets(data: Buffer, what: string): Generator<Packet> {
  let i = 0;
  while (i < data.length) {
    const b = data[i];
    if (!(b & 0x80)) throw new ReproError('FORMAT', `${what}: not OpenPGP data (byte ${i})`);
    let tag: number;
    let len: number;
    if (b & 0x40) {
      tag = b & 0x3f;
      const o1 = data[i + 1];
      if (o1 < 192) (len = o1), (i += 2);
      else if (o1 < 224) (len = ((o1 - 192) << 8) + data[i + 2] + 192), (i += 3);
      else if (o1 === 255) (len = data.readUInt32BE(i + 2)), (i += 6);
      else throw new ReproError('FORMAT', `${what}: partial-length packet at byte ${i} (not used in keys or signatures)`);
    } else {
      tag = (b >> 2) & 0x0f;
      const t = b & 3;
      if (t === 0) (len = data[i + 1]), (i += 2);
      else if (t === 1) (len = data.readUInt16BE(i + 1)), (i += 3);
      else if (t === 2) (len = data.readUInt32BE(i + 1)), (i += 5);
      else throw new ReproError('FORMAT', `${what}: indeterminate-length packet at byte ${i}`);
    }
    if (!Number.isFinite(len) || i + len > data.length) throw new ReproError('FORMAT', `${what}: packet at byte ${i} runs past the end`);
    yield { tag, body: data.subarray(i, i + len) };
    i += len;
  }
}

/**
 * Armored or binary key data → binary. Works on the bytes (a keyring is 1.7 MB of armor): each
 * block's body runs from the blank line after its headers to its `=CRC` line, and Node's base64
 * decoder skips the line breaks.
 */
export function dearmor(data: Buffer): Buffer {
  if (!data.subarray(0, 64).toString('latin1').includes('-----BEGIN PGP')) return data;
  const out: Buffer[] = [];
  for (let at = 0; ; ) {
    const begin = data.indexOf(BEGIN, at);
    if (begin < 0) break;
    const end = data.indexOf(END, begin);
    if (end < 0) break;
    at = end + END.length;
    let body = data.indexOf(0x0a, begin) + 1; // after the BEGIN line
    if (body === 0 || body > end) continue;
    // Headers ("Comment: …") end at the first blank line; without one, it is all body.
    for (let p = body; p < end; ) {
      const nl = data.indexOf(0x0a, p);
      if (nl < 0 || nl >= end) break;
      if (nl === p || (nl === p + 1 && data[p] === 0x0d)) {
        body = nl + 1;
        break;
      }
      p = nl + 1;
    }
    // The checksum line ("=XXXX") is the last line of the body; padding never starts a line.
    const crc = data.lastIndexOf(CRC, end);
    const stop = crc >= body - 1 ? crc : end;
    out.push(Buffer.from(data.toString('latin1', body, stop), 'base64'));
  }
  return out.length === 1 ? out[0] : Buffer.concat(out);
}

const BEGIN = Buffer.from('-----BEGIN PGP ');
const END = Buffer.from('-----END PGP ');
const CRC = Buffer.from('\n=');

/** v4 fingerprint: SHA-1 of 0x99, the body length and the key packet body. */
function fingerprint(body: Buffer): string | undefined {
  if (body[0] !== 4) return undefined; // v3 keys are long gone; v5/v6 are not in any Arch keyring
  const h = createHash('sha1');
  h.update(Buffer.from([0x99, body.length >> 8, body.length & 0xff]));
  h.update(body);
  return h.digest('hex').toUpperCase();
}

/** (Sub)key fingerprint → its primary key's fingerprint, for every v4 key in the data. */
export function keyOwners(data: Buffer, what: string): Map<string, string> {
  return new Map([...keyInfo(data, what)].map(([k, v]) => [k, v.owner]));
}

export interface KeyInfo {
  /** The primary key's fingerprint (itself for a primary key). */
  owner: string;
  /** When the key expires (Unix seconds), from its newest self-signature; undefined: never. */
  expires?: number;
  /** Creation time (Unix seconds) of that self-signature; 0 without one. */
  selfSigned: number;
}

/**
 * Every v4 (sub)key with its owner and its expiry as its newest self-signature states it (key
 * expiration subpacket, seconds after the key's creation). Self-signatures are recognised by
 * type and issuer, not verified: like the owners, this only feeds lock's cheap header check, and
 * install verifies every signature with openpgp.js (which reads expiry the same way).
 */
export function keyInfo(data: Buffer, what: string): Map<string, KeyInfo> {
  const out = new Map<string, KeyInfo>();
  let primary: string | undefined;
  let current: { info: KeyInfo; created: number; primary: boolean } | undefined;
  for (const p of packets(dearmor(data), what)) {
    if (p.tag === 6 || p.tag === 14) {
      const fpr = fingerprint(p.body);
      if (p.tag === 6) primary = fpr;
      current = undefined;
      if (fpr && primary) {
        const info: KeyInfo = { owner: primary, selfSigned: 0 };
        out.set(fpr, info);
        current = { info, created: p.body.readUInt32BE(1), primary: p.tag === 6 };
      }
    } else if (p.tag === 2 && current && primary) {
      let s: ReturnType<typeof parseSignature>;
      try {
        s = parseSignature(p.body, what);
      } catch {
        continue; // a signature we cannot read states no expiry (openpgp.js skips it too)
      }
      // Self-certifications of user IDs and direct-key signatures on a primary; bindings on a subkey.
      const fits = current.primary ? (s.type >= 0x10 && s.type <= 0x13) || s.type === 0x1f : s.type === 0x18;
      const self = s.fingerprint === primary || s.keyId === primary.slice(-16);
      const at = s.created ? s.created.getTime() / 1000 : 0;
      if (fits && self && at >= current.info.selfSigned) {
        current.info.selfSigned = at;
        current.info.expires = s.keyExpiry ? current.created + s.keyExpiry : undefined;
      }
    }
  }
  return out;
}

export interface SignatureInfo {
  /** Issuer fingerprint (subpacket 33), when present. */
  fingerprint?: string;
  /** Issuer key ID (subpacket 16, or the fingerprint's last 16 hex digits). */
  keyId?: string;
  created?: Date;
  hashAlgorithm: number;
}

/** Reads the first signature packet of a detached signature (binary). */
export function signatureInfo(sig: Buffer, what: string): SignatureInfo {
  for (const p of packets(sig, what)) {
    if (p.tag !== 2) continue;
    const { type: _t, keyExpiry: _e, ...info } = parseSignature(p.body, what);
    return info;
  }
  throw new ReproError('SIGNATURE', `${what}: no signature packet`);
}

function parseSignature(b: Buffer, what: string): SignatureInfo & { type: number; keyExpiry?: number } {
  if (b[0] === 3) {
    return { keyId: b.subarray(7, 15).toString('hex').toUpperCase(), created: new Date(b.readUInt32BE(3) * 1000), hashAlgorithm: b[16], type: b[2] };
  }
  if (b[0] !== 4) throw new ReproError('SIGNATURE', `${what}: version ${b[0]} signatures are not supported`);
  const info: SignatureInfo & { type: number; keyExpiry?: number } = { hashAlgorithm: b[3], type: b[1] };
  let i = 4;
  for (let area = 0; area < 2; area++) {
    const end = i + 2 + b.readUInt16BE(i);
    if (end > b.length) throw new ReproError('FORMAT', `${what}: signature subpackets run past the packet`);
    i += 2;
    while (i < end) {
      let len = b[i];
      if (len < 192) i += 1;
      else if (len < 255) (len = ((len - 192) << 8) + b[i + 1] + 192), (i += 2);
      else (len = b.readUInt32BE(i + 1)), (i += 5);
      if (len < 1 || i + len > end) throw new ReproError('FORMAT', `${what}: malformed signature subpacket`);
      const type = b[i] & 0x7f;
      const data = b.subarray(i + 1, i + len);
      // Only the hashed area is covered by the signature; an unhashed creation time or expiry is not trusted.
      if (type === 2 && area === 0 && data.length === 4) info.created = new Date(data.readUInt32BE(0) * 1000);
      if (type === 9 && area === 0 && data.length === 4) info.keyExpiry = data.readUInt32BE(0);
      if (type === 16 && data.length === 8) info.keyId ??= data.toString('hex').toUpperCase();
      if (type === 33 && data[0] === 4 && data.length === 21) info.fingerprint = data.subarray(1).toString('hex').toUpperCase();
      i += len;
    }
  }
  if (info.fingerprint) info.keyId ??= info.fingerprint.slice(-16);
  return info;
}
