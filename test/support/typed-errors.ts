/** Helpers for tests of untrusted-input code: the only acceptable failure is a typed ReproError. */
import fc from 'fast-check';
import { expect } from 'vitest';
import { ReproError } from '../../src/core/errors.js';

/** Runs `f`, expects it to throw a ReproError, and returns it for further assertions. */
export function thrown(f: () => unknown): ReproError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(ReproError);
    return e as ReproError;
  }
  throw new Error('expected an error');
}

/** Wraps a parser for a property: returning or throwing a ReproError pass; anything else fails. */
export function onlyTyped(fn: (s: string) => unknown): (s: string) => void {
  return (s) => {
    try {
      fn(s);
    } catch (e) {
      if (!(e instanceof ReproError)) throw e;
    }
  };
}

/** Text derived from a real document by deleting, duplicating and replacing slices with `tokens`. */
export function mutated(base: string, tokens: string[]): fc.Arbitrary<string> {
  const edit = fc.tuple(fc.nat(base.length), fc.nat(64), fc.oneof(fc.string({ maxLength: 40 }), fc.constantFrom(...tokens)));
  return fc.array(edit, { minLength: 1, maxLength: 8 }).map((edits) => {
    let s = base;
    for (const [at, len, ins] of edits) {
      const i = at % (s.length + 1);
      s = s.slice(0, i) + ins + s.slice(i + (len % 16));
    }
    return s;
  });
}
