/**
 * Validation of a loaded config against the documented keys. Every problem is collected (not
 * just the first) and names the key path, the expected type and the value received, with a
 * "did you mean" for misspelt keys. Configs come from JSON/YAML too, so types are not trusted.
 */

import { isTask } from '../engine/task.js';
import type { Failure } from '../failure.js';
import { SEVERITIES } from '../scan/severity.js';
import { closest } from '../util/suggest.js';

export type Schema =
  | { readonly kind: 'string'; readonly pattern?: RegExp; readonly patternText?: string }
  | { readonly kind: 'number'; readonly integer?: boolean; readonly min?: number }
  | { readonly kind: 'boolean' }
  | { readonly kind: 'enum'; readonly values: readonly string[] }
  | { readonly kind: 'array'; readonly of: Schema }
  | { readonly kind: 'record'; readonly of: Schema }
  | {
      readonly kind: 'object';
      readonly fields: Readonly<Record<string, Schema>>;
      readonly required?: readonly string[];
    }
  | { readonly kind: 'oneOf'; readonly options: readonly Schema[]; readonly expected: string }
  | { readonly kind: 'custom'; readonly expected: string; readonly test: (value: unknown) => boolean };

const str: Schema = { kind: 'string' };
const bool: Schema = { kind: 'boolean' };
const strings: Schema = { kind: 'array', of: str };
const severity: Schema = { kind: 'enum', values: SEVERITIES };
/** Docker size: a number with an optional b/k/m/g unit, as `docker run --memory` takes. */
const size: Schema = { kind: 'string', pattern: /^\d+(\.\d+)?[bkmg]?$/i, patternText: 'a size such as "512m"' };
/** Image references and names are passed as arguments; refuse shapes docker would misread as flags. */
const name: Schema = {
  kind: 'string',
  pattern: /^[A-Za-z0-9][A-Za-z0-9_.\-/:@]*$/,
  patternText: 'a name of letters, digits and . _ - / : @',
};

const declarativeTask: Schema = {
  kind: 'object',
  fields: {
    description: str,
    deps: strings,
    run: { kind: 'oneOf', options: [str, strings], expected: 'a command string or a list of them' },
  },
  required: ['run'],
};

export const configSchema: Schema = {
  kind: 'object',
  fields: {
    image: {
      kind: 'object',
      fields: {
        name,
        tag: name,
        dockerfile: str,
        context: str,
        buildArgs: { kind: 'record', of: str },
        keep: { kind: 'number', integer: true, min: 1 },
      },
    },
    container: {
      kind: 'object',
      fields: {
        name,
        user: {
          kind: 'string',
          pattern: /^\d+(:\d+)?$/,
          patternText: 'a numeric uid[:gid] such as "1001:1001" (names fail in FROM-scratch images)',
        },
        readOnly: bool,
        memory: size,
        memorySwap: size,
        cpus: {
          kind: 'oneOf',
          options: [
            { kind: 'number', min: 0 },
            { kind: 'string', pattern: /^\d+(\.\d+)?$/, patternText: 'a number' },
          ],
          expected: 'a number such as 1.0',
        },
        pidsLimit: { kind: 'number', integer: true, min: 1 },
        restart: {
          kind: 'string',
          pattern: /^(no|always|unless-stopped|on-failure(:\d+)?)$/,
          patternText: 'no, always, unless-stopped or on-failure[:N]',
        },
        volumes: strings,
        network: {
          kind: 'oneOf',
          options: [
            { kind: 'enum', values: ['none'] },
            { kind: 'object', fields: { name, internal: bool }, required: ['name'] },
          ],
          expected: '"none" or { name, internal? }',
        },
        tmpfs: strings,
        ulimits: { kind: 'record', of: str },
        logOpts: { kind: 'record', of: str },
        capAdd: strings,
        securityOpt: strings,
        ports: strings,
        healthTimeoutSeconds: { kind: 'number', min: 1 },
      },
    },
    baseImages: { kind: 'array', of: name },
    scan: {
      kind: 'object',
      fields: {
        severity: { kind: 'array', of: severity },
        failOn: severity,
        ignoreUnfixed: bool,
        ignoreFile: str,
        timeout: { kind: 'string', pattern: /^\d+[smh]$/, patternText: 'a duration such as "10m"' },
        skipDbUpdate: bool,
        trivyImage: name,
        reportsDir: str,
        config: bool,
        requireScratch: bool,
        maxAge: { kind: 'string', pattern: /^\d+[smhd]$/, patternText: 'a duration such as "24h" (s, m, h or d)' },
      },
    },
    deploy: { kind: 'object', fields: { order: { kind: 'enum', values: ['auto', 'stop-first'] } } },
    compose: { kind: 'object', fields: { file: str, service: name } },
    env: { kind: 'object', fields: { file: str, example: str } },
    tasks: {
      kind: 'record',
      of: {
        kind: 'oneOf',
        options: [{ kind: 'custom', expected: 'a defineTask() value', test: isTask }, declarativeTask],
        expected: 'a task: { run, deps?, description? } or a defineTask() value',
      },
    },
  },
};

