/**
 * Validation of JUnit XML reports against the Jenkins xUnit plugin's JUnit schema
 * (test/fixtures/junit/junit-10.xsd, see its README), with xmllint-wasm: libxml2's own XSD
 * validator compiled to WebAssembly (the `xmllint` binary is not installed on the test machines).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { validateXML } from 'xmllint-wasm';
import { fixturesDir } from './paths.js';

const schema = readFileSync(path.join(fixturesDir, 'junit', 'junit-10.xsd'), 'utf8');

/** xmllint's messages for what makes `xml` invalid (`[]` when it is valid). */
export async function validateJUnit(xml: string): Promise<string[]> {
  const result = await validateXML({ xml: [{ fileName: 'report.xml', contents: xml }], schema: [schema] });
  return result.valid ? [] : result.errors.map((e) => e.rawMessage);
}
