import { defineCase } from '../harness.js';
import { typedProject } from '../typed-project.js';

/** 10,000 in-process typed tasks, line renderer; the ratio is the growth from 1,000. */
export default defineCase({
  name: '10,000 typed tasks (lines)',
  targets: { ratio: 12, ms: 1000, peakMiB: 190 },
  prepare: (tools) => typedProject(tools, []),
});
