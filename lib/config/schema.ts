/**
 * Validation of a loaded config against the documented keys. Every problem is collected (not
 * just the first) and names the key path, the expected type and the value received, with a
 * "did you mean" for misspelt keys. Configs come from JSON/YAML too, so types are not trusted.
 */

import { nameProblem, portProblem, referenceProblem, repositoryProblem, tagProblem } from '../docker/reference.js';
import { JSON_FILE_LOG_OPTS, tmpfsProblem, ULIMIT_NAMES, ulimitProblem } from '../docker/run-options.js';
import { parseMemory } from '../docker/units.js';
import { isTask } from '../engine/task.js';
import type { Failure } from '../failure.js';
import { FORBIDDEN_CONTAINER_KEYS } from '../hardening/refuse.js';
import { SEVERITIES } from '../scan/severity.js';
import { SWARM_UNSUPPORTED_IDS } from '../swarm/unsupported.js';
import { closest } from '../util/suggest.js';

export type Schema =
  | {
      readonly kind: 'string';
      readonly pattern?: RegExp;
      readonly patternText?: string;
      /** Docker's own rule for the value: what is wrong with it, or undefined when it is fine. */
      readonly rule?: (value: string) => string | undefined;
    }
  | { readonly kind: 'number'; readonly integer?: boolean; readonly min?: number }
  | { readonly kind: 'boolean' }
  | { readonly kind: 'enum'; readonly values: readonly string[] }
  | { readonly kind: 'array'; readonly of: Schema; readonly minItems?: number }
  | {
      readonly kind: 'record';
      readonly of: Schema;
      /** What each key must look like, and why. */
      readonly keys?: { readonly pattern: RegExp; readonly expected: string };
    }
  | {
      readonly kind: 'object';
      readonly fields: Readonly<Record<string, Schema>>;
      readonly required?: readonly string[];
      /** Keys refused on purpose, with the reason (an unsafe-config failure, not "unknown key"). */
      readonly forbidden?: Readonly<Record<string, string>>;
    }
  | {
      readonly kind: 'oneOf';
      readonly options: readonly Schema[];
      readonly expected: string;
      /** What to say about a value that fits no option, when there is more to say than `expected`. */
      readonly hint?: (value: unknown) => string | undefined;
    }
  | { readonly kind: 'custom'; readonly expected: string; readonly test: (value: unknown) => boolean };

const str: Schema = { kind: 'string' };
const bool: Schema = { kind: 'boolean' };
const strings: Schema = { kind: 'array', of: str };
const severity: Schema = { kind: 'enum', values: SEVERITIES };
/**
 * A Docker size as `docker run --memory` takes it (`512m`, `512M`, `512mb`, `512MiB`, `1g`): the one
 * parser in lib/docker/units.ts decides, the same one the policy and the inspect checks use.
 */
const size: Schema = {
  kind: 'custom',
  expected: 'a size such as "512m" (a number with an optional b, k, m, g, t or p unit)',
  test: (v) => typeof v === 'string' && parseMemory(v) !== undefined,
};
/** Names and references are checked with Docker's own rules (lib/docker/reference.ts). */
const containerName: Schema = { kind: 'string', patternText: 'a docker container name', rule: nameProblem };
const networkName: Schema = { kind: 'string', patternText: 'a docker network name', rule: nameProblem };
const repository: Schema = {
  kind: 'string',
  patternText: 'an image repository such as "registry.example.com/team/app"',
  rule: repositoryProblem,
};
const tag: Schema = { kind: 'string', patternText: 'an image tag such as "1.4.2"', rule: tagProblem };
const reference: Schema = {
  kind: 'string',
  patternText: 'an image reference such as "alpine:3.20" or "name@sha256:..."',
  rule: referenceProblem,
};
const port: Schema = {
  kind: 'string',
  patternText: 'a published port such as "127.0.0.1:8080:8080"',
  rule: portProblem,
};
/** A command line that runs something: an empty one would make a task succeed doing nothing. */
const commandLine: Schema = { kind: 'string', pattern: /\S/, patternText: 'a command (not empty)' };

