"use strict";
/**
 * Entry point of the providers a stack stores, version 1 (providers/kit.ts forwardingProvider): the code
 * in a stack's state names a provider key (`<module>:<type>`) and a method, and this file, loaded from
 * the working tree by Pulumi's provider host, runs that provider's implementation. `pulumi destroy` and
 * `refresh` run the code a stack stores, so this file and every key a stack may hold stay working for as
 * long as such stacks exist, whatever moves behind providers/registry.ts. A change to the calling
 * convention is a new file (v2.js) beside this one.
 */
// The provider host is plain Node: the project's TypeScript is compiled on load (tsx, a dependency).
require("tsx/cjs/api").register();
const { providerFor } = require("../registry.ts");

exports.call = (key, method, args) => {
  const provider = providerFor(key);
  if (typeof provider[method] !== "function") {
    throw new Error(`the ${key} provider has no ${method} (providers/registry.ts); this stack was written by another version of spec1-ops`);
  }
  return provider[method](...args);
};
