/**
 * Hostile input: whatever bytes a repository serves, the dnf parsers either read them or refuse
 * them with a typed error (FORMAT, LIMIT) — never a crash, a hang, or an untyped exception.
 */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ReproError } from '../../../src/core/errors.js';
import { parseDep } from '../../../src/families/dnf/dep.js';
import { parseRpmQa } from '../../../src/families/dnf/installed.js';
import { PrimaryParser, parsePrimary } from '../../../src/families/dnf/primary.js';
import { parseRepomd } from '../../../src/families/dnf/repomd.js';

const REAL = '../shared/real-metadata/fedora';
const primary = gunzipSync(readFileSync(`${REAL}/el9-selfbuilt/repodata/7301ce108e66fd45eb51b0fb717c9899698f1fa9e3ae22ecd20d10706f0d61dc-primary.xml.gz`)).toString('utf8');
const repomd = readFileSync(`${REAL}/el9-selfbuilt/repodata/repomd.xml`, 'utf8');

function typedOnly(f: () => unknown): boolean {
  try {
    f();
    return true;
  } catch (e) {
    if (e instanceof ReproError && ['FORMAT', 'LIMIT', 'SPEC'].includes(e.code)) return true;
    throw e;
  }
}

/** A real document with a few random edits: bytes replaced, deleted or inserted, or cut short. */
const mutated = (doc: string) =>
  fc
    .array(
      fc.record({
        at: fc.nat({ max: doc.length }),
        kind: fc.constantFrom('replace', 'delete', 'insert', 'cut'),
        text: fc.constantFrom('<', '>', '&', '&amp;', '&#0;', '"', "'", '/', '<!DOCTYPE x>', '<![CDATA[', ']]>', '<package type="rpm">', '</format>', 'xml:base="http://x/"', '../', '\u0000', ' ', '\n', 'é', '\uD800'),
      }),
      { minLength: 1, maxLength: 4 },
    )
    .map((edits) => {
      let s = doc;
      for (const e of edits) {
        const at = Math.min(e.at, s.length);
        if (e.kind === 'replace') s = s.slice(0, at) + e.text + s.slice(at + e.text.length);
        else if (e.kind === 'delete') s = s.slice(0, at) + s.slice(at + 5);
        else if (e.kind === 'insert') s = s.slice(0, at) + e.text + s.slice(at);
        else s = s.slice(0, at);
      }
      return s;
    });

describe('hostile input', () => {
  it('primary.xml: typed errors only, in one piece or in chunks of any size', () => {
    fc.assert(
      fc.property(mutated(primary), fc.integer({ min: 1, max: 4096 }), (doc, chunk) => {
        typedOnly(() => parsePrimary(doc, 'r', 'p.xml'));
        return typedOnly(() => {
          const p = new PrimaryParser('r', 'p.xml', { maxEntries: 50 });
          for (let i = 0; i < doc.length; i += chunk) p.write(doc.slice(i, i + chunk));
          return p.end();
        });
      }),
      { numRuns: 400 },
    );
  });

  it('repomd.xml: typed errors only', () => {
    fc.assert(fc.property(mutated(repomd), (doc) => typedOnly(() => parseRepomd(doc, 'repomd.xml'))), { numRuns: 400 });
  });

  it('dependencies and base listings: typed errors only, on any string', () => {
    fc.assert(fc.property(fc.string({ maxLength: 200 }), (s) => typedOnly(() => parseDep(s, 'dep')) && typedOnly(() => parseRpmQa(s, 'rpm-qa'))), { numRuns: 2000 });
    const rich = fc.stringMatching(/^[()a-z0-9 <>=.:-]{0,60}$/).map((s) => `(${s}`);
    fc.assert(fc.property(rich, (s) => typedOnly(() => parseDep(s, 'dep'))), { numRuns: 2000 });
    expect(() => parseDep('('.repeat(100) + 'a' + ')'.repeat(100), 'dep')).toThrow(/nested deeper than 32/);
  });
});
