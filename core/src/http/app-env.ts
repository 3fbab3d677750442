import type { Principal } from '../auth/principal.js';
import type { Logger } from '../log/create-logger.js';

/** What middleware puts on each request's context for the handlers. */
export interface AppEnv {
  Variables: {
    requestId: string;
    logger: Logger;
    principal: Principal;
  };
}
