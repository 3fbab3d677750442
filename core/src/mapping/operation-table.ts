import type { Operation } from './operation.js';
import {
  divideOperation,
  maxOperation,
  minOperation,
  minusOperation,
  moduloOperation,
  plusOperation,
  timesOperation,
} from './operations/arithmetic-operations.js';
import {
  allOperation,
  filterOperation,
  inOperation,
  mapOperation,
  mergeOperation,
  noneOperation,
  reduceOperation,
  someOperation,
} from './operations/array-operations.js';
import { comparisonOperations } from './operations/comparison-operations.js';
import {
  existsOperation,
  missingOperation,
  missingSomeOperation,
  valOperation,
  varOperation,
} from './operations/data-operations.js';
import {
  dateAddOperation,
  dateDiffOperation,
  dateFormatOperation,
  dateParseOperation,
} from './operations/date-operations.js';
import {
  andOperation,
  ifOperation,
  notOperation,
  nullishOperation,
  orOperation,
  preserveOperation,
  ternaryOperation,
  throwOperation,
  truthyOperation,
  tryOperation,
} from './operations/logic-operations.js';
import { numberParseOperation, roundOperation } from './operations/number-operations.js';
import {
  coalesceOperation,
  flattenOperation,
  lookupOperation,
  objectOperation,
  pickOperation,
} from './operations/object-operations.js';
import { omitOperation } from './operations/omit-operation.js';
import {
  catOperation,
  joinOperation,
  lowerOperation,
  padEndOperation,
  padStartOperation,
  replaceOperation,
  splitOperation,
  substringOperation,
  substrOperation,
  trimOperation,
  upperOperation,
} from './operations/string-operations.js';

let table: ReadonlyMap<string, Operation> | undefined;

/** Every operation of Junction's mapping language, by name (built on first use). */
export function operationTable(): ReadonlyMap<string, Operation> {
  table ??= new Map(
    [
      varOperation,
      valOperation,
      existsOperation,
      missingOperation,
      missingSomeOperation,
      ifOperation,
      ternaryOperation,
      andOperation,
      orOperation,
      notOperation,
      truthyOperation,
      nullishOperation,
      preserveOperation,
      throwOperation,
      tryOperation,
      ...comparisonOperations,
      plusOperation,
      minusOperation,
      timesOperation,
      divideOperation,
      moduloOperation,
      maxOperation,
      minOperation,
      mapOperation,
      filterOperation,
      reduceOperation,
      allOperation,
      someOperation,
      noneOperation,
      mergeOperation,
      inOperation,
      catOperation,
      substrOperation,
      lowerOperation,
      upperOperation,
      trimOperation,
      splitOperation,
      joinOperation,
      replaceOperation,
      substringOperation,
      padStartOperation,
      padEndOperation,
      dateParseOperation,
      dateFormatOperation,
      dateAddOperation,
      dateDiffOperation,
      roundOperation,
      numberParseOperation,
      pickOperation,
      objectOperation,
      flattenOperation,
      lookupOperation,
      coalesceOperation,
      omitOperation,
    ].map((operation) => [operation.name, operation]),
  );
  return table;
}

/** The names of every operation, for documentation and editors. */
export function operationNames(): string[] {
  return [...operationTable().keys()];
}
