/**
 * Property tests (fast-check) for the parsers of the apk, pacman and dnf families, like
 * parsers.prop.test.ts does for apt: every parser of untrusted metadata either returns or throws a
 * typed ReproError, never crashes or hangs, on random text and on mutations of real documents
 * (Alpine v3.16 APKINDEX, Arch core.db desc files, a createrepo_c primary.xml and repomd.xml).
 * Pathological inputs (giant lines, long runs of operator characters) must end with an error, not
 * a hang; the test timeout is the bound. The version comparators' order properties live in
 * test/families/<family>/version.test.ts.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ReproError } from '../../src/core/errors.js';
import { parseApkIndex } from '../../src/families/apk/apkindex.js';
import { emptyPackage, readDesc } from '../../src/families/pacman/desc.js';
import { parseDbTar } from '../../src/families/pacman/db.js';
import { parsePrimary } from '../../src/families/dnf/primary.js';
import { parseRepomd } from '../../src/families/dnf/repomd.js';
import { mutated as mutate, onlyTyped } from '../support/typed-errors.js';

const shared = (p: string) => fileURLToPath(new URL(`../../../shared/real-metadata/${p}`, import.meta.url));
const fixture = (p: string) => fileURLToPath(new URL(`../../fixtures/${p}`, import.meta.url));

/** Members of an uncompressed ustar archive (enough for APKINDEX and .db files). */
function tarMembers(tar: Buffer): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (let off = 0; off + 512 <= tar.length; ) {
    const name = tar.subarray(off, off + 100).toString('latin1').replace(/\0.*$/s, '');
    if (!name) break;
    const size = parseInt(tar.subarray(off + 124, off + 136).toString('latin1').replace(/\0.*$/s, '').trim() || '0', 8);
    const type = String.fromCharCode(tar[off + 156]);
    if (type !== 'x' && type !== 'g') out.set(name, tar.subarray(off + 512, off + 512 + size)); // not pax headers
    off += 512 + Math.ceil(size / 512) * 512;
  }
  return out;
}

// The first ~40 stanzas of a real index: deep enough for mutations, small enough for 300 runs.
const APKINDEX = (() => {
  const tar = gunzipSync(readFileSync(shared('alpine/v3.16-main-x86_64-APKINDEX.tar.gz')));
  // The signature and the index are two gzip members, so two tar streams end to end; find APKINDEX's header.
  const at = tar.indexOf(Buffer.from('APKINDEX\0'));
  const text = tarMembers(tar.subarray(at)).get('APKINDEX')!.toString('utf8');
  return text.split('\n\n').slice(0, 40).join('\n\n') + '\n\n';
})();
const CORE_DB = gunzipSync(readFileSync(shared('arch/core.db.tar.gz')));
const DESC = (() => {
  for (const [name, body] of tarMembers(CORE_DB)) if (name.endsWith('/desc')) return body.toString('utf8');
  throw new Error('no desc in core.db');
})();
// A small db: the first 20 members, re-packed byte for byte.
const SMALL_DB = (() => {
  let off = 0;
  for (let n = 0; n < 20 && off + 512 <= CORE_DB.length; n++) {
    const size = parseInt(CORE_DB.subarray(off + 124, off + 136).toString('latin1').replace(/\0.*$/s, '').trim() || '0', 8);
    off += 512 + Math.ceil(size / 512) * 512;
  }
  return Buffer.concat([CORE_DB.subarray(0, off), Buffer.alloc(1024)]);
})();
const REPODATA = fixture('dnf/repos/base/repodata');
const PRIMARY = gunzipSync(readFileSync(`${REPODATA}/${readdirSync(REPODATA).find((f) => f.endsWith('-primary.xml.gz'))}`)).toString('utf8');
const REPOMD = readFileSync(`${REPODATA}/repomd.xml`, 'utf8');

const TOKENS = ['\n', '\n\n', ':', ' ', '\t', '\0', '\r\n', '%', '<', '>', '/>', '"', '&', '&amp;', '<![CDATA[', ']]>', '=', '>=', '~', '@'];
const mutated = (base: string, extra: string[] = []) => mutate(base, [...TOKENS, ...extra]);