// ---- issue 12: the dev stack's value shapes ----
const devCpus: Schema = {
  kind: 'oneOf',
  options: [
    { kind: 'number', min: 0 },
    { kind: 'string', pattern: /^\d+(\.\d+)?$/, patternText: 'a number' },
  ],
  expected: 'a number such as 1.0',
};
/** A compose profile name (compose-spec: `^[a-zA-Z0-9][a-zA-Z0-9_.-]+$`). */
export const PROFILE_PATTERN = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;
const profile: Schema = {
  kind: 'string',
  pattern: PROFILE_PATTERN,
  patternText: 'a profile name such as "development"',
};
// ---- end of issue 12 ----

const declarativeTask: Schema = {
  kind: 'object',
  fields: {
    description: str,
    deps: strings,
    run: {
      kind: 'oneOf',
      options: [commandLine, { kind: 'array', of: commandLine, minItems: 1 }],
      expected: 'a command, or a list of one or more commands',
    },
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
      order: { kind: 'enum', values: ['auto', 'stop-first'] },
      target: { kind: 'enum', values: ['engine', 'swarm'] },
      // Each host's form (URL or context name) is checked in ./consistency.ts, with the fix.
      hosts: { kind: 'array', of: str, minItems: 1 },
      parallel: positiveInt,
      rollbackAll: bool,
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
      storageClassName: { kind: 'string', patternText: 'a storage class name', rule: nameProblem },
      serviceType: { kind: 'enum', values: ['ClusterIP', 'NodePort', 'LoadBalancer'] },
    },
  },
};

