/** Makes a `switch` exhaustive: a new union member will not compile until it is handled. */
export function unreachable(value: never): never {
  throw new Error(`Internal error: unexpected value ${JSON.stringify(value)}`);
}
