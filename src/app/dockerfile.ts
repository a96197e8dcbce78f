/**
 * `repro-get dockerfile`: a Dockerfile whose package layer is exactly the lock. Three modes:
 *
 *  fetch-stage   a Node.js stage runs `repro-get fetch`; the target stage bind-mounts the verified
 *                files, checks them again against the sha256 written here (so a stale or altered
 *                fetch stage cannot slip other bytes in) and installs them with the image's own
 *                tools: no Node.js, no repro-get, no artifact lands in the image.
 *  install       `repro-get install` in a target image that already has Node.js.
 *  add-checksum  BuildKit itself downloads and checks each artifact (ADD --checksum, Dockerfile
 *                syntax 1.6+) in a scratch stage; then the same install lines as fetch-stage.
 *
 * The text depends only on the lock and the options (golden-file tested); warnings go to the caller.
 */
import { ReproError } from '../core/errors.js';
import type { Lockfile } from '../core/lockfile/schema.js';
import { shQuote } from '../core/shell.js';
import type { DockerfileHook } from '../families/family.js';
import { epochOf, runStep, sumLine } from './dockerfile/render.js';
import { checkImageRef, checkLockForDockerfile, checkVersion, isContextPath, isPinned } from './dockerfile/validate.js';

import { DEFAULT_NODE_IMAGE, DOCKERFILE_MODES, type DockerfileMode } from './dockerfile/modes.js';

export { DEFAULT_NODE_IMAGE, DOCKERFILE_MODES, type DockerfileMode };
const FETCH_STAGE = 'repro-get-fetch';
const ADD_STAGE = 'repro-get-artifacts';
/** fetch's --out folder in the fetch stage; ADD's destination in the artifact stage. */
const FETCHED = '/artifacts';
const ADDED = '/tmp/repro-get';
/**
 * Where the target stage mounts things. BuildKit leaves behind, as an empty directory, every mount
 * point it had to create (e.g. /artifacts), so mounts go on /mnt, which every FHS base image has.
 */
const MNT = '/mnt';
/** The fetch stage reads the lock here and keeps repro-get's downloads in a cache mount across builds. */
const LOCK_AT = '/src/repro-get.lock.yaml';
const CACHE = '/var/cache/repro-get';

export interface DockerfileOptions {
  mode: DockerfileMode;
  /** Target image; default: guessed from the lock's distro (with a warning). */
  base?: string;
  /** fetch-stage: the Node.js image of the fetch stage. */
  nodeImage?: string;
  /** Exact repro-get version that `npx` runs. */
  reproGetVersion: string;
  /** The lockfile's path inside the build context (COPY / --mount source). */
  lockInContext: string;
  /** The lockfile as the user named it, for messages. */
  lockFile: string;
  /** The family's install lines; `install` mode works without them (no cleanup then). */
  hook?: DockerfileHook;
}

export interface DockerfileResult {
  text: string;
  /** For stderr: unpinned images, guessed base, missing cleanup. */
  warnings: string[];
}

