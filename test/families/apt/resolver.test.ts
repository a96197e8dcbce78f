/**
 * The resolver against real apt on small hand-built repositories (resolver-cases.ts). Each case has
 * an explicit expected outcome, so the test cannot pass vacuously; when apt-get is on the machine the
 * same case also runs through the oracle and both must agree.
 */
import { describe, expect, it } from 'vitest';
import { isReproError } from '../../../src/core/errors.js';
import { parsePackages, parseStatus, type AptPackage } from '../../../src/families/apt/packages.js';
import { resolveApt, type AptPin, type AptRequest } from '../../../src/families/apt/resolve/index.js';
import { aptAvailable, listTexts, runAptOracle, type OracleResult } from '../../support/apt-oracle.js';
import { CASES, type ResolverCase } from './resolver-cases.js';

const NATIVE = 'amd64';
const haveApt = aptAvailable();

interface Outcome {
  install: string[];
  remove: string[];
  /** NOT_FOUND, NO_VERSION, or BROKEN (apt cannot tell UNSATISFIABLE from CONFLICT by exit status). */
  refused?: string;
}

function request(arg: string): AptRequest {
  const [spec, version] = arg.split('=');
  const [name, arch] = spec.split(':');
  return { name, arch, version };
}

function label(name: string, arch: string, version: string, foreign: string[]): string {
  return `${name}${foreign.includes(arch) ? `:${arch}` : ''}=${version}`;
}

function reproInput(c: ResolverCase) {
  const foreign = c.foreignArchs ?? [];
  // apt's order: sources as given, each source's native list then its foreign ones.
  const available: AptPackage[] = c.sources.flatMap((text, i) => listTexts(text, NATIVE, foreign).flatMap((l) => parsePackages(l.text, `s${i}`)));
  const pins: AptPin[] = (c.pins ?? []).map((p) => ({ package: p.package, version: p.version, source: p.source === undefined ? undefined : `s${p.source}`, priority: p.priority }));
  return { available, installed: parseStatus(c.status ?? ''), requests: c.requests.map(request), nativeArch: NATIVE, foreignArchs: foreign, installRecommends: c.installRecommends, pins };
}

function runRepro(c: ResolverCase): Outcome & { error?: unknown } {
  const foreign = c.foreignArchs ?? [];
  try {
    const r = resolveApt(reproInput(c));
    return { install: r.install.map((p) => label(p.name, p.arch, p.version, foreign)).sort(), remove: r.remove.map((p) => p.name).sort() };
  } catch (e) {
    if (!isReproError(e)) throw e;
    return { install: [], remove: [], refused: e.code === 'UNSATISFIABLE' || e.code === 'CONFLICT' ? 'BROKEN' : e.code, error: e };
  }
}

function preferences(c: ResolverCase): string {
  return (c.pins ?? [])
    .map((p) => `Package: ${p.package}\nPin: ${p.source !== undefined ? `release n=s${p.source}` : `version ${p.version ?? '*'}`}\nPin-Priority: ${p.priority}\n`)
    .join('\n');
}

function apt(c: ResolverCase): Outcome & { raw: OracleResult } {
  const raw = runAptOracle({
    sources: c.sources,
    status: c.status,
    requests: c.requests,
    nativeArch: NATIVE,
    foreignArchs: c.foreignArchs,
    installRecommends: c.installRecommends,
    preferences: preferences(c),
  });
  const foreign = c.foreignArchs ?? [];
  if (raw.exitCode !== 0) {
    const e = raw.errors.join('\n');
    const refused = /Unable to locate|has no installation candidate|virtual package/.test(e) || /has no installation candidate/.test(raw.output)
      ? 'NOT_FOUND'
      : /Version '.*' for '.*' was not found/.test(e)
        ? 'NO_VERSION'
        : 'BROKEN';
    return { install: [], remove: [], refused, raw };
  }
  return { install: raw.install.map((p) => label(p.name, p.arch, p.version, foreign)).sort(), remove: raw.remove.map((p) => p.name).sort(), raw };
}

describe('apt resolver, hermetic cases', () => {
  it('has enough cases to mean something', () => expect(CASES.length).toBeGreaterThanOrEqual(40));

  for (const c of CASES) {
    it(c.name, () => {
      const mine = runRepro(c);
      // The explicit expectation.
      if (c.error) {
        expect(mine.error, 'repro should refuse').toBeDefined();
        expect((mine.error as { code: string }).code).toBe(c.error);
        for (const m of c.message ?? []) expect(String((mine.error as Error).message)).toContain(m);
      } else {
        expect(mine.error, String((mine.error as Error | undefined)?.message)).toBeUndefined();
        expect(mine.install).toEqual([...(c.install ?? [])].sort());
        expect(mine.remove).toEqual([...(c.remove ?? [])].sort());
      }
      // The oracle.
      if (haveApt) {
        const theirs = apt(c);
        const { error: _e, ...m } = mine;
        const { raw, ...t } = theirs;
        expect(m, `apt said:\n${raw.output}`).toEqual(t);
      }
    });
  }

  it('puts the chain into the error detail', () => {
    const c = CASES.find((x) => x.name === 'versioned dependency nobody satisfies')!;
    const e = runRepro(c).error as { detail: { chain: string[] } };
    expect(e.detail.chain).toEqual(['c', 'a', 'b (= 1.1)']);
  });

  it('reports requested packages and one satisfier per satisfied group', () => {
    const c = CASES.find((x) => x.name === 'virtual package with one provider')!;
    const r = resolveApt(reproInput(c));
    expect(r.requested.map((p) => p.name)).toEqual(['a']);
    const a = r.install.find((p) => p.name === 'a')!;
    expect(r.edges.get(a)!.map((p) => p.name)).toEqual(['lynx']);
    const v = resolveApt({ ...reproInput(c), requests: [{ name: 'www-browser' }] });
    expect(v.requested.map((p) => p.name)).toEqual(['lynx']);
  });

  it('is deterministic', () => {
    for (const c of CASES.filter((x) => !x.error)) {
      const a = JSON.stringify(runRepro(c));
      const b = JSON.stringify(runRepro(c));
      expect(a).toBe(b);
    }
  });
});
