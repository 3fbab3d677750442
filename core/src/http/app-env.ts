import type { Principal } from '../auth/principal.js';
import type { Logger } from '../log/create-logger.js';

/** What middleware puts on each request's context for the handlers. */
export interface AppEnv {
  Variables: {
    requestId: string;
    /** Junction's logger, set for every request (see `requestLogger` for one with its id). */
    baseLogger: Logger;
    /** The request's logger, made on first use by `requestLogger(c)`. */
    logger: Logger | undefined;
    principal: Principal;
  };
}
