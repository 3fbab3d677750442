import { type ConfigFlags, type JunctionConfig, loadConfig } from '../config/config.js';
import { configOptions } from '../config/config-options.js';

/** Reads commander's parsed options into configuration flags, then validates everything at once. */
export function configFromFlags(options: Record<string, unknown>): JunctionConfig {
  const flags: Record<string, string | undefined> = {};
  for (const option of configOptions) {
    const value = options[option.key] ?? options[flagName(option.flag)];
    if (typeof value === 'string') flags[option.key] = value;
  }
  return loadConfig(process.env, flags as ConfigFlags);
}

/** `--poll-interval <ms>` is parsed by commander as `pollInterval`. */
function flagName(flag: string | undefined): string {
  if (!flag) return '';
  const long = flag.split(' ')[0]?.replace(/^--/, '') ?? '';
  return long.replace(/-([a-z])/g, (_, letter: string) => letter.toUpperCase());
}
