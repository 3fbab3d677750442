export {
  type AuditEntryInput,
  type AuditSealer,
  type AuditVerification,
  pruneAuditBodies,
  recordAudit,
  sealAuditEntries,
  startAuditSealer,
  verifyAuditChain,
} from './audit/index.js';
export {
  type Permission,
  permissions,
  roleHasPermission,
  rolePermissions,
} from './auth/permissions.js';
export { actorOf, type Principal, type RoleName, roles } from './auth/principal.js';
export { ConfigError, type JunctionConfig, loadConfig, type Role } from './config/config.js';
export { configOptions } from './config/config-options.js';
export { createDatabase, type JunctionDatabase } from './db/create-database.js';
export { startEmbeddedPostgres } from './db/embedded-postgres.js';
export { migrate, pendingMigrations } from './db/migrate.js';
export type { Database } from './db/schema.js';
export { createApp, openApiDocument } from './http/create-app.js';
export { createJunction, type Junction, type JunctionOptions } from './junction.js';
export { createLogger, type Logger } from './log/create-logger.js';
export { junctionVersion } from './version.js';
