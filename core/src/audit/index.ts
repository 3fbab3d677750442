export { bodyHashOf, chainHashOf, contentHashOf, GENESIS_HASH } from './audit-hash.js';
export { canonicalJson } from './canonical-json.js';
export { pruneAuditBodies } from './prune-audit-bodies.js';
export { type AuditEntryInput, recordAudit } from './record-audit.js';
export { REDACTED, redactSecrets } from './redact-secrets.js';
export { sealAuditEntries } from './seal-audit-entries.js';
export { type AuditSealer, startAuditSealer } from './start-audit-sealer.js';
export { type AuditVerification, type BrokenLink, verifyAuditChain } from './verify-audit-chain.js';
