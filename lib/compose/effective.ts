/**
 * The effective compose config: what `docker compose config` / `docker-compose config` print
 * after merging, interpolation and defaults, read into one shape. The two versions print it
 * differently (v1 keeps `512m` and short volume strings, v2 writes bytes and long-form volume and
 * port objects), so every reader here accepts both. Pure: ./run.ts runs compose.
 */
import { parseCpus, parseMemory } from '../docker/units.js';
import { at, bool, list, num, record, str, strings } from '../util/json-path.js';

export interface EffectiveMount {
  readonly type: 'bind' | 'volume' | 'tmpfs' | 'other';
  /** Host path (bind) or volume name (volume); undefined for anonymous volumes and tmpfs. */
  readonly source: string | undefined;
  readonly target: string;
  readonly readOnly: boolean;
}

export interface EffectivePort {
  readonly hostIp: string;
  /** Host port or range; `''` when compose picks one. */
  readonly published: string;
  readonly target: string;
  readonly protocol: string;
}

/** One service of the effective config, every field read tolerant of both versions' spelling. */
export interface EffectiveService {
  readonly name: string;
  readonly profiles: readonly string[];
  readonly image: string | undefined;
  readonly user: string | undefined;
  readonly privileged: boolean;
  readonly readOnly: boolean;
  readonly capAdd: readonly string[];
  readonly capDrop: readonly string[];
  readonly securityOpt: readonly string[];
  /** Bytes / nano-CPUs / count; undefined when not set (0 and -1 mean unlimited too). */
  readonly memLimit: number | undefined;
  readonly memswapLimit: number | undefined;
  readonly nanoCpus: number | undefined;
  readonly pidsLimit: number | undefined;
  /** `deploy.resources.limits`: applied by compose v2 only. */
  readonly deployLimits: { readonly memory?: number; readonly nanoCpus?: number; readonly pids?: number };
  readonly networkMode: string | undefined;
  readonly networks: readonly string[];
  readonly pid: string | undefined;
  readonly ipc: string | undefined;
  readonly uts: string | undefined;
  readonly usernsMode: string | undefined;
  readonly cgroupParent: string | undefined;
  readonly devices: readonly string[];
  readonly mounts: readonly EffectiveMount[];
  readonly ports: readonly EffectivePort[];
  readonly ulimits: Readonly<Record<string, unknown>>;
  readonly logging: { readonly driver: string | undefined; readonly options: Readonly<Record<string, string>> };
  readonly healthcheck: { readonly disabled: boolean; readonly test: readonly string[] } | undefined;
  readonly labels: Readonly<Record<string, string>>;
}

export interface EffectiveNetwork {
  readonly name: string;
  readonly internal: boolean;
  readonly external: boolean;
  readonly driverOpts: Readonly<Record<string, string>>;
}

export interface EffectiveConfig {
  readonly services: readonly EffectiveService[];
  readonly networks: readonly EffectiveNetwork[];
}

/** The parsed YAML of `compose config` in one shape; a non-object gives no services. */
export function readEffectiveConfig(raw: unknown): EffectiveConfig {
  const services = Object.entries(record(at(raw, 'services'))).map(([name, s]) => readService(name, s));
  const networks = Object.entries(record(at(raw, 'networks'))).map(([name, n]) => ({
    name,
    internal: bool(at(n, 'internal')) ?? false,
    external: isExternal(at(n, 'external')),
    driverOpts: stringRecord(at(n, 'driver_opts')),
  }));
  return { services, networks };
}

function readService(name: string, s: unknown): EffectiveService {
  const limits = at(s, 'deploy', 'resources', 'limits');
  const health = at(s, 'healthcheck');
  const test = at(health, 'test');
  return {
    name,
    profiles: strings(at(s, 'profiles')),
    image: str(at(s, 'image')),
    user: scalar(at(s, 'user')),
    privileged: truthy(at(s, 'privileged')),
    readOnly: truthy(at(s, 'read_only')),
    capAdd: strings(at(s, 'cap_add')),
    capDrop: strings(at(s, 'cap_drop')),
    securityOpt: strings(at(s, 'security_opt')),
    memLimit: bytes(at(s, 'mem_limit')),
    memswapLimit: bytes(at(s, 'memswap_limit')),
    nanoCpus: nanoCpus(at(s, 'cpus')),
    pidsLimit: count(at(s, 'pids_limit')),
    deployLimits: {
      ...optional('memory', bytes(at(limits, 'memory'))),
      ...optional('nanoCpus', nanoCpus(at(limits, 'cpus'))),
      ...optional('pids', count(at(limits, 'pids'))),
    },
    networkMode: str(at(s, 'network_mode')),
    networks: Array.isArray(at(s, 'networks')) ? strings(at(s, 'networks')) : Object.keys(record(at(s, 'networks'))),
    pid: str(at(s, 'pid')),
    ipc: str(at(s, 'ipc')),
    uts: str(at(s, 'uts')),
    usernsMode: str(at(s, 'userns_mode')),
    cgroupParent: str(at(s, 'cgroup_parent')),
    devices: list(at(s, 'devices')).map((d) => str(d) ?? str(at(d, 'source')) ?? JSON.stringify(d)),
    mounts: list(at(s, 'volumes')).flatMap((v) => readMount(v)),
    ports: list(at(s, 'ports')).flatMap((p) => readPort(p)),
    ulimits: record(at(s, 'ulimits')),
    logging: { driver: str(at(s, 'logging', 'driver')), options: stringRecord(at(s, 'logging', 'options')) },
    healthcheck:
      health === undefined
        ? undefined
        : { disabled: truthy(at(health, 'disable')), test: Array.isArray(test) ? strings(test) : [str(test) ?? ''] },
    labels: labelsOf(at(s, 'labels')),
  };
}

