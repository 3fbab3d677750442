import type { Operation } from '../operation.js';

/**
 * The value of `{"omit": []}`: "leave this key out". A mapping drops a field whose value it is
 * (and `object` a pair whose value it is) before the action's input is checked, so an action can
 * tell a key left out (leave the target's value alone) from `null` (clear it). Anywhere else it
 * is an empty object.
 */
export const OMIT: Readonly<Record<string, never>> = Object.freeze({});

/** `{"omit": []}`: leaves the mapping field (or `object` pair) it is the value of out. */
export const omitOperation: Operation = {
  name: 'omit',
  compile(arg, site, builder) {
    if (!Array.isArray(arg) || arg.length > 0) {
      builder.problem(site.argPointer, '"omit" takes no arguments: write {"omit": []}');
    }
    return builder.constant(OMIT);
  },
};
