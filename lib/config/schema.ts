/**
 * Validation of a loaded config against the documented keys. Every problem is collected (not
 * just the first) and names the key path, the expected type and the value received, with a
 * "did you mean" for misspelt keys. Configs come from JSON/YAML too, so types are not trusted.
 */

import { isTask } from '../engine/task.js';
import type { Failure } from '../failure.js';
import { SEVERITIES } from '../scan/severity.js';
import { SWARM_UNSUPPORTED_IDS } from '../swarm/unsupported.js';
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

// -- beyond one host (issue 13): image.registry, deploy, swarm, kubernetes --
/** `host[:port][/path]`, lower case, as a registry part of an image reference. */
const registry: Schema = {
  kind: 'string',
  pattern: /^[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:\d+)?(\/[a-z0-9]+([._-][a-z0-9]+)*)*\/?$/,
  patternText: 'a registry host[:port][/path] such as "registry.example.com/team" or "127.0.0.1:5000"',
};
/** A Docker endpoint: passed to `docker --host`, so never something docker could read as a flag. */
const endpoint: Schema = {
  kind: 'string',
  pattern: /^(unix|tcp|ssh|npipe):\/\/[^\s]+$/,
  patternText: 'a Docker endpoint such as "unix:///run/docker.sock", "tcp://10.0.0.2:2376" or "ssh://user@host"',
};
const positiveInt: Schema = { kind: 'number', integer: true, min: 1 };
const beyondOneHost: Readonly<Record<string, Schema>> = {
  deploy: {
    kind: 'object',
    fields: {
      target: { kind: 'enum', values: ['engine', 'swarm'] },
      replicas: positiveInt,
      reservations: {
        kind: 'object',
        fields: {
          memory: size,
          cpus: {
            kind: 'oneOf',
            options: [
              { kind: 'number', min: 0 },
              { kind: 'string', pattern: /^\d+(\.\d+)?$/, patternText: 'a number' },
            ],
            expected: 'a number such as 0.25',
          },
        },
      },
    },
  },
  swarm: {
    kind: 'object',
    fields: {
      allowUnsupported: { kind: 'array', of: { kind: 'enum', values: SWARM_UNSUPPORTED_IDS } },
      updateMonitorSeconds: positiveInt,
      restartMaxAttempts: positiveInt,
      nodeHosts: { kind: 'array', of: endpoint },
    },
  },
  kubernetes: {
    kind: 'object',
    fields: {
      namespace: {
        kind: 'string',
        pattern: /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/,
        patternText: 'a DNS label such as "prod"',
      },
      outDir: str,
      storage: {
        kind: 'string',
        pattern: /^\d+(\.\d+)?(Ki|Mi|Gi|Ti|k|M|G|T)?$/,
        patternText: 'a Kubernetes quantity such as "1Gi"',
      },
      storageClassName: name,
      serviceType: { kind: 'enum', values: ['ClusterIP', 'NodePort', 'LoadBalancer'] },
    },
  },
};

export const configSchema: Schema = {
  kind: 'object',
  fields: {
    image: {
      kind: 'object',
      fields: { name, tag: name, dockerfile: str, context: str, buildArgs: { kind: 'record', of: str }, registry },
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
      },
    },
    compose: { kind: 'object', fields: { file: str, service: name } },
    env: { kind: 'object', fields: { file: str, example: str } },
    ...beyondOneHost,
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
