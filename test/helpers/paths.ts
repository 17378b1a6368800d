/**
 * Where the tests find the repository and its fixtures. Everything a test reads lives inside the
 * repository, so a fresh clone tests itself with nothing beside it.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const fixturesDir = path.join(repoRoot, 'test', 'fixtures');
/** Trivy's own golden reports (see test/fixtures/trivy/README.md). */
export const trivyFixtures = path.join(fixturesDir, 'trivy');
/** The stand-in for the `trivy` binary that replays those reports. */
export const trivyStandin = path.join(fixturesDir, 'bin', 'trivy');