/** An environment variable name as `--env NAME=value` passes it (no `=`, never an option). */
const ENV_NAME = {
  pattern: /^[A-Za-z_][A-Za-z0-9_]*$/,
  expected: 'a variable name of letters, digits and _ (not starting with a digit)',
};
/** A build secret id as `--secret id=…` and `RUN --mount=type=secret,id=…` name it. */
const SECRET_ID = {
  pattern: /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/,
  expected: 'a secret id of letters, digits, _ . and - (as in RUN --mount=type=secret,id=...)',
};
/** The settings: what the base config and each of its `environments` may hold. */
const settings: Readonly<Record<string, Schema>> = {
  image: {
    kind: 'object',
    fields: {
      name: repository,
      tag,
      dockerfile: str,
      context: str,
      buildArgs: { kind: 'record', of: str },
      keep: { kind: 'number', integer: true, min: 1 },
      registry,
      target: {
        kind: 'string',
        pattern: /^[A-Za-z0-9][A-Za-z0-9_.-]*$/,
        patternText: 'a build stage name such as "runtime"',
      },
      platform: {
        kind: 'string',
        pattern: /^[a-z0-9]+\/[a-z0-9_]+(\/[a-z0-9]+)?$/,
        patternText: 'a platform os/arch[/variant] such as "linux/amd64" or "linux/arm/v7"',
      },
      secrets: { kind: 'record', of: str, keys: SECRET_ID },
    },
  },
  container: {
    kind: 'object',
    forbidden: FORBIDDEN_CONTAINER_KEYS,
    fields: {
      name: containerName,
      user: {
        kind: 'string',
        pattern: /^\d+(:\d+)?$/,
        patternText: 'a numeric uid[:gid] such as "1001:1001" (names fail in FROM-scratch images)',
      },
      readOnly: bool,
      memory: size,
      memorySwap: size,
      memoryReservation: size,
      cpuShares: { kind: 'number', integer: true, min: 2 },
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
          { kind: 'object', fields: { name: networkName, internal: bool }, required: ['name'] },
        ],
        expected: '"none" or { name, internal? }',
        hint: networkHint,
      },
      tmpfs: {
        kind: 'array',
        of: {
          kind: 'string',
          patternText: 'a tmpfs mount such as "/tmp:rw,noexec,nosuid,size=16m"',
          rule: tmpfsProblem,
        },
      },
      ulimits: {
        kind: 'record',
        of: { kind: 'string', patternText: 'a limit such as "1024:1024" (soft[:hard])', rule: ulimitProblem },
        keys: {
          pattern: new RegExp(`^(${ULIMIT_NAMES.join('|')})$`),
          expected: `a ulimit docker knows (${ULIMIT_NAMES.join(', ')})`,
        },
      },
      logOpts: {
        kind: 'record',
        of: str,
        keys: {
          pattern: new RegExp(`^(${JSON_FILE_LOG_OPTS.join('|')})$`),
          expected: `an option of the json-file log driver (${JSON_FILE_LOG_OPTS.join(', ')})`,
        },
      },
      capAdd: strings,
      securityOpt: strings,
      ports: { kind: 'array', of: port },
      healthTimeoutSeconds: { kind: 'number', min: 1 },
      stableSeconds: { kind: 'number', min: 0 },
      env: { kind: 'record', of: str, keys: ENV_NAME },
      envFile: str,
    },
  },
  baseImages: { kind: 'array', of: reference },
  scan: {
    kind: 'object',
    fields: {
      severity: { kind: 'array', of: severity },
      failOn: severity,
      ignoreUnfixed: bool,
      ignoreFile: str,
      timeout: { kind: 'string', pattern: /^\d+[smh]$/, patternText: 'a duration such as "10m"' },
      skipDbUpdate: bool,
      trivyImage: reference,
      reportsDir: str,
      config: bool,
      requireScratch: bool,
      maxAge: { kind: 'string', pattern: /^\d+[smhd]$/, patternText: 'a duration such as "24h" (s, m, h or d)' },
    },
  },
  compose: {
    kind: 'object',
    fields: { file: str, service: { kind: 'string', patternText: 'a compose service name', rule: nameProblem } },
  },
  // ---- compose profiles, dev stack, incident (issue 12) ----
  dev: {
    kind: 'object',
    fields: {
      file: str,
      project: {
        kind: 'string',
        pattern: /^[a-z0-9][a-z0-9_-]*$/,
        patternText: 'a compose project name of lower-case letters, digits, - and _',
      },
      service: {
        kind: 'string',
        pattern: /^(?!ollama$)[a-zA-Z0-9][a-zA-Z0-9._-]*$/,
        patternText:
          'a compose service name of letters, digits, . _ and - (not "ollama": that is the ollama profile\'s)',
      },
      profiles: { kind: 'array', of: profile },
      ollama: {
        kind: 'object',
        fields: {
          image: reference,
          memory: size,
          cpus: devCpus,
          pidsLimit: { kind: 'number', integer: true, min: 1 },
        },
      },
    },
  },
  incident: { kind: 'object', fields: { dir: str } },
  // ---- end of issue 12 keys ----
  env: { kind: 'object', fields: { file: str, example: str } },
  notify: {
    kind: 'object',
    fields: {
      webhook: { kind: 'string', pattern: /^https?:\/\/[^\s]+$/, patternText: 'an http:// or https:// URL' },
      on: { kind: 'array', of: { kind: 'enum', values: ['failure', 'change', 'always'] } },
      timeout: { kind: 'string', pattern: /^\d+[smh]$/, patternText: 'a duration such as "10s"' },
    },
  },
  ...beyondOneHost,
};

/** An environment's name: typed after `--env` and part of a file name (`.env.NAME`), so no path. */
export const ENVIRONMENT_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]*$/;

