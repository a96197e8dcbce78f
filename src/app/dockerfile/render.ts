/** Small Dockerfile-writing helpers: RUN steps as `&&` chains with continuation lines. */

/**
 * `RUN [flags…] cmd1 && cmd2 …`, one command per line, flags (--mount=…) one per line. A command
 * must not end in a bare `|| x`: it would apply to the whole chain (group it in braces).
 */
export function runStep(flags: string[], commands: string[]): string {
  const head = flags.length ? `RUN ${flags.join(' \\\n    ')}` : 'RUN';
  return `${head} \\\n    ${commands.join(' \\\n && ')}`;
}

/** A line of the `sha256sum -c` format: digest, two spaces, file name. */
export const sumLine = (sha256: string, name: string): string => `${sha256}  ${name}`;

/** Seconds since the epoch of an ISO UTC time like 2025-05-20T00:00:00Z. */
export function epochOf(iso: string): number {
  const ms = Date.parse(iso);
  if (!Number.isFinite(ms)) throw new Error(`not a time: ${iso}`);
  return Math.floor(ms / 1000);
}
