/**
 * Download progress for humans: one bar on a terminal (bytes and packages, never a line per file),
 * a plain line every ~10% or 2 s when stderr is a log (CI), nothing with --quiet. The download pool
 * only talks to the ProgressSink interface, so tests and the app layer can pass their own.
 */
import { createRequire } from 'node:module';
import type cliProgressTypes from 'cli-progress';

export interface ProgressSink {
  /** Called once, after the cache check: what is left to download. */
  start(total: { files: number; bytes: number; cached: number }): void;
  /** Bytes received; negative when a failed attempt's bytes are given back before a retry. */
  bytes(n: number): void;
  /** One artifact finished (verified or given up on). */
  fileDone(): void;
  stop(): void;
}

export const silentProgress: ProgressSink = { start() {}, bytes() {}, fileDone() {}, stop() {} };

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) (v /= 1024), i++;
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}

export interface ProgressOptions {
  quiet?: boolean;
  stream?: NodeJS.WriteStream;
  /** What is being done, e.g. "fetch" (prefix of every line). */
  label?: string;
}

/** The right sink for where stderr goes. */
export function makeProgress(opts: ProgressOptions = {}): ProgressSink {
  if (opts.quiet) return silentProgress;
  const stream = opts.stream ?? process.stderr;
  const label = opts.label ?? 'download';
  return stream.isTTY ? barProgress(stream, label) : lineProgress(stream, label);
}

function barProgress(stream: NodeJS.WriteStream, label: string): ProgressSink {
  // Loaded only for a terminal: it and its dependencies cost ~0.05 s of every CI or --quiet run.
  const cliProgress = createRequire(import.meta.url)('cli-progress') as typeof cliProgressTypes;
  let bar: cliProgressTypes.SingleBar | undefined;
  let got = 0;
  let done = 0;
  let total = { files: 0, bytes: 0 };
  const payload = () => ({ got: formatBytes(Math.max(0, got)), all: formatBytes(total.bytes), done, files: total.files });
  return {
    start(t) {
      total = t;
      if (t.files === 0) return; // all cached: a bar that is born full is just noise
      bar = new cliProgress.SingleBar(
        {
          stream,
          format: `${label} [{bar}] {percentage}% | {got} / {all} | {done}/{files} packages | {eta_formatted}`,
          fps: 8,
          hideCursor: true,
          clearOnComplete: true,
          etaBuffer: 50,
        },
        cliProgress.Presets.shades_classic,
      );
      bar.start(Math.max(1, t.bytes), 0, payload());
    },
    bytes(n) {
      got += n;
      bar?.update(Math.max(0, got), payload());
    },
    fileDone() {
      done++;
      bar?.update(Math.max(0, got), payload());
    },
    stop() {
      bar?.stop();
      bar = undefined;
    },
  };
}

function lineProgress(stream: NodeJS.WriteStream, label: string): ProgressSink {
  let got = 0;
  let done = 0;
  let total = { files: 0, bytes: 0 };
  let lastTenth = 0;
  let lastAt = 0;
  let started = 0;
  const line = () => {
    const pct = total.bytes ? Math.floor((100 * Math.max(0, got)) / total.bytes) : 100;
    stream.write(`${label}: ${pct}% ${formatBytes(Math.max(0, got))} of ${formatBytes(total.bytes)}, ${done}/${total.files} packages\n`);
    lastAt = Date.now();
  };
  const maybe = () => {
    const tenth = total.bytes ? Math.floor((10 * Math.max(0, got)) / total.bytes) : 10;
    // A line per 10% step (at most two a second, so a quick download stays quiet), and one every
    // 2 s regardless, so a CI log shows a slow download is alive.
    const since = Date.now() - lastAt;
    if ((tenth > lastTenth && since >= 500) || since >= 2000) {
      lastTenth = Math.max(lastTenth, tenth);
      line();
    }
  };
  return {
    start(t) {
      total = t;
      started = Date.now();
      lastAt = started;
      if (t.files) stream.write(`${label}: ${t.files} package(s), ${formatBytes(t.bytes)} to download${t.cached ? `, ${t.cached} already cached` : ''}\n`);
    },
    bytes(n) {
      got += n;
      maybe();
    },
    fileDone() {
      done++;
      maybe();
    },
    stop() {
      if (total.files) stream.write(`${label}: ${done}/${total.files} packages, ${formatBytes(Math.max(0, got))} in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
    },
  };
}
