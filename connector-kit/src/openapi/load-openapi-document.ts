import { existsSync } from 'node:fs';
import { dereference, validate } from '@readme/openapi-parser';
import type { OpenAPIV3, OpenAPIV3_1 } from 'openapi-types';

/**
 * An OpenAPI 3.0 or 3.1 document, dereferenced.
 *
 * @example
 * ```ts
 * const document: OpenApiDocument = await loadOpenApiDocument('openapi.json');
 * ```
 */
export type OpenApiDocument = OpenAPIV3.Document | OpenAPIV3_1.Document;

/**
 * Why a document cannot be used, as one sentence.
 *
 * @example
 * ```ts
 * try { await loadOpenApiDocument(file); } catch (e) { if (e instanceof OpenApiDocumentError) console.error(e.message); }
 * ```
 */
export class OpenApiDocumentError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'OpenApiDocumentError';
  }
}

function firstLine(text: string): string {
  return (text.split('\n').find((l) => l.trim() !== '') ?? text).trim();
}

/**
 * Reads, validates (against the OpenAPI 3.0 / 3.1 schemas and their extra rules) and
 * dereferences an OpenAPI document from a JSON or YAML file. Circular references stay `$ref`
 * objects. Throws {@link OpenApiDocumentError} with a sentence for a missing file, a file that
 * is not JSON or YAML, a Swagger 2.0 document, or an invalid one.
 *
 * @example
 * ```ts
 * const document = await loadOpenApiDocument('node_modules/@octokit/openapi/generated/api.github.com.json');
 * ```
 */
export async function loadOpenApiDocument(file: string): Promise<OpenApiDocument> {
  if (!existsSync(file)) throw new OpenApiDocumentError(`${file} does not exist.`);
  let result: Awaited<ReturnType<typeof validate>>;
  try {
    result = await validate(file);
  } catch (error) {
    throw new OpenApiDocumentError(
      `${file} cannot be read as an OpenAPI document: ${firstLine((error as Error).message)}`,
      { cause: error },
    );
  }
  if (result.specification === 'Swagger') {
    throw new OpenApiDocumentError(
      `${file} is a Swagger 2.0 document; from-openapi reads OpenAPI 3.0 and 3.1 (convert it first, for example with swagger2openapi).`,
    );
  }
  if (!result.valid) {
    const [first] = result.errors;
    const more = result.errors.length - 1 + result.additionalErrors;
    throw new OpenApiDocumentError(
      `${file} is not a valid OpenAPI document: ${firstLine(first?.message ?? 'unknown problem')}${more > 0 ? ` (and ${more} more)` : ''}.`,
    );
  }
  const document = (await dereference(file, {
    dereference: { circular: 'ignore' },
  })) as OpenApiDocument;
  if (!String(document.openapi ?? '').startsWith('3.')) {
    throw new OpenApiDocumentError(`${file} is not an OpenAPI 3.0 or 3.1 document.`);
  }
  return document;
}
