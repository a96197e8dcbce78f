/** Options shared by commands that use the network and cache. */
import { Option, type Command } from 'commander';
import type { NetOptions } from '../app/context.js';

export interface NetFlags {
  cache?: string | boolean;
  timeout?: string;
  retries?: string;
}

export function collect(v: string, prev: string[]): string[] {
  return [...prev, v];
}

export function addNetOptions(cmd: Command): Command {
  return cmd
    .option('--cache <dir>', 'content-addressed cache folder (default: $XDG_CACHE_HOME/repro-get, /var/cache/repro-get as root)')
    .option('--no-cache', 'use no cache at all')
    .addOption(new Option('--timeout <ms>', 'per-request timeout in milliseconds').default('30000'))
    .addOption(new Option('--retries <n>', 'retries per URL before trying the next').default('3'));
}

export function netOptions(f: NetFlags): NetOptions {
  return {
    cache: f.cache !== false,
    cacheDir: typeof f.cache === 'string' ? f.cache : undefined,
    timeoutMs: Number(f.timeout ?? 30000),
    retries: Number(f.retries ?? 3),
  };
}
