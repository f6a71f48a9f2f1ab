import { createHash, timingSafeEqual } from 'node:crypto';
import type { Request, RequestHandler } from 'express';
import { HttpProblem } from '@saga/shared';

/** Who did something that changes state: the name an operator token was configured under. */
export interface Operator {
  name: string;
}

const digest = (token: string) => createHash('sha256').update(token).digest();

/**
 * The operator tokens from configuration (OPERATOR_TOKEN, OPERATOR_TOKENS). A request
 * that changes state (a replay, a purge, a webhook subscriber) must carry one as
 * `Authorization: Bearer <token>`; the name it was configured under is who the audit log
 * records. Tokens are compared in constant time, through their digests.
 */
export class OperatorTokens {
  private readonly known: Array<{ name: string; digest: Buffer }>;

  constructor(tokens: ReadonlyArray<{ name: string; token: string }>) {
    this.known = tokens.map(({ name, token }) => ({ name, digest: digest(token) }));
  }

  /** Whether operator actions are possible at all. */
  get configured(): boolean {
    return this.known.length > 0;
  }

  /** The operator whose token `authorization` (the header) carries, if any. */
  identify(authorization: string | undefined): Operator | undefined {
    const match = /^Bearer ([\x21-\x7e]{1,512})$/.exec(authorization ?? '');
    if (!match) return undefined;
    const presented = digest(match[1]!);
    // Every known token is compared, so the time taken does not say which one nearly matched.
    let found: Operator | undefined;
    for (const each of this.known) if (timingSafeEqual(each.digest, presented)) found ??= { name: each.name };
    return found;
  }

  /** The operator behind this request, or a 401 (no or wrong token) / 403 (operator actions disabled) problem. */
  require(req: Request): Operator {
    if (!this.configured) {
      throw new HttpProblem(403, 'Forbidden', 'Operator actions are disabled: no operator token is configured (set OPERATOR_TOKEN; npm start generates one)');
    }
    const operator = this.identify(req.get('authorization'));
    if (!operator) {
      throw new HttpProblem(401, 'Unauthorized', 'This action needs an operator token: send it as "Authorization: Bearer <token>"', undefined, {
        'WWW-Authenticate': 'Bearer realm="saga operator"',
      });
    }
    return operator;
  }

  /** Middleware: refuses the request unless it carries an operator token; the operator is then `res.locals.operator`. */
  readonly guard: RequestHandler = (req, res, next) => {
    try {
      res.locals.operator = this.require(req);
      next();
    } catch (error) {
      next(error);
    }
  };
}
