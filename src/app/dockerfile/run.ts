/**
 * The dockerfile flow around the pure renderer: read the lock (and the spec's baseImage), find the
 * family's Dockerfile lines, and work out where the lockfile sits in the build context (the
 * current folder, as for `docker build .`).
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { ReproError } from '../../core/errors.js';
import { packageRoot } from '../../core/paths.js';
import { readSpec } from '../../core/spec.js';
import type { DockerfileHook, FamilyName } from '../../families/family.js';
import { getFamily } from '../../families/index.js';
import { renderDockerfile, type DockerfileMode, type DockerfileResult } from '../dockerfile.js';
import { loadLock } from '../fetch.js';
import { isContextPath } from './validate.js';

export interface DockerfileRunOptions {
  lockFile: string;
  mode: DockerfileMode;
  base?: string;
  nodeImage?: string;
  reproGetVersion?: string;
  /** Spec to take baseImage from; default: repro-get.yaml beside the lockfile, when there is one. */
  spec?: string;
  /** The build context; default: the current folder. */
  context?: string;
}

export async function dockerfileFromFiles(o: DockerfileRunOptions): Promise<DockerfileResult> {
  const { lock } = await loadLock(o.lockFile);
  const warnings: string[] = [];
  let base = o.base;
  if (!base) {
    const implicit = join(dirname(o.lockFile), 'repro-get.yaml');
    if (o.spec) base = (await readSpec(o.spec)).baseImage;
    else if (existsSync(implicit)) {
      base = await readSpec(implicit).then(
        (s) => s.baseImage,
        (e: Error) => (warnings.push(`ignoring ${implicit} (${e.message.split('\n')[0]})`), undefined),
      );
    }
  }
  const context = resolve(o.context ?? '.');
  let lockInContext = relative(context, resolve(o.lockFile)).split(sep).join('/');
  if (!isContextPath(lockInContext)) {
    lockInContext = basename(o.lockFile);
    warnings.push(`${o.lockFile} is not inside the build context ${context}: the Dockerfile expects it there as ${lockInContext}.`);
  }
  const r = renderDockerfile(lock, {
    mode: o.mode,
    base,
    nodeImage: o.nodeImage,
    reproGetVersion: o.reproGetVersion ?? ownVersion(),
    lockInContext,
    lockFile: o.lockFile,
    hook: await dockerfileHook(lock.family),
  });
  return { text: r.text, warnings: [...warnings, ...r.warnings] };
}

/** The family's Dockerfile lines (its adapter's `dockerfile` member), or none. */
export async function dockerfileHook(family: FamilyName): Promise<DockerfileHook | undefined> {
  const adapter = await getFamily(family).catch(() => undefined);
  return adapter?.dockerfile;
}

function ownVersion(): string {
  const v = (JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version?: unknown }).version;
  if (typeof v !== 'string') throw new ReproError('USAGE', 'cannot tell which repro-get version this is; pass --repro-get-version.');
  return v;
}