export function renderDockerfile(lock: Lockfile, o: DockerfileOptions): DockerfileResult {
  const warnings: string[] = [];
  const names = checkLockForDockerfile(lock, o.lockFile, { urls: o.mode === 'add-checksum' });
  if (!lock.packages.length) throw new ReproError('USAGE', `${o.lockFile} locks no packages: there is nothing to install.`);
  const version = checkVersion(o.reproGetVersion);
  if (!isContextPath(o.lockInContext)) {
    throw new ReproError('USAGE', `the lockfile's path in the build context, ${JSON.stringify(o.lockInContext)}, must be relative, without "..", spaces or quotes.`);
  }
  let base = o.base;
  if (!base) {
    base = defaultBase(lock.distro);
    warnings.push(`no base image given (--base, or baseImage in the spec): using ${base}, guessed from the lock's distro.`);
  }
  const image = (ref: string, what: string) => {
    checkImageRef(ref, what);
    if (!isPinned(ref)) warnings.push(`${what} ${ref} is not pinned by digest: the build is only as reproducible as that tag. Pin it as ${ref.replace(/@.*$/, '')}@sha256:<digest>.`);
    return ref;
  };
  image(base, 'base image');
  const hook = o.hook;
  if (!hook && o.mode !== 'install') {
    throw new ReproError('USAGE', `repro-get dockerfile --mode ${o.mode} does not support ${lock.family} locks yet.`, { hint: '--mode install works wherever `repro-get install` does.' });
  }
  if (!hook) warnings.push(`no cleanup lines for ${lock.family}: package-manager caches and logs may stay in the image.`);

  const epoch = epochOf(lock.snapshot);
  const files = [...new Map([...names].map(([p, n]) => [n, p])).entries()].sort((a, b) => cmp(a[0], b[0]));
  const checkFiles = (dir: string) => [
    `cd ${dir}`,
    `printf '%s\\n' \\\n      ${files.map(([n, p]) => shQuote(sumLine(p.sha256, n))).join(' \\\n      ')} \\\n    | sha256sum -c -`,
    'cd /',
  ];
  const installSteps = (dir: string) => [...(hook!.prepare ?? []), ...checkFiles(dir), ...hook!.installFromDir(dir, lock), ...hook!.cleanup];
  const what = `${lock.distro} ${lock.architectures.join(' ')}, snapshot ${lock.snapshot}, ${lock.packages.length} package(s)`;
  const out: string[] = [];
  const header = (needs: string) =>
    out.push(
      `# Generated by \`repro-get dockerfile --mode ${o.mode}\` from ${o.lockInContext} (${what}).`,
      o.mode === 'install'
        ? '# The lock is read at build time; regenerate this file when options (base, version) change.'
        : '# Regenerate it after every `repro-get lock`: the build checks each file against the sha256 below.',
      `# Needs BuildKit: ${needs}.`,
      `# BuildKit 0.11+ also dates the image from the snapshot with --build-arg SOURCE_DATE_EPOCH=${epoch}.`,
    );

  if (o.mode === 'fetch-stage') {
    const node = image(o.nodeImage ?? DEFAULT_NODE_IMAGE, 'Node.js image');
    header('RUN --mount is on by default since Docker 23 (DOCKER_BUILDKIT=1 before); podman and buildah have it too');
    out.push(
      '',
      '# Stage 1: Node.js and repro-get download every locked artifact and verify it against the lock.',
      // The build machine's platform: fetching is the same work whatever the image is built for.
      `FROM --platform=$BUILDPLATFORM ${node} AS ${FETCH_STAGE}`,
      `ARG SOURCE_DATE_EPOCH=${epoch}`,
      // The lock is bind-mounted rather than copied: one step, no layer (cheap on every builder).
      runStep([`--mount=type=bind,source=${o.lockInContext},target=${LOCK_AT}`, `--mount=type=cache,target=${CACHE},id=repro-get`], [
        `npx --yes repro-get@${version} fetch --any-arch -f ${LOCK_AT} --out ${FETCHED} --cache ${CACHE}`,
      ]),
      '',
      '# Stage 2: the image. Its own tools check and install the files; no Node.js or repro-get is added.',
      `FROM ${base}`,
      `ARG SOURCE_DATE_EPOCH=${epoch}`,
      runStep([`--mount=type=bind,from=${FETCH_STAGE},source=${FETCHED},target=${MNT}`], installSteps(MNT)),
    );
  } else if (o.mode === 'add-checksum') {
    // A parser directive: must be the very first line.
    out.push('# syntax=docker/dockerfile:1.6');
    header('ADD --checksum needs the Dockerfile 1.6 frontend, which the syntax line above fetches');
    out.push(
      '',
      '# Stage 1: BuildKit downloads each artifact from its permanent URL and checks its sha256. A stage of',
      '# its own so that no artifact is left in a layer of the image (ADD cannot try fallback URLs).',
      `FROM scratch AS ${ADD_STAGE}`,
      ...files.map(([n, p]) => `ADD --checksum=sha256:${p.sha256} ${p.url} ${ADDED}/${n}`),
      '',
      '# Stage 2: the image. Its own tools check and install the files.',
      `FROM ${base}`,
      `ARG SOURCE_DATE_EPOCH=${epoch}`,
      runStep([`--mount=type=bind,from=${ADD_STAGE},source=${ADDED},target=${MNT}`], installSteps(MNT)),
    );
  } else {
    header('RUN --mount, on by default since Docker 23; the base image must have Node.js 20.19+ and npm');
    out.push(
      '',
      '# repro-get downloads, verifies and installs the locked packages. The build context is mounted on',
      '# /mnt and /tmp is a tmpfs holding repro-get\'s and npm\'s caches: only the packages stay in the image.',
      `FROM ${base}`,
      `ARG SOURCE_DATE_EPOCH=${epoch}`,
      runStep([`--mount=type=bind,target=${MNT}`, '--mount=type=tmpfs,target=/tmp'], [
        ...(hook?.prepare ?? []),
        `npm_config_cache=/tmp/npm npx --yes repro-get@${version} install -f ${shQuote(`${MNT}/${o.lockInContext}`)} --cache /tmp/repro-get`,
        ...(hook?.cleanup ?? []),
      ]),
    );
  }
  return { text: out.join('\n') + '\n', warnings };
}

/** The distro's official image name for a lock's distro, e.g. debian:bookworm → debian:bookworm. */
export function defaultBase(distro: string): string {
  const [id, release] = distro.split(':');
  const name = id === 'arch' || id === 'archlinux' ? 'archlinux' : id;
  return release ? `${name}:${release}` : name;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
