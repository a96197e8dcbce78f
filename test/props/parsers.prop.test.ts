/**
 * Property tests (fast-check): every parser of untrusted text either returns a value or throws a
 * typed ReproError — never a crash, never a hang. Inputs mix random text with mutations of real
 * documents, which reach far deeper than random strings alone.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ReproError } from '../../src/core/errors.js';
import { parseLockfile } from '../../src/core/lockfile/read.js';
import { serializeLockfile } from '../../src/core/lockfile/write.js';
import { parseSpec } from '../../src/core/spec.js';
import { parseStanzas } from '../../src/families/apt/deb822.js';
import { parseRelease } from '../../src/families/apt/release.js';
import { parsePackages, parseStatus } from '../../src/families/apt/packages.js';
import { lock, pkg } from '../support/locks.js';
import { mutated as mutate, onlyTyped } from '../support/typed-errors.js';

const fixture = (p: string) => readFileSync(fileURLToPath(new URL(`../../fixtures/apt/repo/${p}`, import.meta.url)), 'utf8');
const RELEASE = fixture('debian/dists/bookworm/Release');
const PACKAGES = fixture('debian/dists/bookworm/main/binary-amd64/Packages');
const LOCK = serializeLockfile(lock([pkg('curl', '7.88.1-10', { requested: true, depends: ['libc6'] })]));
const TOKENS = ['\n', '\n\n', ':', ' ', '\t', '-', '\0', '\r\n', '#', '"', '[', '{', '*'];
const mutated = (base: string) => mutate(base, TOKENS);
const SPEC = 'distro: debian:bookworm\nsnapshot: 20250520T000000Z\narchitectures: [amd64]\npackages:\n  - curl\n  - jq=1.6-2.1\n';

const RUNS = { numRuns: 300 };

describe('parsers never crash on hostile text', () => {
  it('deb822 stanzas', () => fc.assert(fc.property(fc.oneof(fc.string(), mutated(PACKAGES)), onlyTyped((s) => parseStanzas(s, 'x'))), RUNS));
  it('Release', () => fc.assert(fc.property(fc.oneof(fc.string(), mutated(RELEASE)), onlyTyped((s) => parseRelease(s, 'Release'))), RUNS));
  it('Packages', () => fc.assert(fc.property(fc.oneof(fc.string(), mutated(PACKAGES)), onlyTyped((s) => parsePackages(s, 'src', 'Packages'))), RUNS));
  it('dpkg status', () => fc.assert(fc.property(fc.oneof(fc.string(), mutated(PACKAGES)), onlyTyped((s) => parseStatus(s, 'status'))), RUNS));
  it('spec', () => fc.assert(fc.property(fc.oneof(fc.string(), mutated(SPEC)), onlyTyped((s) => parseSpec(s, 'repro-get.yaml'))), RUNS));
  it('lockfile', () => fc.assert(fc.property(fc.oneof(fc.string(), mutated(LOCK)), onlyTyped((s) => parseLockfile(s, 'x.lock.yaml'))), RUNS));

  it('a 100 MB line is refused by the line limit, quickly', () => {
    const huge = 'Package: a\nDescription: ' + 'x'.repeat(100 * 1024 * 1024) + '\n';
    expect(() => parsePackages(huge, 'src', 'Packages')).toThrow(ReproError);
    expect(() => parseStanzas(huge, 'Packages')).toThrow(/exceeds the limit/);
  });

  it('YAML alias bombs in a spec or lockfile are refused, not expanded', () => {
    const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x"]', ...Array.from({ length: 9 }, (_, i) => `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)}]`), 'distro: debian:bookworm', 'packages: [curl]'].join('\n');
    expect(() => parseSpec(bomb, 'bomb.yaml')).toThrow(ReproError);
    expect(() => parseLockfile(bomb.replace('distro', 'lockfileVersion: 1.0.0\ndistro'), 'bomb.lock.yaml')).toThrow(ReproError);
  });
});
