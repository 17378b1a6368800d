/**
 * Which build-arg and Dockerfile ARG/ENV names hold secrets. One rule for preflight (a declared
 * secret is an error), the build (a secret goes by name, never in the argv) and the records (a
 * secret is kept as its hash). Broader than the render layer's redaction words: a build is where
 * a missed secret ends up in an image layer for good.
 */
import { createHash } from 'node:crypto';

const SECRET_NAME = /TOKEN|KEY|SECRET|PASSWORD|PASSWD|PASS|PRIVATE|CREDENTIAL/;
/** Names that look secret but are public by convention (the GPG key ids of official images). */
const SECRET_NAME_ALLOWED = /^GPG_KEYS?$/;

export function isSecretArgName(name: string): boolean {
  const upper = name.toUpperCase();
  return SECRET_NAME.test(upper) && !SECRET_NAME_ALLOWED.test(upper);
}

/** Build args as recorded and output: a secret-looking value becomes the hash that tells a change. */
export function withoutSecretValues(buildArgs: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(buildArgs).map(([k, v]) => [
      k,
      isSecretArgName(k) ? `sha256:${createHash('sha256').update(v).digest('hex')}` : v,
    ]),
  );
}
