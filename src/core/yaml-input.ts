/**
 * Reads a YAML document written by a person (spec) or by us (lockfile) and validates it with a
 * zod schema, turning every problem into one error that names file:line, the field, and what was
 * expected. Shared so the spec and the lockfile report problems the same way.
 */
import { createRequire } from 'node:module';
import type { Document, LineCounter } from 'yaml';
import type * as z from 'zod/mini';
import { ReproError, type ErrorCode } from './errors.js';

// Loaded on first use: the library takes ~0.1 s to load, and the lock reader's fast path
// (lockfile/canonical-yaml.ts) needs it only for text it cannot read itself or for an error.
let loaded: typeof import('yaml') | undefined;
const yaml = () => (loaded ??= createRequire(import.meta.url)('yaml') as typeof import('yaml'));

export interface YamlSource {
  doc: Document.Parsed;
  lines: LineCounter;
  file: string;
}

export function parseYaml(text: string, file: string, code: ErrorCode): YamlSource {
  const YAML = yaml();
  const lines = new YAML.LineCounter();
  const doc = YAML.parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const e = doc.errors[0];
    const pos = lines.linePos(e.pos[0]);
    throw new ReproError(code, `${file}:${pos.line}:${pos.col}: not valid YAML: ${e.message.split('\n')[0]}`);
  }
  return { doc, lines, file };
}

/** Line of the node at `path`, or of its nearest existing ancestor. */
export function lineOf(src: YamlSource, path: (string | number)[]): number {
  for (let n = path.length; n >= 0; n--) {
    const node = n === 0 ? src.doc.contents : src.doc.getIn(path.slice(0, n), true);
    if (yaml().isNode(node) && node.range) return src.lines.linePos(node.range[0]).line;
  }
  return 1;
}

/** The document as plain data; alias problems (unresolved, or an expansion bomb) are typed errors. */
export function toData(src: YamlSource, code: ErrorCode): unknown {
  try {
    return src.doc.toJS({ maxAliasCount: 50 });
  } catch (e) {
    throw new ReproError(code, `${src.file}: cannot read the YAML: ${(e as Error).message}.`);
  }
}

export function validateYaml<S extends z.ZodMiniType>(src: YamlSource, schema: S, code: ErrorCode, what: string): z.infer<S> {
  const value = toData(src, code);
  const res = schema.safeParse(value);
  if (res.success) return res.data;
  const problems = res.error.issues.slice(0, 5).map((i) => {
    const path = i.path.filter((p): p is string | number => typeof p !== 'symbol');
    const where = path.length ? path.join('.') : '(top level)';
    return `${src.file}:${lineOf(src, path)}: ${where}: ${i.message}`;
  });
  const more = res.error.issues.length > 5 ? `\n(and ${res.error.issues.length - 5} more)` : '';
  throw new ReproError(code, `${src.file} is not a valid ${what}:\n${problems.join('\n')}${more}`);
}
