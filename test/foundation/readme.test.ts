import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { configOptions } from '../../core/src/config/config-options.js';
import { repoRoot } from '../support/child-process.js';

it('documents every setting, with its default, in the README configuration table', () => {
  const readme = readFileSync(path.join(repoRoot, 'README.md'), 'utf8');
  for (const option of configOptions) {
    const row = readme
      .split('\n')
      .find((line) => line.split('|')[1]?.trim() === `\`${option.env}\``);
    expect(row, `${option.env} has a row`).toBeDefined();
    if (option.flag) expect(row).toContain(`\`${option.flag.split(' ')[0]}\``);
    expect(row).toContain(option.default === undefined ? 'unset' : `\`${option.default}\``);
  }
});
