/** Digests. sha256 is the one hash every lock entry carries; others exist for index formats. */
import { createHash, type BinaryLike } from 'node:crypto';

export function sha256Hex(data: BinaryLike): string {
  return createHash('sha256').update(data).digest('hex');
}

export function isSha256Hex(s: unknown): s is string {
  return typeof s === 'string' && /^[0-9a-f]{64}$/.test(s);
}