export const configSchema: Schema = {
  kind: 'object',
  fields: {
    ...settings,
    default: {
      kind: 'oneOf',
      options: [str, { kind: 'array', of: str, minItems: 1 }],
      expected: 'a task name, or a list of task names',
    },
    environments: {
      kind: 'record',
      keys: { pattern: ENVIRONMENT_NAME, expected: 'an environment name of letters, digits, - and _' },
      of: { kind: 'object', fields: settings },
    },
    tasks: {
      kind: 'record',
      // A name starting with "-" could never be typed on the command line: it reads as an option.
      keys: {
        pattern: /^[A-Za-z0-9_][^\s]*$/,
        expected: 'a task name that starts with a letter, digit or _ and has no spaces',
      },
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
        if (s.pattern && !s.pattern.test(v)) return void bad(at, s.patternText ?? `a string matching ${s.pattern}`, v);
        if (s.rule) {
          const problem = s.rule(v);
          if (problem) bad(at, s.patternText ?? 'a valid value', v, problem);
        }
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
        if (typeof v !== 'string' || !s.values.includes(v))
          bad(at, `one of ${s.values.join(', ')}`, v, enumHint(v, s.values));
        return;
      case 'array':
        if (!Array.isArray(v)) return void bad(at, `a list`, v);
        if (s.minItems !== undefined && v.length < s.minItems)
          return void bad(at, `a list of at least ${s.minItems}`, v);
        v.forEach((item, i) => {
          walk(item, s.of, `${at}[${i}]`);
        });
        return;
      case 'record':
        if (!isPlainObject(v)) return void bad(at, 'an object', v);
        for (const [k, item] of Object.entries(v)) {
          if (s.keys && !s.keys.pattern.test(k)) bad(`${at}[${JSON.stringify(k)}]`, s.keys.expected, k);
          else walk(item, s.of, `${at}[${JSON.stringify(k)}]`);
        }
        return;
      case 'object': {
        if (!isPlainObject(v)) return void bad(at, 'an object', v);
        const known = Object.keys(s.fields);
        for (const [k, item] of Object.entries(v)) {
          const field = s.fields[k];
          const here = at ? `${at}.${k}` : k;
          const why = s.forbidden?.[k];
          if (field) walk(item, field, here);
          else if (why) {
            problems.push({
              reason: 'unsafe-config',
              ...(file ? { file } : {}),
              problem: `${here}: not supported on purpose (${why}); remove the key`,
            });
          } else {
            const guess = closest(k, known);
            const suggestion = guess ? `${at ? `${at}.` : ''}${guess}` : undefined;
            problems.push({
              reason: 'unknown-key',
              ...(file ? { file } : {}),
              path: here,
              known,
              ...(suggestion ? { suggestion } : {}),
            });
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
        else bad(at, s.expected, v, s.hint?.(v));
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

/** `"high"` for `HIGH`, `["HIGH"]` for a single value: the value the user most likely meant. */
function enumHint(v: unknown, values: readonly string[]): string | undefined {
  const match = (x: unknown) =>
    typeof x === 'string' ? values.find((value) => value.toLowerCase() === x.toLowerCase()) : undefined;
  if (typeof v === 'string') {
    const meant = match(v);
    return meant ? `did you mean "${meant}"?` : undefined;
  }
  if (Array.isArray(v) && v.length === 1) {
    const meant = match(v[0]);
    return meant ? `one value, not a list: "${meant}"` : undefined;
  }
  return undefined;
}

/**
 * `container.network` as a string: Docker's own networks are refused for a reason worth saying,
 * and any other name is a network of the user's, which is written as an object.
 */
function networkHint(v: unknown): string | undefined {
  if (v === 'bridge' || v === 'default')
    return 'the default bridge lets every container on the host reach this one; use "none", or a network of your own: { name: "app-net" }';
  if (v === 'host')
    return 'host networking shares the host\'s network stack and ports with the container; use "none", or { name: "app-net" }';
  if (typeof v === 'string' && v.startsWith('container:'))
    return 'joining another container\'s network namespace bypasses this one\'s isolation; use "none", or { name: "app-net" }';
  if (typeof v === 'string' && v !== '')
    return `a network of your own is written as an object: { name: ${JSON.stringify(v)} }`;
  return undefined;
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
