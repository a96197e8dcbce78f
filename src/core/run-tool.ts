/**
 * Runs a native tool (dpkg, rpm, pacman, apk …) for an installer: a fixed, minimal environment
 * (PATH and the C locale plus what the caller adds), output passed to `log` line by line and kept
 * for error messages. A tool that cannot be started at all is an INSTALL error with the caller's hint.
 */
import { spawn } from 'node:child_process';
import { ReproError } from './errors.js';

export const TOOL_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export interface ToolResult {
  code: number;
  stdout: string;
  /** stdout and stderr interleaved, for error messages. */
  output: string;
}

export function runTool(cmd: string[], opts: { env?: Record<string, string>; log?: (line: string) => void; hint?: string } = {}): Promise<ToolResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd[0], cmd.slice(1), { env: { PATH: TOOL_PATH, LC_ALL: 'C', ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let output = '';
    let partial = '';
    const take = (isStdout: boolean) => (b: Buffer) => {
      const s = b.toString('utf8');
      if (isStdout) stdout += s;
      output += s;
      if (opts.log) {
        const lines = (partial + s).split('\n');
        partial = lines.pop()!;
        for (const l of lines) if (l.trim()) opts.log(l);
      }
    };
    child.stdout.on('data', take(true));
    child.stderr.on('data', take(false));
    child.on('error', (e) => reject(new ReproError('INSTALL', `cannot run ${cmd[0]}: ${e.message}`, { hint: opts.hint })));
    child.on('close', (code) => {
      if (opts.log && partial.trim()) opts.log(partial);
      resolve({ code: code ?? 1, stdout, output });
    });
  });
}