/** `source:target[:mode]` (v1) or `{ type, source, target, read_only }` (v2). */
function readMount(v: unknown): EffectiveMount[] {
  if (typeof v === 'string') {
    const [source = '', target, options = ''] = v.split(':');
    if (target === undefined) return [{ type: 'volume', source: undefined, target: source, readOnly: false }];
    const bind = /^[/.~]/.test(source) || source.includes('/');
    return [{ type: bind ? 'bind' : 'volume', source, target, readOnly: options.split(',').includes('ro') }];
  }
  const type = str(at(v, 'type')) ?? 'volume';
  const target = str(at(v, 'target'));
  if (target === undefined) return [];
  return [
    {
      type: type === 'bind' || type === 'volume' || type === 'tmpfs' ? type : 'other',
      source: str(at(v, 'source')),
      target,
      readOnly: truthy(at(v, 'read_only')),
    },
  ];
}

/** `[ip:][host:]container[/proto]` (v1, or a bare number) or `{ host_ip, published, target, protocol }` (v2). */
function readPort(p: unknown): EffectivePort[] {
  if (typeof p === 'number') return [{ hostIp: '', published: '', target: String(p), protocol: 'tcp' }];
  if (typeof p === 'string') {
    const [spec = '', protocol = 'tcp'] = p.split('/');
    const parts = spec.split(':');
    const target = parts.pop() ?? '';
    const published = parts.pop() ?? '';
    return [{ hostIp: parts.join(':').replace(/^\[|\]$/g, ''), published, target, protocol }];
  }
  const target = scalar(at(p, 'target'));
  if (target === undefined) return [];
  return [
    {
      hostIp: str(at(p, 'host_ip')) ?? '',
      published: scalar(at(p, 'published')) ?? '',
      target,
      protocol: str(at(p, 'protocol')) ?? 'tcp',
    },
  ];
}

/** Bytes from `512m`, `"536870912"` or 536870912; 0 and negatives (unlimited) read as undefined. */
function bytes(v: unknown): number | undefined {
  const n = typeof v === 'number' ? v : typeof v === 'string' ? parseMemory(v) : undefined;
  return n !== undefined && n > 0 ? n : undefined;
}

function nanoCpus(v: unknown): number | undefined {
  if (typeof v === 'number') return v > 0 ? Math.round(v * 1e9) : undefined;
  return typeof v === 'string' ? parseCpus(v) : undefined;
}

function count(v: unknown): number | undefined {
  const n = typeof v === 'string' && /^-?\d+$/.test(v) ? Number(v) : num(v);
  return n !== undefined && n > 0 ? n : undefined;
}

/** YAML 1.1 readers (compose v1) print some booleans as strings; accept both. */
function truthy(v: unknown): boolean {
  return v === true || (typeof v === 'string' && /^(true|yes|on|1)$/i.test(v));
}

function scalar(v: unknown): string | undefined {
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined;
}

function isExternal(v: unknown): boolean {
  return truthy(v) || (typeof v === 'object' && v !== null);
}

function stringRecord(v: unknown): Record<string, string> {
  return Object.fromEntries(
    Object.entries(record(v)).flatMap(([k, x]) => (scalar(x) === undefined ? [] : [[k, scalar(x)!]])),
  );
}

/** `{ k: v }` or `['k=v']`. */
function labelsOf(v: unknown): Record<string, string> {
  if (Array.isArray(v))
    return Object.fromEntries(
      strings(v).map((l) => {
        const at_ = l.indexOf('=');
        return at_ < 0 ? [l, ''] : [l.slice(0, at_), l.slice(at_ + 1)];
      }),
    );
  return stringRecord(v);
}

function optional<K extends string>(key: K, value: number | undefined): { [P in K]?: number } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: number };
}

/** Services a `--profile` selection starts: those without profiles and those with one of `active`. */
export function activeServices(config: EffectiveConfig, active: readonly string[]): EffectiveService[] {
  return config.services.filter((s) => s.profiles.length === 0 || s.profiles.some((p) => active.includes(p)));
}
