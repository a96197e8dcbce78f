/** Runs the built CLI (./bin/repro-get, after `npm run build`) from tests. */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const PROJECT = fileURLToPath(new URL('../../', import.meta.url));
export const BIN = join(PROJECT, 'bin/repro-get');
export const cliBuilt = (): boolean => existsSync(join(PROJECT, 'dist/cli.mjs'));

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Asynchronous on purpose: a loopback mirror started by the test answers from this same process.
 * No colour, and no mirror from the caller's environment unless the test sets one.
 */
export function runCli(args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: opts.cwd ?? PROJECT,
      env: { ...process.env, NO_COLOR: '1', REPRO_GET_MIRROR: '', ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}
