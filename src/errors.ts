import { GraphQLError } from 'graphql';

/**
 * Errors that reach a GraphQL client carry a stable `extensions.code`; every
 * other error is masked by the server (see graphql/yoga.ts) and only logged.
 */
export const ErrorCode = {
  BAD_USER_INPUT: 'BAD_USER_INPUT',
  NOT_FOUND: 'NOT_FOUND',
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  CONFLICT: 'CONFLICT',
  EVENTS_PRUNED: 'EVENTS_PRUNED',
  SLOW_CONSUMER: 'SLOW_CONSUMER',
  /** The external API failed (status, timeout, bad body): the message says how. */
  UPSTREAM_ERROR: 'UPSTREAM_ERROR',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export class AppError extends GraphQLError {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, extensions: Record<string, unknown> = {}) {
    super(message, { extensions: { code, ...extensions } });
    this.code = code;
  }
}

/** Bad input: the message names the field (e.g. `input.auth.apiKey`). */
export class BadInputError extends AppError {
  constructor(field: string, problem: string) {
    super(ErrorCode.BAD_USER_INPUT, `${field}: ${problem}`, { field });
  }
}

export class NotFoundError extends AppError {
  constructor(kind: string, id: string) {
    super(ErrorCode.NOT_FOUND, `${kind} ${id} not found`);
  }
}

export class UnauthenticatedError extends AppError {
  constructor(message = 'a valid admin token is required: Authorization: Bearer <token>') {
    super(ErrorCode.UNAUTHENTICATED, message);
  }
}
