/**
 * APKINDEX.tar.gz: the exact split into gzip members and the RSA signature over the second, on the
 * four real signed indexes (checked against openssl as an independent verifier) and on fixtures.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ReproError } from '../../../src/core/errors.js';
import { gzipMembers } from '../../../src/families/apk/gzip.js';
import { readApkIndexFile } from '../../../src/families/apk/index-file.js';
import { ApkKey, loadApkKeys } from '../../../src/families/apk/keys.js';
import { readTar } from '../../../src/core/tar.js';
import { buildApk, buildIndex, fixtureKey, FIXTURE_KEYS, signatureSegment, TRUSTED_KEY, UNTRUSTED_KEY } from './support/build.js';
import { REAL_DIR, REAL_INDEXES } from './support/real.js';
import { thrown } from '../../support/typed-errors.js';

const DISTRO_KEYS = new URL('../../../distros/keys/alpine/', import.meta.url).pathname;
const hasOpenssl = (() => {
  try {
    execFileSync('openssl', ['version']);
    return true;
  } catch {
    return false;
  }
})();

describe('real Alpine indexes', () => {
  const signers: Record<string, string> = {
    'v3.0-main-x86': 'alpine-devel@lists.alpinelinux.org-4a6a0840.rsa.pub',
    'v3.14-main-x86_64': 'alpine-devel@lists.alpinelinux.org-4a6a0840.rsa.pub',
    'v3.16-main-x86_64': 'alpine-devel@lists.alpinelinux.org-6165ee59.rsa.pub',
    'v3.17-main-aarch64': 'alpine-devel@lists.alpinelinux.org-616ae350.rsa.pub',
  };

  it.each(REAL_INDEXES)('%s verifies with the keys shipped in distros/keys/alpine', async (name) => {
    const keys = await loadApkKeys([DISTRO_KEYS]);
    expect(keys.size).toBe(18);
    const f = readApkIndexFile(readFileSync(`${REAL_DIR}${name}-APKINDEX.tar.gz`), name, keys, true);
    expect(f.signature.keyNames).toEqual([signers[name]]);
    expect(f.signature.signedBy[0]).toBe(keys.get(signers[name])!.id);
    expect(f.description).toMatch(/^v3\.\d+/);
    expect(f.date!.getUTCFullYear()).toBeGreaterThanOrEqual(2016);
    expect(f.text.startsWith('C:Q1')).toBe(true);
  });

  it.skipIf(!hasOpenssl)('finds the member boundary openssl agrees with: `openssl dgst -verify` accepts the signature over our second member', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rg-apk-ossl-'));
    try {
      for (const name of REAL_INDEXES) {
        const buf = readFileSync(`${REAL_DIR}${name}-APKINDEX.tar.gz`);
        const [sig, body] = gzipMembers(buf, name);
        expect(body.end).toBe(buf.length);
        const entry = readTar(sig.data, name)[0];
        writeFileSync(join(dir, 'body'), buf.subarray(body.start, body.end));
        writeFileSync(join(dir, 'sig'), entry.data);
        const key = join(DISTRO_KEYS, entry.path.replace(/^\.SIGN\.RSA\./, ''));
        const out = execFileSync('openssl', ['dgst', '-sha1', '-verify', key, '-signature', join(dir, 'sig'), join(dir, 'body')]).toString();
        expect(out.trim()).toBe('Verified OK');
        // One byte off the boundary and openssl refuses: the split is exact.
        writeFileSync(join(dir, 'body'), buf.subarray(body.start - 1, body.end));
        expect(() => execFileSync('openssl', ['dgst', '-sha1', '-verify', key, '-signature', join(dir, 'sig'), join(dir, 'body')], { stdio: 'pipe' })).toThrow();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a real index when its signing key is not trusted', async () => {
    const keys = await loadApkKeys([join(FIXTURE_KEYS, TRUSTED_KEY)]);
    const e = thrown(() => readApkIndexFile(readFileSync(`${REAL_DIR}v3.16-main-x86_64-APKINDEX.tar.gz`), 'v3.16/main/x86_64/APKINDEX.tar.gz', keys, true));
    expect(e.code).toBe('SIGNATURE');
    expect(e.message).toContain('v3.16/main/x86_64/APKINDEX.tar.gz: no valid signature from a trusted key');
    expect(e.message).toContain('key alpine-devel@lists.alpinelinux.org-6165ee59.rsa.pub is not trusted');
    expect(e.message).toContain('sha256 of the file: 2272d5ff591c25e1b34c9da94444fe97d56801371c9533459d15889211740cf1');
  });
});

describe('fixture indexes', () => {
  const pkgs = [buildApk({ name: 'a', version: '1-r0' })];

  it('verifies RSA (SHA-1) and RSA256 (SHA-256) signatures, and refuses a foreign key', async () => {
    const keys = await loadApkKeys([join(FIXTURE_KEYS, TRUSTED_KEY)]);
    for (const algo of ['RSA', 'RSA256'] as const) {
      const f = readApkIndexFile(buildIndex(pkgs, await fixtureKey(TRUSTED_KEY, algo)), 'i', keys, true);
      expect(f.signature.keyNames).toEqual([TRUSTED_KEY]);
    }
    // The untrusted key's *name* made trusted with the wrong public key: the signature must fail.
    const impostor = new Map([[UNTRUSTED_KEY, new ApkKey(UNTRUSTED_KEY, keys.get(TRUSTED_KEY)!.key)]]);
    const signedByOther = buildIndex(pkgs, await fixtureKey(UNTRUSTED_KEY));
    const e = thrown(() => readApkIndexFile(signedByOther, 'i', impostor, true));
    expect(e.message).toContain(`signature does not verify with ${UNTRUSTED_KEY}`);
  });

  it('reads an unsigned index only when signatures are not required', async () => {
    const keys = await loadApkKeys([join(FIXTURE_KEYS, TRUSTED_KEY)]);
    const idx = buildIndex(pkgs, undefined);
    expect(thrown(() => readApkIndexFile(idx, 'i', keys, true)).code).toBe('SIGNATURE');
    expect(readApkIndexFile(idx, 'i', keys, false).text).toContain('P:a');
  });

  it('refuses trailing bytes, a third member, a bad CRC, truncation and an inflation bomb', async () => {
    const keys = await loadApkKeys([join(FIXTURE_KEYS, TRUSTED_KEY)]);
    const good = buildIndex(pkgs, await fixtureKey());
    const crc = Buffer.from(good);
    crc[crc.length - 6] ^= 1;
    const damaged: [Buffer, RegExp][] = [
      [Buffer.concat([good, Buffer.from('junk')]), /truncated header/],
      [Buffer.concat([good, gzipSync('x')]), /3 gzip members/],
      [crc, /CRC32/],
      [good.subarray(0, good.length - 20), /truncated|not valid deflate/],
    ];
    for (const [bad, cause] of damaged) {
      // Signed mode: the signature covers every byte after the signature member, so it fails first.
      expect(thrown(() => readApkIndexFile(bad, 'i', keys, true)).code).toBe('SIGNATURE');
      const e = thrown(() => readApkIndexFile(bad, 'i', keys, false));
      expect(e.code).toBe('FORMAT');
      expect(e.message).toMatch(cause);
    }
    // A bomb behind a signature that does not verify, or with no signature member, is refused
    // before it is inflated (SIGNATURE, not LIMIT).
    const zeros = gzipSync(Buffer.alloc(300 << 20), { level: 9 });
    const untrusted = await fixtureKey(UNTRUSTED_KEY, 'RSA');
    expect(thrown(() => readApkIndexFile(Buffer.concat([signatureSegment(zeros, untrusted), zeros]), 'i', keys, true)).code).toBe('SIGNATURE');
    expect(thrown(() => readApkIndexFile(zeros, 'i', keys, true)).code).toBe('SIGNATURE');
    expect(thrown(() => readApkIndexFile(zeros, 'i', keys, false)).code).toBe('LIMIT');
    const bomb = gzipSync(Buffer.alloc(64 * 1024 * 1024));
    expect(thrown(() => gzipMembers(bomb, 'bomb', { maxOutput: 1 << 20 })).code).toBe('LIMIT');
    expect(thrown(() => gzipMembers(Buffer.from('not gzip at all, just text'), 'x')).message).toMatch(/no gzip magic/);
  });

  it('never crashes on damaged bytes: every outcome is a result or a ReproError', async () => {
    const keys = await loadApkKeys([join(FIXTURE_KEYS, TRUSTED_KEY)]);
    const good = buildIndex([buildApk({ name: 'a', version: '1-r0', depends: ['b>1'] })], await fixtureKey());
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(good.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }), fc.nat(good.length), (edits, cut) => {
        const bad = Buffer.from(good.subarray(0, Math.max(1, cut)));
        for (const [at, v] of edits) if (at < bad.length) bad[at] = v;
        for (const signed of [true, false]) {
          try {
            readApkIndexFile(bad, 'i', keys, signed);
          } catch (e) {
            if (!(e instanceof ReproError)) throw e;
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it('requires the APKINDEX entry and signature-only first members', async () => {
    const keys = await loadApkKeys([join(FIXTURE_KEYS, TRUSTED_KEY)]);
    const onlyData = Buffer.concat([gzipSync(Buffer.alloc(1024)), gzipSync(Buffer.alloc(1024))]);
    expect(thrown(() => readApkIndexFile(onlyData, 'i', keys, false)).code).toBe('FORMAT');
  });
});
