/** JSON Schema for editors and CI, generated from the same zod definition the reader uses. */
import { toJSONSchema } from 'zod/mini';
import { LOCKFILE_VERSION, lockfileSchema } from './schema.js';

export function lockfileJsonSchema(): Record<string, unknown> {
  return {
    ...toJSONSchema(lockfileSchema, { target: 'draft-2020-12' }),
    $id: 'https://repro-get.invalid/schema/lockfile.schema.json',
    title: `repro-get lockfile (format ${LOCKFILE_VERSION})`,
  };
}
