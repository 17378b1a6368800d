/**
 * Validation of SARIF logs against the official OASIS SARIF 2.1.0 schema, for the tests:
 * test/fixtures/sarif/sarif-schema-2.1.0.json, copied verbatim from github.com/oasis-tcs/sarif-spec
 * (`Schemata/sarif-schema-2.1.0.json`, `$id` …/v2.1.0/errata01/os/…, commit
 * 0a8091f7d4057e57b6d8d9b56129e5f918747b34). Only the tests need Ajv, so it is a dev dependency.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { SARIF_SCHEMA_URI } from '../../lib/scan/sarif.js';
import { fixturesDir } from './paths.js';

// ajv-formats is CommonJS with `exports.default`: under ESM interop the function is one level down.
const addFormats = ((addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ??
  addFormatsModule) as unknown as (ajv: Ajv) => Ajv;

let validator: ValidateFunction | undefined;

/** Problems that make `log` invalid SARIF 2.1.0 (`[]` when it is valid), as `path message` lines. */
export function validateSarif(log: unknown): string[] {
  validator ??= compileSchema();
  if (validator(log)) return [];
  const lines = (validator.errors ?? []).map((e) => {
    const extra = typeof e.params['additionalProperty'] === 'string' ? ` (${e.params['additionalProperty']})` : '';
    return `${e.instancePath || '/'} ${e.message ?? 'is invalid'}${extra}`;
  });
  return lines.length > 0 ? [...new Set(lines)] : ['/ is invalid'];
}

/**
 * The OASIS file is a draft-04 schema (root `id`, draft-04 `$schema`). Ajv 8 implements
 * draft-07 and later and rejects `id`; every other keyword the file uses means the same in
 * draft-07 (it has no boolean `exclusiveMinimum`/`exclusiveMaximum`, the one construct that
 * changed meaning), so only the identity keywords are translated, in memory.
 */
function compileSchema(): ValidateFunction {
  const file = path.join(fixturesDir, 'sarif', 'sarif-schema-2.1.0.json');
  const { id, $schema: _draft04, ...schema } = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  // strict: false because strict mode rejects what draft-04 schemas legitimately contain
  // (e.g. `default: []` on a string item) and would log warnings; allErrors lists every problem.
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  return ajv.compile({ ...schema, $id: typeof id === 'string' ? id : SARIF_SCHEMA_URI });
}
