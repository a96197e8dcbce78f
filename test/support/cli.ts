/** Runs the built CLI (./bin/repro-get, after `npm run build`) from tests. */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';

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

/**
 * `repro-get verify` through the CLI on a fresh lock (exit 0, `checked` artifacts, no problem) and
 * on an edited copy (exit 1, a MISMATCH line matching `mismatch`, `problems` problems: default 1).
 */
export async function expectVerifyCli(o: { fresh: string; edited: string; args: string[]; env?: NodeJS.ProcessEnv; checked: number; mismatch: RegExp; problems?: number }): Promise<void> {
  const ok = await runCli(['verify', '-f', o.fresh, ...o.args], { env: o.env });
  expect(ok.code).toBe(0);
  expect(ok.stderr).toMatch(new RegExp(`${o.checked} locked artifact\\(s\\) checked, 0 problem\\(s\\)`));
  const bad = await runCli(['verify', '-f', o.edited, ...o.args], { env: o.env });
  expect(bad.code).toBe(1);
  expect(bad.stdout).toMatch(o.mismatch);
  expect(bad.stderr).toMatch(new RegExp(`${o.checked} locked artifact\\(s\\) checked, ${o.problems ?? 1} problem\\(s\\)`));
}
