/**
 * Docker's own rules for the names and references we pass it, so a bad value is refused when the
 * config loads instead of after a build and a scan, by `docker run` or `docker tag`:
 * - container (and network) names: `[a-zA-Z0-9][a-zA-Z0-9_.-]*` (moby's `restrictedNamePattern`);
 * - image references: the distribution reference grammar (github.com/distribution/reference,
 *   `reference.go`): lowercase path components, an optional registry host[:port], a tag of at most
 *   128 word characters, dots and dashes, an optional `@algorithm:hex` digest;
 * - published ports: `[ip:][hostPort:]containerPort[/tcp|udp|sctp]`, ports 1-65535 (ranges as
 *   `8000-8001`), the host IP an IPv4 or a bracketed IPv6 address.
 * Each check returns undefined when the value is fine, else what is wrong, for the message.
 */

const NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;
/** A path component: lowercase alphanumerics joined by one `.`, one or two `_`, or any number of `-`. */
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
/** A registry host: DNS labels or an IPv4/bracketed IPv6 address, with an optional port. */
const DOMAIN =
  /^(?:(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(?:\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))*|\[[0-9a-fA-F:.]+\])(?::[0-9]+)?$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}$/;
const MAX_NAME_LENGTH = 255;

/** A container or network name docker accepts. */
export function nameProblem(name: string): string | undefined {
  if (name === '') return 'it is empty';
  if (!NAME.test(name))
    return 'docker allows only letters, digits and _ . - and the first character must be a letter or digit';
  return undefined;
}

/** An image repository (`[registry[:port]/]path`, no tag, no digest). */
export function repositoryProblem(repository: string): string | undefined {
  if (repository === '') return 'it is empty';
  if (repository.length > MAX_NAME_LENGTH) return `it is longer than ${MAX_NAME_LENGTH} characters`;
  if (repository.includes('@')) return 'a digest belongs in the reference, not in the repository name';
  const parts = repository.split('/');
  // The first part is a registry when it looks like a host (a dot, a port, or localhost), as docker decides.
  const first = parts[0]!;
  const hasDomain = parts.length > 1 && (first.includes('.') || first.includes(':') || first === 'localhost');
  if (hasDomain && !DOMAIN.test(first)) return `"${first}" is not a registry host[:port]`;
  const path = hasDomain ? parts.slice(1) : parts;
  for (const component of path) {
    if (component !== component.toLowerCase()) return 'repository names must be lowercase';
    if (component.includes(':'))
      return 'a tag belongs in image.tag (or after the name in a full reference), not in the repository name';
    if (!PATH_COMPONENT.test(component)) {
      return `"${component}" is not a valid path component (lowercase letters and digits, joined by . _ __ or -)`;
    }
  }
  return undefined;
}

/** An image tag. */
export function tagProblem(tag: string): string | undefined {
  if (tag.includes('@') || tag.startsWith('sha256:'))
    return 'a digest is not a tag; pin by digest in a full reference (name@sha256:...)';
  if (!TAG.test(tag)) return 'a tag is 1 to 128 letters, digits, _ . and -, and must not start with . or -';
  return undefined;
}

/** A full image reference: `repository[:tag][@digest]`. */
export function referenceProblem(reference: string): string | undefined {
  if (reference.startsWith('-')) return 'it starts with "-", which docker would read as an option';
  const [withoutDigest, digest, ...more] = reference.split('@');
  if (more.length > 0) return 'it has more than one @';
  if (digest !== undefined && !DIGEST.test(digest))
    return `"${digest}" is not a digest (algorithm:hex, e.g. sha256:<64 hex digits>)`;
  const name = withoutDigest ?? '';
  const lastSlash = name.lastIndexOf('/');
  const colon = name.lastIndexOf(':');
  const hasTag = colon > lastSlash;
  const repository = hasTag ? name.slice(0, colon) : name;
  const problem = repositoryProblem(repository);
  if (problem) return problem;
  return hasTag ? tagProblem(name.slice(colon + 1)) : undefined;
}

/** A `-p` spec. */
export function portProblem(spec: string): string | undefined {
  const usage = 'expected [ip:][hostPort:]containerPort[/tcp|udp|sctp], e.g. "127.0.0.1:8080:8080"';
  const [address = '', proto, ...extra] = spec.split('/');
  if (extra.length > 0) return usage;
  if (proto !== undefined && !['tcp', 'udp', 'sctp'].includes(proto))
    return `"${proto}" is not a protocol (tcp, udp or sctp)`;
  let ip: string | undefined;
  let rest = address;
  if (rest.startsWith('[')) {
    const close = rest.indexOf(']:');
    if (close === -1) return usage;
    ip = rest.slice(0, close + 1);
    rest = rest.slice(close + 2);
  }
  const parts = rest.split(':');
  if (ip === undefined && parts.length === 3) ip = parts.shift();
  if (parts.length > 2 || parts.length === 0) return usage;
  const container = parts.pop()!;
  const host = parts.pop();
  if (ip !== undefined && !ip.startsWith('[') && !isIpv4(ip))
    return `"${ip}" is not an IPv4 address (write IPv6 as [::1])`;
  // The host port may be left empty (`127.0.0.1::80`: the engine picks one); the container port may not.
  for (const range of host === undefined || host === '' ? [container] : [host, container]) {
    if (!/^\d+(-\d+)?$/.test(range)) return usage;
    const [from, to] = range.split('-').map(Number);
    for (const port of [from, to]) {
      if (port !== undefined && (port < 1 || port > 65535)) return `port ${port} is outside 1-65535`;
    }
    if (to !== undefined && from !== undefined && to < from) return `the range ${range} runs backwards`;
  }
  return undefined;
}

function isIpv4(text: string): boolean {
  const parts = text.split('.');
  return parts.length === 4 && parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255);
}

// -- fleet hosts (deploy.hosts): here, not in ./target.ts, because the config checks them at load
// time and this module is already loaded then (./target.ts is run-time only).

/** A docker endpoint URL the CLI's `--host` takes (`npipe://` for Windows engines). */
const HOST_URL = /^(unix|tcp|ssh|npipe):\/\/\S+$/;
/** A docker context name, as `docker context create` accepts it. */
const CONTEXT_NAME = /^[A-Za-z0-9][A-Za-z0-9_.+-]*$/;

export const isHostUrl = (host: string): boolean => HOST_URL.test(host);

/**
 * What is wrong with `host` as a fleet host (`deploy.hosts`), or undefined when it is a Docker
 * endpoint URL or a docker context name.
 */
export function fleetHostProblem(host: string): string | undefined {
  if (HOST_URL.test(host) || CONTEXT_NAME.test(host)) return undefined;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(host)) return 'the scheme is not one docker --host takes';
  return host.trim() === '' ? 'it is empty' : 'it is neither an endpoint URL nor a context name';
}