/** Check `value` against `schema`; returns every problem found. */
export function validate(value: unknown, schema: Schema, path: string, file: string | undefined): Failure[] {
  const problems: Failure[] = [];
  const bad = (at: string, expected: string, received: unknown, hint?: string) =>
    problems.push({
      reason: 'invalid-config',
      ...(file ? { file } : {}),
      path: at || '(root)',
      expected,
      received: describe(received),
      ...(hint ? { hint } : {}),
    });
  const walk = (v: unknown, s: Schema, at: string): void => {
    switch (s.kind) {
      case 'string':
        if (typeof v !== 'string') return void bad(at, s.patternText ?? 'a string', v);
        if (s.pattern && !s.pattern.test(v)) bad(at, s.patternText ?? `a string matching ${s.pattern}`, v);
        return;
      case 'number':
        if (typeof v !== 'number' || Number.isNaN(v)) return void bad(at, 'a number', v);
        if (s.integer && !Number.isInteger(v)) bad(at, 'a whole number', v);
        else if (s.min !== undefined && v < s.min) bad(at, `a number >= ${s.min}`, v);
        return;
      case 'boolean':
        if (typeof v !== 'boolean') bad(at, 'true or false', v);
        return;
      case 'enum':
        if (typeof v !== 'string' || !s.values.includes(v)) bad(at, `one of ${s.values.join(', ')}`, v);
        return;
      case 'array':
        if (!Array.isArray(v)) return void bad(at, `a list`, v);
        v.forEach((item, i) => {
          walk(item, s.of, `${at}[${i}]`);
        });
        return;
      case 'record':
        if (!isPlainObject(v)) return void bad(at, 'an object', v);
        for (const [k, item] of Object.entries(v)) walk(item, s.of, `${at}[${JSON.stringify(k)}]`);
        return;
      case 'object': {
        if (!isPlainObject(v)) return void bad(at, 'an object', v);
        const known = Object.keys(s.fields);
        for (const [k, item] of Object.entries(v)) {
          const field = s.fields[k];
          const here = at ? `${at}.${k}` : k;
          if (field) walk(item, field, here);
          else {
            const guess = closest(k, known);
            bad(
              here,
              `no such key (known: ${known.join(', ')})`,
              item,
              guess ? `did you mean "${at ? `${at}.` : ''}${guess}"?` : undefined,
            );
          }
        }
        for (const k of s.required ?? []) if (!(k in v)) bad(at ? `${at}.${k}` : k, 'a value (required)', undefined);
        return;
      }
      case 'oneOf': {
        const fits = s.options.some((option) => validate(v, option, at, file).length === 0);
        if (fits) return;
        // When the value is an object, the object option's specific problems are more helpful.
        const objectOption = s.options.find((o) => o.kind === 'object');
        if (objectOption && isPlainObject(v)) problems.push(...validate(v, objectOption, at, file));
        else bad(at, s.expected, v);
        return;
      }
      case 'custom':
        if (!s.test(v)) bad(at, s.expected, v);
        return;
    }
  };
  walk(value, schema, path);
  return problems;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A short, one-line rendering of a received value. */
function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (typeof v === 'string') return JSON.stringify(v.length > 60 ? `${v.slice(0, 57)}...` : v);
  if (typeof v === 'function') return 'a function';
  try {
    const json = JSON.stringify(v);
    return json.length > 60 ? `${json.slice(0, 57)}...` : json;
  } catch {
    return String(v);
  }
}
