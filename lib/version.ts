import pkg from '../package.json' with { type: 'json' };

/** This package's version, for --version and the "please report" line of internal errors. */
export const VERSION: string = pkg.version;
