/**
 * Signature headers and the keyring policy on real data: the fast packet reader agrees with
 * openpgp.js, every 2022 package is signed by a key of the shipped Arch keyrings, and revocations
 * apply from the date of the keyring copy that lists them.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as openpgp from 'openpgp';
import { beforeAll, describe, expect, it } from 'vitest';
import { readPacmanDistro, type PacmanKeyringCopy } from '../../../src/families/pacman/distro.js';
import type { PacmanPackage } from '../../../src/families/pacman/desc.js';
import { keyInfo, keyOwners, signatureInfo } from '../../../src/families/pacman/packets.js';
import { PacmanTrust } from '../../../src/families/pacman/trust.js';
import { Keyring } from '../../../src/core/trust/openpgp.js';
import { ContentCache } from '../../../src/core/net/cache.js';
import { realRepos } from './support/real-arch.js';
import YAML from 'yaml';

const distros = fileURLToPath(new URL('../../../distros/', import.meta.url));
process.env.REPRO_GET_DISTROS ??= distros;
const arch = readPacmanDistro(YAML.parse(readFileSync(`${distros}arch.yaml`, 'utf8')));
const copy = (date: string) => arch.keyrings.find((k) => k.date === date)! as PacmanKeyringCopy;

let pkgs: PacmanPackage[];
beforeAll(async () => {
  pkgs = (await realRepos()).flatMap((r) => r.packages);
});

function failures(trust: PacmanTrust, snapshot: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const p of pkgs) {
    try {
      trust.checkSignatureHeader(p.pgpsig, p.name, snapshot);
    } catch (e) {
      const kind = /revoked/.test((e as Error).message) ? 'revoked' : /in no trusted keyring/.test((e as Error).message) ? 'unknown' : /after the snapshot/.test((e as Error).message) ? 'future' : /after the key expired/.test((e as Error).message) ? 'expired' : 'other';
      (out.get(kind) ?? out.set(kind, []).get(kind)!).push(p.name);
    }
  }
  return out;
}

describe('OpenPGP packet reading', () => {
  it('finds the same primary keys and subkeys as openpgp.js in the 2023 Arch keyring', async () => {
    const file = `${distros}${copy('2023-11-13').keys}`;
    const owners = keyOwners(readFileSync(file), 'archlinux.gpg');
    const { keys } = await Keyring.fromFiles([file]);
    const want = new Map<string, string>();
    for (const k of keys) {
      const fpr = k.getFingerprint().toUpperCase();
      want.set(fpr, fpr);
      for (const s of k.subkeys) want.set(s.getFingerprint().toUpperCase(), fpr);
    }
    expect(owners).toEqual(want);
  });

  it('reads every (sub)key expiry of both shipped Arch keyrings as openpgp.js does', async () => {
    for (const c of arch.keyrings) {
      const file = `${distros}${c.keys}`;
      const info = keyInfo(readFileSync(file), c.keys);
      const { keys } = await Keyring.fromFiles([file]);
      const seconds = (t: Date | number | null) => (t instanceof Date ? t.getTime() / 1000 : undefined); // Infinity: never
      for (const k of keys) {
        expect(info.get(k.getFingerprint().toUpperCase())!.expires, k.getFingerprint()).toBe(seconds(await k.getExpirationTime()));
        for (const s of k.subkeys) expect(info.get(s.getFingerprint().toUpperCase())!.expires, s.getFingerprint()).toBe(seconds(await s.getExpirationTime()));
      }
      expect([...info.values()].filter((v) => v.expires !== undefined).length).toBeGreaterThan(10);
    }
  });

  it('reads issuer and creation time of real %PGPSIG% values as openpgp.js does', async () => {
    for (const p of pkgs.filter((_, i) => i % 97 === 0)) {
      const bytes = Buffer.from(p.pgpsig!, 'base64');
      const info = signatureInfo(bytes, p.name);
      const sig = (await openpgp.readSignature({ binarySignature: bytes })).packets[0];
      expect(info.keyId, p.name).toBe(sig.issuerKeyID.toHex().toUpperCase());
      if (sig.issuerFingerprint) expect(info.fingerprint).toBe(Buffer.from(sig.issuerFingerprint).toString('hex').toUpperCase());
      expect(info.created!.getTime()).toBe(sig.created!.getTime());
      expect(info.hashAlgorithm).toBe(sig.hashAlgorithm);
    }
  });

  it('refuses garbage without crashing', () => {
    expect(() => signatureInfo(Buffer.from('hello world'), 'x')).toThrowError(expect.objectContaining({ code: 'FORMAT' }));
    expect(() => signatureInfo(Buffer.from([0x88, 0x75, 0x04, 0x00]), 'x')).toThrowError(/runs past the end/);
    expect(() => keyOwners(Buffer.from([0x99, 0xff, 0xff, 1]), 'k')).toThrowError(expect.objectContaining({ code: 'FORMAT' }));
  });
});

describe('the keyring policy on every real 2022 package', () => {
  it('accepts all of them at their snapshot with the shipped keyrings', async () => {
    const trust = await PacmanTrust.load(arch.keyrings, []);
    expect(failures(trust, '2022-09-11T00:00:00Z')).toEqual(new Map());
  });
  it('knows fewer keys with the January 2022 copy alone (packagers added later, expiries extended later)', async () => {
    const f = failures(await PacmanTrust.load([copy('2022-01-01')], []), '2022-09-11T00:00:00Z');
    expect([...f.keys()].sort()).toEqual(['expired', 'unknown']);
    expect(f.get('unknown')!.length).toBe(129);
    // Signed after the key's expiry in that copy; the 2023 copy extends it (all pass with both, above).
    expect(f.get('expired')!.length).toBe(3);
  });
  it('applies the 2023-11-13 revoked list from that date on, and refuses signatures newer than the snapshot', async () => {
    const trust = await PacmanTrust.load(arch.keyrings, []);
    expect(failures(trust, '2023-11-12T00:00:00Z')).toEqual(new Map());
    expect(failures(trust, '2023-11-13T00:00:00Z').get('revoked')!.length).toBe(183);
    expect(failures(trust, '2022-06-01T00:00:00Z').get('future')!.length).toBeGreaterThan(100);
  });
  it('says which key signed a package no keyring knows', async () => {
    const trust = await PacmanTrust.load([copy('2022-01-01')], []);
    const unknown = pkgs.find((p) => {
      try {
        trust.checkSignatureHeader(p.pgpsig, p.name, '2022-09-11T00:00:00Z');
        return false;
      } catch {
        return true;
      }
    })!;
    expect(() => trust.checkSignatureHeader(unknown.pgpsig, unknown.name, '2022-09-11T00:00:00Z')).toThrowError(/is signed by key [0-9A-F]{40}, which is in no trusted keyring/);
    expect(() => trust.checkSignatureHeader(undefined, 'x', '2022-09-11T00:00:00Z')).toThrowError(/has no %PGPSIG%/);
  });
});

describe('key owners as derived cache data', () => {
  it('a second load reads them back with the same verdicts; a damaged entry is recomputed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'repro-get-owners-'));
    try {
      const cache = new ContentCache(dir);
      const want = failures(await PacmanTrust.load([copy('2022-01-01')], []), '2022-09-11T00:00:00Z');
      expect(failures(await PacmanTrust.load([copy('2022-01-01')], [], cache), '2022-09-11T00:00:00Z')).toEqual(want);
      const [entry] = readdirSync(join(dir, 'derived'));
      expect(failures(await PacmanTrust.load([copy('2022-01-01')], [], cache), '2022-09-11T00:00:00Z')).toEqual(want);
      // A forged owner (not a fingerprint) is not believed: the keyring is read again.
      writeFileSync(join(dir, 'derived', entry), JSON.stringify([['ATTACKER', 'ATTACKER']]));
      expect(failures(await PacmanTrust.load([copy('2022-01-01')], [], cache), '2022-09-11T00:00:00Z')).toEqual(want);
      writeFileSync(join(dir, 'derived', entry), '[[');
      expect(failures(await PacmanTrust.load([copy('2022-01-01')], [], cache), '2022-09-11T00:00:00Z')).toEqual(want);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
