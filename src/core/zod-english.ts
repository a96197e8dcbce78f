/**
 * zod/mini reports every problem as "Invalid input" until a locale is loaded; classic zod loaded
 * English itself. Imported for its effect by every module that defines a schema users see errors
 * from. Named import: `z.locales.en` would bundle all ~40 locales (388 KB instead of 23 KB).
 */
import { config } from 'zod/mini';
import { en } from 'zod/locales';

config(en());
