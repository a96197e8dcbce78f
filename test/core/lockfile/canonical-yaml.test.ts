/**
 * The lock reader's fast path must never disagree with the yaml library: on any text it either
 * declines (undefined, the caller then uses yaml) or returns exactly what YAML.parse returns.
 */
import fc from 'fast-check';
import YAML from 'yaml';
import { describe, expect, it } from 'vitest';
import { parseCanonicalYaml } from '../../../src/core/lockfile/canonical-yaml.js';
import { parseLockfile } from '../../../src/core/lockfile/read.js';
import { lockfileSchema } from '../../../src/core/lockfile/schema.js';
import { serializeLockfile } from '../../../src/core/lockfile/write.js';
import { hex, lock, pkg } from '../../support/locks.js';
import { mutated } from '../../support/typed-errors.js';

/** The writer's options (write.ts), for documents the lock schema would refuse. */
const stringify = (v: unknown) => YAML.stringify(v, { lineWidth: 0, indent: 2, indentSeq: true, aliasDuplicateObjects: false, flowCollectionPadding: false });

/** What the yaml library makes of the text, as the slow path reads it; undefined if it refuses. */
function slow(text: string): unknown {
  const doc = YAML.parseDocument(text, { prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length) return undefined;
  try {
    return doc.toJS({ maxAliasCount: 50 });
  } catch {
    return undefined;
  }
}

function agrees(text: string): void {
  const fast = parseCanonicalYaml(text);
  if (fast === undefined) return;
  expect(fast).toStrictEqual(slow(text));
  answered++;
}
let answered = 0;

const ODD = lock([
  pkg('curl', '7.88.1-10', {
    requested: true,
    depends: ['libc6', 'zlib1g'],
    pulledInBy: ['x'],
    mirror: 'http://127.0.0.1:9/pool/a%20b.deb?x=1&y=[2]#f',
    fallbacks: ['https://a.example/x', 'https://b.example/y'],
    signature: 'iQIzBAABCAAdFiEE+/abc==',
    sha256: '1'.repeat(64),
  }),
  pkg('1.0', '2.0'),
  pkg('true', "o'k"),
  pkg('null', '#x', { version: 'a: b' }),
  pkg('zlib1g', '1:1.2.13.dfsg-1', { sha256: hex('0') }),
]);
ODD.sources[0].metadata.validUntilIgnored = true;
ODD.sources[0].metadata.retention = 'the repository "deletes" superseded files: keep them, it\'s #1';

// Strings YAML reads specially (numbers, booleans, null, indicators, comments, escapes) or not at all.
const TRICKY = ['', ' ', '1', '0', '007', '1.0', '1e3', '.5', '-1', '+1', '0x1F', '0o7', '.inf', '-.Inf', '.nan', 'true', 'True', 'FALSE', 'null', 'Null', '~', 'yes', 'no', 'a: b', 'a:', 'a #b', '#a', '- a', '-a', '?a', ':a', '[a]', '{a}', 'a,b', '&a', '*a', '!a', '|', '>', '%a', '@a', '`a', "'", "''", "a'b", '"', 'a"b', '\\', 'a\\nb', '\t', 'a\tb', 'é', '\u2028', 'a b', 'a  b', ' a', 'a ', '__proto__', '<<', '1:2', 'a:b', '18446744073709551616'];
// Mostly the kind of text a lock holds (versions, paths, URLs), some of it tricky, some random.
const anyString = fc.oneof(
  { weight: 3, arbitrary: fc.stringMatching(/^[a-zA-Z0-9.:+~\/_=#'" -]{1,12}$/) },
  { weight: 1, arbitrary: fc.constantFrom(...TRICKY) },
  { weight: 1, arbitrary: fc.string({ maxLength: 12 }) },
);
const anyKey = fc.oneof({ weight: 4, arbitrary: fc.stringMatching(/^[a-zA-Z][a-zA-Z0-9_]{0,6}$/) }, { weight: 1, arbitrary: fc.constantFrom(...TRICKY) }, { weight: 1, arbitrary: fc.string({ maxLength: 8 }) });
const anyValue: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small' }, anyString, anyString, anyString, fc.integer(), fc.nat(), fc.boolean(), fc.double(), fc.constant(null), fc.array(tie('value'), { maxLength: 4 }), fc.dictionary(anyKey, tie('value'), { maxKeys: 4 })),
})).value;

describe('canonical YAML fast path', () => {
  it('reads what the lock writer writes, exactly as yaml does', () => {
    for (const l of [lock([pkg('curl', '7.88.1-10', { requested: true, depends: ['libc6'] })]), ODD]) {
      const text = serializeLockfile(l);
      const fast = parseCanonicalYaml(text);
      expect(fast).toBeDefined();
      expect(fast).toEqual(slow(text));
      expect(parseLockfile(text, 'x.lock.yaml')).toEqual(lockfileSchema.parse(slow(text)));
    }
  });

  it('agrees with yaml on any document the writer could emit', () => {
    answered = 0;
    fc.assert(fc.property(fc.dictionary(anyKey, anyValue, { minKeys: 1, maxKeys: 5 }), (v) => agrees(stringify(v))), { numRuns: 2000 });
    expect(answered).toBeGreaterThan(150); // ~300 expected: the comparison was not vacuous
  });

  it('agrees with yaml on mutated locks', () => {
    const base = serializeLockfile(ODD);
    const tokens = ['\n', '\n\n', ':', ': ', ' ', '  ', '\t', '-', '- ', '\r\n', '#', ' #', '"', "'", '[', ']', '{}', '[]', '*', '&a ', '!!str ', '|', '>', '? ', '---\n', '...\n', '%YAML 1.1\n', '\\', '0', '1.5', 'true', 'null', '~'];
    answered = 0;
    fc.assert(fc.property(mutated(base, tokens), agrees), { numRuns: 2000 });
    expect(answered).toBeGreaterThan(100); // ~240 expected
  });

  it.each([
    ['a tab', 'a:\tb\n'],
    ['a comment after a value', 'a: b # c\n'],
    ['an anchor and alias', 'a: &x b\nc: *x\n'],
    ['a tag', 'a: !!str 1\n'],
    ['a block scalar', 'a: |\n  b\n'],
    ['a multi-line plain scalar', 'a: b\n  c\n'],
    ['a flow sequence', 'a: [b]\n'],
    ['an escape other than \\" or \\\\', 'a: "b\\n"\n'],
    ['a duplicate key', 'a: b\na: c\n'],
    ['a null value', 'a:\nb: c\n'],
    ['a sequence at the key\'s indent', 'a:\n- b\n'],
    ['a float', 'a: 1.5\n'],
    ['a CRLF', 'a: b\r\n'],
    ['a document marker', '---\na: b\n'],
    ['a top-level sequence', '- a\n'],
  ])('declines %s', (_n, text) => {
    expect(parseCanonicalYaml(text)).toBeUndefined();
  });

  it('reads quoting, comments and scalar types the way yaml does', () => {
    const text = "# c\na: '1.0'\nb: \"2\"\nc: 'it''s'\nd: 12\ne: true\nf: x:y\nk: \"say \\\"hi\\\" \\\\ it's\"\ng:\n  # c\n  - h: []\n    i: {}\n  - j\n";
    expect(parseCanonicalYaml(text)).toEqual({ a: '1.0', b: '2', c: "it's", d: 12, e: true, f: 'x:y', k: 'say "hi" \\ it\'s', g: [{ h: [], i: {} }, 'j'] });
    expect(parseCanonicalYaml(text)).toEqual(slow(text));
  });
});