/** Long runs of the characters a grammar branches on: where backtracking or quadratic scans would show. */
function pathological(chars: string[]): fc.Arbitrary<string> {
  return fc.tuple(fc.array(fc.constantFrom(...chars), { minLength: 1, maxLength: 6 }), fc.integer({ min: 1000, max: 20000 })).map(([unit, n]) => unit.join('').repeat(Math.ceil(n / unit.length)));
}

const RUNS = { numRuns: 300 };
const apk = (s: string) => parseApkIndex(s, 'APKINDEX');
const desc = (s: string) => readDesc(s, 'core.db:x/desc', emptyPackage('core'), new Set());
const primary = (s: string) => parsePrimary(s, 'base', 'primary.xml');
const repomd = (s: string) => parseRepomd(s, 'repomd.xml');

describe('family parsers never crash on hostile text', () => {
  it('the real samples parse', () => {
    expect(apk(APKINDEX).length).toBeGreaterThan(30);
    expect(() => desc(DESC)).not.toThrow();
    expect(primary(PRIMARY).length).toBeGreaterThan(0);
    expect(parseDbTar(SMALL_DB, 'core', 'core.db').length).toBeGreaterThan(0);
    expect(repomd(REPOMD)).toBeTruthy();
  });

  it('repomd.xml that the validator passes but the parser refuses is a typed FORMAT error (found by this suite)', () => {
    expect(() => repomd('<?"xml version="1.0"?>\n<repomd></repomd>\n')).toThrow(ReproError);
  });

  it('APKINDEX', () => fc.assert(fc.property(fc.oneof(fc.string(), mutated(APKINDEX, ['P:', 'V:', 'D:', 'C:Q1', 'p:', 'i:', 'so:', '!'])), onlyTyped(apk)), RUNS));
  it('pacman desc', () => fc.assert(fc.property(fc.oneof(fc.string(), mutated(DESC, ['%NAME%', '%VERSION%', '%DEPENDS%', '%CSIZE%', '\n\n%'])), onlyTyped(desc)), RUNS));
  it('RPM primary.xml', () => fc.assert(fc.property(fc.oneof(fc.string(), mutated(PRIMARY, ['<package type="rpm">', '</package>', '<rpm:entry name="x"/>', '<!DOCTYPE x [<!ENTITY a "aaaa">]>', '&a;'])), onlyTyped(primary)), RUNS));
  it('repomd.xml', () => fc.assert(fc.property(fc.oneof(fc.string(), mutated(REPOMD, ['<data type="primary">', '</data>', '<location href="../x"/>'])), onlyTyped(repomd)), RUNS));
  it('pacman .db tar (bytes)', () =>
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(SMALL_DB.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }), (flips) => {
        const b = Buffer.from(SMALL_DB);
        for (const [at, v] of flips) b[at] = v;
        onlyTyped(() => parseDbTar(b, 'core', 'core.db'))('');
      }),
      { numRuns: 200 },
    ));

  it('pathological runs of operator characters end quickly with a value or a typed error', () => {
    const dep = pathological(['a', '<', '=', '>', '~', '@', ' ', '!', 'so:', ':', '1']);
    fc.assert(fc.property(dep, onlyTyped((s) => apk(`P:x\nV:1-r0\nC:Q1${'A'.repeat(27)}=\nD:${s}\n\n`))), { numRuns: 40 });
    fc.assert(fc.property(dep, onlyTyped((s) => desc(`%NAME%\nx\n\n%DEPENDS%\n${s}\n\n`))), { numRuns: 40 });
    const xml = pathological(['<', '>', '"', '=', 'a', ' ', '&', '/', '!']);
    fc.assert(fc.property(xml, onlyTyped(primary)), { numRuns: 40 });
    fc.assert(fc.property(xml, onlyTyped(repomd)), { numRuns: 40 });
  });

  it('a 16 MB line or field is refused by a limit, not held', () => {
    const huge = 'x'.repeat(16 << 20);
    expect(() => apk(`P:x\nV:1-r0\nT:${huge}\n\n`)).toThrow(ReproError);
    expect(() => desc(`%NAME%\n${huge}\n\n`)).toThrow(/exceeds/);
    expect(() => primary(`<?xml version="1.0"?><metadata packages="1"><package type="rpm"><name>${huge}</name></package></metadata>`)).toThrow(ReproError);
  });
});
