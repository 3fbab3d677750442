import { describe, expect, it } from 'vitest';
import { CONTRACT_VERSION, isContractSupported, satisfiesRange } from './contract-version.js';

describe('contract version', () => {
  it('is semver, 1.15.0 (json fields, settings, table polling, signals, nullable fields, webhook secrets, REST helpers, waits, egress, redaction, destinations, detached calls, concurrency, auth test details, record type operations, changed records, record counts, finding records, narrow batch answers)', () => {
    expect(CONTRACT_VERSION).toMatch(/^\d+\.\d+\.\d+$/);
    expect(CONTRACT_VERSION).toBe('1.15.0');
  });

  it('reads the common range forms', () => {
    expect(satisfiesRange('^1.0.0', '1.4.2')).toBe(true);
    expect(satisfiesRange('^1.2.0', '1.1.9')).toBe(false);
    expect(satisfiesRange('^1.0.0', '2.0.0')).toBe(false);
    expect(satisfiesRange('^0.2.0', '0.3.0')).toBe(false);
    expect(satisfiesRange('~1.2.0', '1.2.9')).toBe(true);
    expect(satisfiesRange('~1.2.0', '1.3.0')).toBe(false);
    expect(satisfiesRange('>=1.0.0 <2', '1.9.9')).toBe(true);
    expect(satisfiesRange('>=1.0.0 <2', '2.0.0')).toBe(false);
    expect(satisfiesRange('1.x', '1.7.0')).toBe(true);
    expect(satisfiesRange('2.0.0 || ^1.0.0', '1.0.0')).toBe(true);
    expect(satisfiesRange('whatever', '1.0.0')).toBeUndefined();
  });

  it('accepts connectors that target this contract', () => {
    expect(isContractSupported('^1.0.0')).toBe(true);
    expect(isContractSupported('1.0.0')).toBe(true);
    expect(isContractSupported('^1.1.0')).toBe(true);
    expect(isContractSupported('^1.1.0', '1.0.0')).toBe(false);
    expect(isContractSupported('^1.2.0')).toBe(true);
    expect(isContractSupported('^1.2.0', '1.1.0')).toBe(false);
    expect(isContractSupported('^1.3.0')).toBe(true);
    expect(isContractSupported('^1.3.0', '1.2.0')).toBe(false);
    expect(isContractSupported('^1.4.0')).toBe(true);
    expect(isContractSupported('^1.4.0', '1.3.0')).toBe(false);
    expect(isContractSupported('^1.6.0')).toBe(true);
    expect(isContractSupported('^1.6.0', '1.5.0')).toBe(false);
    expect(isContractSupported('^1.7.0')).toBe(true);
    expect(isContractSupported('^1.7.0', '1.6.0')).toBe(false);
    expect(isContractSupported('^1.8.0')).toBe(true);
    expect(isContractSupported('^1.8.0', '1.7.0')).toBe(false);
    expect(isContractSupported('^1.9.0')).toBe(true);
    expect(isContractSupported('^1.9.0', '1.8.0')).toBe(false);
    expect(isContractSupported('^1.10.0')).toBe(true);
    expect(isContractSupported('^1.10.0', '1.9.0')).toBe(false);
    expect(isContractSupported('^1.11.0')).toBe(true);
    expect(isContractSupported('^1.11.0', '1.10.0')).toBe(false);
    expect(isContractSupported('^1.12.0')).toBe(true);
    expect(isContractSupported('^1.12.0', '1.11.0')).toBe(false);
    expect(isContractSupported('^1.13.0')).toBe(true);
    expect(isContractSupported('^1.13.0', '1.12.0')).toBe(false);
    expect(isContractSupported('^1.14.0')).toBe(true);
    expect(isContractSupported('^1.14.0', '1.13.0')).toBe(false);
    expect(isContractSupported('^1.15.0')).toBe(true);
    expect(isContractSupported('^1.15.0', '1.14.0')).toBe(false);
    expect(isContractSupported('^1.16.0')).toBe(false);
    expect(isContractSupported('^2.0.0')).toBe(false);
    expect(isContractSupported('nonsense')).toBe(false);
  });
});
