/** How the CLI talks: progress on stderr (unless --quiet), results on stdout, one-paragraph errors. */
import pc from 'picocolors';
import { isReproError } from '../core/errors.js';

export interface Out {
  quiet: boolean;
  json: boolean;
  log(line: string): void;
  result(text: string): void;
}

export function makeOut(opts: { quiet?: boolean; json?: boolean }): Out {
  return {
    quiet: !!opts.quiet,
    json: !!opts.json,
    log(line) {
      if (!opts.quiet) process.stderr.write(pc.dim(line) + '\n');
    },
    result(text) {
      process.stdout.write(text.endsWith('\n') ? text : text + '\n');
    },
  };
}

/** Exit codes: 1 a problem with the input, data or network; 2 bad usage; 70 a bug in repro-get. */
export function reportError(e: unknown, json: boolean): number {
  if (isReproError(e)) {
    if (json) {
      process.stdout.write(JSON.stringify({ error: { code: e.code, message: e.message, hint: e.hint, detail: e.detail } }, null, 2) + '\n');
    }
    process.stderr.write(`${pc.red('repro-get: error')} [${e.code}]: ${e.message}\n`);
    if (e.hint) process.stderr.write(`${pc.yellow('hint')}: ${e.hint}\n`);
    return e.code === 'USAGE' ? 2 : 1;
  }
  const err = e as Error;
  if (json) process.stdout.write(JSON.stringify({ error: { code: 'INTERNAL', message: String(err?.message ?? e) } }) + '\n');
  process.stderr.write(`${pc.red('repro-get: internal error')} (a bug; please report it with this output):\n${err?.stack ?? String(e)}\n`);
  return 70;
}
