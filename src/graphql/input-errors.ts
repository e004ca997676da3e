import { GraphQLError, Kind, visit, type ASTNode, type DocumentNode } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { ErrorCode } from '../errors';

/**
 * graphql-js reports a bad value written into the query (an unknown enum, a
 * string where an Int goes) as a validation failure that names no field. The
 * contract answers bad input with BAD_USER_INPUT naming the field, so those
 * errors are re-coded, with the argument path (`input.auth.type`) put first.
 * Bad values passed in variables already name their path in graphql-js's
 * message and are only re-coded.
 */
const VALUE_PROBLEMS = [
  /does not exist in ".+" enum/,
  /cannot represent/i,
  /^Expected value of type/,
  /^Field ".+" of required type ".+" was not provided/,
  /is not defined by type/,
  /^Variable "\$.+" got invalid value/,
];

function valuePath(document: DocumentNode, target: ASTNode): string | null {
  const names: string[] = [];
  let found: string | null = null;
  visit(document, {
    enter(node) {
      if (found) return false;
      if (node.kind === Kind.ARGUMENT || node.kind === Kind.OBJECT_FIELD) names.push(node.name.value);
      if (node === target) found = names.join('.');
      return undefined;
    },
    leave(node) {
      if (node.kind === Kind.ARGUMENT || node.kind === Kind.OBJECT_FIELD) names.pop();
    },
  });
  return found;
}

function recode(error: GraphQLError, document?: DocumentNode): GraphQLError {
  if (!VALUE_PROBLEMS.some((re) => re.test(error.message))) return error;
  const node = error.nodes?.[0];
  const field = document && node ? valuePath(document, node) : null;
  return new GraphQLError(field ? `${field}: ${error.message}` : error.message, {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    path: error.path,
    originalError: error.originalError,
    extensions: { ...error.extensions, code: ErrorCode.BAD_USER_INPUT, ...(field ? { field } : {}) },
  });
}

export function badInputCodes(): Plugin {
  return {
    onValidate({ params }) {
      return ({ result, setResult }) => {
        if (result.length) setResult(result.map((e) => recode(e, params.documentAST)));
      };
    },
    onExecute() {
      return {
        onExecuteDone({ result, setResult }) {
          // Variable coercion errors come back from execute with no data.
          if ('errors' in result && result.errors?.length && !('data' in result && result.data)) {
            setResult({ ...result, errors: result.errors.map((e) => recode(e)) });
          }
        },
      };
    },
  };
}
